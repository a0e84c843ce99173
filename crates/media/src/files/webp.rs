//! WebP metadata removal without re-encoding: a WebP is a RIFF list of chunks, and the EXIF and
//! XMP chunks can be dropped as long as the extended header (`VP8X`) stops announcing them and
//! the RIFF size is rewritten to the shorter length.

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::{FileError, invalid};

/// `VP8X` flag bits announcing EXIF and XMP chunks.
const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;

/// Copies exactly `n` bytes, or fails as truncated.
fn copy_exact(src: &mut impl Read, n: u64, dst: &mut impl Write) -> Result<(), FileError> {
    if io::copy(&mut src.take(n), dst)? != n {
        return Err(invalid("the WebP ends inside a chunk (truncated)"));
    }
    Ok(())
}

/// Streams `src` (`file_len` bytes long) to `dst` without its metadata chunks, then writes the
/// new RIFF size (see [`super::strip_metadata`]).
pub(super) fn strip(src: &mut impl Read, file_len: u64, dst: &mut (impl Write + Seek)) -> Result<(), FileError> {
    let mut header = [0u8; 12];
    src.read_exact(&mut header).map_err(|_| invalid("the file is not a WebP"))?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WEBP" {
        return Err(invalid("the file is not a WebP"));
    }
    let riff_size = u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
    if riff_size + 8 != file_len {
        return Err(invalid(format!(
            "the WebP's RIFF header says {} bytes but the file has {file_len}",
            riff_size + 8
        )));
    }
    dst.write_all(&header)?;
    let mut written: u64 = 4; // "WEBP"
    let mut remaining = riff_size - 4;
    let mut first = true;
    while remaining > 0 {
        let mut chunk = [0u8; 8];
        if remaining < 8 {
            return Err(invalid("the WebP has stray bytes after its last chunk"));
        }
        src.read_exact(&mut chunk)?;
        let kind = [chunk[0], chunk[1], chunk[2], chunk[3]];
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        let padded = size + (size & 1);
        if 8 + padded > remaining {
            return Err(invalid(format!(
                "the WebP's {} chunk claims more bytes than the file holds",
                String::from_utf8_lossy(&kind)
            )));
        }
        remaining -= 8 + padded;
        if first && !matches!(&kind, b"VP8 " | b"VP8L" | b"VP8X") {
            return Err(invalid("the WebP does not start with an image chunk"));
        }
        first = false;
        match &kind {
            b"EXIF" | b"XMP " => copy_exact(src, padded, &mut io::sink())?,
            b"VP8X" => {
                // Ten bytes by the specification; a little room for extensions, no more.
                if !(10..=64).contains(&size) {
                    return Err(invalid("the WebP's VP8X chunk has an impossible size"));
                }
                let mut payload = vec![0u8; usize::try_from(padded).map_err(|_| invalid("oversized VP8X"))?];
                src.read_exact(&mut payload)?;
                payload[0] &= !(EXIF_FLAG | XMP_FLAG);
                dst.write_all(&chunk)?;
                dst.write_all(&payload)?;
                written += 8 + padded;
            }
            _ => {
                dst.write_all(&chunk)?;
                copy_exact(src, padded, dst)?;
                written += 8 + padded;
            }
        }
    }
    let size = u32::try_from(written).map_err(|_| invalid("the WebP is too large"))?;
    dst.seek(SeekFrom::Start(4))?;
    dst.write_all(&size.to_le_bytes())?;
    dst.seek(SeekFrom::End(0))?;
    Ok(())
}

#[cfg(test)]
#[path = "webp_tests.rs"]
mod tests;
