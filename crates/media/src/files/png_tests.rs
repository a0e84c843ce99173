#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use image::ImageFormat as Codec;

use crate::files::fixtures::*;
use crate::files::{FileError, ImageFormat, strip_metadata};

fn strip_bytes(dir: &Path, bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    let (src, dst) = (dir.join("in.png"), dir.join("out.png"));
    std::fs::write(&src, bytes).unwrap();
    let result = strip_metadata(&src, &dst, ImageFormat::Png).map(|()| std::fs::read(&dst).unwrap());
    if result.is_err() {
        assert!(!dst.exists(), "a failed strip left its output behind");
    }
    result
}

fn metadata_chunks() -> Vec<Vec<u8>> {
    vec![
        png_chunk(b"tEXt", b"Comment\0GPS 48.8584N 2.2945E"),
        png_chunk(b"zTXt", b"Author\0\0x\x9c\x0b\x01\x00\x00S\x00S"),
        png_chunk(b"iTXt", b"Location\0\0\0en\0\0Paris"),
        png_chunk(b"tIME", &[0x07, 0xE8, 6, 1, 12, 0, 0]),
        png_chunk(b"eXIf", &exif_payload()[6..]),
    ]
}

#[test]
fn text_exif_and_time_chunks_go_and_the_rest_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(90, 60), Codec::Png);
    let out = strip_bytes(dir.path(), &png_with(&plain, &metadata_chunks())).unwrap();
    assert_eq!(out, plain);
    for needle in [&b"tEXt"[..], b"zTXt", b"iTXt", b"tIME", b"eXIf", b"GPS", b"Paris"] {
        assert!(!contains(&out, needle), "{} survived", String::from_utf8_lossy(needle));
    }
    let decoded = image::load_from_memory_with_format(&out, Codec::Png).unwrap();
    assert_eq!(decoded.to_rgb8(), gradient(90, 60).to_rgb8());
}

#[test]
fn other_chunks_stay() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(20, 20), Codec::Png);
    let kept = [png_chunk(b"gAMA", &45455u32.to_be_bytes()), png_chunk(b"pHYs", &[0, 0, 11, 19, 0, 0, 11, 19, 1])];
    let out =
        strip_bytes(dir.path(), &png_with(&plain, &[kept[0].clone(), metadata_chunks()[0].clone(), kept[1].clone()]));
    assert_eq!(out.unwrap(), png_with(&plain, &kept));
}

#[test]
fn a_bad_crc_is_invalid_even_in_a_dropped_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(20, 20), Codec::Png);
    let mut text = png_chunk(b"tEXt", b"Comment\0hello");
    let last = text.len() - 1;
    text[last] ^= 1;
    let err = strip_bytes(dir.path(), &png_with(&plain, &[text])).unwrap_err();
    assert!(matches!(err, FileError::Invalid(ref m) if m.contains("CRC")), "{err}");
    // A flipped bit in the image data.
    let mut damaged = plain.clone();
    let idat = damaged.windows(4).position(|w| w == b"IDAT").unwrap();
    damaged[idat + 6] ^= 0x40;
    let err = strip_bytes(dir.path(), &damaged).unwrap_err();
    assert!(matches!(err, FileError::Invalid(ref m) if m.contains("IDAT")), "{err}");
}

#[test]
fn a_truncated_png_is_invalid_wherever_it_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let png = png_with(&encode(&gradient(100, 100), Codec::Png), &metadata_chunks());
    for cut in [0, 4, 8, 12, 20, 33, 40, png.len() / 2, png.len() - 12, png.len() - 1] {
        let err = strip_bytes(dir.path(), &png[..cut]).unwrap_err();
        assert!(matches!(err, FileError::Invalid(_)), "cut at {cut}: {err}");
    }
}

#[test]
fn lying_or_foreign_files_are_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(20, 20), Codec::Png);
    // A chunk length pointing far beyond the file.
    let mut lying = plain.clone();
    lying[33..37].copy_from_slice(&0x7000_0000u32.to_be_bytes());
    assert!(matches!(strip_bytes(dir.path(), &lying), Err(FileError::Invalid(_))));
    // Something else first than IHDR.
    let mut reordered = plain[..8].to_vec();
    reordered.extend_from_slice(&png_chunk(b"tEXt", b"a\0b"));
    reordered.extend_from_slice(&plain[8..]);
    assert!(matches!(strip_bytes(dir.path(), &reordered), Err(FileError::Invalid(_))));
    // A JPEG handed over as a PNG.
    let jpeg = encode(&gradient(20, 20), Codec::Jpeg);
    assert!(matches!(strip_bytes(dir.path(), &jpeg), Err(FileError::Invalid(_))));
}
