//! Screenshots of the error. Judged by their bytes, never by the file name or
//! the type the browser declared: a renamed text file or an SVG (which can
//! carry script) must not be served back as an image.

use sha2::{Digest, Sha256};

/// What the screenshots kept for refused forms (drafts, a day each) may
/// hold in all: past it, a new one is not kept and its customer chooses it
/// again.
pub const DRAFTS_MAX_BYTES: i64 = 1 << 30;

/// Far beyond any phone screen; refuses "decompression bombs" that declare
/// huge dimensions in a tiny file.
const MAX_SIDE: usize = 20_000;
const MAX_PIXELS: usize = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "image/png" => Some(ImageKind::Png),
            "image/jpeg" => Some(ImageKind::Jpeg),
            "image/webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }
}

/// An image file that is a PNG, JPEG or WebP with sane dimensions.
#[derive(Clone)]
pub struct Screenshot {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
    /// Hex SHA-256 of `data`, computed once on arrival (outside any
    /// database transaction).
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenshotError {
    Empty,
    TooLarge,
    NotAnImage,
    BadDimensions,
}

impl Screenshot {
    pub fn parse(data: Vec<u8>, max_bytes: usize) -> Result<Self, ScreenshotError> {
        if data.is_empty() {
            return Err(ScreenshotError::Empty);
        }
        if data.len() > max_bytes {
            return Err(ScreenshotError::TooLarge);
        }
        let kind = match imagesize::image_type(&data) {
            Ok(imagesize::ImageType::Png) => ImageKind::Png,
            Ok(imagesize::ImageType::Jpeg) => ImageKind::Jpeg,
            Ok(imagesize::ImageType::Webp) => ImageKind::Webp,
            _ => return Err(ScreenshotError::NotAnImage),
        };
        // A header that does not parse means a truncated or forged file.
        let size = imagesize::blob_size(&data).map_err(|_| ScreenshotError::NotAnImage)?;
        if size.width == 0
            || size.height == 0
            || size.width > MAX_SIDE
            || size.height > MAX_SIDE
            || size.width.saturating_mul(size.height) > MAX_PIXELS
        {
            return Err(ScreenshotError::BadDimensions);
        }
        let sha256 = hex::encode(Sha256::digest(&data));
        Ok(Screenshot { kind, width: size.width as u32, height: size.height as u32, data, sha256 })
    }
}

impl std::fmt::Debug for Screenshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Screenshot({:?}, {}x{}, {} bytes)", self.kind, self.width, self.height, self.data.len())
    }
}

/// Small valid images for tests, made by hand so no fixture files are needed.
pub mod samples {
    /// A 1×1 PNG.
    pub fn png() -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        v.extend_from_slice(&[0, 0, 0, 13]);
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
        v.extend_from_slice(&[0x1f, 0x15, 0xc4, 0x89]);
        v.extend_from_slice(&[0, 0, 0, 13, b'I', b'D', b'A', b'T']);
        v.extend_from_slice(&[0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4]);
        v.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]);
        v
    }

    /// A PNG header declaring the given dimensions (the pixels do not matter
    /// to the checks, which read the header).
    pub fn png_with_size(width: u32, height: u32) -> Vec<u8> {
        let mut v = png();
        v[16..20].copy_from_slice(&width.to_be_bytes());
        v[20..24].copy_from_slice(&height.to_be_bytes());
        v
    }

    /// A minimal baseline JPEG header (SOI, APP0, SOF0) for a 2×2 image.
    pub fn jpeg() -> Vec<u8> {
        let mut v = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
        v.extend_from_slice(&[0xff, 0xc0, 0, 17, 8, 0, 2, 0, 2, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend_from_slice(&[0xff, 0xd9]);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 5 * 1024 * 1024;

    #[test]
    fn accepts_png_and_jpeg_by_their_bytes() {
        let png = Screenshot::parse(samples::png(), MAX).unwrap();
        assert_eq!((png.kind, png.width, png.height), (ImageKind::Png, 1, 1));
        let jpeg = Screenshot::parse(samples::jpeg(), MAX).unwrap();
        assert_eq!((jpeg.kind, jpeg.width, jpeg.height), (ImageKind::Jpeg, 2, 2));
    }

    #[test]
    fn refuses_what_is_not_a_png_jpeg_or_webp() {
        let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
        assert_eq!(Screenshot::parse(svg, MAX).unwrap_err(), ScreenshotError::NotAnImage);
        let html = b"<html><body>hi</body></html>".to_vec();
        assert_eq!(Screenshot::parse(html, MAX).unwrap_err(), ScreenshotError::NotAnImage);
        let pdf = b"%PDF-1.4\n1 0 obj\n".to_vec();
        assert_eq!(Screenshot::parse(pdf, MAX).unwrap_err(), ScreenshotError::NotAnImage);
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
        assert_eq!(Screenshot::parse(gif, MAX).unwrap_err(), ScreenshotError::NotAnImage);
        assert_eq!(Screenshot::parse(vec![], MAX).unwrap_err(), ScreenshotError::Empty);
    }

    #[test]
    fn refuses_truncated_and_oversized_images() {
        let truncated = samples::png()[..12].to_vec();
        assert_eq!(Screenshot::parse(truncated, MAX).unwrap_err(), ScreenshotError::NotAnImage);
        assert_eq!(Screenshot::parse(samples::png(), 10).unwrap_err(), ScreenshotError::TooLarge);
        let bomb = samples::png_with_size(100_000, 100_000);
        assert_eq!(Screenshot::parse(bomb, MAX).unwrap_err(), ScreenshotError::BadDimensions);
    }
}
