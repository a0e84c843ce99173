//! JPEG metadata removal without re-encoding: the file is a sequence of marker segments around
//! entropy-coded scans, so dropping the metadata segments and copying everything else byte for
//! byte keeps the picture exactly as it was. Phones put metadata in places beyond the header
//! too (segments between scans, whole extra JPEGs with their own EXIF appended after the end),
//! so the walk goes through to the EOI and stops there.

use std::io::{BufRead, Write};

use super::image_info::is_sof;
use super::{FileError, invalid};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const COM: u8 = 0xFE;

/// Whether a segment survives: everything but comments and the APPn segments that carry
/// metadata. Kept: APP0 `JFIF` (pixel density), APP2 `ICC_PROFILE` (colours) and APP14 `Adobe`
/// (colour transform) — the picture would look different without them.
fn keep(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xE0 => payload.starts_with(b"JFIF\0"),
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xEE => payload.starts_with(b"Adobe"),
        0xE1 | 0xE3..=0xED | 0xEF | COM => false,
        _ => true,
    }
}

fn read_u8(src: &mut impl BufRead) -> Result<u8, FileError> {
    let mut byte = [0u8; 1];
    src.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// The next marker code, where a marker must start (fill bytes skipped).
fn next_marker(src: &mut impl BufRead) -> Result<u8, FileError> {
    if read_u8(src)? != 0xFF {
        return Err(invalid("the JPEG has bytes where a marker segment should start"));
    }
    let mut marker = read_u8(src)?;
    while marker == 0xFF {
        marker = read_u8(src)?;
    }
    if marker == 0 {
        return Err(invalid("the JPEG has a stuffed byte outside image data"));
    }
    Ok(marker)
}

/// Copies entropy-coded data (stuffed `FF 00` bytes and restart markers included) up to the
/// next marker, which it returns unwritten.
fn copy_scan(src: &mut impl BufRead, dst: &mut impl Write) -> Result<u8, FileError> {
    loop {
        let buffer = src.fill_buf()?;
        if buffer.is_empty() {
            return Err(invalid("the JPEG ends inside its image data (no EOI: truncated)"));
        }
        match buffer.iter().position(|&b| b == 0xFF) {
            None => {
                let n = buffer.len();
                dst.write_all(buffer)?;
                src.consume(n);
            }
            Some(i) => {
                dst.write_all(&buffer[..i])?;
                src.consume(i + 1);
                let mut code = read_u8(src)?;
                while code == 0xFF {
                    code = read_u8(src)?;
                }
                match code {
                    0x00 | 0xD0..=0xD7 => dst.write_all(&[0xFF, code])?,
                    _ => return Ok(code),
                }
            }
        }
    }
}

/// Streams `src` to `dst` without its metadata segments (see [`super::strip_metadata`]).
pub(super) fn strip(src: &mut impl BufRead, dst: &mut impl Write) -> Result<(), FileError> {
    let mut start = [0u8; 2];
    src.read_exact(&mut start).map_err(|_| invalid("the file is not a JPEG"))?;
    if start != [0xFF, SOI] {
        return Err(invalid("the file is not a JPEG"));
    }
    dst.write_all(&start)?;
    let mut seen_frame = false;
    let mut seen_scan = false;
    let mut marker = next_marker(src)?;
    loop {
        match marker {
            EOI if seen_scan => {
                // Anything after the end (appended pictures, vendor trailers) is dropped.
                dst.write_all(&[0xFF, EOI])?;
                return Ok(());
            }
            SOI | EOI => return Err(invalid("the JPEG ends before any image data")),
            0x01 | 0xD0..=0xD7 => {
                dst.write_all(&[0xFF, marker])?;
                marker = next_marker(src)?;
                continue;
            }
            _ => {}
        }
        let mut length = [0u8; 2];
        src.read_exact(&mut length)?;
        let len = usize::from(u16::from_be_bytes(length));
        if len < 2 {
            return Err(invalid("a JPEG segment has an impossible length"));
        }
        let mut payload = vec![0u8; len - 2];
        src.read_exact(&mut payload)?;
        if keep(marker, &payload) {
            dst.write_all(&[0xFF, marker])?;
            dst.write_all(&length)?;
            dst.write_all(&payload)?;
        }
        seen_frame |= is_sof(marker);
        marker = if marker == SOS {
            if !seen_frame {
                return Err(invalid("the JPEG has image data before its frame header"));
            }
            seen_scan = true;
            copy_scan(src, dst)?
        } else {
            next_marker(src)?
        };
    }
}

#[cfg(test)]
#[path = "jpeg_tests.rs"]
mod tests;
