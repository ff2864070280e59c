//! Alibaba Cloud SMS (`dysmsapi`, API version 2017-05-25, `SendSms`), signed
//! as its RPC-style API documents: signature version 1.0, HMAC-SHA1 over the
//! sorted, percent-encoded parameters, keyed with the AccessKey secret and
//! `&` (https://help.aliyun.com/document_detail/315526.html,
//! https://help.aliyun.com/document_detail/419273.html).
//!
//! What its answer codes mean here: `OK` sent; `isp.SYSTEM_ERROR` and
//! transport errors tried again with backoff; `isv.BUSINESS_LIMIT_CONTROL`
//! (its per-number flow control) waited out; a refusal that will never
//! change (a bad number, a blocked word, a template that does not fit) is
//! not tried again. A request that left and got no answer may have been
//! sent: `SendSms` is not idempotent, so the delivery receipt settles it.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{Outcome, Outgoing, Provider};
use crate::domain::secret::Secret;

pub struct Keys {
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: Secret<String>,
    pub sign_name: String,
}

pub struct Aliyun {
    keys: Keys,
}

/// The HTTP client, made on first use on the worker's blocking thread (a
/// blocking client may not be made, or dropped, inside the async runtime),
/// and never dropped.
fn http() -> Result<&'static reqwest::blocking::Client, String> {
    static CLIENT: std::sync::OnceLock<Result<reqwest::blocking::Client, String>> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::blocking::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(15))
                .user_agent(concat!("paydesk/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("no HTTP client: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Aliyun {
    pub fn new(keys: Keys) -> Result<Self, String> {
        Ok(Aliyun { keys })
    }

    /// The request's parameters, signed.
    fn parameters(&self, sms: &Outgoing, timestamp: &str, nonce: &str) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        let mut put = |k: &str, v: &str| {
            p.insert(k.to_string(), v.to_string());
        };
        put("AccessKeyId", &self.keys.access_key_id);
        put("Action", "SendSms");
        put("Format", "JSON");
        put("RegionId", "cn-hangzhou");
        put("SignatureMethod", "HMAC-SHA1");
        put("SignatureNonce", nonce);
        put("SignatureVersion", "1.0");
        put("Timestamp", timestamp);
        put("Version", "2017-05-25");
        put("PhoneNumbers", &sms.phone);
        put("SignName", &self.keys.sign_name);
        put("TemplateCode", &sms.template_code);
        put("TemplateParam", &serde_json::Value::Object(sms.params.clone()).to_string());
        put("OutId", &sms.id);
        if let Some(code) = &sms.extend_code {
            put("SmsUpExtendCode", code);
        }
        let signature = sign(self.keys.access_key_secret.expose(), "POST", &p);
        p.insert("Signature".into(), signature);
        p
    }
}

/// Alibaba's percent-encoding: RFC 3986, only `A-Z a-z 0-9 - _ . ~` kept
/// (so a space is `%20`, `*` is `%2A`, `~` stays).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The parameters sorted by name, each name and value encoded.
fn canonical(params: &BTreeMap<String, String>) -> String {
    params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Signature version 1.0: Base64(HMAC-SHA1(secret + "&",
/// METHOD & encode("/") & encode(canonical))).
pub fn sign(secret: &str, method: &str, params: &BTreeMap<String, String>) -> String {
    let string_to_sign = format!("{method}&{}&{}", encode("/"), encode(&canonical(params)));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Refusals that will not change however often the same SMS is sent.
const PERMANENT: &[&str] = &[
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.INVALID_JSON_PARAM",
    "isv.INVALID_PARAMETERS",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.EXTEND_CODE_ERROR",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.DENY_IP_RANGE",
    "isv.BLACK_LIST",
];

/// Flow control: the same SMS goes later.
const WAIT: &[&str] = &["isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User", "Throttling"];

/// What an answer means (HTTP status and body).
pub fn classify(status: u16, body: &str) -> Outcome {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Code")]
        code: String,
        #[serde(rename = "Message", default)]
        message: String,
        #[serde(rename = "BizId", default)]
        biz_id: Option<String>,
    }
    let Ok(a) = serde_json::from_str::<Answer>(body) else {
        return Outcome::Retry(format!("HTTP {status}, not an Alibaba answer"));
    };
    let said = format!("{}: {}", a.code, a.message);
    if a.code == "OK" && (200..300).contains(&status) {
        Outcome::Accepted { biz_id: a.biz_id.filter(|b| !b.is_empty()), file: None }
    } else if PERMANENT.contains(&a.code.as_str()) {
        Outcome::Refused { code: a.code, message: a.message }
    } else if WAIT.contains(&a.code.as_str()) {
        Outcome::Defer(said)
    } else {
        // isp.SYSTEM_ERROR, and what the operator must fix (a key, the
        // balance): tried again with backoff, shown as failing meanwhile.
        Outcome::Retry(said)
    }
}

impl Provider for Aliyun {
    fn name(&self) -> &'static str {
        "aliyun"
    }

    fn send(&self, sms: &Outgoing) -> Outcome {
        let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let nonce = uuid::Uuid::new_v4().to_string();
        let body = canonical(&self.parameters(sms, &timestamp, &nonce));
        let client = match http() {
            Ok(c) => c,
            Err(e) => return Outcome::Retry(e),
        };
        let sent = client
            .post(format!("{}/", self.keys.endpoint))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send();
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.text() {
                    Ok(text) => classify(status, &text),
                    Err(e) => Outcome::Unsure(format!("HTTP {status}, answer unread: {e}")),
                }
            }
            // Never reached Alibaba: nothing was sent.
            Err(e) if e.is_connect() || e.is_builder() => Outcome::Retry(e.without_url().to_string()),
            // It may have been sent.
            Err(e) => Outcome::Unsure(e.without_url().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_follows_the_documented_rpc_method() {
        // The worked example of Alibaba's RPC signature documentation
        // (https://help.aliyun.com/document_detail/315526.html): the same
        // parameters, key "testsecret" and method GET give this signature.
        let params: BTreeMap<String, String> = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(sign("testsecret", "GET", &params), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    #[test]
    fn encoding_keeps_only_the_unreserved() {
        assert_eq!(encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
    }

    #[test]
    fn answers_are_read_as_documented() {
        let ok = r#"{"Message":"OK","RequestId":"F655A8D5","BizId":"9006197469364984^0","Code":"OK"}"#;
        assert_eq!(classify(200, ok), Outcome::Accepted { biz_id: Some("9006197469364984^0".into()), file: None });
        let bad = r#"{"Message":"invalid mobile","RequestId":"x","Code":"isv.MOBILE_NUMBER_ILLEGAL"}"#;
        assert!(matches!(classify(200, bad), Outcome::Refused { code, .. } if code == "isv.MOBILE_NUMBER_ILLEGAL"));
        let busy = r#"{"Message":"触发号码天级流控","RequestId":"x","Code":"isv.BUSINESS_LIMIT_CONTROL"}"#;
        assert!(matches!(classify(200, busy), Outcome::Defer(_)));
        let down = r#"{"Message":"System error","RequestId":"x","Code":"isp.SYSTEM_ERROR"}"#;
        assert!(matches!(classify(500, down), Outcome::Retry(_)));
        assert!(matches!(classify(503, "<html>Service Unavailable</html>"), Outcome::Retry(_)));
    }
}
