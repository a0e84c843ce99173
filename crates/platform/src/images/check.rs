//! The look at an uploaded image that an upload request can afford. Decoding and re-encoding
//! run later, on the job queue; what the uploader must hear about at once — not an image,
//! too big, truncated — is read from the bytes here without decoding a pixel: the format
//! from the magic bytes, the dimensions from the header, and whether the file ends the way
//! its format ends (a JPEG with its end-of-image marker, a PNG with its `IEND` chunk, a WebP
//! exactly as long as its RIFF header says). Damage in the middle of a file shows only when
//! it is decoded, by the job, which then fails (listing photos, avatars).

use std::io::Cursor;

use super::{ImageError, MAX_INPUT_BYTES, MAX_PIXELS};
use image::{ImageFormat, ImageReader};

/// What the header of an accepted upload says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// A PNG's last chunk: length 0, type `IEND`, and its (fixed) CRC.
const PNG_END: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
/// A JPEG's end-of-image marker.
const JPEG_END: [u8; 2] = [0xFF, 0xD9];

/// Checks an upload from its bytes: JPEG, PNG or WebP (415 otherwise), at most 10 MB and
/// 40 megapixels (413), with a readable header and a proper end (400).
pub fn inspect(bytes: &[u8]) -> Result<Header, ImageError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ImageError::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| ImageError::Corrupt)?;
    let format = match reader.format() {
        Some(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => format,
        _ => return Err(ImageError::UnsupportedFormat),
    };
    let (width, height) = reader.into_dimensions().map_err(|e| match e {
        image::ImageError::Unsupported(_) => ImageError::UnsupportedFormat,
        _ => ImageError::Corrupt,
    })?;
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooManyPixels);
    }
    if !ends_properly(format, bytes) {
        return Err(ImageError::Corrupt);
    }
    Ok(Header { format, width, height })
}

/// Whether the file ends as a complete file of `format` does.
fn ends_properly(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        ImageFormat::Jpeg => bytes.ends_with(&JPEG_END),
        ImageFormat::Png => bytes.ends_with(&PNG_END),
        ImageFormat::WebP => riff_size(bytes).is_some_and(|size| size.checked_add(8) == Some(bytes.len())),
        _ => false,
    }
}

/// The size a RIFF/WebP header declares (the bytes after its first 8).
fn riff_size(bytes: &[u8]) -> Option<usize> {
    if bytes.get(..4)? != b"RIFF" || bytes.get(8..12)? != b"WEBP" {
        return None;
    }
    let size: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(size)).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn encode(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn complete_files_are_read_from_their_header() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let header = inspect(&encode(format, 40, 30)).unwrap();
            assert_eq!(header, Header { format, width: 40, height: 30 }, "{format:?}");
        }
    }

    #[test]
    fn truncated_files_are_corrupt() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let mut bytes = encode(format, 64, 64);
            bytes.truncate(bytes.len() - 3);
            assert_eq!(inspect(&bytes), Err(ImageError::Corrupt), "{format:?}");
            bytes.truncate(bytes.len() / 2);
            assert_eq!(inspect(&bytes), Err(ImageError::Corrupt), "{format:?}");
        }
        let mut padded = encode(ImageFormat::WebP, 8, 8);
        padded.extend_from_slice(&[0, 0]);
        assert_eq!(inspect(&padded), Err(ImageError::Corrupt), "a WebP longer than its RIFF size");
    }

    #[test]
    fn other_formats_and_oversize_files_are_refused() {
        assert_eq!(inspect(b"hello, I am a text file"), Err(ImageError::UnsupportedFormat));
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,";
        assert_eq!(inspect(gif), Err(ImageError::UnsupportedFormat));
        let mut big = encode(ImageFormat::Jpeg, 8, 8);
        big.resize(MAX_INPUT_BYTES + 1, 0);
        assert_eq!(inspect(&big), Err(ImageError::TooLarge));
    }

    /// CRC-32 (ISO-HDLC), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn the_pixel_count_is_read_before_anything_is_decoded() {
        // A 1×1 PNG whose header claims 10000×5000 pixels (with the header's CRC fixed up).
        let mut png = encode(ImageFormat::Png, 1, 1);
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&5_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(inspect(&png), Err(ImageError::TooManyPixels));
    }
}
