//! What can be told about a photo without a model. The bytes go through the platform's image
//! checks first ([`platform::images::inspect`]: JPEG, PNG or WebP from the magic bytes, at
//! most 10 MB and 40 megapixels read from the header, a complete file) and are decoded once
//! with the same pixel bound. Then, on reduced copies:
//!
//! - dominant colours: a 64×64 copy, each channel quantised to 4 levels (64 boxes); the five
//!   fullest boxes, as the mean colour of their pixels (hex) and their share;
//! - a 64-bit perceptual hash (pHash): the 8×8 lowest frequencies of the DCT of a 32×32 grey
//!   copy, one bit per coefficient above their median (the DC term left out of the median).
//!   Re-encodings, resizes and small edits move few bits; different pictures differ in ~32;
//! - sharpness: the variance of the Laplacian of a grey copy at most 512 pixels wide —
//!   low when edges are soft (`blurry` under [`BLURRY_BELOW`]);
//! - brightness: the mean luma 0..1 (`dark` under [`DARK_BELOW`]) and contrast (its standard
//!   deviation); `small` when the shorter side is under [`SMALL_BELOW`] pixels.

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageFormat};
use serde::Serialize;

use super::lexicon::round3;
use platform::images::ImageError;

pub const BLURRY_BELOW: f64 = 100.0;
pub const DARK_BELOW: f64 = 0.25;
pub const SMALL_BELOW: u32 = 480;
/// Photos whose hashes differ in at most this many bits are near-duplicates.
pub const NEAR_DUPLICATE_BITS: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Colour {
    /// `#rrggbb`.
    pub hex: String,
    /// Share of the picture (0..1).
    pub share: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Flags {
    pub blurry: bool,
    pub dark: bool,
    pub small: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Analysis {
    /// `jpeg`, `png` or `webp`.
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub colors: Vec<Colour>,
    /// The 64-bit perceptual hash, 16 hex digits.
    pub hash: String,
    /// Variance of the Laplacian (higher is sharper).
    pub sharpness: f64,
    /// Mean luma, 0 (black) .. 1 (white).
    pub brightness: f64,
    /// Standard deviation of the luma, 0..0.5.
    pub contrast: f64,
    pub flags: Flags,
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        _ => "jpeg",
    }
}

/// Checks and decodes `bytes`, then analyses the picture. CPU-heavy: run it off the async
/// threads.
pub fn analyse(bytes: &[u8]) -> Result<(Analysis, u64), ImageError> {
    let header = platform::images::inspect(bytes)?;
    let image =
        platform::images::decode_bounded(std::io::Cursor::new(bytes), header.format, platform::images::MAX_PIXELS)?;
    let hash = phash(&image);
    let grey = reduce(&image, 512).to_luma8();
    let (brightness, contrast) = luma_stats(&grey);
    let sharpness = laplacian_variance(&grey);
    let analysis = Analysis {
        format: format_name(header.format),
        width: image.width(),
        height: image.height(),
        bytes: bytes.len(),
        colors: dominant_colours(&image),
        hash: format!("{hash:016x}"),
        sharpness: round3(sharpness),
        brightness: round3(brightness),
        contrast: round3(contrast),
        flags: Flags {
            blurry: sharpness < BLURRY_BELOW,
            dark: brightness < DARK_BELOW,
            small: image.width().min(image.height()) < SMALL_BELOW,
        },
    };
    Ok((analysis, hash))
}

/// A copy at most `edge` pixels on its longest side (never enlarged).
fn reduce(image: &DynamicImage, edge: u32) -> DynamicImage {
    if image.width().max(image.height()) <= edge {
        return image.clone();
    }
    image.resize(edge, edge, FilterType::Triangle)
}

fn luma_stats(grey: &GrayImage) -> (f64, f64) {
    let n = f64::from(grey.width() * grey.height()).max(1.0);
    let mean = grey.pixels().map(|p| f64::from(p[0])).sum::<f64>() / n;
    let var = grey.pixels().map(|p| (f64::from(p[0]) - mean).powi(2)).sum::<f64>() / n;
    (mean / 255.0, var.sqrt() / 255.0)
}

/// Variance of the 4-neighbour Laplacian over the inner pixels.
fn laplacian_variance(grey: &GrayImage) -> f64 {
    let (w, h) = grey.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| f64::from(grey.get_pixel(x, y)[0]);
    let mut values = Vec::with_capacity(((w - 2) * (h - 2)) as usize);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            values.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y));
        }
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n
}

fn dominant_colours(image: &DynamicImage) -> Vec<Colour> {
    let small = image.resize_exact(64, 64, FilterType::Triangle).to_rgb8();
    let mut boxes = [(0u64, [0u64; 3]); 64];
    for p in small.pixels() {
        let index = usize::from(p[0] >> 6) * 16 + usize::from(p[1] >> 6) * 4 + usize::from(p[2] >> 6);
        boxes[index].0 += 1;
        for c in 0..3 {
            boxes[index].1[c] += u64::from(p[c]);
        }
    }
    let total = (64 * 64) as f64;
    let mut full: Vec<_> = boxes.iter().filter(|b| b.0 > 0).collect();
    full.sort_by_key(|b| std::cmp::Reverse(b.0));
    full.iter()
        .take(5)
        .map(|(count, sums)| {
            let mean = |c: usize| sums[c] / count;
            Colour {
                hex: format!("#{:02x}{:02x}{:02x}", mean(0), mean(1), mean(2)),
                share: round3(*count as f64 / total),
            }
        })
        .collect()
}

/// pHash: DCT-II of a 32×32 grey copy, the top-left 8×8 coefficients against their median.
pub fn phash(image: &DynamicImage) -> u64 {
    const N: usize = 32;
    let grey = image.resize_exact(N as u32, N as u32, FilterType::Triangle).to_luma8();
    let pixels: Vec<f64> = grey.pixels().map(|p| f64::from(p[0])).collect();
    let cos: Vec<f64> = (0..8 * N)
        .map(|i| {
            let (u, x) = (i / N, i % N);
            (std::f64::consts::PI * (2 * x + 1) as f64 * u as f64 / (2 * N) as f64).cos()
        })
        .collect();
    // Rows then columns, only the 8 lowest frequencies each way.
    let mut rows = vec![0.0; N * 8];
    for y in 0..N {
        for u in 0..8 {
            rows[y * 8 + u] = (0..N).map(|x| pixels[y * N + x] * cos[u * N + x]).sum();
        }
    }
    let mut coefficients = [0.0; 64];
    for v in 0..8 {
        for u in 0..8 {
            coefficients[v * 8 + u] = (0..N).map(|y| rows[y * 8 + u] * cos[v * N + y]).sum();
        }
    }
    let mut sorted: Vec<f64> = coefficients[1..].to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    coefficients.iter().enumerate().fold(0u64, |hash, (i, c)| if *c > median { hash | (1 << i) } else { hash })
}

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use image::{Rgb, RgbImage};

    use super::*;

    fn png(image: &DynamicImage) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// A scene with edges: coloured blocks and stripes.
    fn scene(w: u32, h: u32, shift: u8) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            let block = ((x / 40) + (y / 40)) % 3;
            let stripe = if (x / 8) % 2 == 0 { 60 } else { 0 };
            match block {
                0 => Rgb([200u8.saturating_sub(stripe), 40, 40u8.saturating_add(shift)]),
                1 => Rgb([30, 160u8.saturating_add(stripe / 2), 60]),
                _ => Rgb([230, 230u8.saturating_sub(stripe), 210]),
            }
        }))
    }

    #[test]
    fn a_sharp_scene_a_blurred_one_and_a_dark_one() {
        let sharp = scene(640, 480, 0);
        let (a, _) = analyse(&png(&sharp)).unwrap();
        assert!(!a.flags.blurry && !a.flags.dark && !a.flags.small, "{a:?}");
        assert_eq!((a.format, a.width, a.height), ("png", 640, 480));
        let shares: Vec<f64> = a.colors.iter().map(|c| c.share).collect();
        assert!(shares.iter().sum::<f64>() <= 1.0 + 1e-9 && shares.windows(2).all(|w| w[0] >= w[1]), "{shares:?}");
        assert_eq!(a.colors[0].hex, "#a72f2c", "the red blocks with their stripes, averaged");
        let (b, _) = analyse(&png(&sharp.blur(6.0))).unwrap();
        assert!(b.flags.blurry, "{b:?}");
        let dark = DynamicImage::ImageRgb8(RgbImage::from_fn(300, 200, |x, _| Rgb([(x % 20) as u8, 10, 15])));
        let (d, _) = analyse(&png(&dark)).unwrap();
        assert!(d.flags.dark && d.flags.small, "{d:?}");
    }

    #[test]
    fn near_copies_have_close_hashes() {
        let original = scene(640, 480, 0);
        let (_, h1) = analyse(&png(&original)).unwrap();
        let resized = original.resize_exact(500, 375, FilterType::Lanczos3);
        let mut jpeg = std::io::Cursor::new(Vec::new());
        resized.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        let (_, h2) = analyse(&jpeg.into_inner()).unwrap();
        assert!(distance(h1, h2) <= NEAR_DUPLICATE_BITS, "{}", distance(h1, h2));
        let other = DynamicImage::ImageRgb8(RgbImage::from_fn(640, 480, |x, y| {
            Rgb([((x * y) % 251) as u8, ((x + 3 * y) % 256) as u8, ((x * 7) % 256) as u8])
        }));
        let (_, h3) = analyse(&png(&other)).unwrap();
        assert!(distance(h1, h3) > NEAR_DUPLICATE_BITS, "{}", distance(h1, h3));
    }

    #[test]
    fn refused_like_uploads() {
        assert_eq!(analyse(b"not an image").unwrap_err(), ImageError::UnsupportedFormat);
        let p = png(&scene(64, 64, 0));
        assert_eq!(analyse(&p[..p.len() / 2]).unwrap_err(), ImageError::Corrupt);
    }
}
