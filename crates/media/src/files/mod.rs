//! Untrusted media files, checked and cleaned before anything else sees them: the format and
//! dimensions of an image from its first bytes, the structure of a whole video without decoding
//! it, metadata (GPS position, camera serials, comments) removed losslessly, and the JPEG
//! renditions of panoramas and video posters.
//!
//! Pure file handling — no HTTP, no database — so the upload path and the job queue share it and
//! its tests run on plain files. Everything that reads a file is blocking (callers use
//! `spawn_blocking`); only the `ffmpeg` calls are async. A client's content type or file name is
//! never trusted: the bytes decide.

mod ffmpeg;
mod image_info;
mod jpeg;
mod mp4;
mod png;
mod render;
mod source;
mod video;
mod webm;
mod webp;

#[cfg(test)]
mod fixtures;

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;

pub use ffmpeg::{default_frame_ms, ffmpeg_available, frame_with_ffmpeg};
pub use image_info::{ImageFormat, ImageInfo, SNIFF_BYTES, check_panorama, sniff_image};
pub use render::{Rendition, panorama_renditions, poster_renditions};
pub use video::{Container, VideoInfo, probe_video, strip_video_metadata};

/// Why a file was refused or could not be handled.
#[derive(Debug)]
pub enum FileError {
    /// Not a format we take, whatever it claims to be (415).
    Unsupported(String),
    /// Lying, truncated or corrupt (422 `invalid_file`).
    Invalid(String),
    /// Dimensions, pixels or duration beyond the limits (413).
    TooLarge(String),
    /// Reading or writing failed, or a tool could not run (500/503).
    Io(io::Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Unsupported(why) => write!(f, "unsupported file: {why}"),
            FileError::Invalid(why) => write!(f, "invalid file: {why}"),
            FileError::TooLarge(why) => write!(f, "file too large: {why}"),
            FileError::Io(e) => write!(f, "file input/output failed: {e}"),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for FileError {
    /// Every reader here reads an untrusted file whose headers promised more bytes: running out
    /// means the file is truncated, not that the disk failed.
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            FileError::Invalid("the file ends in the middle of a structure (truncated)".into())
        } else {
            FileError::Io(e)
        }
    }
}

pub(crate) fn invalid(why: impl Into<String>) -> FileError {
    FileError::Invalid(why.into())
}

/// Buffer size for streaming copies and header walks.
const BUFFER: usize = 64 * 1024;

/// Copies `src` to `dst` without metadata, losslessly (no re-encoding):
/// - JPEG: drops APP1 (EXIF/XMP), APP13 (IPTC), COM and every other APPn except APP0 JFIF,
///   APP2 `ICC_PROFILE` and APP14 `Adobe`, in the headers and between scans; the entropy-coded
///   data is copied as it is, a final EOI is required and anything after it (appended
///   multi-picture images with their own EXIF) is dropped.
/// - PNG: checks the signature and every chunk's CRC, drops `eXIf`, `tEXt`, `zTXt`, `iTXt` and
///   `tIME`, requires `IEND`.
/// - WebP: the RIFF size must equal the file size; drops the `EXIF` and `XMP ` chunks and clears
///   their `VP8X` flags.
///
/// Streams through with bounded memory. `format` is the sniffed one ([`sniff_image`]); a file
/// that is not what it says is [`FileError::Invalid`]. On any error `dst` is removed. Blocking.
pub fn strip_metadata(src: &Path, dst: &Path, format: ImageFormat) -> Result<(), FileError> {
    if src == dst {
        return Err(FileError::Io(io::Error::new(io::ErrorKind::InvalidInput, "source and destination are the same")));
    }
    let result = strip_into(src, dst, format);
    if result.is_err() {
        // Best effort: a half-written copy must not be mistaken for a clean one.
        let _ = std::fs::remove_file(dst);
    }
    result
}

fn strip_into(src: &Path, dst: &Path, format: ImageFormat) -> Result<(), FileError> {
    let input = File::open(src)?;
    let len = input.metadata()?.len();
    let mut reader = BufReader::with_capacity(BUFFER, input);
    let mut writer = BufWriter::with_capacity(BUFFER, File::create(dst)?);
    match format {
        ImageFormat::Jpeg => jpeg::strip(&mut reader, &mut writer)?,
        ImageFormat::Png => png::strip(&mut reader, &mut writer)?,
        ImageFormat::Webp => webp::strip(&mut reader, len, &mut writer)?,
    }
    writer.flush()?;
    Ok(())
}
