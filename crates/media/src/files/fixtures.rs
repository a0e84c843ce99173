//! Test fixtures: images encoded with `image` at test time, videos made by `ffmpeg` at test time
//! (found through `SOJOURN_TEST_FFMPEG` or `PATH`; missing, its tests are skipped with a note —
//! except in CI, where they fail).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

use super::Container;

/// `image` as a file of `format`.
pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut file = Cursor::new(Vec::with_capacity(64 * 1024));
    image.write_to(&mut file, format).unwrap();
    file.into_inner()
}

/// A `width`×`height` picture: horizontal and vertical ramps with a diagonal band.
pub fn gradient(width: u32, height: u32) -> DynamicImage {
    let ramp = |v: u32, of: u32| u8::try_from(v * 255 / of.max(1)).unwrap();
    let picture =
        RgbImage::from_fn(width, height, |x, y| Rgb([ramp(x, width), ramp(y, height), ((x ^ y) & 0xC0) as u8]));
    DynamicImage::ImageRgb8(picture)
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `ffmpeg` to test with, or `None` (with a note) to skip; in CI a missing one fails.
pub fn ffmpeg() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SOJOURN_TEST_FFMPEG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join("ffmpeg")).find(|p| p.is_file()));
    if on_path.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs ffmpeg (SOJOURN_TEST_FFMPEG or PATH)");
        eprintln!("skipped: no ffmpeg (set SOJOURN_TEST_FFMPEG or put it on PATH)");
    }
    on_path
}

/// Runs `ffmpeg` with `args`, failing the test with its error output if it fails; returns
/// its standard output.
pub fn run_ffmpeg(ffmpeg: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(ffmpeg).args(["-nostdin", "-hide_banner", "-v", "error", "-y"]).args(args).output().unwrap();
    assert!(out.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Whether this `ffmpeg` has libx264 (asked once per test run).
fn has_x264(ffmpeg: &Path) -> bool {
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        let out = Command::new(ffmpeg).args(["-hide_banner", "-encoders"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().any(|l| l.split_whitespace().nth(1) == Some("libx264"))
    })
}

/// A 2 s, 320×240, 10 fps test pattern in `dir`: MP4 (H.264 if available, else MPEG-4 part 2)
/// or WebM (VP8), with `extra` output options (metadata, muxer flags).
pub fn make_video(ffmpeg: &Path, dir: &Path, name: &str, container: Container, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let codec = match container {
        Container::Mp4 if has_x264(ffmpeg) => ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
        Container::Mp4 => ["-c:v", "mpeg4", "-pix_fmt", "yuv420p"],
        Container::Webm => ["-c:v", "libvpx", "-b:v", "200k"],
    };
    let mut args = vec!["-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10"];
    args.extend(codec);
    args.extend(extra);
    args.push(path.to_str().unwrap());
    run_ffmpeg(ffmpeg, &args);
    path
}

/// The container-level metadata `ffmpeg` reads from a file (its `ffmetadata` dump).
pub fn metadata_of(ffmpeg: &Path, path: &Path) -> String {
    String::from_utf8(run_ffmpeg(ffmpeg, &["-i", path.to_str().unwrap(), "-f", "ffmetadata", "-"])).unwrap()
}

/// Decodes the whole file with `ffmpeg`: it must succeed without a single error message.
pub fn assert_plays(ffmpeg: &Path, path: &Path) {
    let out = Command::new(ffmpeg)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{}: {stderr}", path.display());
}

/// A JPEG marker segment.
pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// `jpeg` with `segments` inserted right after its SOI.
pub fn jpeg_with(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for s in segments {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An EXIF APP1 payload with a GPS position in it.
pub fn exif_payload() -> Vec<u8> {
    let mut payload = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00".to_vec();
    payload.extend_from_slice(b"GPS 48.8584N 2.2945E");
    payload
}

/// A PNG chunk with its CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = !super::png::crc_update(0xFFFF_FFFF, &out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// `png` with `chunks` inserted right after its IHDR chunk.
pub fn png_with(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = png[..33].to_vec();
    for c in chunks {
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&png[33..]);
    out
}

/// A RIFF chunk, padded to an even length.
pub fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A RIFF WebP file of `chunks`.
pub fn webp_of(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out
}

/// A `VP8X` chunk with `flags` for a `width`×`height` canvas.
pub fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![flags, 0, 0, 0];
    data.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    data.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    riff_chunk(b"VP8X", &data)
}

/// The chunks (after the RIFF header) of a WebP `image` encodes to.
pub fn webp_chunks(image: &DynamicImage) -> Vec<u8> {
    encode(image, ImageFormat::WebP)[12..].to_vec()
}
