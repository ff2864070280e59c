//! How stored values are shown to people.

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;

use crate::domain::screenshot::ImageKind;

/// UTC → China time (UTC+8), the time our customers live in.
pub fn china_time(utc: impl std::borrow::Borrow<NaiveDateTime>) -> String {
    crate::domain::china::to_china_time(*utc.borrow()).format("%Y-%m-%d %H:%M").to_string()
}

/// Cents → `¥128.50`.
pub fn yuan(cents: i64) -> String {
    format!("¥{}", amount(cents))
}

/// Cents → `128.50`: the API's amounts, and messages that put the ¥ sign
/// themselves.
pub fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `li.wei@example.com` → `l*****@example.com`: enough for customers to
/// recognise their address on a page anyone with the link can open.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            let hidden = local.chars().count().saturating_sub(1).max(1);
            format!("{first}{}@{domain}", "*".repeat(hidden))
        }
        None => "***".to_string(),
    }
}

/// An uploaded image, served so that no browser ever treats it as anything
/// else, and no cache keeps it (a screenshot is personal data).
pub fn image_response(kind: ImageKind, data: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(kind.content_type())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .body(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let utc = NaiveDateTime::parse_from_str("2026-11-21 01:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(china_time(utc), "2026-11-21 09:30");
        assert_eq!(yuan(128_050), "¥1280.50");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(mask_email("li.wei@example.com"), "l*****@example.com");
        assert_eq!(mask_email("a@b.cn"), "a*@b.cn");
    }
}
