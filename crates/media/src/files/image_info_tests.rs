#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use image::ImageFormat as Codec;

use super::*;
use crate::files::fixtures::*;

fn info(format: ImageFormat, width: u32, height: u32) -> ImageInfo {
    ImageInfo { format, width, height }
}

#[test]
fn jpeg_png_and_webp_are_recognised_with_their_size() {
    let image = gradient(300, 170);
    let cases = [
        (Codec::Jpeg, ImageFormat::Jpeg, "image/jpeg", "jpg"),
        (Codec::Png, ImageFormat::Png, "image/png", "png"),
        (Codec::WebP, ImageFormat::Webp, "image/webp", "webp"),
    ];
    for (codec, format, content_type, extension) in cases {
        let found = sniff_image(&encode(&image, codec)).unwrap();
        assert_eq!(found, info(format, 300, 170), "{codec:?}");
        assert_eq!((found.content_type(), found.extension()), (content_type, extension));
    }
}

#[test]
fn only_the_first_bytes_are_needed() {
    let jpeg = jpeg_with(&encode(&gradient(640, 480), Codec::Jpeg), &[segment(0xE1, &exif_payload())]);
    assert_eq!(sniff_image(&jpeg[..400]).unwrap(), info(ImageFormat::Jpeg, 640, 480));
    let png = encode(&gradient(641, 481), Codec::Png);
    assert_eq!(sniff_image(&png[..24]).unwrap(), info(ImageFormat::Png, 641, 481));
    // A frame header beyond the first 64 KiB does not count: only headers are read.
    let big = segment(0xE2, &vec![0u8; 65_000]);
    let late = jpeg_with(&encode(&gradient(64, 64), Codec::Jpeg), &[big.clone(), big]);
    assert!(matches!(sniff_image(&late), Err(FileError::Invalid(_))));
}

#[test]
fn the_three_webp_flavours() {
    let image = gradient(99, 51);
    // Lossy (VP8), built by hand: frame tag, start code, 14-bit sizes.
    let mut vp8 = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
    vp8.extend_from_slice(&1234u16.to_le_bytes());
    vp8.extend_from_slice(&567u16.to_le_bytes());
    let lossy = webp_of(&[riff_chunk(b"VP8 ", &vp8)]);
    assert_eq!(sniff_image(&lossy).unwrap(), info(ImageFormat::Webp, 1234, 567));
    // Lossless (VP8L), from the encoder.
    assert_eq!(sniff_image(&encode(&image, Codec::WebP)).unwrap(), info(ImageFormat::Webp, 99, 51));
    // Extended (VP8X), with EXIF: the canvas size counts.
    let extended = webp_of(&[vp8x(0x08, 99, 51), webp_chunks(&image), riff_chunk(b"EXIF", &exif_payload())]);
    assert_eq!(sniff_image(&extended).unwrap(), info(ImageFormat::Webp, 99, 51));
}

#[test]
fn the_bytes_decide_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holiday.jpg");
    std::fs::write(&path, encode(&gradient(40, 30), Codec::Png)).unwrap();
    let found = sniff_image(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(found, info(ImageFormat::Png, 40, 30));
    assert_eq!((found.content_type(), found.extension()), ("image/png", "png"));
}

#[test]
fn anything_else_is_unsupported() {
    for bytes in [
        &b""[..],
        b"hello, I am a text file named photo.jpg",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"BM\x00\x00\x00\x00\x00\x00",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
    ] {
        assert!(matches!(sniff_image(bytes), Err(FileError::Unsupported(_))), "{bytes:?}");
    }
}

#[test]
fn cut_or_lying_headers_are_invalid() {
    let jpeg = encode(&gradient(64, 48), Codec::Jpeg);
    let png = encode(&gradient(64, 48), Codec::Png);
    let webp = encode(&gradient(64, 48), Codec::WebP);
    for cut in [&jpeg[..3], &jpeg[..10], &png[..8], &png[..20], &webp[..12], &webp[..22]] {
        assert!(matches!(sniff_image(cut), Err(FileError::Invalid(_))), "{cut:?}");
    }
    // A frame header stating 0 pixels high.
    let mut zero = png.clone();
    zero[20..24].copy_from_slice(&0u32.to_be_bytes());
    assert!(matches!(sniff_image(&zero), Err(FileError::Invalid(_))));
    // Image data before any frame header.
    let mut no_frame = vec![0xFF, 0xD8];
    no_frame.extend_from_slice(&segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    assert!(matches!(sniff_image(&no_frame), Err(FileError::Invalid(_))));
}

#[test]
fn panoramas_are_two_to_one_within_one_percent() {
    let limit = 100_000_000;
    for (width, height) in [(4000, 2000), (2000, 1000), (8192, 4096), (4000, 1990), (4000, 2010)] {
        check_panorama(&info(ImageFormat::Jpeg, width, height), limit).unwrap();
    }
    for (width, height) in [(3000, 2000), (4000, 1970), (4000, 2030), (2000, 2000), (6000, 2000)] {
        let err = check_panorama(&info(ImageFormat::Jpeg, width, height), limit).unwrap_err();
        assert!(matches!(err, FileError::Invalid(ref m) if m.contains("equirectangular")), "{width}×{height}: {err}");
    }
}

#[test]
fn small_panoramas_and_too_many_pixels_are_refused() {
    let err = check_panorama(&info(ImageFormat::Png, 1800, 900), 100_000_000).unwrap_err();
    assert!(matches!(err, FileError::Invalid(ref m) if m.contains("2000×1000")), "{err}");
    let err = check_panorama(&info(ImageFormat::Webp, 12_000, 6000), 50_000_000).unwrap_err();
    assert!(matches!(err, FileError::TooLarge(_)), "{err}");
    check_panorama(&info(ImageFormat::Webp, 10_000, 5000), 50_000_000).unwrap();
}
