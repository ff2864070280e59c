//! Alipay's open API, as its public docs write it: `alipay.trade.query` and
//! `alipay.trade.fastpay.refund.query`, requests signed RSA2 (SHA256withRSA
//! over the sorted `key=value` pairs, `sign` left out) with the app's
//! private key; every answer's `sign` verified with the Alipay public key
//! over the exact text of its `…_response` object before anything in it is
//! read. Alipay's answers carry no time or nonce: each must be about the
//! payment (or refund) asked, or it is refused.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use chrono::NaiveDateTime;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::Verifier;
use serde::Deserialize;

use super::{cents, Answer, CheckError, Provider, RefundAnswer};
use crate::domain::codes::{CheckState, PaymentMethod, RefundState};

const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Keys {
    pub app_id: String,
    /// PEM (PKCS#8).
    pub private_key: Vec<u8>,
    /// PEM (SPKI): Alipay's public key.
    pub public_key: Vec<u8>,
    pub gateway: String,
}

pub struct Alipay {
    app_id: String,
    private_key: PKey<Private>,
    public_key: PKey<Public>,
    gateway: String,
}

impl Alipay {
    pub fn new(keys: Keys) -> Result<Alipay, String> {
        let private_key = PKey::private_key_from_pem(&keys.private_key)
            .map_err(|_| "PAYDESK_ALIPAY_PRIVATE_KEY: not a PEM private key".to_string())?;
        let public_key = PKey::public_key_from_pem(&keys.public_key)
            .map_err(|_| "PAYDESK_ALIPAY_PUBLIC_KEY: not a PEM public key".to_string())?;
        if private_key.id() != openssl::pkey::Id::RSA || public_key.id() != openssl::pkey::Id::RSA {
            return Err("PAYDESK_ALIPAY_PRIVATE_KEY and PAYDESK_ALIPAY_PUBLIC_KEY: RSA2 needs RSA keys".into());
        }
        super::check_base_url(&keys.gateway, "PAYDESK_ALIPAY_GATEWAY")?;
        Ok(Alipay { app_id: keys.app_id, private_key, public_key, gateway: keys.gateway })
    }

    /// The request's parameters, signed.
    pub fn params(&self, method: &str, biz_content: &str, now: NaiveDateTime) -> BTreeMap<&'static str, String> {
        let mut p = BTreeMap::new();
        p.insert("app_id", self.app_id.clone());
        p.insert("method", method.to_string());
        p.insert("format", "JSON".into());
        p.insert("charset", "utf-8".into());
        p.insert("sign_type", "RSA2".into());
        p.insert("timestamp", crate::domain::china::to_china_time(now).format("%Y-%m-%d %H:%M:%S").to_string());
        p.insert("version", "1.0".into());
        p.insert("biz_content", biz_content.to_string());
        let signature = super::wechat::sign(&self.private_key, string_to_sign(&p).as_bytes());
        p.insert("sign", signature);
        p
    }

    /// Calls a method; the text of its `…_response` object, verified.
    fn call(&self, method: &str, biz_content: &str, now: NaiveDateTime) -> Result<String, CheckError> {
        let params = self.params(method, biz_content, now);
        let res = super::http()?.post(&self.gateway).timeout(TIMEOUT).form(&params).send().map_err(|e| {
            CheckError::Failed(format!("Alipay did not answer{}", if e.is_timeout() { " in time" } else { "" }))
        })?;
        let status = res.status().as_u16();
        let body = res.text().map_err(|_| CheckError::Failed("Alipay's answer broke off".into()))?;
        if status != 200 {
            return Err(CheckError::Failed(format!("Alipay answered {status}")));
        }
        let key = format!("{}_response", method.replace('.', "_"));
        let signed =
            response_text(&body, &key).ok_or_else(|| CheckError::Unverified(format!("no {key} in the answer")))?;
        #[derive(Deserialize)]
        struct Envelope {
            sign: Option<String>,
        }
        let sign = serde_json::from_str::<Envelope>(&body)
            .ok()
            .and_then(|e| e.sign)
            .ok_or_else(|| CheckError::Unverified("an unsigned answer".into()))?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(sign)
            .map_err(|_| CheckError::Unverified("a signature that is not base64".into()))?;
        let ok = Verifier::new(MessageDigest::sha256(), &self.public_key)
            .and_then(|mut v| v.verify_oneshot(&signature, signed.as_bytes()))
            .unwrap_or(false);
        if !ok {
            return Err(CheckError::Unverified("the signature does not match".into()));
        }
        Ok(signed.to_string())
    }

    /// `trade_no` for Alipay's own 28-digit numbers, else `out_trade_no`.
    fn order_field(number: &str) -> &'static str {
        if number.len() == 28 && number.bytes().all(|b| b.is_ascii_digit()) {
            "trade_no"
        } else {
            "out_trade_no"
        }
    }
}

/// The sorted `key=value` pairs joined by `&`, without `sign` or empty values.
pub fn string_to_sign(params: &BTreeMap<&'static str, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| **k != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The exact text of the object under `key` in an answer (what Alipay
/// signs), found by walking the JSON, strings and escapes included.
pub fn response_text<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let marker = format!("\"{key}\"");
    let after = body.find(&marker)? + marker.len();
    let open = after + body[after..].find('{')?;
    if !body[after..open].trim().trim_start_matches(':').trim().is_empty() {
        return None;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in body[open..].char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (true, false, _) => {}
            (false, _, '"') => in_string = true,
            (false, _, '{') => depth += 1,
            (false, _, '}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(&body[open..open + i + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

#[derive(Deserialize)]
struct Trade {
    code: String,
    #[serde(default)]
    sub_code: String,
    #[serde(default)]
    sub_msg: String,
    #[serde(default)]
    trade_no: String,
    #[serde(default)]
    out_trade_no: String,
    #[serde(default)]
    trade_status: String,
    total_amount: Option<String>,
    buyer_pay_amount: Option<String>,
    send_pay_date: Option<String>,
}

#[derive(Deserialize)]
struct RefundQuery {
    code: String,
    #[serde(default)]
    sub_code: String,
    #[serde(default)]
    out_request_no: String,
    refund_status: Option<String>,
    refund_amount: Option<String>,
}

/// paydesk's state for Alipay's `trade_status`.
pub fn state_of(trade_status: &str) -> CheckState {
    match trade_status {
        "TRADE_SUCCESS" | "TRADE_FINISHED" => CheckState::Paid,
        // Closed unpaid (or after a full refund: the refund query tells).
        "TRADE_CLOSED" => CheckState::NotPaid,
        _ => CheckState::Pending,
    }
}

impl Provider for Alipay {
    fn name(&self) -> &'static str {
        "alipay"
    }

    fn method(&self) -> PaymentMethod {
        PaymentMethod::Alipay
    }

    fn query(&self, number: &str, now: NaiveDateTime) -> Result<Answer, CheckError> {
        let number = number.trim();
        let biz = serde_json::json!({ Self::order_field(number): number }).to_string();
        let text = self.call("alipay.trade.query", &biz, now)?;
        let t: Trade = serde_json::from_str(&text)
            .map_err(|_| CheckError::Failed("Alipay's answer is not the documented JSON".into()))?;
        if t.code == "40004" && t.sub_code == "ACQ.TRADE_NOT_EXIST" {
            return Ok(Answer {
                state: CheckState::NotFound,
                provider_state: t.sub_code,
                description: t.sub_msg,
                amount_cents: None,
                paid_at: None,
                order_number: None,
                // Alipay signs no nonce (see the module's note).
                nonce: None,
            });
        }
        if t.code != "10000" {
            return Err(CheckError::Failed(format!("Alipay answered {} {}: {}", t.code, t.sub_code, t.sub_msg)));
        }
        if t.out_trade_no != number && t.trade_no != number {
            return Err(CheckError::Unverified("an answer about another payment".into()));
        }
        let paid_at = t
            .send_pay_date
            .as_deref()
            .and_then(|d| NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S").ok())
            .map(crate::domain::china::from_china_time);
        Ok(Answer {
            state: state_of(&t.trade_status),
            description: String::new(),
            amount_cents: t.buyer_pay_amount.or(t.total_amount).as_deref().and_then(cents),
            paid_at,
            order_number: Some(t.out_trade_no).filter(|n| !n.is_empty()),
            provider_state: t.trade_status,
            nonce: None,
        })
    }

    fn refund(&self, order_number: &str, refund_number: &str, now: NaiveDateTime) -> Result<RefundAnswer, CheckError> {
        let order = order_number.trim();
        let biz = serde_json::json!({ Self::order_field(order): order, "out_request_no": refund_number }).to_string();
        let text = self.call("alipay.trade.fastpay.refund.query", &biz, now)?;
        let r: RefundQuery = serde_json::from_str(&text)
            .map_err(|_| CheckError::Failed("Alipay's answer is not the documented JSON".into()))?;
        if r.code != "10000" {
            return Err(CheckError::Failed(format!("Alipay answered {} {}", r.code, r.sub_code)));
        }
        if r.out_request_no != refund_number {
            return Err(CheckError::Unverified("an answer about another refund".into()));
        }
        // Alipay names the status only once the refund succeeded.
        let state = if r.refund_status.as_deref() == Some("REFUND_SUCCESS") {
            RefundState::Succeeded
        } else {
            RefundState::Processing
        };
        Ok(RefundAnswer {
            state,
            provider_state: r.refund_status.unwrap_or_default(),
            amount_cents: r.refund_amount.as_deref().and_then(cents),
            nonce: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_is_found_exactly_strings_and_escapes_included() {
        let body = r#"{"alipay_trade_query_response":{"code":"10000","msg":"Su}c\"{cess","x":{"y":1}},"sign":"abc"}"#;
        assert_eq!(
            response_text(body, "alipay_trade_query_response"),
            Some(r#"{"code":"10000","msg":"Su}c\"{cess","x":{"y":1}}"#)
        );
        assert_eq!(response_text(body, "other_response"), None);
        assert_eq!(response_text(r#"{"alipay_trade_query_response":"#, "alipay_trade_query_response"), None);
    }

    #[test]
    fn requests_sign_the_sorted_pairs_without_sign_or_blanks() {
        let mut p = BTreeMap::new();
        p.insert("method", "alipay.trade.query".to_string());
        p.insert("app_id", "2014072300007148".to_string());
        p.insert("sign", "x".to_string());
        p.insert("charset", String::new());
        assert_eq!(string_to_sign(&p), "app_id=2014072300007148&method=alipay.trade.query");
        assert_eq!(state_of("TRADE_FINISHED"), CheckState::Paid);
        assert_eq!(state_of("WAIT_BUYER_PAY"), CheckState::Pending);
        assert_eq!(state_of("TRADE_CLOSED"), CheckState::NotPaid);
    }
}
