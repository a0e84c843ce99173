#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use image::ImageFormat as Codec;

use crate::files::fixtures::*;
use crate::files::{FileError, ImageFormat, sniff_image, strip_metadata};

fn strip_bytes(dir: &Path, bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    let (src, dst) = (dir.join("in.webp"), dir.join("out.webp"));
    std::fs::write(&src, bytes).unwrap();
    let result = strip_metadata(&src, &dst, ImageFormat::Webp).map(|()| std::fs::read(&dst).unwrap());
    if result.is_err() {
        assert!(!dst.exists(), "a failed strip left its output behind");
    }
    result
}

fn riff_size(bytes: &[u8]) -> usize {
    u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize
}

#[test]
fn exif_and_xmp_chunks_go_and_their_flags_are_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let image = gradient(70, 40);
    let icc = riff_chunk(b"ICCP", b"profile");
    let dirty = webp_of(&[
        vp8x(0x20 | 0x08 | 0x04, 70, 40),
        icc.clone(),
        webp_chunks(&image),
        riff_chunk(b"EXIF", &exif_payload()[6..]),
        riff_chunk(b"XMP ", b"<x:xmpmeta>GPSLatitude 48.85, odd length</x:xmpmeta>"),
    ]);
    let out = strip_bytes(dir.path(), &dirty).unwrap();
    assert_eq!(out, webp_of(&[vp8x(0x20, 70, 40), icc, webp_chunks(&image)]), "ICC stays, its flag too");
    assert_eq!(riff_size(&out) + 8, out.len());
    for needle in [&b"EXIF"[..], b"XMP ", b"GPS", b"xmpmeta"] {
        assert!(!contains(&out, needle), "{} survived", String::from_utf8_lossy(needle));
    }
    assert_eq!(sniff_image(&out).unwrap().width, 70);
    let decoded = image::load_from_memory_with_format(&out, Codec::WebP).unwrap();
    assert_eq!(decoded.to_rgb8(), image.to_rgb8());
}

#[test]
fn a_simple_webp_is_copied_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(33, 17), Codec::WebP);
    assert_eq!(strip_bytes(dir.path(), &plain).unwrap(), plain);
}

#[test]
fn the_riff_size_must_match_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let plain = webp_of(&[vp8x(0x08, 20, 20), webp_chunks(&gradient(20, 20)), riff_chunk(b"EXIF", b"Exif")]);
    for cut in [0, 4, 11, 12, 20, 30, plain.len() / 2, plain.len() - 1] {
        let err = strip_bytes(dir.path(), &plain[..cut]).unwrap_err();
        assert!(matches!(err, FileError::Invalid(_)), "cut at {cut}: {err}");
    }
    let mut padded = plain.clone();
    padded.extend_from_slice(&[0, 0]);
    assert!(matches!(strip_bytes(dir.path(), &padded), Err(FileError::Invalid(_))));
}

#[test]
fn a_chunk_size_beyond_the_riff_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let mut lying = webp_of(&[webp_chunks(&gradient(20, 20)), riff_chunk(b"EXIF", b"Exif")]);
    let exif = lying.len() - 12;
    lying[exif + 4..exif + 8].copy_from_slice(&100u32.to_le_bytes());
    let err = strip_bytes(dir.path(), &lying).unwrap_err();
    assert!(matches!(err, FileError::Invalid(ref m) if m.contains("EXIF")), "{err}");
    // Not an image chunk first.
    let odd = webp_of(&[riff_chunk(b"EXIF", b"Exif"), webp_chunks(&gradient(20, 20))]);
    assert!(matches!(strip_bytes(dir.path(), &odd), Err(FileError::Invalid(_))));
    let png = encode(&gradient(20, 20), Codec::Png);
    assert!(matches!(strip_bytes(dir.path(), &png), Err(FileError::Invalid(_))));
}
