#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use image::ImageFormat as Codec;

use super::*;
use crate::files::fixtures::*;

/// Names and sizes, after checking each rendition decodes as a JPEG of its stated size.
fn sizes(renditions: &[Rendition]) -> Vec<(&'static str, u32, u32)> {
    renditions
        .iter()
        .map(|r| {
            let decoded = image::load_from_memory_with_format(&r.bytes, Codec::Jpeg).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (r.width, r.height), "{}", r.name);
            assert!(!contains(&r.bytes, b"Exif"), "{} carries EXIF", r.name);
            (r.name, r.width, r.height)
        })
        .collect()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_panorama_gets_a_preview_and_a_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "pano.jpg", &encode(&gradient(2200, 1100), Codec::Jpeg));
    let renditions = panorama_renditions(&path, 50_000_000).unwrap();
    assert_eq!(sizes(&renditions), [("preview", 2048, 1024), ("thumb", 512, 256)]);
}

#[test]
fn a_small_panorama_is_never_upscaled() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "pano.webp", &encode(&gradient(1000, 500), Codec::WebP));
    let renditions = panorama_renditions(&path, 50_000_000).unwrap();
    assert_eq!(sizes(&renditions), [("preview", 1000, 500), ("thumb", 512, 256)]);
}

#[test]
fn too_many_pixels_are_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    // A real, small picture, but the budget is smaller still.
    let path = write(&dir, "pano.png", &encode(&gradient(2000, 1000), Codec::Png));
    assert!(matches!(panorama_renditions(&path, 1_999_999), Err(FileError::TooLarge(_))));
    // A few dozen bytes claiming 40000×20000: refused at once, from the header.
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 40_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    bomb.extend_from_slice(&png_chunk(b"IHDR", &ihdr));
    bomb.extend_from_slice(&png_chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]));
    bomb.extend_from_slice(&png_chunk(b"IEND", &[]));
    let path = write(&dir, "bomb.png", &bomb);
    let started = std::time::Instant::now();
    assert!(matches!(panorama_renditions(&path, 100_000_000), Err(FileError::TooLarge(_))));
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "{:?}", started.elapsed());
}

#[test]
fn a_corrupt_or_foreign_panorama_fails_here() {
    let dir = tempfile::tempdir().unwrap();
    let png = encode(&gradient(2000, 1000), Codec::Png);
    let path = write(&dir, "cut.png", &png[..png.len() / 2]);
    assert!(matches!(panorama_renditions(&path, 50_000_000), Err(FileError::Invalid(_))));
    // The JPEG decoder would paint the missing rows grey: the structure check catches it.
    let jpeg = encode(&gradient(2000, 1000), Codec::Jpeg);
    let path = write(&dir, "cut.jpg", &jpeg[..jpeg.len() * 2 / 3]);
    assert!(matches!(panorama_renditions(&path, 50_000_000), Err(FileError::Invalid(_))));
    let path = write(&dir, "text.jpg", b"not a picture at all");
    assert!(matches!(panorama_renditions(&path, 50_000_000), Err(FileError::Unsupported(_))));
    let missing = dir.path().join("missing.jpg");
    assert!(matches!(panorama_renditions(&missing, 50_000_000), Err(FileError::Io(_))));
}

#[test]
fn posters_fit_1280_and_320() {
    let wide = poster_renditions(&encode(&gradient(1600, 900), Codec::Jpeg)).unwrap();
    assert_eq!(sizes(&wide), [("poster", 1280, 720), ("thumb", 320, 180)]);
    let small = poster_renditions(&encode(&gradient(200, 100), Codec::Png)).unwrap();
    assert_eq!(sizes(&small), [("poster", 200, 100), ("thumb", 200, 100)]);
}

#[test]
fn a_poster_must_be_an_image() {
    assert!(matches!(poster_renditions(b"GIF89a...."), Err(FileError::Unsupported(_))));
    let jpeg = encode(&gradient(300, 200), Codec::Jpeg);
    assert!(matches!(poster_renditions(&jpeg[..jpeg.len() / 3]), Err(FileError::Invalid(_))));
}
