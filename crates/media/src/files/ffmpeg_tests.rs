#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use image::ImageFormat as Codec;

use super::*;
use crate::files::fixtures::*;

/// Decodes a frame and returns its size.
fn jpeg_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "not a JPEG");
    let image = image::load_from_memory_with_format(bytes, Codec::Jpeg).unwrap();
    (image.width(), image.height())
}

#[tokio::test]
async fn a_frame_is_a_jpeg_of_the_video_size() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (name, container) in [("a.mp4", Container::Mp4), ("a.webm", Container::Webm)] {
        let video = make_video(&ffmpeg, dir.path(), name, container, &[]);
        for at_ms in [0, 500, 1999, 60_000] {
            let frame = frame_with_ffmpeg(&ffmpeg, &video, at_ms).await.unwrap();
            assert_eq!(jpeg_size(&frame), (320, 240), "{name} at {at_ms} ms");
        }
    }
}

#[tokio::test]
async fn a_path_that_looks_like_an_option_or_protocol_is_still_a_path() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("-i pipe:0");
    std::fs::create_dir(&odd).unwrap();
    let video = make_video(&ffmpeg, &odd, "x.webm", Container::Webm, &[]);
    let frame = frame_with_ffmpeg(&ffmpeg, &video, default_frame_ms(Some(2000))).await.unwrap();
    assert_eq!(jpeg_size(&frame), (320, 240));
}

#[tokio::test]
async fn an_invalid_video_never_reaches_ffmpeg() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.mp4");
    std::fs::write(&path, b"\0\0\0\x18ftypisom\0\0\0\0isomavc1 and then nothing").unwrap();
    // The tool does not even exist: the probe answers first.
    let err = frame_with_ffmpeg(Path::new("/nonexistent/ffmpeg"), &path, 0).await.unwrap_err();
    assert!(matches!(err, FileError::Invalid(_)), "{err}");
}

#[test]
fn the_default_frame_is_one_second_or_a_tenth_in() {
    assert_eq!(default_frame_ms(None), 1000);
    assert_eq!(default_frame_ms(Some(60_000)), 1000);
    assert_eq!(default_frame_ms(Some(2000)), 200);
    assert_eq!(default_frame_ms(Some(0)), 0);
}

/// A stand-in `ffmpeg`: a shell script in `dir`.
fn fake_ffmpeg(dir: &Path, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-ffmpeg");
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Runs [`extract`] with the fake; retries while another test's fork still holds the freshly
/// written script open ("text file busy"), a hazard of tests only.
async fn extract_with(fake: &Path, timeout: Duration) -> Result<Vec<u8>, FileError> {
    for _ in 0..50 {
        match extract(fake, Path::new("/dev/null"), Container::Mp4, 0, timeout).await {
            Err(FileError::Io(e)) if e.raw_os_error() == Some(26) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
    panic!("the fake ffmpeg stayed busy")
}

#[tokio::test]
async fn ffmpeg_failing_reports_its_error_output() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_ffmpeg(dir.path(), "echo '  moov atom not found  ' >&2; exit 1");
    let err = extract_with(&fake, Duration::from_secs(10)).await.unwrap_err();
    assert!(matches!(err, FileError::Invalid(ref m) if m.ends_with("video: moov atom not found")), "{err}");
}

#[tokio::test]
async fn ffmpeg_running_too_long_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake_ffmpeg(dir.path(), "exec sleep 30");
    let started = std::time::Instant::now();
    let err = extract_with(&fake, Duration::from_millis(300)).await.unwrap_err();
    assert!(matches!(err, FileError::Io(ref e) if e.kind() == io::ErrorKind::TimedOut), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_arguments_are_a_list_with_the_input_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // Echoes its arguments, one per line, as the "frame".
    let fake = fake_ffmpeg(dir.path(), "for a in \"$@\"; do echo \"$a\"; done");
    let out = String::from_utf8(extract_with(&fake, Duration::from_secs(10)).await.unwrap()).unwrap();
    let args: Vec<&str> = out.lines().collect();
    let input = args.iter().position(|&a| a == "-i").unwrap();
    assert_eq!(args[input + 1], "file:/dev/null");
    for expected in ["-nostdin", "-hide_banner", "image2pipe", "mjpeg", "pipe:1"] {
        assert!(args.contains(&expected), "{expected} missing from {args:?}");
    }
    assert_eq!(args[args.iter().position(|&a| a == "-loglevel").unwrap() + 1], "error");
}

#[tokio::test]
async fn availability_is_detected() {
    if let Some(ffmpeg) = ffmpeg() {
        assert!(ffmpeg_available(&ffmpeg).await);
    }
    assert!(!ffmpeg_available(Path::new("/nonexistent/ffmpeg")).await);
    let dir = tempfile::tempdir().unwrap();
    let broken = fake_ffmpeg(dir.path(), "exit 3");
    assert!(!ffmpeg_available(&broken).await);
}
