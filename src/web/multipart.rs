//! Reads a `multipart/form-data` body (the intake form, the API, the
//! tracking page) with every limit enforced while reading, never after.

use std::collections::HashMap;

use actix_multipart::{Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::error::AppError;

/// Far more parts than any of our forms has; refuses bodies built to make
/// the server do per-part work thousands of times.
const MAX_PARTS: usize = 100;
/// The only field that may carry a file.
pub const FILE_FIELD: &str = "screenshot";

pub struct UploadedFile {
    /// As the browser named it; shown back to its owner only.
    pub file_name: String,
    /// `None` when the file was larger than allowed (the rest was skipped).
    pub data: Option<Vec<u8>>,
}

#[derive(Default)]
pub struct FormData {
    fields: HashMap<String, Vec<String>>,
    pub file: Option<UploadedFile>,
}

impl FormData {
    /// The first value of a text field, or "".
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).and_then(|v| v.first()).cloned().unwrap_or_default()
    }

    /// A digest of everything sent (fields in name order, each value, the
    /// file's bytes): the same request twice has the same fingerprint.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let mut names: Vec<&String> = self.fields.keys().collect();
        names.sort();
        for name in names {
            for value in &self.fields[name] {
                for part in [name.as_bytes(), value.as_bytes()] {
                    hash.update((part.len() as u64).to_be_bytes());
                    hash.update(part);
                }
            }
        }
        if let Some(file) = &self.file {
            hash.update(b"file");
            hash.update(file.data.as_deref().unwrap_or(b"(too large)"));
        }
        format!("{:x}", hash.finalize())
    }

    /// The names of the text fields sent.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

fn map_error(e: MultipartError) -> AppError {
    match e {
        MultipartError::Payload(PayloadError::Overflow) => AppError::PayloadTooLarge,
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => AppError::UnsupportedMediaType,
        _ => AppError::BadRequest("malformed multipart body"),
    }
}

/// Reads the whole form. `max_body` bounds the body; `max_file` the one file.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    max_body: usize,
    max_file: usize,
) -> Result<FormData, AppError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(AppError::UnsupportedMediaType);
    }
    // A declared length over the limit is refused before reading anything.
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > max_body) {
        return Err(AppError::PayloadTooLarge);
    }
    // A body without a length (chunked) is cut off as it passes the limit.
    let mut seen = 0usize;
    let limited = payload.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len();
        if seen > max_body {
            Err(PayloadError::Overflow)
        } else {
            Ok(chunk)
        }
    });
    let mut multipart = Multipart::new(req.headers(), limited);

    let mut form = FormData::default();
    let mut parts = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(map_error)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::PayloadTooLarge);
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_string);
        let mut data = Vec::new();
        let mut too_large = false;
        let cap = if name == FILE_FIELD { max_file } else { max_body };
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(map_error)?;
            if too_large || data.len() + chunk.len() > cap {
                // Keep reading (the body limit still applies) so the rest of
                // the form arrives and the customer gets a field error.
                too_large = true;
                data.clear();
                continue;
            }
            data.extend_from_slice(&chunk);
        }
        if name == FILE_FIELD && file_name.is_some() {
            let file_name = file_name.unwrap_or_default();
            // Browsers send an empty, nameless part when no file was chosen.
            if file_name.is_empty() && data.is_empty() && !too_large {
                continue;
            }
            form.file = Some(UploadedFile { file_name, data: (!too_large).then_some(data) });
        } else {
            // Invalid UTF-8 is kept visibly replaced (U+FFFD), never guessed at.
            let value = String::from_utf8_lossy(&data).into_owned();
            form.fields.entry(name).or_default().push(value);
        }
    }
    Ok(form)
}
