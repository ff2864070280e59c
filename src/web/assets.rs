//! The few static files, compiled in so the binary runs from any directory:
//! the one stylesheet and the icon.
//!
//! The stylesheet's URL carries a hash of its content
//! (`/static/style.css?v=<hash>`), so it can be cached for a year: a new
//! release changes the hash and so the URL pages ask for. The bare URL (and
//! any other version) still answers, with a short cache life.

use std::sync::OnceLock;

use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!("../../static/style.css");
const FAVICON_ICO: &[u8] = include_bytes!("../../static/favicon.ico");
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

/// A year, for what is named by its content and never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Short, so a change under an unversioned URL reaches phones within minutes.
const SHORT: &str = "public, max-age=300";

/// The first 12 hex digits of the SHA-256 of `content`.
pub fn content_hash(content: &[u8]) -> String {
    hex::encode(&Sha256::digest(content)[..6])
}

/// The stylesheet's content hash, computed once.
pub fn stylesheet_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| content_hash(STYLESHEET.as_bytes()))
}

/// The URL pages link the stylesheet by.
pub fn stylesheet_url() -> String {
    format!("/static/style.css?v={}", stylesheet_version())
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /static/style.css[?v=…]`: long-cached under its current hash only
/// (a page from an older release asking for its version gets today's
/// stylesheet, which must not be pinned under the old name).
pub async fn stylesheet(q: web::Query<Version>) -> HttpResponse {
    let current = q.v.as_deref() == Some(stylesheet_version());
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", if current { IMMUTABLE } else { SHORT }))
        .body(STYLESHEET)
}

/// `GET /favicon.ico`: browsers ask for it on every site, whatever the page
/// links; a 404 there is an error in the console.
pub async fn favicon_ico() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON_ICO)
}

/// `GET /static/favicon.svg`: the icon pages link, sharp at any size.
pub async fn favicon_svg() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON_SVG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_url_names_its_content() {
        assert_eq!(stylesheet_version().len(), 12);
        assert_eq!(stylesheet_url(), format!("/static/style.css?v={}", content_hash(STYLESHEET.as_bytes())));
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
    }
}
