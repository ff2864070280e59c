//! How customers name their ticket (the reference, said over the phone) and
//! how they reach it (the tracking token, a bearer secret in their link).

use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

/// No 0/O, 1/I/L: a reference is read aloud and typed from a screen.
const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const REFERENCE_LEN: usize = 6;

/// A new random reference such as `PD-7KM3QX`. About 887 million of them, so
/// storage retries on the rare collision.
pub fn new_reference() -> String {
    let mut rng = rand::rng();
    let code: String =
        (0..REFERENCE_LEN).map(|_| REFERENCE_ALPHABET[rng.random_range(0..REFERENCE_ALPHABET.len())] as char).collect();
    format!("PD-{code}")
}

/// Normalises what a person typed (`pd 7km3qx`) to the stored form.
pub fn normalize_reference(input: &str) -> Option<String> {
    let code: String = input
        .trim()
        .to_ascii_uppercase()
        .trim_start_matches("PD")
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    let valid = code.len() == REFERENCE_LEN && code.bytes().all(|b| REFERENCE_ALPHABET.contains(&b));
    valid.then(|| format!("PD-{code}"))
}

/// Whether a search names one ticket rather than words: a reference, the
/// digits of a masked account or an order number (ASCII letters, digits,
/// `*` and dashes, with at least four digits). Such a search looks through
/// every ticket the agent may see, not only the tab they are on: whoever
/// types a number wants that ticket wherever it waits.
pub fn names_a_ticket(search: &str) -> bool {
    let text = search.trim();
    if normalize_reference(text).is_some() {
        return true;
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    digits >= 4 && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '-' | ' '))
}

/// A secret of 256 random bits, given once to the customer in their link and
/// stored only as its hash.
#[derive(Clone)]
pub struct TrackingToken(String);

impl TrackingToken {
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::rng().random();
        TrackingToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A shorter secret for an SMS link (`/s/{code}`): 96 random bits, 16
    /// characters, so the text stays short and a template variable within
    /// the provider's length limit.
    pub fn short() -> Self {
        let bytes: [u8; 12] = rand::rng().random();
        TrackingToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token that can be made again from the same parts and secret (an
    /// idempotent filing answers with the same link without storing it):
    /// HMAC-SHA256 of the parts, as unguessable as a random one to whoever
    /// lacks the secret.
    pub fn derive(secret: &str, parts: &[&str]) -> Self {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        TrackingToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hash_secret(&self.0)
    }
}

/// SHA-256 is enough for 256-bit random secrets (no dictionary to attack);
/// it keeps lookups a plain indexed equality.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_account_or_order_number_names_a_ticket() {
        for yes in ["PD-7KM3QX", "pd 7km3qx", "3100****1234", "1234", "4200001234567890", "T2026-1107-88"] {
            assert!(names_a_ticket(yes), "{yes}");
        }
        for no in ["系统繁忙", "余额不足", "timeout", "12", "交易 1234"] {
            assert!(!names_a_ticket(no), "{no}");
        }
    }

    #[test]
    fn references_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let r = new_reference();
            assert_eq!(r.len(), 9);
            assert!(r.starts_with("PD-"));
            assert!(!r[3..].contains(['0', 'O', '1', 'I', 'L']));
            assert_eq!(normalize_reference(&r.to_lowercase()), Some(r));
        }
        assert_eq!(normalize_reference("pd 7km3qx"), Some("PD-7KM3QX".into()));
        assert_eq!(normalize_reference("PD-7KM3Q0"), None);
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = TrackingToken::generate();
        let b = TrackingToken::generate();
        assert_eq!(a.as_str().len(), 43);
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), a.as_str());
    }
}
