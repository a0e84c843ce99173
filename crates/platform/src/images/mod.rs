//! Untrusted image input. [`normalise_avatar`] turns an uploaded file into a 512×512 JPEG and
//! [`listing_variants`] into the JPEG sizes of a listing photo. For both, the format is sniffed from the bytes (never from a client header), only JPEG, PNG and WebP
//! are accepted, the dimensions are checked from the header before any pixel is decoded (a
//! small file can claim gigapixels), and re-encoding drops every metadata segment (EXIF GPS
//! position, camera serial numbers, comments). CPU-heavy: call it from `spawn_blocking`.

mod check;

pub use check::{Header, inspect};

use std::io::{BufRead, Cursor, Seek};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageError as CodecError, ImageFormat, ImageReader, Limits, RgbImage};

/// Largest accepted upload.
pub const MAX_INPUT_BYTES: usize = 10 * 1024 * 1024;
/// Largest accepted picture, in pixels (width × height), checked before decoding.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Side of the square avatar.
pub const AVATAR_SIZE: u32 = 512;
const JPEG_QUALITY: u8 = 85;
/// Decoder allocation beyond the pixels themselves.
const DECODE_SLACK: u64 = 64 * 1024 * 1024;

/// A re-encoded image, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// One size of a listing photo (see [`listing_variants`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// `thumb`, `medium` or `large`.
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The sizes of a listing photo: name and longest edge in pixels, smallest first.
pub const LISTING_VARIANTS: [(&str, u32); 3] = [("thumb", 320), ("medium", 1024), ("large", 2048)];

/// Why an upload was refused. Messages can be shown to the uploader as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Not a JPEG, PNG or WebP file, whatever it claims to be (415).
    #[error("the file is not a JPEG, PNG or WebP image")]
    UnsupportedFormat,
    /// More than [`MAX_INPUT_BYTES`] (413).
    #[error("the image is larger than 10 MB")]
    TooLarge,
    /// More than [`MAX_PIXELS`] (413).
    #[error("the image has more than 40 megapixels")]
    TooManyPixels,
    /// Recognised, but truncated or malformed (400).
    #[error("the image is damaged or incomplete")]
    Corrupt,
}

impl ImageError {
    /// The HTTP status that fits: 400, 413 or 415.
    pub fn status(&self) -> u16 {
        match self {
            ImageError::UnsupportedFormat => 415,
            ImageError::TooLarge | ImageError::TooManyPixels => 413,
            ImageError::Corrupt => 400,
        }
    }
}

fn from_codec(e: CodecError) -> ImageError {
    match e {
        CodecError::Limits(_) => ImageError::TooManyPixels,
        CodecError::Unsupported(_) => ImageError::UnsupportedFormat,
        _ => ImageError::Corrupt,
    }
}

/// The format, from the file's magic bytes: only the three we accept.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImageError> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(ImageError::UnsupportedFormat),
    }
}

/// Decodes `bytes` (sniffed, size-checked, oriented upright per EXIF), refusing oversized input
/// before any pixel buffer is allocated.
fn decode(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = sniff(bytes)?;
    decode_bounded(Cursor::new(bytes), format, MAX_PIXELS)
}

/// Decodes a picture of a known `format` from `reader` — a file as well as bytes in memory —
/// refusing more than `max_pixels` from the header before anything the size of the picture is
/// allocated, and turning it upright per EXIF (its metadata is about to be dropped). The media
/// context decodes panoramas with their own, larger pixel limit through it.
pub fn decode_bounded<R: BufRead + Seek>(
    reader: R,
    format: ImageFormat,
    max_pixels: u64,
) -> Result<DynamicImage, ImageError> {
    // Constructing the decoder reads the header only.
    let mut reader = ImageReader::with_format(reader, format);
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(from_codec)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooManyPixels);
    }
    let mut limits = Limits::default();
    // The largest picture at 16 bits per RGBA channel, plus slack.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(DECODE_SLACK));
    decoder.set_limits(limits).map_err(from_codec)?;
    let orientation = decoder.orientation().map_err(from_codec)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(from_codec)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Flattens transparency onto white: JPEG has no alpha channel.
fn flatten(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let alpha = u16::from(src[3]);
        for channel in 0..3 {
            let value = (u16::from(src[channel]) * alpha + 255 * (255 - alpha) + 127) / 255;
            dst[channel] = u8::try_from(value).unwrap_or(u8::MAX);
        }
    }
    out
}

/// JPEG at [`JPEG_QUALITY`]: a fresh file, with no metadata segment.
fn encode_jpeg(rgb: &RgbImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(rgb).map_err(|_| ImageError::Corrupt)?;
    Ok(out)
}

/// A user's avatar as uploaded → a centred square, 512×512, JPEG quality 85, no metadata.
pub fn normalise_avatar(bytes: &[u8]) -> Result<Encoded, ImageError> {
    let image = decode(bytes)?;
    let side = image.width().min(image.height());
    let square = image.crop_imm((image.width() - side) / 2, (image.height() - side) / 2, side, side);
    let resized = square.resize_exact(AVATAR_SIZE, AVATAR_SIZE, FilterType::Lanczos3);
    let rgb = flatten(&resized);
    let out = encode_jpeg(&rgb)?;
    Ok(Encoded { bytes: out, content_type: "image/jpeg", width: AVATAR_SIZE, height: AVATAR_SIZE })
}

/// `width × height` scaled down so the longest edge is at most `edge`, keeping the aspect
/// ratio (each side at least 1). Never scales up.
fn fit(width: u32, height: u32, edge: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= edge {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(edge) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(edge).clamp(1, edge)
    };
    (scale(width), scale(height))
}

/// A listing photo as uploaded → the [`LISTING_VARIANTS`] (`thumb` 320, `medium` 1024,
/// `large` 2048 pixels on the longest edge), each a JPEG at quality 85 with no metadata,
/// upright per EXIF, transparency flattened onto white. A picture smaller than a size keeps
/// its own dimensions for it (never upscaled). Same checks as [`normalise_avatar`]; the upload
/// is decoded once. CPU-heavy: call it from `spawn_blocking`.
pub fn listing_variants(bytes: &[u8]) -> Result<Vec<Variant>, ImageError> {
    jpeg_variants(decode(bytes)?, &LISTING_VARIANTS)
}

/// `image` as one JPEG (quality 85, no metadata, transparency flattened onto white) per
/// `(name, longest edge)` of `sizes`, which go smallest first; the result is in the same order.
/// Never upscales: a picture smaller than a size keeps its own dimensions for it.
pub fn jpeg_variants(image: DynamicImage, sizes: &[(&'static str, u32)]) -> Result<Vec<Variant>, ImageError> {
    let (original_width, original_height) = (image.width(), image.height());
    let mut current = flatten(&image);
    drop(image);
    let mut variants = Vec::with_capacity(sizes.len());
    // Largest first, each resized from the previous one: the full-size picture is resampled
    // once, the smaller sizes from an already reduced copy. Dimensions come from the original,
    // so rounding does not drift from one size to the next.
    for &(name, edge) in sizes.iter().rev() {
        let (width, height) = fit(original_width, original_height, edge);
        if (width, height) != current.dimensions() {
            // Through `DynamicImage`: the same resampling, but compiled in the image crate
            // (optimised even in debug builds, where it is six times faster).
            current = DynamicImage::ImageRgb8(current).resize_exact(width, height, FilterType::Lanczos3).into_rgb8();
        }
        let bytes = encode_jpeg(&current)?;
        variants.push(Variant { name, bytes, content_type: "image/jpeg", width, height });
    }
    variants.reverse();
    Ok(variants)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn gradient(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        }))
    }

    /// Decodes an output and checks what every avatar must be.
    fn check_avatar(encoded: &Encoded) -> RgbImage {
        assert_eq!(encoded.content_type, "image/jpeg");
        assert_eq!((encoded.width, encoded.height), (512, 512));
        assert!(encoded.bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "JPEG SOI");
        assert_eq!(image::guess_format(&encoded.bytes).unwrap(), ImageFormat::Jpeg);
        let decoded = image::load_from_memory(&encoded.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (512, 512));
        decoded.to_rgb8()
    }

    #[test]
    fn png_jpeg_and_webp_become_512_square_jpegs() {
        for (format, width, height) in
            [(ImageFormat::Png, 300, 200), (ImageFormat::Jpeg, 1024, 600), (ImageFormat::WebP, 90, 160)]
        {
            let input = encode(&gradient(width, height), format);
            let encoded = normalise_avatar(&input).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            check_avatar(&encoded);
        }
    }

    #[test]
    fn the_crop_is_centred() {
        // Wide picture: red, green, blue thirds. The centred square is the green third.
        let image = RgbImage::from_fn(300, 100, |x, _| match x {
            0..100 => Rgb([255, 0, 0]),
            100..200 => Rgb([0, 255, 0]),
            _ => Rgb([0, 0, 255]),
        });
        let out = check_avatar(&normalise_avatar(&encode(&DynamicImage::ImageRgb8(image), ImageFormat::Png)).unwrap());
        for (x, y) in [(10, 10), (500, 10), (256, 256), (10, 500), (500, 500)] {
            let Rgb([r, g, b]) = *out.get_pixel(x, y);
            assert!(g > 200 && r < 40 && b < 40, "({x},{y}) = {:?}", [r, g, b]);
        }
    }

    #[test]
    fn transparency_is_flattened_onto_white() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(64, 64, Rgba([0, 0, 0, 0])));
        let out = check_avatar(&normalise_avatar(&encode(&clear, ImageFormat::Png)).unwrap());
        let Rgb([r, g, b]) = *out.get_pixel(256, 256);
        assert!(r > 245 && g > 245 && b > 245, "{:?}", [r, g, b]);
    }

    #[test]
    fn anything_else_is_unsupported_whatever_it_claims() {
        for bytes in [
            &b"hello, I am a text file"[..],
            b"",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"BM\x00\x00\x00\x00",
        ] {
            assert_eq!(normalise_avatar(bytes), Err(ImageError::UnsupportedFormat), "{bytes:?}");
        }
        assert_eq!(ImageError::UnsupportedFormat.status(), 415);
    }

    #[test]
    fn truncated_images_are_corrupt() {
        let png = encode(&gradient(64, 64), ImageFormat::Png);
        assert_eq!(normalise_avatar(&png[..png.len() / 2]), Err(ImageError::Corrupt));
        let jpeg = encode(&gradient(64, 64), ImageFormat::Jpeg);
        assert_eq!(normalise_avatar(&jpeg[..12]), Err(ImageError::Corrupt));
        assert_eq!(ImageError::Corrupt.status(), 400);
    }

    #[test]
    fn more_than_10_mb_is_refused_before_looking_at_it() {
        let mut big = encode(&gradient(8, 8), ImageFormat::Png);
        big.resize(MAX_INPUT_BYTES + 1, 0);
        assert_eq!(normalise_avatar(&big), Err(ImageError::TooLarge));
        assert_eq!(ImageError::TooLarge.status(), 413);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // 20000 × 20000 RGBA would be 1.6 GB of pixels; the file is a few dozen bytes.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        chunk(&mut png, b"IEND", &[]);
        let started = std::time::Instant::now();
        assert_eq!(normalise_avatar(&png), Err(ImageError::TooManyPixels));
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
        assert_eq!(ImageError::TooManyPixels.status(), 413);
    }

    /// An APP1 Exif segment: orientation "rotate 90° clockwise", plus a fake GPS note.
    fn exif_app1() -> Vec<u8> {
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
        tiff.extend_from_slice(&[0x00, 0x01]); // one entry
        tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00]);
        tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
        tiff.extend_from_slice(b"GPS 48.8584N 2.2945E");
        let mut payload = b"Exif\x00\x00".to_vec();
        payload.extend_from_slice(&tiff);
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        segment.extend_from_slice(&payload);
        segment
    }

    #[test]
    fn exif_is_applied_then_stripped() {
        // Left half red, right half blue; EXIF says the camera was turned, so upright the
        // picture is red on top and blue below.
        let image = RgbImage::from_fn(200, 100, |x, _| if x < 100 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let plain = encode(&DynamicImage::ImageRgb8(image), ImageFormat::Jpeg);
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&exif_app1());
        with_exif.extend_from_slice(&plain[2..]);
        assert!(with_exif.windows(6).any(|w| w == b"Exif\x00\x00"));

        let encoded = normalise_avatar(&with_exif).unwrap();
        let out = check_avatar(&encoded);
        assert!(!encoded.bytes.windows(4).any(|w| w == b"Exif"), "EXIF survived");
        assert!(!encoded.bytes.windows(3).any(|w| w == b"GPS"), "GPS note survived");
        assert!(!encoded.bytes.windows(2).any(|w| w == [0xFF, 0xE1]), "an APP1 segment survived");
        let red = |p: &Rgb<u8>| p[0] > 200 && p[2] < 60;
        let blue = |p: &Rgb<u8>| p[2] > 200 && p[0] < 60;
        assert!(red(out.get_pixel(32, 32)) && red(out.get_pixel(480, 32)), "top is red once upright");
        assert!(blue(out.get_pixel(32, 480)) && blue(out.get_pixel(480, 480)), "bottom is blue once upright");
    }

    /// Checks what every variant must be and returns their dimensions, by name.
    fn check_variants(variants: &[Variant]) -> Vec<(&'static str, u32, u32)> {
        assert_eq!(variants.iter().map(|v| v.name).collect::<Vec<_>>(), ["thumb", "medium", "large"]);
        variants
            .iter()
            .map(|v| {
                assert_eq!(v.content_type, "image/jpeg");
                assert!(v.bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "JPEG SOI");
                let decoded = image::load_from_memory_with_format(&v.bytes, ImageFormat::Jpeg).unwrap();
                assert_eq!((decoded.width(), decoded.height()), (v.width, v.height), "{}", v.name);
                (v.name, v.width, v.height)
            })
            .collect()
    }

    #[test]
    fn listing_variants_fit_the_longest_edge() {
        let wide = listing_variants(&encode(&gradient(2100, 700), ImageFormat::Png)).unwrap();
        assert_eq!(check_variants(&wide), [("thumb", 320, 107), ("medium", 1024, 341), ("large", 2048, 683)]);
        let tall = listing_variants(&encode(&gradient(600, 1200), ImageFormat::Jpeg)).unwrap();
        assert_eq!(check_variants(&tall), [("thumb", 160, 320), ("medium", 512, 1024), ("large", 600, 1200)]);
    }

    #[test]
    fn listing_variants_never_upscale() {
        let small = listing_variants(&encode(&gradient(200, 90), ImageFormat::WebP)).unwrap();
        assert_eq!(check_variants(&small), [("thumb", 200, 90), ("medium", 200, 90), ("large", 200, 90)]);
        let edge = listing_variants(&encode(&gradient(320, 320), ImageFormat::Png)).unwrap();
        assert_eq!(check_variants(&edge), [("thumb", 320, 320), ("medium", 320, 320), ("large", 320, 320)]);
        assert_eq!(fit(5000, 1, 320), (320, 1), "a side never rounds down to 0");
    }

    #[test]
    fn listing_variants_apply_then_strip_exif() {
        let image = RgbImage::from_fn(200, 100, |x, _| if x < 100 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let plain = encode(&DynamicImage::ImageRgb8(image), ImageFormat::Jpeg);
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&exif_app1());
        with_exif.extend_from_slice(&plain[2..]);

        let variants = listing_variants(&with_exif).unwrap();
        // Upright, the 200×100 picture is 100×200: red on top, blue below.
        assert_eq!(check_variants(&variants), [("thumb", 100, 200), ("medium", 100, 200), ("large", 100, 200)]);
        for v in &variants {
            assert!(!v.bytes.windows(4).any(|w| w == b"Exif"), "EXIF survived in {}", v.name);
            assert!(!v.bytes.windows(3).any(|w| w == b"GPS"), "GPS note survived in {}", v.name);
            assert!(!v.bytes.windows(2).any(|w| w == [0xFF, 0xE1]), "an APP1 segment survived in {}", v.name);
            let out = image::load_from_memory(&v.bytes).unwrap().to_rgb8();
            assert!(out.get_pixel(50, 20)[0] > 200 && out.get_pixel(50, 180)[2] > 200, "{} is upright", v.name);
        }
    }

    #[test]
    fn listing_variants_go_by_content_not_by_name() {
        // PNG bytes (say, from a file renamed `.jpg`): the content decides.
        let png = encode(&gradient(64, 48), ImageFormat::Png);
        assert_eq!(check_variants(&listing_variants(&png).unwrap())[0], ("thumb", 64, 48));
        assert_eq!(listing_variants(b"hello, I am a text file named photo.jpg"), Err(ImageError::UnsupportedFormat));
        assert_eq!(listing_variants(&png[..png.len() / 2]), Err(ImageError::Corrupt));
        let mut big = png;
        big.resize(MAX_INPUT_BYTES + 1, 0);
        assert_eq!(listing_variants(&big), Err(ImageError::TooLarge));
    }

    #[test]
    fn listing_variants_flatten_transparency_onto_white() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 30, Rgba([0, 0, 0, 0])));
        for v in listing_variants(&encode(&clear, ImageFormat::Png)).unwrap() {
            let Rgb([r, g, b]) = *image::load_from_memory(&v.bytes).unwrap().to_rgb8().get_pixel(20, 15);
            assert!(r > 245 && g > 245 && b > 245, "{}: {:?}", v.name, [r, g, b]);
        }
    }
}
