//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
//! Cookies"): a browser that signed in to an account before carries a
//! cookie saying so, signed by the server. Its sign-ins are counted against
//! that device alone, so failures other people cause — from the same office
//! address, or against the same account — do not lock it out. Browsers
//! without one are throttled per account and per address, as before.
//!
//! The cookie is `<nonce>.<issued>.<mac>`: a random nonce, when it was
//! issued (Unix seconds), and HMAC-SHA256 over the normalised email, the
//! nonce, the issue time and the account's current password hash, keyed by a
//! server secret kept in the database (`server_secrets`, made on first use).
//! So a cookie ends on the server after `LIFETIME_DAYS` whatever the browser
//! keeps, and every cookie of an account ends when its password changes:
//! whoever signed in with the old password keeps no trusted browser.

use chrono::NaiveDateTime;
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

fn mac(key: &str, email: &str, nonce: &str, issued: i64, password_hash: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"paydesk device cookie v2\0");
    for part in [email.as_bytes(), nonce.as_bytes(), issued.to_string().as_bytes(), password_hash.as_bytes()] {
        mac.update(part);
        mac.update(b"\0");
    }
    mac
}

/// A new cookie value for a browser that just signed in as `email`
/// (normalised), whose password hash is `password_hash`.
pub fn issue(key: &str, email: &str, password_hash: &str, now: NaiveDateTime) -> String {
    let nonce = TrackingToken::generate().as_str().to_string();
    let issued = now.and_utc().timestamp();
    let tag = hex::encode(mac(key, email, &nonce, issued, password_hash).finalize().into_bytes());
    format!("{nonce}.{issued}.{tag}")
}

/// The nonce of a cookie that is valid for `email` (normalised) with its
/// current password hash; None when it is absent, malformed, forged, made
/// for another account, older than `LIFETIME_DAYS` or from before the last
/// password change.
pub fn verify(key: &str, email: &str, password_hash: &str, cookie: &str, now: NaiveDateTime) -> Option<String> {
    let mut parts = cookie.split('.');
    let (nonce, issued, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || nonce.is_empty()
        || nonce.len() > 64
        || !nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let issued: i64 = issued.parse().ok()?;
    let age = now.and_utc().timestamp() - issued;
    if !(0..=LIFETIME_DAYS * 86_400).contains(&age) {
        return None;
    }
    let tag = hex::decode(tag).ok()?;
    // Compared in constant time.
    mac(key, email, nonce, issued, password_hash).verify_slice(&tag).ok()?;
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
    fn a_cookie_is_valid_only_for_its_account_key_password_and_lifetime() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap().naive_utc();
        let (li, hash) = ("li@paydesk.test", "$argon2id$one");
        let cookie = issue("key one", li, hash, now);
        let nonce = verify("key one", li, hash, &cookie, now).expect("valid");
        assert!(cookie.starts_with(&nonce));
        assert_eq!(verify("key one", "wang@paydesk.test", hash, &cookie, now), None, "another account");
        assert_eq!(verify("key two", li, hash, &cookie, now), None, "another server's key");
        assert_eq!(verify("key one", li, "$argon2id$two", &cookie, now), None, "the password changed since");
        let later = now + chrono::Duration::days(LIFETIME_DAYS);
        assert!(verify("key one", li, hash, &cookie, later).is_some(), "still within its lifetime");
        let expired = later + chrono::Duration::seconds(1);
        assert_eq!(verify("key one", li, hash, &cookie, expired), None, "older than its lifetime");
        let (head, tag) = cookie.rsplit_once('.').unwrap();
        let flipped = format!("{head}.{}{}", if tag.starts_with('0') { '1' } else { '0' }, &tag[1..]);
        assert_eq!(verify("key one", li, hash, &flipped, now), None, "a forged tag");
        let (n, rest) = cookie.split_once('.').unwrap();
        let backdated = format!("{n}.{}", rest.replacen(&now.and_utc().timestamp().to_string(), "1800000001", 1));
        assert_eq!(verify("key one", li, hash, &backdated, now + chrono::Duration::seconds(5)), None, "a moved time");
        for junk in ["x.y", "", "a.b.c.d", "n.notanumber.00"] {
            assert_eq!(verify("key one", li, hash, junk, now), None, "{junk}");
        }
        assert_ne!(issue("key one", li, hash, now), cookie, "a fresh nonce each time");
    }
}
