//! Responses shaped for what they carry (how values read is `present`).

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::domain::screenshot::ImageKind;

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
