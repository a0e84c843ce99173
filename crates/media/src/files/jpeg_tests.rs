#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use image::ImageFormat as Codec;

use crate::files::fixtures::*;
use crate::files::{FileError, ImageFormat, strip_metadata};

/// Writes `bytes` to a file, strips it, and returns the result (or the error, checking that
/// no output was left behind).
fn strip_bytes(dir: &Path, bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    let (src, dst): (PathBuf, PathBuf) = (dir.join("in.jpg"), dir.join("out.jpg"));
    std::fs::write(&src, bytes).unwrap();
    match strip_metadata(&src, &dst, ImageFormat::Jpeg) {
        Ok(()) => Ok(std::fs::read(&dst).unwrap()),
        Err(e) => {
            assert!(!dst.exists(), "a failed strip left its output behind");
            Err(e)
        }
    }
}

#[test]
fn metadata_segments_go_and_the_rest_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(120, 80), Codec::Jpeg);
    let dirty = jpeg_with(
        &plain,
        &[
            segment(0xE1, &exif_payload()),
            segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude 48.85</x:xmpmeta>"),
            segment(0xED, b"Photoshop 3.0\08BIM IPTC city Paris"),
            segment(0xFE, b"shot by serial 12345"),
            segment(0xE2, b"MPF\0 second picture index"),
            segment(0xE0, b"JFXX\0\x10thumbnail"),
        ],
    );
    let out = strip_bytes(dir.path(), &dirty).unwrap();
    assert_eq!(out, plain, "only the metadata segments are removed; the picture is copied as it was");
    for needle in [&b"Exif"[..], b"GPS", b"xmpmeta", b"IPTC", b"serial", b"MPF", b"JFXX"] {
        assert!(!contains(&out, needle), "{} survived", String::from_utf8_lossy(needle));
    }
}

#[test]
fn colour_and_density_segments_stay() {
    let dir = tempfile::tempdir().unwrap();
    let plain = encode(&gradient(64, 64), Codec::Jpeg);
    let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01profile bytes");
    let adobe = segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01");
    let jfif = segment(0xE0, b"JFIF\0\x01\x02\0\0\x48\0\x48\0\0");
    let dirty = jpeg_with(&plain, &[jfif.clone(), segment(0xE1, &exif_payload()), icc.clone(), adobe.clone()]);
    let out = strip_bytes(dir.path(), &dirty).unwrap();
    assert_eq!(out, jpeg_with(&plain, &[jfif, icc, adobe]));
    let decoded = image::load_from_memory_with_format(&out, Codec::Jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (64, 64));
}

#[test]
fn metadata_between_scans_and_after_the_end_goes_too() {
    let dir = tempfile::tempdir().unwrap();
    // Hand-made structure: a frame, a scan whose data holds stuffed bytes and a restart
    // marker, a comment before a second table and scan, the end, then an appended picture
    // with its own EXIF (as multi-picture phones write).
    let sof = segment(0xC2, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
    let sos = segment(0xDA, &[1, 1, 0, 0, 63, 0]);
    let scan = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0xFF, 0x00, 0x78];
    let dht = segment(0xC4, &[0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
    let mut file = vec![0xFF, 0xD8];
    for part in [&sof[..], &sos, &scan, &segment(0xFE, b"between scans"), &dht, &sos, &scan, &[0xFF, 0xD9]] {
        file.extend_from_slice(part);
    }
    let mut appended = vec![0xFF, 0xD8];
    appended.extend_from_slice(&segment(0xE1, &exif_payload()));
    appended.extend_from_slice(&[0xFF, 0xD9]);
    file.extend_from_slice(&appended);

    let out = strip_bytes(dir.path(), &file).unwrap();
    let mut expected = vec![0xFF, 0xD8];
    // A run of fill bytes before a stuffed zero collapses to one: the data reads the same.
    let clean_scan = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0x00, 0x78];
    for part in [&sof[..], &sos, &clean_scan, &dht, &sos, &clean_scan, &[0xFF, 0xD9]] {
        expected.extend_from_slice(part);
    }
    assert_eq!(out, expected);
}

#[test]
fn a_truncated_jpeg_is_invalid_wherever_it_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = jpeg_with(&encode(&gradient(200, 150), Codec::Jpeg), &[segment(0xE1, &exif_payload())]);
    for cut in [1, 2, 3, 5, 30, 200, jpeg.len() / 2, jpeg.len() - 2, jpeg.len() - 1] {
        let err = strip_bytes(dir.path(), &jpeg[..cut]).unwrap_err();
        assert!(matches!(err, FileError::Invalid(_)), "cut at {cut}: {err}");
    }
}

#[test]
fn a_file_that_is_not_a_jpeg_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let png = encode(&gradient(16, 16), Codec::Png);
    assert!(matches!(strip_bytes(dir.path(), &png), Err(FileError::Invalid(_))));
    // SOI, then garbage where a segment should start.
    assert!(matches!(strip_bytes(dir.path(), b"\xFF\xD8garbage"), Err(FileError::Invalid(_))));
    // A segment length below its own two bytes.
    assert!(matches!(strip_bytes(dir.path(), b"\xFF\xD8\xFF\xE1\x00\x01"), Err(FileError::Invalid(_))));
}
