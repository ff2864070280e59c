//! Staff passwords, hashed with Argon2id (the crate's default algorithm).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

pub const MIN_LEN: usize = 10;
const MAX_LEN: usize = 256;

pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("hashing with the default parameters and a random salt works")
        .to_string()
}

pub fn verify(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// Spends the time a real check takes, so an unknown account cannot be told
/// from a wrong password by the answer's speed.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a real password, only for timing"));
    let _ = verify(password, dummy);
}

/// Long enough to resist guessing; no composition rules (they do not help).
pub fn acceptable(password: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&password.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery");
        let b = hash("correct horse battery");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery", &a));
        assert!(!verify("wrong horse battery", &a));
        assert!(!verify("anything", "not a hash"));
        assert!(!acceptable("short"));
        assert!(acceptable("ten chars!"));
    }
}
