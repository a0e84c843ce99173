//! MP4 (ISO base media file format) by its box structure, without decoding a frame. The boxes
//! must nest and add up exactly: a truncated upload, a padded one or one whose sizes lie is
//! refused here rather than discovered by a player. Only headers and a few small boxes are read;
//! the media data is skipped over. The same walk finds the metadata boxes (`udta`, `meta`) where
//! phones store the GPS position, for [`super::strip_video_metadata`].

use super::source::Source;
use super::video::{Container, VideoInfo};
use super::{FileError, invalid};

/// Major or compatible brands of an MP4-family video: the ISO base formats, MP4 v1/v2, AVC,
/// DASH, Apple M4V and QuickTime (phones record `qt  `), 3GPP.
const VIDEO_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41", b"mp42", b"avc1",
    b"dash", b"M4V ", b"M4VP", b"M4VH", b"mmp4", b"qt  ", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
];

/// One box: its type and where it lies.
#[derive(Debug, Clone, Copy)]
pub(super) struct Header {
    pub kind: [u8; 4],
    pub start: u64,
    pub header_len: u64,
    pub end: u64,
}

impl Header {
    fn payload_start(&self) -> u64 {
        self.start + self.header_len
    }

    fn name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
    }
}

/// What the walk found.
pub(super) struct Scan {
    pub info: VideoInfo,
    /// The `udta` and `meta` boxes of `moov` and its tracks, and top-level `meta` boxes.
    pub metadata: Vec<Header>,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

#[derive(Default)]
struct Walk {
    moov: bool,
    mvhd: bool,
    mdat: bool,
    timescale: u32,
    duration: Option<u64>,
    fragment_duration: Option<u64>,
    video_track: bool,
    size: Option<(u32, u32)>,
    metadata: Vec<Header>,
}

/// Reads the box header at `start`, which must end by `parent_end`. A size of 0 ("to the end
/// of the file") is accepted for a top-level `mdat` only, the one place muxers use it.
fn read_header(src: &mut Source, start: u64, parent_end: u64, top_level: bool) -> Result<Header, FileError> {
    src.count_header()?;
    let available = parent_end - start;
    if available < 8 {
        return Err(invalid(format!("{available} stray bytes after the last box at offset {start}")));
    }
    src.goto(start)?;
    let mut bytes = [0u8; 8];
    src.read_exact(&mut bytes)?;
    let size = u64::from(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]));
    let kind = [bytes[4], bytes[5], bytes[6], bytes[7]];
    if !kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return Err(invalid(format!("no valid box at offset {start} (garbage or a lying size before it)")));
    }
    let (size, mut header_len) = match size {
        0 if top_level && &kind == b"mdat" => (available, 8),
        1 => {
            let mut large = [0u8; 8];
            src.read_exact(&mut large)?;
            (u64::from_be_bytes(large), 16)
        }
        _ => (size, 8),
    };
    if &kind == b"uuid" {
        header_len += 16;
    }
    let name = String::from_utf8_lossy(&kind).into_owned();
    if size < header_len {
        return Err(invalid(format!("the {name} box at offset {start} has an impossible size of {size}")));
    }
    if size > available {
        return Err(invalid(format!(
            "the {name} box at offset {start} claims {size} bytes but only {available} remain (truncated or lying size)"
        )));
    }
    Ok(Header { kind, start, header_len, end: start + size })
}

/// The boxes inside `parent`, which they must fill exactly.
fn children(src: &mut Source, parent: &Header) -> Result<Vec<Header>, FileError> {
    let mut out = Vec::new();
    let mut pos = parent.payload_start();
    while pos < parent.end {
        let child = read_header(src, pos, parent.end, false)?;
        pos = child.end;
        out.push(child);
    }
    Ok(out)
}

/// The first `max` bytes of a box's payload (fewer if it is shorter).
fn payload(src: &mut Source, header: &Header, max: u64) -> Result<Vec<u8>, FileError> {
    src.goto(header.payload_start())?;
    src.read_vec((header.end - header.payload_start()).min(max))
}

/// Walks the whole file.
pub(super) fn scan(src: &mut Source) -> Result<Scan, FileError> {
    let mut walk = Walk::default();
    let end = src.len();
    let mut pos = 0;
    while pos < end {
        let header = read_header(src, pos, end, true)?;
        pos = header.end;
        match &header.kind {
            b"ftyp" if header.start == 0 => check_brands(&payload(src, &header, 1024)?)?,
            _ if header.start == 0 => return Err(FileError::Unsupported("the file does not start like an MP4".into())),
            b"moov" if walk.moov => return Err(invalid("the MP4 has two moov boxes")),
            b"moov" => {
                walk.moov = true;
                moov(src, &header, &mut walk)?;
            }
            b"mdat" => walk.mdat = true,
            b"meta" => walk.metadata.push(header),
            _ => {}
        }
    }
    if !walk.moov || !walk.mvhd {
        return Err(invalid("the MP4 has no movie header (moov/mvhd)"));
    }
    if !walk.mdat {
        return Err(invalid("the MP4 has no media data (mdat)"));
    }
    if !walk.video_track {
        return Err(FileError::Unsupported("the MP4 has no video track".into()));
    }
    let duration = walk.duration.or(walk.fragment_duration);
    let duration_ms = duration.map(|d| {
        let ms = u128::from(d) * 1000 / u128::from(walk.timescale);
        u64::try_from(ms).unwrap_or(u64::MAX)
    });
    let info = VideoInfo {
        container: Container::Mp4,
        width: walk.size.map(|(w, _)| w),
        height: walk.size.map(|(_, h)| h),
        duration_ms,
    };
    Ok(Scan { info, metadata: walk.metadata })
}

fn check_brands(ftyp: &[u8]) -> Result<(), FileError> {
    if ftyp.len() < 8 {
        return Err(invalid("the MP4 ftyp box is too short"));
    }
    // Major brand, minor version, then compatible brands.
    let brands = std::iter::once(&ftyp[..4]).chain(ftyp[8..].chunks_exact(4));
    let mut brands = brands.filter_map(|b| <&[u8; 4]>::try_from(b).ok());
    if brands.any(|b| VIDEO_BRANDS.contains(&b)) {
        Ok(())
    } else {
        let major = String::from_utf8_lossy(&ftyp[..4]).into_owned();
        Err(FileError::Unsupported(format!("an ISO media file of brand {major:?}, not an MP4 video")))
    }
}

fn moov(src: &mut Source, moov: &Header, walk: &mut Walk) -> Result<(), FileError> {
    for child in children(src, moov)? {
        match &child.kind {
            b"mvhd" => mvhd(&payload(src, &child, 64)?, walk)?,
            b"trak" => trak(src, &child, walk)?,
            b"mvex" => {
                for entry in children(src, &child)? {
                    if &entry.kind == b"mehd" {
                        walk.fragment_duration = full_box_duration(&payload(src, &entry, 16)?, (4, 4), "mehd")?;
                    }
                }
            }
            b"udta" | b"meta" => walk.metadata.push(child),
            _ => {}
        }
    }
    Ok(())
}

/// A duration in a full box: 32 bits at `at.0` in version 0, 64 bits at `at.1` in version 1;
/// `None` when zero or "unknown" (all ones).
fn full_box_duration(bytes: &[u8], at: (usize, usize), name: &str) -> Result<Option<u64>, FileError> {
    let short = || invalid(format!("the MP4 {name} box is too short"));
    let value = match bytes.first() {
        Some(1) => u64_at(bytes, at.1).ok_or_else(short)?,
        Some(_) => u64::from(u32_at(bytes, at.0).ok_or_else(short)?),
        None => return Err(short()),
    };
    Ok(Some(value).filter(|&v| v != 0 && v != u64::MAX && v != u64::from(u32::MAX)))
}

fn mvhd(bytes: &[u8], walk: &mut Walk) -> Result<(), FileError> {
    // Version and flags, creation and modification times, then timescale and duration.
    let times = if bytes.first() == Some(&1) { 16 } else { 8 };
    let timescale = u32_at(bytes, 4 + times).ok_or_else(|| invalid("the MP4 mvhd box is too short"))?;
    if timescale == 0 {
        return Err(invalid("the MP4 movie header has a timescale of 0"));
    }
    walk.timescale = timescale;
    walk.duration = full_box_duration(bytes, (16, 24), "mvhd")?;
    walk.mvhd = true;
    Ok(())
}

fn trak(src: &mut Source, trak: &Header, walk: &mut Walk) -> Result<(), FileError> {
    let mut size = None;
    let mut handler = None;
    for child in children(src, trak)? {
        match &child.kind {
            b"tkhd" => size = Some(tkhd_size(&payload(src, &child, 96)?)?),
            b"mdia" => {
                for entry in children(src, &child)? {
                    if &entry.kind == b"hdlr" {
                        // Version and flags, pre-defined (QuickTime: component type), handler type.
                        let bytes = payload(src, &entry, 12)?;
                        handler = Some(u32_at(&bytes, 8).ok_or_else(|| invalid("the MP4 hdlr box is too short"))?);
                    }
                }
            }
            b"udta" | b"meta" => walk.metadata.push(child),
            _ => {}
        }
    }
    if handler == Some(u32::from_be_bytes(*b"vide")) {
        let size = size.ok_or_else(|| invalid(format!("the video {} has no track header (tkhd)", trak.name())))?;
        walk.video_track = true;
        if walk.size.is_none() && size.0 > 0 && size.1 > 0 {
            walk.size = Some(size);
        }
    }
    Ok(())
}

/// Display width and height from a track header (16.16 fixed point), turned a quarter when the
/// transformation matrix rotates by 90° or 270° (portrait phone videos).
fn tkhd_size(bytes: &[u8]) -> Result<(u32, u32), FileError> {
    let short = || invalid("the MP4 tkhd box is too short");
    // Version and flags; times, track id, reserved, duration (20 or 32 bytes); reserved,
    // layer, alternate group, volume, reserved (16); matrix (36); width; height.
    let fields = if bytes.first() == Some(&1) { 4 + 32 } else { 4 + 20 };
    let matrix = fields + 16;
    let (a, d) = (u32_at(bytes, matrix).ok_or_else(short)?, u32_at(bytes, matrix + 16).ok_or_else(short)?);
    let width = u32_at(bytes, matrix + 36).ok_or_else(short)?;
    let height = u32_at(bytes, matrix + 40).ok_or_else(short)?;
    let round = |fixed: u32| u32::try_from((u64::from(fixed) + 0x8000) >> 16).unwrap_or(u32::MAX);
    let (width, height) = (round(width), round(height));
    Ok(if a == 0 && d == 0 { (height, width) } else { (width, height) })
}

#[cfg(test)]
#[path = "mp4_tests.rs"]
mod tests;
