//! Probing and stripping videos made by `ffmpeg` at test time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use super::*;
use crate::files::fixtures::*;

const LOCATION: &[&str] = &["-metadata", "location=+48.85+002.35/", "-metadata", "title=Secret garden"];

fn assert_test_pattern(info: &VideoInfo, container: Container) {
    assert_eq!(info.container, container);
    assert_eq!((info.width, info.height), (Some(320), Some(240)));
    let duration = info.duration_ms.unwrap();
    assert!((1900..=2100).contains(&duration), "{duration} ms");
}

fn write_variant(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn mp4_and_webm_from_ffmpeg_are_probed() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mp4 = make_video(&ffmpeg, dir.path(), "a.mp4", Container::Mp4, &[]);
    assert_test_pattern(&probe_video(&mp4).unwrap(), Container::Mp4);
    let webm = make_video(&ffmpeg, dir.path(), "a.webm", Container::Webm, &[]);
    assert_test_pattern(&probe_video(&webm).unwrap(), Container::Webm);
    // QuickTime (as phones record), with the moov first.
    let mov = make_video(&ffmpeg, dir.path(), "a.mov", Container::Mp4, &["-movflags", "+faststart"]);
    assert_test_pattern(&probe_video(&mov).unwrap(), Container::Mp4);
}

#[test]
fn fragmented_mp4_and_streamed_webm_are_accepted() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let frag = make_video(&ffmpeg, dir.path(), "f.mp4", Container::Mp4, &["-movflags", "frag_keyframe+empty_moov"]);
    let info = probe_video(&frag).unwrap();
    assert_eq!((info.container, info.width, info.height), (Container::Mp4, Some(320), Some(240)));
    // Written to a pipe, a WebM cannot go back to fill in its Segment size and duration.
    let piped = dir.path().join("live.webm");
    let codec = ["-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10", "-c:v", "libvpx", "-f", "webm", "-"];
    std::fs::write(&piped, run_ffmpeg(&ffmpeg, &codec)).unwrap();
    let info = probe_video(&piped).unwrap();
    assert_eq!((info.container, info.width, info.height), (Container::Webm, Some(320), Some(240)));
}

#[test]
fn truncated_or_lying_videos_are_invalid() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (name, container) in [("t.mp4", Container::Mp4), ("t.webm", Container::Webm)] {
        let bytes = std::fs::read(make_video(&ffmpeg, dir.path(), name, container, &[])).unwrap();
        for cut in [64, 500, bytes.len() / 3, bytes.len() / 2, bytes.len() - 10, bytes.len() - 1] {
            let path = write_variant(dir.path(), name, &bytes[..cut]);
            assert!(matches!(probe_video(&path), Err(FileError::Invalid(_))), "{name} cut at {cut}");
        }
    }
    let mp4 = std::fs::read(make_video(&ffmpeg, dir.path(), "l.mp4", Container::Mp4, &[])).unwrap();
    let mdat = mp4.windows(4).position(|w| w == b"mdat").unwrap() - 4;
    for size in [8u32, 100, 1_000_000] {
        let mut lying = mp4.clone();
        lying[mdat..mdat + 4].copy_from_slice(&size.to_be_bytes());
        let path = write_variant(dir.path(), "l.mp4", &lying);
        assert!(matches!(probe_video(&path), Err(FileError::Invalid(_))), "mdat size {size}");
    }
    let padded = write_variant(dir.path(), "p.mp4", &[&mp4[..], &[0u8; 16]].concat());
    assert!(matches!(probe_video(&padded), Err(FileError::Invalid(_))));
    let webm = std::fs::read(make_video(&ffmpeg, dir.path(), "l.webm", Container::Webm, &[])).unwrap();
    let cluster = webm.windows(4).position(|w| w == [0x1F, 0x43, 0xB6, 0x75]).unwrap();
    let mut lying = webm.clone();
    lying[cluster + 4..cluster + 12].copy_from_slice(&[0x01, 0, 0, 0, 0, 0x10, 0, 0]);
    let path = write_variant(dir.path(), "l.webm", &lying);
    assert!(matches!(probe_video(&path), Err(FileError::Invalid(_))));
}

#[test]
fn other_files_are_unsupported() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mkv = make_video(&ffmpeg, dir.path(), "a.mkv", Container::Webm, &[]);
    assert!(matches!(probe_video(&mkv), Err(FileError::Unsupported(_))));
    let audio = dir.path().join("a.m4a");
    run_ffmpeg(&ffmpeg, &["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", audio.to_str().unwrap()]);
    assert!(matches!(probe_video(&audio), Err(FileError::Unsupported(_))));
    let text = write_variant(dir.path(), "a.mp4", b"not a video, whatever the name says");
    assert!(matches!(probe_video(&text), Err(FileError::Unsupported(_))));
}

/// Strips a video made with location metadata and checks it is gone while the file still
/// probes the same, has the same size, and decodes without a single error.
fn strip_and_check(ffmpeg: &Path, path: &Path, container: Container, keys: &[&str], gone: &[&[u8]]) {
    let before = std::fs::read(path).unwrap();
    let info = probe_video(path).unwrap();
    assert!(metadata_of(ffmpeg, path).to_lowercase().contains("location"), "the fixture has a location");
    strip_video_metadata(path, container).unwrap();
    let after = std::fs::read(path).unwrap();
    assert_eq!(after.len(), before.len(), "the size is kept");
    let metadata = metadata_of(ffmpeg, path).to_lowercase();
    for key in keys {
        assert!(!metadata.contains(key), "{key} survived: {metadata}");
    }
    for needle in gone {
        assert!(!contains(&after, needle), "{} survived", String::from_utf8_lossy(needle));
    }
    assert_eq!(probe_video(path).unwrap(), info);
    assert_plays(ffmpeg, path);
}

#[test]
fn mp4_location_is_stripped_in_place() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let track = ["-metadata:s:v:0", "title=Camera 4711"];
    let mp4 = make_video(&ffmpeg, dir.path(), "a.mp4", Container::Mp4, &[LOCATION, &track].concat());
    assert!(contains(&std::fs::read(&mp4).unwrap(), b"loci"));
    strip_and_check(
        &ffmpeg,
        &mp4,
        Container::Mp4,
        &["location", "title"],
        &[b"loci", b"Secret garden", b"Camera 4711", b"udta"],
    );
    // QuickTime keeps the position as text.
    let mov = make_video(&ffmpeg, dir.path(), "a.mov", Container::Mp4, LOCATION);
    assert!(contains(&std::fs::read(&mov).unwrap(), b"+48.85"));
    strip_and_check(&ffmpeg, &mov, Container::Mp4, &["location", "title"], &[b"+48.85", b"Secret garden", b"udta"]);
}

#[test]
fn webm_tags_are_voided_in_place() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    // (A WebM's title is not a tag but part of its Info; it stays.)
    let extra = ["-metadata", "location=+48.85+002.35/", "-metadata", "comment=Taken at home"];
    let webm = make_video(&ffmpeg, dir.path(), "a.webm", Container::Webm, &extra);
    assert!(contains(&std::fs::read(&webm).unwrap(), b"+48.85"));
    strip_and_check(
        &ffmpeg,
        &webm,
        Container::Webm,
        &["location", "comment"],
        &[b"+48.85", b"LOCATION", b"Taken at home", &[0x12, 0x54, 0xC3, 0x67]],
    );
}
