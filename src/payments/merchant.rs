//! The merchant's own order system: was the bill credited? A small JSON
//! contract paydesk defines (README, "Payment truth"):
//!
//! `GET {PAYDESK_ORDERS_URL}/bills/{order_number}` with
//! `X-Paydesk-Timestamp` (Unix seconds), `X-Paydesk-Nonce` and
//! `X-Paydesk-Signature` = hex HMAC-SHA256(secret,
//! `GET\n{path}\n{timestamp}\n{nonce}\n`). The answer, 200
//! `{"order_number": "…", "credited": true, "amount": "128.50",
//! "credited_at": "2026-11-20T09:30:00+08:00"}` or 404 for an unknown bill,
//! carries the same three headers, its signature over
//! `{timestamp}\n{nonce}\n{request nonce}\n{body}\n` — bound to the
//! request, so an answer cannot be replayed for another; an answer five
//! minutes or more off, whose signature does not match, or about another
//! order number, is refused.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::{cents, Bill, CheckError};
use crate::domain::codes::BillState;

const MAX_SKEW_SECS: i64 = 300;
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct OrderSystem {
    base: url::Url,
    secret: Vec<u8>,
}

#[derive(Deserialize)]
struct BillAnswer {
    order_number: String,
    credited: bool,
    #[serde(default)]
    refund_number: Option<String>,
    amount: Option<String>,
}

/// A refund or order number as providers take them: 1–64 of `[A-Za-z0-9_-]`.
pub fn valid_number(n: &str) -> bool {
    (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// hex HMAC-SHA256 of a message with the shared secret.
pub fn mac(secret: &[u8], message: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(message.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

impl OrderSystem {
    pub fn new(url: &str, secret: &str) -> Result<OrderSystem, String> {
        let mut base = url::Url::parse(url).map_err(|e| format!("PAYDESK_ORDERS_URL: {e}"))?;
        super::check_base_url(url, "PAYDESK_ORDERS_URL")?;
        if secret.len() < 16 {
            return Err("PAYDESK_ORDERS_SECRET: at least 16 characters".into());
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(OrderSystem { base, secret: secret.as_bytes().to_vec() })
    }

    /// The bill an order number paid for.
    pub fn bill(&self, number: &str, now: i64) -> Result<Bill, CheckError> {
        const SEGMENT: &percent_encoding::AsciiSet =
            &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
        let asked = number.trim();
        let number: String = percent_encoding::utf8_percent_encode(asked, SEGMENT).collect();
        let url = self
            .base
            .join(&format!("bills/{number}"))
            .map_err(|_| CheckError::Failed("an order number that makes no URL".into()))?;
        let nonce = super::nonce();
        let signature = mac(&self.secret, &format!("GET\n{}\n{now}\n{nonce}\n", url.path()));
        let res = super::http()?
            .get(url)
            .timeout(TIMEOUT)
            .header("X-Paydesk-Timestamp", now.to_string())
            .header("X-Paydesk-Nonce", &nonce)
            .header("X-Paydesk-Signature", signature)
            .header("Accept", "application/json")
            .send()
            .map_err(|e| {
                CheckError::Failed(format!(
                    "the order system did not answer{}",
                    if e.is_timeout() { " in time" } else { "" }
                ))
            })?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.bytes().map_err(|_| CheckError::Failed("the order system's answer broke off".into()))?;
        self.verify(&headers, &body, &nonce, now)?;
        match status.as_u16() {
            200 => {
                let b: BillAnswer = serde_json::from_slice(&body)
                    .map_err(|_| CheckError::Failed("the order system's answer is not the agreed JSON".into()))?;
                if b.order_number != asked {
                    return Err(CheckError::Unverified("an answer about another bill".into()));
                }
                Ok(Bill {
                    state: if b.credited { BillState::Credited } else { BillState::NotCredited },
                    amount_cents: b.amount.as_deref().and_then(cents),
                    refund_number: b.refund_number.filter(|n| valid_number(n)),
                })
            }
            404 => Ok(Bill { state: BillState::Unknown, amount_cents: None, refund_number: None }),
            code => Err(CheckError::Failed(format!("the order system answered {code}"))),
        }
    }

    fn verify(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        request_nonce: &str,
        now: i64,
    ) -> Result<(), CheckError> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| CheckError::Unverified(format!("no {name} header")))
        };
        let ts: i64 = header("X-Paydesk-Timestamp")?
            .parse()
            .map_err(|_| CheckError::Unverified("a timestamp that is not a number".into()))?;
        if (now - ts).abs() >= MAX_SKEW_SECS {
            return Err(CheckError::Unverified(format!("signed {}s from now", ts - now)));
        }
        let nonce = header("X-Paydesk-Nonce")?;
        let given = header("X-Paydesk-Signature")?;
        let body = std::str::from_utf8(body).map_err(|_| CheckError::Unverified("a body that is not UTF-8".into()))?;
        let expected = mac(&self.secret, &format!("{ts}\n{nonce}\n{request_nonce}\n{body}\n"));
        // Compared in constant time.
        let same = given.len() == expected.len()
            && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same {
            Ok(())
        } else {
            Err(CheckError::Unverified("the signature does not match".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_verified_with_the_shared_secret() {
        let o = OrderSystem::new("http://127.0.0.1:1/api", "a shared secret of length").unwrap();
        assert_eq!(o.base.as_str(), "http://127.0.0.1:1/api/");
        let body = r#"{"credited":false}"#;
        let now = 1_800_000_000;
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("X-Paydesk-Timestamp", now.to_string().parse().unwrap());
        h.insert("X-Paydesk-Nonce", "n1".parse().unwrap());
        let good = mac(b"a shared secret of length", &format!("{now}\nn1\nr1\n{body}\n"));
        h.insert("X-Paydesk-Signature", good.parse().unwrap());
        assert_eq!(o.verify(&h, body.as_bytes(), "r1", now), Ok(()));
        assert!(o.verify(&h, body.as_bytes(), "r2", now).is_err(), "an answer to another request");
        assert!(o.verify(&h, br#"{"credited":true}"#, "r1", now).is_err(), "a changed body");
        assert!(o.verify(&h, body.as_bytes(), "r1", now + 300).is_err(), "an old answer");
        h.insert("X-Paydesk-Signature", mac(b"another secret entirely", "x").parse().unwrap());
        assert!(o.verify(&h, body.as_bytes(), "r1", now).is_err(), "another secret");
        assert!(OrderSystem::new("ftp://x", "a shared secret of length").is_err());
        assert!(OrderSystem::new("http://orders.example.com", "a shared secret of length").is_err(), "https only");
        assert!(OrderSystem::new("http://x", "short").is_err());
    }
}
