//! WebM (an EBML document of type `webm`) by its element structure, without decoding a frame.
//! Element sizes must nest within their parent and the file: a truncated upload or a lying size
//! is refused here. Browsers' `MediaRecorder` writes a Segment and Clusters of unknown size (and
//! no duration), so those are accepted: an unknown-size Cluster ends where the next top-level
//! element starts, found by walking its block headers. Payloads are skipped, never read, except
//! for the small header elements. The walk also finds the `Tags` elements (where a recorder
//! puts location and other metadata), and the SeekHead entries pointing at them, for
//! [`super::strip_video_metadata`].

use super::source::Source;
use super::video::{Container, VideoInfo};
use super::{FileError, invalid};

const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const SEEK: u32 = 0x4DBB;
const SEEK_ID: u32 = 0x53AB;
const INFO: u32 = 0x1549_A966;
const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const VIDEO: u32 = 0xE0;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const CLUSTER: u32 = 0x1F43_B675;
const CUES: u32 = 0x1C53_BB6B;
const TAGS: u32 = 0x1254_C367;
const CHAPTERS: u32 = 0x1043_A770;
const ATTACHMENTS: u32 = 0x1941_A469;
/// The element that stands for nothing; [`super::strip_video_metadata`] writes it over `Tags`.
pub(super) const VOID: u8 = 0xEC;
/// Largest EBML header, Info or Tracks element read into memory.
const MAX_HEADER: u64 = 4 * 1024 * 1024;

/// What the walk found.
pub(super) struct Scan {
    pub info: VideoInfo,
    /// The byte ranges (headers included) of the Segment's `Tags` elements and of the
    /// SeekHead entries pointing at them.
    pub tags: Vec<(u64, u64)>,
}

/// One element: id, where it starts, where its data starts, and its data size if known.
struct Element {
    id: u32,
    start: u64,
    data: u64,
    size: Option<u64>,
}

/// Length of a variable-size integer from its first byte (1 to 8), if valid.
fn vint_len(first: u8) -> Option<usize> {
    (first != 0).then(|| first.leading_zeros() as usize + 1)
}

/// An element id (marker bits kept, at most 4 bytes) at the start of `bytes`, and its length.
fn parse_id(bytes: &[u8]) -> Option<(u32, usize)> {
    let len = vint_len(*bytes.first()?).filter(|&n| n <= 4)?;
    let id = bytes.get(..len)?.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    Some((id, len))
}

/// An element data size (`None` when all value bits are set: unknown) and its length.
fn parse_size(bytes: &[u8]) -> Option<(Option<u64>, usize)> {
    let first = *bytes.first()?;
    let len = vint_len(first)?;
    let mask = 0xFFu8.checked_shr(len as u32).unwrap_or(0);
    let mut value = u64::from(first & mask);
    let mut all_ones = first & mask == mask;
    for &b in bytes.get(1..len)? {
        value = (value << 8) | u64::from(b);
        all_ones &= b == 0xFF;
    }
    Some((if all_ones { None } else { Some(value) }, len))
}

/// Reads a variable-size integer from the file, returning its raw bytes.
fn read_vint(src: &mut Source, max_len: usize, what: &str) -> Result<([u8; 8], usize), FileError> {
    let mut bytes = [0u8; 8];
    bytes[0] = src.read_u8()?;
    let len = vint_len(bytes[0])
        .filter(|&n| n <= max_len)
        .ok_or_else(|| invalid(format!("malformed EBML {what} at offset {}", src.pos() - 1)))?;
    src.read_exact(&mut bytes[1..len])?;
    Ok((bytes, len))
}

/// The element header at `start`; a known size must end by `parent_end`.
fn read_element(src: &mut Source, start: u64, parent_end: u64) -> Result<Element, FileError> {
    src.count_header()?;
    src.goto(start)?;
    let (raw, len) = read_vint(src, 4, "element id")?;
    let (id, _) = parse_id(&raw[..len]).ok_or_else(|| invalid("malformed EBML element id"))?;
    let (raw, len) = read_vint(src, 8, "element size")?;
    let (size, _) = parse_size(&raw[..len]).ok_or_else(|| invalid("malformed EBML element size"))?;
    let data = src.pos();
    let end = size.map_or(Some(data), |s| data.checked_add(s));
    if end.is_none_or(|end| end > parent_end) {
        return Err(invalid(format!(
            "the EBML element {id:#X} at offset {start} claims more bytes than remain (truncated or lying size)"
        )));
    }
    Ok(Element { id, start, data, size })
}

/// An element's data, read whole: only for the small header elements.
fn read_data(src: &mut Source, element: &Element) -> Result<Vec<u8>, FileError> {
    let size = element.size.ok_or_else(|| invalid(format!("the EBML element {:#X} has no size", element.id)))?;
    if size > MAX_HEADER {
        return Err(invalid(format!("the EBML element {:#X} is implausibly large", element.id)));
    }
    src.goto(element.data)?;
    src.read_vec(size)
}

/// A child of an element read into memory: its id, its span in the parent's data (header
/// included), and its own data.
struct Child<'a> {
    id: u32,
    start: usize,
    end: usize,
    data: &'a [u8],
}

/// The children of an element read into memory; they must fill it exactly.
fn children(bytes: &[u8]) -> Result<Vec<Child<'_>>, FileError> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let broken = || invalid("a WebM header element is malformed or truncated");
        let rest = &bytes[start..];
        let (id, id_len) = parse_id(rest).ok_or_else(broken)?;
        let (size, size_len) = parse_size(&rest[id_len..]).ok_or_else(broken)?;
        let size = usize::try_from(size.ok_or_else(broken)?).map_err(|_| broken())?;
        let data = rest[id_len + size_len..].get(..size).ok_or_else(broken)?;
        let end = start + id_len + size_len + size;
        out.push(Child { id, start, end, data });
        start = end;
    }
    Ok(out)
}

/// The spans (relative to the SeekHead's data) of its entries that point at `Tags`.
fn seeks_to_tags(seek_head: &[u8]) -> Result<Vec<(usize, usize)>, FileError> {
    let tags_id = TAGS.to_be_bytes();
    let mut out = Vec::new();
    for seek in children(seek_head)?.into_iter().filter(|c| c.id == SEEK) {
        if children(seek.data)?.iter().any(|c| c.id == SEEK_ID && c.data == tags_id) {
            out.push((seek.start, seek.end));
        }
    }
    Ok(out)
}

fn uint(bytes: &[u8]) -> Result<u64, FileError> {
    if bytes.len() > 8 {
        return Err(invalid("a WebM integer is longer than 8 bytes"));
    }
    Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Walks the whole file.
pub(super) fn scan(src: &mut Source) -> Result<Scan, FileError> {
    let len = src.len();
    let header = read_element(src, 0, len)?;
    if header.id != EBML {
        return Err(FileError::Unsupported("the file is not an EBML (WebM) document".into()));
    }
    let doc_type = children(&read_data(src, &header)?)?
        .into_iter()
        .find(|c| c.id == DOC_TYPE)
        .map(|c| String::from_utf8_lossy(c.data).trim_end_matches('\0').to_owned());
    if doc_type.as_deref() != Some("webm") {
        let doc_type = doc_type.unwrap_or_else(|| "matroska".into());
        return Err(FileError::Unsupported(format!("an EBML document of type {doc_type:?}, not WebM")));
    }
    let segment = read_element(src, header.data + header.size.unwrap_or(0), len)?;
    if segment.id != SEGMENT {
        return Err(invalid("the WebM has no Segment after its EBML header"));
    }
    let end = segment.size.map_or(len, |size| segment.data + size);

    let (mut info, mut tracks, mut clusters, mut tags) = (None, None, 0u64, Vec::new());
    let mut pos = segment.data;
    while pos < end {
        let element = read_element(src, pos, end)?;
        pos = match (element.id, element.size) {
            (CLUSTER, None) => cluster_end(src, element.data, end)?,
            (_, None) => return Err(invalid(format!("the WebM element {:#X} has an unknown size", element.id))),
            (_, Some(size)) => element.data + size,
        };
        match element.id {
            INFO => info = Some(parse_info(&read_data(src, &element)?)?),
            TRACKS => tracks = Some(parse_tracks(&read_data(src, &element)?)?),
            CLUSTER => clusters += 1,
            TAGS => tags.push((element.start, pos)),
            SEEK_HEAD => {
                let entries = seeks_to_tags(&read_data(src, &element)?)?;
                tags.extend(entries.into_iter().map(|(s, e)| (element.data + s as u64, element.data + e as u64)));
            }
            EBML | SEGMENT => return Err(invalid("the WebM nests a second document inside its Segment")),
            _ => {}
        }
    }
    let duration_ms = info.ok_or_else(|| invalid("the WebM has no Info element"))?;
    let tracks = tracks.ok_or_else(|| invalid("the WebM has no Tracks element"))?;
    let (width, height) = tracks.ok_or_else(|| FileError::Unsupported("the WebM has no video track".into()))?;
    if clusters == 0 {
        return Err(invalid("the WebM has no media data (Cluster)"));
    }
    let info = VideoInfo { container: Container::Webm, width, height, duration_ms };
    Ok(Scan { info, tags })
}

/// Where a Cluster of unknown size ends: at the next top-level element, or the Segment's end.
fn cluster_end(src: &mut Source, data: u64, segment_end: u64) -> Result<u64, FileError> {
    const TOP_LEVEL: [u32; 10] = [SEEK_HEAD, INFO, TRACKS, CLUSTER, CUES, TAGS, CHAPTERS, ATTACHMENTS, EBML, SEGMENT];
    let mut pos = data;
    while pos < segment_end {
        let child = read_element(src, pos, segment_end)?;
        if TOP_LEVEL.contains(&child.id) {
            return Ok(pos);
        }
        let size = child.size.ok_or_else(|| invalid("a WebM block has an unknown size"))?;
        pos = child.data + size;
    }
    Ok(segment_end)
}

/// The duration in milliseconds, if the Info states one.
fn parse_info(bytes: &[u8]) -> Result<Option<u64>, FileError> {
    let mut scale_ns = 1_000_000u64;
    let mut duration = None;
    for Child { id, data, .. } in children(bytes)? {
        match id {
            TIMESTAMP_SCALE => scale_ns = uint(data)?,
            DURATION => {
                duration = Some(match data.len() {
                    4 => f64::from(f32::from_be_bytes([data[0], data[1], data[2], data[3]])),
                    8 => f64::from_be_bytes(data.try_into().map_err(|_| invalid("bad WebM duration"))?),
                    _ => return Err(invalid("the WebM duration is not a 4- or 8-byte float")),
                })
            }
            _ => {}
        }
    }
    let Some(ticks) = duration else { return Ok(None) };
    let ms = ticks * scale_ns as f64 / 1e6;
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid("the WebM duration is not a plausible number"));
    }
    Ok(Some(ms.round() as u64))
}

/// A track's pixel width and height, each `None` if unstated.
type PixelSize = (Option<u32>, Option<u32>);

/// The pixel size of the first video track; `None` without one.
fn parse_tracks(bytes: &[u8]) -> Result<Option<PixelSize>, FileError> {
    for entry in children(bytes)?.into_iter().filter(|c| c.id == TRACK_ENTRY) {
        let (mut kind, mut width, mut height) = (0, None, None);
        for Child { id, data, .. } in children(entry.data)? {
            match id {
                TRACK_TYPE => kind = uint(data)?,
                VIDEO => {
                    for Child { id, data, .. } in children(data)? {
                        let pixels = || -> Result<Option<u32>, FileError> {
                            Ok(u32::try_from(uint(data)?).ok().filter(|&v| v > 0))
                        };
                        match id {
                            PIXEL_WIDTH => width = pixels()?,
                            PIXEL_HEIGHT => height = pixels()?,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if kind == 1 {
            return Ok(Some((width, height)));
        }
    }
    Ok(None)
}

/// The header of a Void element spanning exactly `total` bytes (header included), and how
/// many bytes of zeros follow it. `total` is at least 2, as any element is.
pub(super) fn void_header(total: u64) -> (Vec<u8>, u64) {
    // The size field takes as many bytes as fit (up to 8): a longer field than needed is valid
    // EBML, so any span from 2 bytes up can be covered exactly.
    let size_len = (total.saturating_sub(1)).clamp(1, 8);
    let data = total.saturating_sub(1 + size_len);
    let mut header = vec![VOID];
    let marker = 1u64 << (7 * size_len);
    let field = (marker | data).to_be_bytes();
    header.extend_from_slice(&field[8 - size_len as usize..]);
    (header, data)
}

#[cfg(test)]
#[path = "webm_tests.rs"]
mod tests;
