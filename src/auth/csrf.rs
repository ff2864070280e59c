//! CSRF protection for every form, staff and customer alike, by the
//! double-submit pattern: a random cookie that another site can neither read
//! nor set, repeated in a hidden `csrf` field of every form we render. A
//! request whose field does not match the cookie is refused.
//!
//! Pages are compressed (gzip), and a compressed page that carries a secret
//! beside text an attacker chose (a search, a refused form's values) leaks
//! that secret through its length (BREACH). So the token is never written
//! into a page as it is: each form gets it XORed with a fresh random mask,
//! the mask in front ([`mask`]); a submitted field is unmasked before it is
//! compared (as Django and Rails do). No two responses carry the same
//! bytes, so there is nothing for compression to reveal.

use std::future::{ready, Ready};

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use sha2::{Digest, Sha256};

use crate::domain::reference::TrackingToken;
use crate::error::AppError;

/// The cookie's name over plain HTTP (development)…
pub const COOKIE: &str = "paydesk_csrf";
/// …and when cookies are Secure: `__Host-` makes browsers refuse it unless
/// it is Secure, for path `/` and without a domain, so neither a sibling
/// subdomain nor a plain-HTTP answer can plant one.
pub const HOST_COOKIE: &str = "__Host-paydesk_csrf";
pub const FIELD: &str = "csrf";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_COOKIE
    } else {
        COOKIE
    }
}

/// A new random token, for a visitor without one and at each sign-in.
pub fn new_token() -> String {
    TrackingToken::generate().as_str().to_string()
}

/// The cookie holding `token`.
pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(secure), token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(30))
        .finish()
}

/// This request's CSRF token, to put in the forms a page renders. A handler
/// receives it masked afresh ([`mask`]); the request's extensions hold the
/// cookie's own value.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl CsrfToken {
    /// Refuses a form whose `csrf` field does not match the cookie. Either
    /// side may be masked or plain.
    pub fn check(&self, submitted: &str) -> Result<(), AppError> {
        let (Some(ours), Some(theirs)) = (unmask(&self.0), unmask(submitted)) else {
            return Err(AppError::Csrf);
        };
        // Compare digests, so the comparison takes the same time whatever
        // prefix matches.
        if Sha256::digest(theirs.as_bytes()) == Sha256::digest(ours.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// The token as a page carries it: a fresh random mask followed by the
/// token XORed with it, in URL-safe base64 (so each response's bytes differ).
pub fn mask(token: &str) -> String {
    use base64::Engine;
    use rand::RngCore;
    let plain = token.as_bytes();
    let mut out = vec![0u8; plain.len() * 2];
    let (pad, body) = out.split_at_mut(plain.len());
    rand::rng().fill_bytes(pad);
    for ((b, p), m) in body.iter_mut().zip(plain).zip(pad.iter()) {
        *b = p ^ m;
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
}

/// The token behind a submitted field: a plain token as it is, a masked one
/// unmasked; `None` for anything else.
pub fn unmask(field: &str) -> Option<String> {
    use base64::Engine;
    if well_formed(field) {
        return Some(field.to_string());
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(field).ok()?;
    if raw.len() % 2 != 0 {
        return None;
    }
    let (pad, body) = raw.split_at(raw.len() / 2);
    let token: Vec<u8> = body.iter().zip(pad).map(|(b, m)| b ^ m).collect();
    String::from_utf8(token).ok().filter(|t| well_formed(t))
}

pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl FromRequest for CsrfToken {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Masked afresh for each page (see the module's note on BREACH).
        let token = req.extensions().get::<CsrfToken>().map(|t| CsrfToken(mask(&t.0)));
        ready(token.ok_or_else(|| AppError::Internal("CSRF layer missing".into()).into()))
    }
}

/// A form with nothing but its `csrf` field (sign out, revoke, retry…):
/// `CsrfForm<NoFields>`.
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A submitted form (`application/x-www-form-urlencoded`) whose `csrf` field
/// matched the cookie, read into `T`. A handler that takes one cannot forget
/// the check, and gets typed fields instead of a map of strings; a form that
/// does not read as `T` (a missing field, an unknown code) is a 400.
pub struct CsrfForm<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        // The body is read as pairs first (with the app's form limits and
        // errors), so the CSRF field is checked before anything else.
        let pairs = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let token = token.ok_or_else(|| AppError::Internal("CSRF layer missing".into()))?;
            let pairs = pairs.await?.into_inner();
            let submitted = pairs.iter().find(|(k, _)| k == FIELD).map(|(_, v)| v.as_str()).unwrap_or("");
            token.check(submitted)?;
            let encoded = serde_urlencoded::to_string(&pairs).map_err(|_| AppError::BadRequest("form"))?;
            let form = serde_urlencoded::from_str(&encoded).map_err(|_| AppError::BadRequest("form"))?;
            Ok(CsrfForm(form))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_differ_each_time_and_unmask_to_the_token() {
        let token = new_token();
        let (a, b) = (mask(&token), mask(&token));
        assert_ne!(a, b);
        assert!(!a.contains(&token));
        assert_eq!(unmask(&a).as_deref(), Some(token.as_str()));
        assert_eq!(unmask(&token).as_deref(), Some(token.as_str()));
        let ours = CsrfToken(token.clone());
        assert!(ours.check(&a).is_ok());
        assert!(CsrfToken(b.clone()).check(&a).is_ok());
        assert!(ours.check(&mask(&new_token())).is_err());
        assert!(ours.check("").is_err());
        assert!(ours.check("not-a-token").is_err());
        // A masked field with one byte changed no longer matches.
        let mut bad = a.into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(ours.check(&String::from_utf8(bad).unwrap()).is_err());
    }
}
