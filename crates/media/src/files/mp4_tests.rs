//! The MP4 walk on files built box by box (no `ffmpeg` needed); files made by `ffmpeg` are
//! tested in `video_tests.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::files::{Container, FileError, VideoInfo, probe_video, strip_video_metadata};

fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(payload.len() + 8).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn ftyp(major: &[u8; 4]) -> Vec<u8> {
    bx(b"ftyp", &[&major[..], &[0, 0, 2, 0], b"iso2"].concat())
}

fn mvhd(timescale: u32, duration: u32) -> Vec<u8> {
    let mut p = vec![0u8; 12];
    p.extend_from_slice(&timescale.to_be_bytes());
    p.extend_from_slice(&duration.to_be_bytes());
    p.resize(100, 0);
    bx(b"mvhd", &p)
}

fn mvhd_v1(timescale: u32, duration: u64) -> Vec<u8> {
    let mut p = vec![1, 0, 0, 0];
    p.extend_from_slice(&[0u8; 16]);
    p.extend_from_slice(&timescale.to_be_bytes());
    p.extend_from_slice(&duration.to_be_bytes());
    p.resize(112, 0);
    bx(b"mvhd", &p)
}

/// A version-0 track header with the transformation matrix `(a, b, c, d)` (16.16).
fn tkhd(width: u32, height: u32, matrix: [i32; 4]) -> Vec<u8> {
    let mut p = vec![0u8; 4 + 20 + 16];
    let [a, b, c, d] = matrix;
    for value in [a, b, 0, c, d, 0, 0, 0, 0x4000_0000] {
        p.extend_from_slice(&value.to_be_bytes());
    }
    p.extend_from_slice(&(width << 16).to_be_bytes());
    p.extend_from_slice(&(height << 16).to_be_bytes());
    bx(b"tkhd", &p)
}

const UPRIGHT: [i32; 4] = [0x10000, 0, 0, 0x10000];

fn trak(handler: &[u8; 4], width: u32, height: u32, matrix: [i32; 4], extra: &[u8]) -> Vec<u8> {
    let hdlr = bx(b"hdlr", &[&[0u8; 8][..], handler, &[0u8; 12], b"\0"].concat());
    let mdia = bx(b"mdia", &[bx(b"mdhd", &[0u8; 24]), hdlr].concat());
    bx(b"trak", &[tkhd(width, height, matrix), mdia, extra.to_vec()].concat())
}

fn video(brand: &[u8; 4], moov_children: &[Vec<u8>], tail: &[Vec<u8>]) -> Vec<u8> {
    let mut out = ftyp(brand);
    out.extend_from_slice(&bx(b"mdat", &[0x55; 300]));
    out.extend_from_slice(&bx(b"moov", &moov_children.concat()));
    for t in tail {
        out.extend_from_slice(t);
    }
    out
}

fn standard() -> Vec<u8> {
    video(b"isom", &[mvhd(1000, 2500), trak(b"vide", 640, 360, UPRIGHT, &[])], &[])
}

fn probe_bytes(bytes: &[u8]) -> Result<VideoInfo, FileError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.mp4");
    std::fs::write(&path, bytes).unwrap();
    probe_video(&path)
}

fn invalid(bytes: &[u8]) -> String {
    match probe_bytes(bytes) {
        Err(FileError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn size_and_duration_come_from_the_headers() {
    let info = probe_bytes(&standard()).unwrap();
    let expected =
        VideoInfo { container: Container::Mp4, width: Some(640), height: Some(360), duration_ms: Some(2500) };
    assert_eq!(info, expected);
    assert_eq!((info.content_type(), info.extension()), ("video/mp4", "mp4"));
    let long = video(b"mp42", &[mvhd_v1(90_000, 90_000 * 7200), trak(b"vide", 1920, 1080, UPRIGHT, &[])], &[]);
    assert_eq!(probe_bytes(&long).unwrap().duration_ms, Some(7_200_000));
    let unknown = video(b"isom", &[mvhd(1000, 0), trak(b"vide", 64, 64, UPRIGHT, &[])], &[]);
    assert_eq!(probe_bytes(&unknown).unwrap().duration_ms, None);
}

#[test]
fn a_rotated_track_reports_its_display_size() {
    let portrait = video(b"qt  ", &[mvhd(600, 600), trak(b"vide", 1920, 1080, [0, 0x10000, -0x10000, 0], &[])], &[]);
    let info = probe_bytes(&portrait).unwrap();
    assert_eq!((info.width, info.height), (Some(1080), Some(1920)));
}

#[test]
fn large_and_open_ended_media_data() {
    // A 64-bit box size, and a last mdat of size 0 ("to the end of the file").
    let mut large = ftyp(b"isom");
    large.extend_from_slice(&[0, 0, 0, 1]);
    large.extend_from_slice(b"mdat");
    large.extend_from_slice(&(16u64 + 40).to_be_bytes());
    large.extend_from_slice(&[0x11; 40]);
    large.extend_from_slice(&bx(b"moov", &[mvhd(1000, 1000), trak(b"vide", 8, 8, UPRIGHT, &[])].concat()));
    assert_eq!(probe_bytes(&large).unwrap().width, Some(8));
    let mut open = ftyp(b"isom");
    open.extend_from_slice(&bx(b"moov", &[mvhd(1000, 1000), trak(b"vide", 8, 8, UPRIGHT, &[])].concat()));
    open.extend_from_slice(&[0, 0, 0, 0]);
    open.extend_from_slice(b"mdat");
    open.extend_from_slice(&[0x22; 99]);
    assert_eq!(probe_bytes(&open).unwrap().duration_ms, Some(1000));
}

#[test]
fn not_a_video_is_unsupported() {
    let audio = video(b"M4A ", &[mvhd(1000, 1000), trak(b"soun", 0, 0, UPRIGHT, &[])], &[]);
    assert!(matches!(probe_bytes(&audio), Err(FileError::Unsupported(m)) if m.contains("video track")));
    let heic = video(b"heic", &[mvhd(1000, 1000), trak(b"vide", 8, 8, UPRIGHT, &[])], &[]);
    let heic: Vec<u8> = heic.iter().enumerate().map(|(i, &b)| if (16..20).contains(&i) { b'm' } else { b }).collect();
    assert!(matches!(probe_bytes(&heic), Err(FileError::Unsupported(_))));
    assert!(matches!(probe_bytes(b"just some text, long enough"), Err(FileError::Unsupported(_))));
}

#[test]
fn missing_parts_are_invalid() {
    let no_mdat: Vec<u8> =
        [ftyp(b"isom"), bx(b"moov", &[mvhd(1000, 1000), trak(b"vide", 8, 8, UPRIGHT, &[])].concat())].concat();
    assert!(invalid(&no_mdat).contains("mdat"));
    let no_moov: Vec<u8> = [ftyp(b"isom"), bx(b"mdat", &[1; 10])].concat();
    assert!(invalid(&no_moov).contains("moov"));
    let no_mvhd = video(b"isom", &[trak(b"vide", 8, 8, UPRIGHT, &[])], &[]);
    assert!(invalid(&no_mvhd).contains("mvhd"));
    let moov = bx(b"moov", &[mvhd(1000, 1000), trak(b"vide", 8, 8, UPRIGHT, &[])].concat());
    let twice = video(b"isom", &[mvhd(1000, 1000), trak(b"vide", 8, 8, UPRIGHT, &[])], &[moov]);
    assert!(invalid(&twice).contains("two moov"));
}

#[test]
fn truncated_padded_or_lying_files_are_invalid() {
    let file = standard();
    for cut in [12, 24, 40, 200, file.len() - 100, file.len() - 20, file.len() - 1] {
        invalid(&file[..cut]);
    }
    for padding in [&[0u8; 3][..], &[0; 8], &[0, 0, 0, 8, b'f', b'r', b'e'], b"GARBAGE GARBAGE"] {
        invalid(&[&file[..], padding].concat());
    }
    // The moov box claiming 4 bytes more than the file has.
    let moov = file.windows(4).position(|w| w == b"moov").unwrap() - 4;
    let mut lying = file.clone();
    let size = u32::from_be_bytes(lying[moov..moov + 4].try_into().unwrap());
    lying[moov..moov + 4].copy_from_slice(&(size + 4).to_be_bytes());
    assert!(invalid(&lying).contains("moov"));
    // mdat claiming less than it holds: the rest is not a box.
    let mdat = file.windows(4).position(|w| w == b"mdat").unwrap() - 4;
    let mut short = file.clone();
    short[mdat..mdat + 4].copy_from_slice(&200u32.to_be_bytes());
    invalid(&short);
    // A track header running past its track.
    let tkhd = file.windows(4).position(|w| w == b"tkhd").unwrap() - 4;
    let mut nested = file.clone();
    nested[tkhd..tkhd + 4].copy_from_slice(&1000u32.to_be_bytes());
    assert!(invalid(&nested).contains("tkhd"));
}

#[test]
fn strip_renames_and_zeroes_metadata_boxes_in_place() {
    let location = bx(b"\xA9xyz", b"\0\x12\0\0+48.8500+002.3500/");
    let udta = bx(b"udta", &location);
    let meta = bx(b"meta", &[&[0u8; 4][..], &bx(b"hdlr", &[0u8; 24]), &bx(b"ilst", b"camera serial 4711")].concat());
    let file = video(
        b"isom",
        &[mvhd(1000, 2500), trak(b"vide", 640, 360, UPRIGHT, &udta), udta.clone(), meta.clone()],
        &[bx(b"meta", b"top-level GPS note")],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.mp4");
    std::fs::write(&path, &file).unwrap();
    strip_video_metadata(&path, Container::Mp4).unwrap();
    let out = std::fs::read(&path).unwrap();
    assert_eq!(out.len(), file.len());
    for needle in [&b"udta"[..], b"meta", b"+48.85", b"serial", b"GPS", b"\xA9xyz"] {
        assert!(!out.windows(needle.len()).any(|w| w == needle), "{} survived", String::from_utf8_lossy(needle));
    }
    assert_eq!(out.windows(4).filter(|w| w == b"free").count(), 4);
    assert_eq!(probe_video(&path).unwrap(), probe_bytes(&standard()).unwrap());
}

#[test]
fn strip_leaves_an_invalid_or_foreign_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.mp4");
    let udta = bx(b"udta", b"location");
    let file = video(b"isom", &[mvhd(1000, 2500), trak(b"vide", 8, 8, UPRIGHT, &[]), udta], &[]);
    let cut = &file[..file.len() - 1];
    std::fs::write(&path, cut).unwrap();
    assert!(matches!(strip_video_metadata(&path, Container::Mp4), Err(FileError::Invalid(_))));
    assert_eq!(std::fs::read(&path).unwrap(), cut);
    std::fs::write(&path, &file).unwrap();
    assert!(matches!(strip_video_metadata(&path, Container::Webm), Err(FileError::Invalid(_))));
    assert_eq!(std::fs::read(&path).unwrap(), file);
}
