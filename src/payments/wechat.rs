//! WeChat Pay API v3, as its public docs write it: query an order by
//! WeChat's transaction id or the merchant's order number; requests signed
//! `WECHATPAY2-SHA256-RSA2048` with the merchant's private key; every answer
//! verified against the WeChat Pay public key (`Wechatpay-Serial` is its
//! id) over `timestamp\nnonce\nbody\n`, and refused when the signature fails
//! or its time is more than five minutes off.

use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use serde::Deserialize;

use super::{without_url, Answer, CheckError, Provider, RefundAnswer};
use crate::domain::codes::{CheckState, PaymentMethod, RefundState};

/// How far an answer's time may be from ours.
const MAX_SKEW_SECS: i64 = 300;
const TIMEOUT: Duration = Duration::from_secs(10);
/// WeChat Pay sends answers signed with this prefix to test that merchants
/// verify: they must fail.
const SIGNTEST: &str = "WECHATPAY/SIGNTEST/";

pub struct Keys {
    pub mchid: String,
    /// The merchant API certificate's serial number.
    pub serial: String,
    /// PEM (PKCS#8).
    pub private_key: Vec<u8>,
    /// PEM (SPKI).
    pub public_key: Vec<u8>,
    pub public_key_id: String,
    pub base_url: String,
}

pub struct WechatPay {
    mchid: String,
    serial: String,
    private_key: PKey<Private>,
    public_key: PKey<Public>,
    public_key_id: String,
    base_url: String,
}

impl WechatPay {
    pub fn new(keys: Keys) -> Result<WechatPay, String> {
        let private_key = PKey::private_key_from_pem(&keys.private_key)
            .map_err(|_| "PAYDESK_WECHATPAY_PRIVATE_KEY: not a PEM private key".to_string())?;
        let public_key = PKey::public_key_from_pem(&keys.public_key)
            .map_err(|_| "PAYDESK_WECHATPAY_PUBLIC_KEY: not a PEM public key".to_string())?;
        // WECHATPAY2-SHA256-RSA2048: both keys are RSA.
        if private_key.id() != openssl::pkey::Id::RSA {
            return Err("PAYDESK_WECHATPAY_PRIVATE_KEY: not an RSA key".into());
        }
        if public_key.id() != openssl::pkey::Id::RSA {
            return Err("PAYDESK_WECHATPAY_PUBLIC_KEY: not an RSA key".into());
        }
        super::check_base_url(&keys.base_url, "PAYDESK_WECHATPAY_BASE_URL")?;
        Ok(WechatPay {
            mchid: keys.mchid,
            serial: keys.serial,
            private_key,
            public_key,
            public_key_id: keys.public_key_id,
            base_url: keys.base_url,
        })
    }

    /// The `Authorization` header for a request (WeChat Pay's order of the
    /// five fields, as its SDKs send them).
    pub fn authorization(&self, method: &str, path_and_query: &str, body: &str, timestamp: i64, nonce: &str) -> String {
        let message = format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n");
        let signature = sign(&self.private_key, message.as_bytes());
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.mchid, self.serial
        )
    }

    /// Checks an answer's signature headers over its raw body.
    pub fn verify(&self, headers: &reqwest::header::HeaderMap, body: &[u8], now: i64) -> Result<String, CheckError> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| CheckError::Unverified(format!("no {name} header")))
        };
        let serial = header("Wechatpay-Serial")?;
        let signature = header("Wechatpay-Signature")?;
        let timestamp = header("Wechatpay-Timestamp")?;
        let nonce = header("Wechatpay-Nonce")?;
        if serial != self.public_key_id {
            return Err(CheckError::Unverified(format!("signed with key {serial}, not {}", self.public_key_id)));
        }
        let ts: i64 =
            timestamp.parse().map_err(|_| CheckError::Unverified("a timestamp that is not a number".into()))?;
        if (now - ts).abs() >= MAX_SKEW_SECS {
            return Err(CheckError::Unverified(format!("signed {}s from now", ts - now)));
        }
        if signature.starts_with(SIGNTEST) {
            return Err(CheckError::Unverified("a signature test probe".into()));
        }
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| CheckError::Unverified("a signature that is not base64".into()))?;
        let mut message = Vec::with_capacity(body.len() + 64);
        message.extend_from_slice(format!("{ts}\n{nonce}\n").as_bytes());
        message.extend_from_slice(body);
        message.push(b'\n');
        let ok = Verifier::new(MessageDigest::sha256(), &self.public_key)
            .and_then(|mut v| v.verify_oneshot(&signature, &message))
            .unwrap_or(false);
        if !ok {
            return Err(CheckError::Unverified("the signature does not match".into()));
        }
        // A genuine answer sent again (by whoever saw it) is not a new one:
        // its nonce is remembered in the database, across servers, by the
        // job that takes the answer (`db::payments::remember_nonce`).
        Ok(nonce.to_string())
    }

    /// The path for a number: WeChat's transaction ids are 28 digits; any
    /// other number is the merchant's own order number.
    pub fn path(&self, number: &str) -> String {
        // RFC 3986's unreserved characters stay as they are (Go's PathEscape).
        const PATH: &percent_encoding::AsciiSet =
            &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
        let number: String = percent_encoding::utf8_percent_encode(number.trim(), PATH).collect();
        if number.len() == 28 && number.bytes().all(|b| b.is_ascii_digit()) {
            format!("/v3/pay/transactions/id/{number}?mchid={}", self.mchid)
        } else {
            format!("/v3/pay/transactions/out-trade-no/{number}?mchid={}", self.mchid)
        }
    }
}

/// SHA256withRSA (PKCS#1 v1.5), base64.
pub fn sign(key: &PKey<Private>, message: &[u8]) -> String {
    let signature = Signer::new(MessageDigest::sha256(), key)
        .and_then(|mut s| s.sign_oneshot_to_vec(message))
        .expect("an RSA key read at start signs");
    base64::engine::general_purpose::STANDARD.encode(signature)
}

#[derive(Deserialize)]
struct Transaction {
    #[serde(default)]
    mchid: String,
    #[serde(default)]
    out_trade_no: String,
    #[serde(default)]
    transaction_id: Option<String>,
    trade_state: String,
    #[serde(default)]
    trade_state_desc: String,
    success_time: Option<String>,
    amount: Option<Amount>,
}

#[derive(Deserialize)]
struct Amount {
    total: Option<i64>,
    payer_total: Option<i64>,
}

#[derive(Deserialize)]
struct Refund {
    out_refund_no: String,
    status: String,
    amount: Option<RefundAmount>,
}

#[derive(Deserialize)]
struct RefundAmount {
    refund: Option<i64>,
}

/// paydesk's state for WeChat Pay's refund `status`.
pub fn refund_state_of(status: &str) -> RefundState {
    match status {
        "SUCCESS" => RefundState::Succeeded,
        "CLOSED" => RefundState::Closed,
        "ABNORMAL" => RefundState::Abnormal,
        _ => RefundState::Processing,
    }
}

#[derive(Deserialize)]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

/// paydesk's state for WeChat Pay's `trade_state`.
pub fn state_of(trade_state: &str) -> CheckState {
    match trade_state {
        "SUCCESS" => CheckState::Paid,
        "REFUND" => CheckState::Refunding,
        "NOTPAY" | "CLOSED" | "REVOKED" | "PAYERROR" => CheckState::NotPaid,
        // Waiting for the payer's password, or a state added later.
        _ => CheckState::Pending,
    }
}

impl WechatPay {
    /// A signed GET; the answer verified before anything in it is read.
    /// Its status, body and signed nonce.
    fn get(&self, path: &str, now: NaiveDateTime) -> Result<(u16, Vec<u8>, String), CheckError> {
        let auth = self.authorization("GET", path, "", now.and_utc().timestamp(), &super::nonce());
        let res = super::http()?
            .get(format!("{}{path}", self.base_url))
            .timeout(TIMEOUT)
            .header("Authorization", auth)
            .header("Accept", "application/json")
            .send()
            .map_err(|e| CheckError::Failed(format!("WeChat Pay did not answer: {}", without_url(&e))))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.bytes().map_err(|_| CheckError::Failed("WeChat Pay's answer broke off".into()))?.to_vec();
        let nonce = self.verify(&headers, &body, now.and_utc().timestamp())?;
        Ok((status, body, nonce))
    }
}

impl Provider for WechatPay {
    fn name(&self) -> &'static str {
        "wechat_pay"
    }

    fn method(&self) -> PaymentMethod {
        PaymentMethod::WechatPay
    }

    fn refund(&self, _order_number: &str, refund_number: &str, now: NaiveDateTime) -> Result<RefundAnswer, CheckError> {
        if !super::merchant::valid_number(refund_number) {
            return Err(CheckError::Failed("not a refund number".into()));
        }
        let (status, body, nonce) = self.get(&format!("/v3/refund/domestic/refunds/{refund_number}"), now)?;
        if status != 200 {
            let e: Option<ApiError> = serde_json::from_slice(&body).ok();
            return Err(CheckError::Failed(match e {
                Some(e) => format!("WeChat Pay answered {status} {}: {}", e.code, e.message),
                None => format!("WeChat Pay answered {status}"),
            }));
        }
        let r: Refund = serde_json::from_slice(&body)
            .map_err(|_| CheckError::Failed("WeChat Pay's answer is not the documented JSON".into()))?;
        if r.out_refund_no != refund_number {
            return Err(CheckError::Unverified("an answer about another refund".into()));
        }
        Ok(RefundAnswer {
            state: refund_state_of(&r.status),
            provider_state: r.status,
            amount_cents: r.amount.and_then(|a| a.refund),
            nonce: Some(nonce),
        })
    }

    fn query(&self, number: &str, now: NaiveDateTime) -> Result<Answer, CheckError> {
        let path = self.path(number);
        let timestamp = now.and_utc().timestamp();
        let auth = self.authorization("GET", &path, "", timestamp, &super::nonce());
        let res = super::http()?
            .get(format!("{}{path}", self.base_url))
            .timeout(TIMEOUT)
            .header("Authorization", auth)
            .header("Accept", "application/json")
            .send()
            .map_err(|e| CheckError::Failed(format!("WeChat Pay did not answer: {}", without_url(&e))))?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.bytes().map_err(|_| CheckError::Failed("WeChat Pay's answer broke off".into()))?;
        // Every answer is verified before anything in it is read; one that
        // is not (WeChat Pay does not promise to sign its errors) is never
        // acted on: it is tried again, and the agent sees why.
        let nonce = self.verify(&headers, &body, now.and_utc().timestamp())?;
        if status.is_success() {
            let t: Transaction = serde_json::from_slice(&body)
                .map_err(|_| CheckError::Failed("WeChat Pay's answer is not the documented JSON".into()))?;
            // The signature does not cover the question: the answer must be
            // about this merchant's payment with this number.
            let number = number.trim();
            if t.mchid != self.mchid || (t.out_trade_no != number && t.transaction_id.as_deref() != Some(number)) {
                return Err(CheckError::Unverified("an answer about another payment".into()));
            }
            let amount = t.amount.and_then(|a| a.payer_total.or(a.total));
            let paid_at =
                t.success_time.as_deref().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|d| d.naive_utc());
            return Ok(Answer {
                state: state_of(&t.trade_state),
                provider_state: t.trade_state,
                description: t.trade_state_desc,
                amount_cents: amount,
                paid_at,
                order_number: Some(t.out_trade_no).filter(|n| !n.is_empty()),
                nonce: Some(nonce),
            });
        }
        let error: Option<ApiError> = serde_json::from_slice(&body).ok();
        match (status.as_u16(), error) {
            (404, Some(e)) if e.code == "ORDER_NOT_EXIST" || e.code == "ORDERNOTEXIST" => Ok(Answer {
                state: CheckState::NotFound,
                provider_state: e.code,
                description: e.message,
                amount_cents: None,
                paid_at: None,
                order_number: None,
                nonce: Some(nonce),
            }),
            (code, Some(e)) => Err(CheckError::Failed(format!("WeChat Pay answered {code} {}: {}", e.code, e.message))),
            (code, None) => Err(CheckError::Failed(format!("WeChat Pay answered {code}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    fn pair() -> (Vec<u8>, Vec<u8>) {
        let rsa = Rsa::generate(2048).unwrap();
        let key = PKey::from_rsa(rsa).unwrap();
        (key.private_key_to_pem_pkcs8().unwrap(), key.public_key_to_pem().unwrap())
    }

    fn client(platform_public: Vec<u8>) -> WechatPay {
        let (merchant_private, _) = pair();
        WechatPay::new(Keys {
            mchid: "1230000109".into(),
            serial: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
            private_key: merchant_private,
            public_key: platform_public,
            public_key_id: "PUB_KEY_ID_0000000000000024101100397200000006".into(),
            base_url: "http://127.0.0.1:1".into(),
        })
        .unwrap()
    }

    fn signed(platform: &PKey<Private>, ts: i64, body: &str, serial: &str) -> reqwest::header::HeaderMap {
        let mut h = reqwest::header::HeaderMap::new();
        let nonce = "d824f2e086d3c1df967785d13fcd22ef";
        let sig = sign(platform, format!("{ts}\n{nonce}\n{body}\n").as_bytes());
        h.insert("Wechatpay-Timestamp", ts.to_string().parse().unwrap());
        h.insert("Wechatpay-Nonce", nonce.parse().unwrap());
        h.insert("Wechatpay-Signature", sig.parse().unwrap());
        h.insert("Wechatpay-Serial", serial.parse().unwrap());
        h
    }

    #[test]
    fn answers_are_verified_by_key_id_time_and_signature() {
        let (platform_private, platform_public) = pair();
        let platform = PKey::private_key_from_pem(&platform_private).unwrap();
        let w = client(platform_public);
        let id = "PUB_KEY_ID_0000000000000024101100397200000006";
        let body = r#"{"trade_state":"SUCCESS"}"#;
        let now = 1_722_850_421;
        // Verified, with the nonce to remember (an answer sent again is
        // refused by the job, which keeps nonces in the database).
        let nonce = w.verify(&signed(&platform, now, body, id), body.as_bytes(), now);
        assert_eq!(nonce.as_deref(), Ok("d824f2e086d3c1df967785d13fcd22ef"));
        // A changed body, another key id, an old answer, a probe: refused.
        assert!(w.verify(&signed(&platform, now, body, id), b"{\"trade_state\":\"NOTPAY\"}", now).is_err());
        assert!(w.verify(&signed(&platform, now, body, "PUB_KEY_ID_OTHER"), body.as_bytes(), now).is_err());
        assert!(w.verify(&signed(&platform, now - 301, body, id), body.as_bytes(), now).is_err());
        let mut probe = signed(&platform, now, body, id);
        probe.insert("Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc".parse().unwrap());
        assert!(w.verify(&probe, body.as_bytes(), now).is_err());
        // Signed by someone else's key.
        let (other_private, _) = pair();
        let other = PKey::private_key_from_pem(&other_private).unwrap();
        assert!(w.verify(&signed(&other, now, body, id), body.as_bytes(), now).is_err());
    }

    #[test]
    fn keys_that_are_not_rsa_pem_stop_start_up() {
        let (_, public) = pair();
        let ec = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        let ec = PKey::from_ec_key(ec).unwrap().private_key_to_pem_pkcs8().unwrap();
        let keys = |private_key: Vec<u8>| Keys {
            mchid: "1".into(),
            serial: "S".into(),
            private_key,
            public_key: public.clone(),
            public_key_id: "PUB_KEY_ID_1".into(),
            base_url: "https://api.mch.weixin.qq.com".into(),
        };
        assert_eq!(WechatPay::new(keys(ec)).err().unwrap(), "PAYDESK_WECHATPAY_PRIVATE_KEY: not an RSA key");
        assert!(WechatPay::new(keys(b"not a key".to_vec())).err().unwrap().contains("not a PEM private key"));
    }

    #[test]
    fn requests_name_the_number_and_carry_the_documented_authorization() {
        let (_, platform_public) = pair();
        let w = client(platform_public);
        assert_eq!(
            w.path("4200000985202103031441826014"),
            "/v3/pay/transactions/id/4200000985202103031441826014?mchid=1230000109"
        );
        assert_eq!(w.path("ORD-2026-0001"), "/v3/pay/transactions/out-trade-no/ORD-2026-0001?mchid=1230000109");
        let auth = w.authorization("GET", "/v3/x?mchid=1", "", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242");
        assert!(auth.starts_with(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\",signature=\""
        ));
        assert_eq!(state_of("SUCCESS"), CheckState::Paid);
        assert_eq!(state_of("CLOSED"), CheckState::NotPaid);
        assert_eq!(state_of("USERPAYING"), CheckState::Pending);
        assert_eq!(state_of("REFUND"), CheckState::Refunding);
        assert_eq!(refund_state_of("SUCCESS"), RefundState::Succeeded);
        assert_eq!(refund_state_of("CLOSED"), RefundState::Closed);
        assert_eq!(refund_state_of("ABNORMAL"), RefundState::Abnormal);
        assert_eq!(refund_state_of("PROCESSING"), RefundState::Processing);
    }
}
