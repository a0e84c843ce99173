//! PNG metadata removal without re-encoding: a PNG is a list of CRC-protected chunks, and the
//! text, EXIF and timestamp chunks can go without touching the picture. Every CRC is checked on
//! the way, so a damaged file is refused rather than passed on.

use std::io::{BufRead, Read, Write};

use super::{BUFFER, FileError, invalid};

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
/// Chunks that carry metadata: EXIF (GPS position included), free text, modification time.
const DROPPED: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];
/// A chunk length above this is not a PNG (the specification's limit).
const MAX_CHUNK: u32 = 0x7FFF_FFFF;

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// Continues a CRC-32 (ISO 3309, as PNG uses it); start from `0xFFFF_FFFF` and invert the end.
pub(crate) fn crc_update(crc: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(crc, |c, &b| CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8))
}

/// Streams `src` to `dst` without its metadata chunks (see [`super::strip_metadata`]).
pub(super) fn strip(src: &mut impl BufRead, dst: &mut impl Write) -> Result<(), FileError> {
    let mut signature = [0u8; 8];
    src.read_exact(&mut signature).map_err(|_| invalid("the file is not a PNG"))?;
    if &signature != SIGNATURE {
        return Err(invalid("the file is not a PNG"));
    }
    dst.write_all(&signature)?;
    let mut first = true;
    let mut buffer = vec![0u8; BUFFER];
    loop {
        let mut header = [0u8; 8];
        src.read_exact(&mut header).map_err(|_| invalid("the PNG ends without its IEND chunk (truncated)"))?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        let name = String::from_utf8_lossy(&kind).into_owned();
        if len > MAX_CHUNK || !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(invalid("the PNG has a malformed chunk header"));
        }
        if first && &kind != b"IHDR" {
            return Err(invalid("the PNG does not start with its IHDR chunk"));
        }
        first = false;
        let keep = !DROPPED.contains(&&kind);
        if keep {
            dst.write_all(&header)?;
        }
        let mut crc = crc_update(0xFFFF_FFFF, &kind);
        let mut data = src.by_ref().take(u64::from(len));
        loop {
            let n = data.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            crc = crc_update(crc, &buffer[..n]);
            if keep {
                dst.write_all(&buffer[..n])?;
            }
        }
        if data.limit() > 0 {
            return Err(invalid(format!("the PNG ends inside its {name} chunk (truncated)")));
        }
        let mut stored = [0u8; 4];
        src.read_exact(&mut stored)?;
        if u32::from_be_bytes(stored) != !crc {
            return Err(invalid(format!("the PNG's {name} chunk fails its CRC check (corrupt)")));
        }
        if keep {
            dst.write_all(&stored)?;
        }
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

#[cfg(test)]
#[path = "png_tests.rs"]
mod tests;
