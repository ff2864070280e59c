//! Screenshots shown small: pages show a thumbnail made here (decoded,
//! scaled to fit [`MAX_W`]×[`MAX_H`], re-encoded as JPEG) that links to the
//! full image. A thumbnail is asked for as the full image's URL with
//! `?size=thumb`, so it is served by the same handler, behind the same
//! check of who may see that image.
//!
//! Made on first request and kept in memory (a few KiB each, a bounded
//! number): a queue of phones opening the same ticket decodes it once.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::{web, HttpResponse};

use crate::domain::screenshot::ImageKind;
use crate::error::AppError;

/// The box a thumbnail fits in: phone screenshots are tall.
pub const MAX_W: u32 = 240;
pub const MAX_H: u32 = 480;
const QUALITY: u8 = 80;
/// Thumbnails kept; past this the cache starts again (they are cheap to make).
const KEPT: usize = 512;
/// Decoding a screenshot may take at most this much memory; a larger one is
/// shown as it is.
const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;
/// Thumbnails made at once: decoding is the costly part, and a burst of
/// requests for large images must not take all memory or every core.
const MAKING_AT_ONCE: usize = 2;

#[derive(Debug, Default, serde::Deserialize)]
pub struct Size {
    pub size: Option<String>,
}

impl Size {
    pub fn thumb(&self) -> bool {
        self.size.as_deref() == Some("thumb")
    }
}

/// A thumbnail's width and height for an image of `w`×`h` (never larger).
pub fn thumb_size(w: i32, h: i32) -> (i32, i32) {
    let (w, h) = (w.max(1) as f64, h.max(1) as f64);
    let scale = (MAX_W as f64 / w).min(MAX_H as f64 / h).min(1.0);
    (((w * scale).round() as i32).max(1), ((h * scale).round() as i32).max(1))
}

/// The thumbnail of an image, as JPEG; `None` when it cannot be decoded or
/// the thumbnail would not be smaller.
pub fn make(data: &[u8]) -> Option<Vec<u8>> {
    let mut reader = image::ImageReader::new(Cursor::new(data)).with_guessed_format().ok()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().ok()?;
    let (w, h) = thumb_size(img.width() as i32, img.height() as i32);
    let small = img.resize(w as u32, h as u32, image::imageops::FilterType::Triangle).to_rgba8();
    // JPEG has no transparency: lay the image on white, as a page shows it.
    let mut rgb = image::RgbImage::new(small.width(), small.height());
    for (to, from) in rgb.pixels_mut().zip(small.pixels()) {
        let a = from[3] as u32;
        *to = image::Rgb(std::array::from_fn(|i| ((from[i] as u32 * a + 255 * (255 - a)) / 255) as u8));
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY).encode_image(&rgb).ok()?;
    (out.len() < data.len()).then_some(out)
}

fn cache() -> &'static Mutex<HashMap<String, Arc<Vec<u8>>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The image a handler found (after its own access check): as it is, or its
/// thumbnail when `size=thumb` was asked for. `id` names the screenshot
/// (its thumbnail is kept under it).
pub async fn respond(size: &Size, id: &str, kind: ImageKind, data: Vec<u8>) -> Result<HttpResponse, AppError> {
    if !size.thumb() {
        return Ok(super::image_response(kind, data));
    }
    // An empty entry remembers "no thumbnail: show it as it is", so an image
    // that cannot be made smaller is not decoded again on every request.
    let kept = cache().lock().ok().and_then(|c| c.get(id).cloned());
    let thumb = match kept {
        Some(t) if t.is_empty() => return Ok(super::image_response(kind, data)),
        Some(t) => Some(t),
        None => {
            static MAKING: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
            let _turn = MAKING
                .get_or_init(|| tokio::sync::Semaphore::new(MAKING_AT_ONCE))
                .acquire()
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let made = web::block(move || (make(&data).map(Arc::new), data)).await?;
            let (thumb, original) = made;
            let entry = thumb.clone().unwrap_or_default();
            if let Ok(mut c) = cache().lock() {
                if c.len() >= KEPT {
                    c.clear();
                }
                c.insert(id.to_string(), entry);
            }
            match thumb {
                Some(t) => Some(t),
                // Not decodable here, or already small: shown as it is.
                None => return Ok(super::image_response(kind, original)),
            }
        }
    };
    let thumb = thumb.map(|t| t.as_ref().clone()).unwrap_or_default();
    Ok(super::image_response(ImageKind::Jpeg, thumb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_fit_the_box_and_never_grow() {
        assert_eq!(thumb_size(1080, 2340), (222, 480));
        assert_eq!(thumb_size(1440, 900), (240, 150));
        assert_eq!(thumb_size(100, 50), (100, 50));
        assert_eq!(thumb_size(0, 0), (1, 1));
    }

    #[test]
    fn a_large_screenshot_becomes_a_small_jpeg() {
        let img = image::RgbaImage::from_fn(900, 1600, |x, y| image::Rgba([(x % 251) as u8, (y % 241) as u8, 90, 255]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let thumb = make(&png).expect("a thumbnail");
        assert!(thumb.len() < png.len());
        let size = imagesize::blob_size(&thumb).unwrap();
        assert_eq!((size.width, size.height), (240, 427));
        assert!(make(b"not an image").is_none());
    }
}
