//! The JPEG renditions shown before (or instead of) the original: a panorama's preview and
//! thumbnail, a video's poster and thumbnail. Decoding and resizing are the platform's
//! (`platform::images`), shared with listing photos; this module adds the sizes and the pixel
//! budget checked from the header before a large panorama is decoded.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use image::DynamicImage;
use platform::images::{self, ImageError};

use super::image_info::{ImageFormat, SNIFF_BYTES, sniff_image};
use super::{BUFFER, FileError, invalid, jpeg};

/// A JPEG rendition (quality 85, no metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    /// `preview` or `thumb` for a panorama, `poster` or `thumb` for a video.
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Panorama sizes, by longest edge (the width of an equirectangular picture), smallest first.
const PANORAMA_SIZES: [(&str, u32); 2] = [("thumb", 512), ("preview", 2048)];
/// Poster sizes, by longest edge, smallest first.
const POSTER_SIZES: [(&str, u32); 2] = [("thumb", 320), ("poster", 1280)];

fn from_image_error(e: ImageError, max_pixels: u64) -> FileError {
    match e {
        ImageError::UnsupportedFormat => FileError::Unsupported(e.to_string()),
        ImageError::TooLarge | ImageError::TooManyPixels => {
            FileError::TooLarge(format!("the image has more than {max_pixels} pixels"))
        }
        ImageError::Corrupt => invalid("the image is damaged or incomplete"),
    }
}

/// The JPEG decoder paints a truncated picture grey instead of failing, so a JPEG's structure is
/// walked to its EOI first (a cheap pass, no decoding). PNG and WebP decoders fail on their own.
fn check_complete(format: ImageFormat, reader: &mut impl BufRead) -> Result<(), FileError> {
    if format == ImageFormat::Jpeg {
        jpeg::strip(reader, &mut io::sink())?;
    }
    Ok(())
}

/// Renders `sizes`, largest first in the result.
fn render(image: DynamicImage, sizes: &[(&'static str, u32)], max_pixels: u64) -> Result<Vec<Rendition>, FileError> {
    let variants = images::jpeg_variants(image, sizes).map_err(|e| from_image_error(e, max_pixels))?;
    Ok(variants
        .into_iter()
        .rev()
        .map(|v| Rendition { name: v.name, bytes: v.bytes, width: v.width, height: v.height })
        .collect())
}

/// Decodes a panorama file (fully: a corrupt or truncated one fails here) and renders `preview`
/// (2048×1024) and `thumb` (512×256) JPEGs, upright per EXIF, never upscaling. The pixel count
/// is checked against `max_pixels` from the header before anything is decoded. Blocking and
/// CPU-heavy.
pub fn panorama_renditions(path: &Path, max_pixels: u64) -> Result<Vec<Rendition>, FileError> {
    let mut file = File::open(path)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let info = sniff_image(&head)?;
    if u64::from(info.width) * u64::from(info.height) > max_pixels {
        return Err(FileError::TooLarge(format!(
            "a {}×{} panorama has more than {max_pixels} pixels, the limit",
            info.width, info.height
        )));
    }
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::with_capacity(BUFFER, file);
    check_complete(info.format, &mut reader)?;
    reader.seek(SeekFrom::Start(0))?;
    let image =
        images::decode_bounded(reader, info.format.codec(), max_pixels).map_err(|e| from_image_error(e, max_pixels))?;
    render(image, &PANORAMA_SIZES, max_pixels)
}

/// `poster` (longest edge ≤ 1280) and `thumb` (≤ 320) JPEGs from a still image — a frame of the
/// video or an uploaded poster — upright per EXIF, never upscaled. Blocking and CPU-heavy.
pub fn poster_renditions(image_bytes: &[u8]) -> Result<Vec<Rendition>, FileError> {
    let info = sniff_image(image_bytes)?;
    check_complete(info.format, &mut Cursor::new(image_bytes))?;
    let image = images::decode_bounded(Cursor::new(image_bytes), info.format.codec(), images::MAX_PIXELS)
        .map_err(|e| from_image_error(e, images::MAX_PIXELS))?;
    render(image, &POSTER_SIZES, images::MAX_PIXELS)
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
