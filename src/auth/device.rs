//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
//! Cookies"): a browser that signed in to an account before carries a
//! cookie saying so, signed by the server. Its sign-ins are counted against
//! that device alone, so failures other people cause — from the same office
//! address, or against the same account — do not lock it out. Browsers
//! without one are throttled per account and per address, as before.
//!
//! The cookie is `<nonce>.<mac>`: a random nonce and HMAC-SHA256 over the
//! normalised email and the nonce, keyed by a server secret kept in the
//! database (`server_secrets`, made on first use).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::reference::TrackingToken;

/// The cookie's name over plain HTTP (development); `__Host-` prefixed when
/// cookies are Secure.
const NAME: &str = "paydesk_device";
const HOST_NAME: &str = "__Host-paydesk_device";
/// The `server_secrets` row holding the signing key.
pub const SECRET: &str = "device_cookie_key";
/// How long a browser stays trusted after its last successful sign-in.
pub const LIFETIME_DAYS: i64 = 180;

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_NAME
    } else {
        NAME
    }
}

fn mac(key: &str, email: &str, nonce: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"paydesk device cookie\0");
    mac.update(email.as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    mac
}

/// A new cookie value for a browser that just signed in as `email`
/// (normalised).
pub fn issue(key: &str, email: &str) -> String {
    let nonce = TrackingToken::generate().as_str().to_string();
    let tag = hex::encode(mac(key, email, &nonce).finalize().into_bytes());
    format!("{nonce}.{tag}")
}

/// The nonce of a cookie that is valid for `email` (normalised); None when
/// it is absent, malformed, forged or made for another account.
pub fn verify(key: &str, email: &str, cookie: &str) -> Option<String> {
    let (nonce, tag) = cookie.split_once('.')?;
    if nonce.is_empty()
        || nonce.len() > 64
        || !nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let tag = hex::decode(tag).ok()?;
    // Compared in constant time.
    mac(key, email, nonce).verify_slice(&tag).ok()?;
    Some(nonce.to_string())
}

/// The throttle key of a trusted device: limited like an account.
pub fn throttle_key(nonce: &str) -> String {
    format!("device:{nonce}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_valid_only_for_its_account_and_key() {
        let cookie = issue("key one", "li@paydesk.test");
        let nonce = verify("key one", "li@paydesk.test", &cookie).expect("valid");
        assert!(cookie.starts_with(&nonce));
        assert_eq!(verify("key one", "wang@paydesk.test", &cookie), None, "another account");
        assert_eq!(verify("key two", "li@paydesk.test", &cookie), None, "another server's key");
        let (n, tag) = cookie.split_once('.').unwrap();
        let flipped = format!("{n}.{}{}", if tag.starts_with('0') { '1' } else { '0' }, &tag[1..]);
        assert_eq!(verify("key one", "li@paydesk.test", &flipped), None, "a forged tag");
        assert_eq!(verify("key one", "li@paydesk.test", "x.y"), None);
        assert_eq!(verify("key one", "li@paydesk.test", ""), None);
        assert_ne!(issue("key one", "li@paydesk.test"), cookie, "a fresh nonce each time");
    }
}
