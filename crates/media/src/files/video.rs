//! Videos: which container a file is, checked whole by its structure (see [`super::mp4`] and
//! [`super::webm`]), and its metadata removed in place. Stripping renames or voids elements
//! without moving a byte, so the file keeps its size and every offset in it (sample tables,
//! cue points) stays right — no remux, no second copy of a large file — and the metadata's
//! bytes are zeroed, not merely hidden.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::source::Source;
use super::{FileError, invalid, mp4, webm};

/// The video containers we take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    Mp4,
    Webm,
}

/// What a video file is, from its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoInfo {
    pub container: Container,
    /// Display size of the first video track (turned for a rotated MP4 track), when stated.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// `None` when the file does not say (a live recording, a fragmented MP4 without `mehd`).
    pub duration_ms: Option<u64>,
}

impl VideoInfo {
    pub fn content_type(&self) -> &'static str {
        match self.container {
            Container::Mp4 => "video/mp4",
            Container::Webm => "video/webm",
        }
    }

    pub fn extension(&self) -> &'static str {
        match self.container {
            Container::Mp4 => "mp4",
            Container::Webm => "webm",
        }
    }
}

/// The container, from the first bytes.
fn detect(file: &mut File) -> Result<Container, FileError> {
    let mut head = Vec::with_capacity(8);
    Read::take(&mut *file, 8).read_to_end(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    if head.get(4..8) == Some(b"ftyp") {
        Ok(Container::Mp4)
    } else if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Ok(Container::Webm)
    } else {
        Err(FileError::Unsupported("the file is not an MP4 or WebM video".into()))
    }
}

/// Structural check of a whole video file without decoding it. MP4: the first box is `ftyp`
/// with a video brand; box sizes are consistent and cover the file exactly (a truncated or
/// padded file is [`FileError::Invalid`]); `moov` holds `mvhd` (duration) and a video `trak`
/// (`tkhd` size, handler `vide`); `mdat` is present. WebM: EBML header with DocType `webm`, a
/// Segment (a known size must fit the file; unknown is allowed), Info (duration), a video track
/// (pixel size), a Cluster. Reads headers only, seeking over payloads. Blocking.
pub fn probe_video(path: &Path) -> Result<VideoInfo, FileError> {
    let mut file = File::open(path)?;
    let container = detect(&mut file)?;
    let mut src = Source::new(file)?;
    Ok(match container {
        Container::Mp4 => mp4::scan(&mut src)?.info,
        Container::Webm => webm::scan(&mut src)?.info,
    })
}

/// Removes a video's metadata in place, keeping its size: MP4 — the `udta` and `meta` boxes
/// of `moov` and of its tracks, and top-level `meta` boxes (where phones store the GPS
/// position), become `free` boxes with zeroed contents; WebM — each `Tags` element, header
/// included, is overwritten by a zeroed Void element of exactly the same span, and so is each
/// SeekHead entry pointing at one (nothing is left pointing into the void). The file is
/// checked as by [`probe_video`] first and left untouched if it fails, or if it is not a
/// `container` file. Blocking.
pub fn strip_video_metadata(path: &Path, container: Container) -> Result<(), FileError> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let found = detect(&mut file)?;
    if found != container {
        return Err(invalid(format!("the file is a {found:?} video, not {container:?}")));
    }
    let mut src = Source::new(file.try_clone()?)?;
    match container {
        Container::Mp4 => {
            for meta in mp4::scan(&mut src)?.metadata {
                file.seek(SeekFrom::Start(meta.start + 4))?;
                file.write_all(b"free")?;
                zero(&mut file, meta.start + meta.header_len, meta.end)?;
            }
        }
        Container::Webm => {
            for (start, end) in webm::scan(&mut src)?.tags {
                let (header, _) = webm::void_header(end - start);
                file.seek(SeekFrom::Start(start))?;
                file.write_all(&header)?;
                zero(&mut file, start + header.len() as u64, end)?;
            }
        }
    }
    file.flush()?;
    Ok(())
}

/// Overwrites `from..to` with zeros.
fn zero(file: &mut File, from: u64, to: u64) -> Result<(), FileError> {
    const ZEROS: [u8; 8192] = [0; 8192];
    file.seek(SeekFrom::Start(from))?;
    let mut left = to.saturating_sub(from);
    while left > 0 {
        let n = left.min(ZEROS.len() as u64);
        file.write_all(&ZEROS[..n as usize])?;
        left -= n;
    }
    Ok(())
}

#[cfg(test)]
#[path = "video_tests.rs"]
mod tests;
