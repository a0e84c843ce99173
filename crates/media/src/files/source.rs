//! A file read by jumping from header to header: the video walkers read a few bytes here and
//! there and skip payloads of any size, so the position is tracked and short forward jumps stay
//! inside the read buffer instead of costing a system call each.

use std::fs::File;
use std::io::{BufReader, Read};

use super::{BUFFER, FileError, invalid};

/// Most header elements a walk visits before the file is refused: a file of nothing but tiny
/// boxes must not keep a worker busy for minutes.
const MAX_HEADERS: u64 = 4_000_000;

pub(super) struct Source {
    reader: BufReader<File>,
    pos: u64,
    len: u64,
    headers: u64,
}

impl Source {
    pub(super) fn new(file: File) -> Result<Self, FileError> {
        let len = file.metadata()?.len();
        Ok(Source { reader: BufReader::with_capacity(BUFFER, file), pos: 0, len, headers: 0 })
    }

    #[cfg(test)]
    pub(super) fn open(path: &std::path::Path) -> Result<Self, FileError> {
        Source::new(File::open(path)?)
    }

    pub(super) fn len(&self) -> u64 {
        self.len
    }

    pub(super) fn pos(&self) -> u64 {
        self.pos
    }

    /// Moves to `pos` (anywhere in the file).
    pub(super) fn goto(&mut self, pos: u64) -> Result<(), FileError> {
        if pos != self.pos {
            let delta =
                i64::try_from(i128::from(pos) - i128::from(self.pos)).map_err(|_| invalid("offset overflow"))?;
            self.reader.seek_relative(delta)?;
            self.pos = pos;
        }
        Ok(())
    }

    /// Counts one more header visited; refuses a file with too many.
    pub(super) fn count_header(&mut self) -> Result<(), FileError> {
        self.headers += 1;
        if self.headers > MAX_HEADERS {
            return Err(invalid("the file has too many structure elements"));
        }
        Ok(())
    }

    pub(super) fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), FileError> {
        self.reader.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    pub(super) fn read_u8(&mut self) -> Result<u8, FileError> {
        let mut byte = [0u8; 1];
        self.read_exact(&mut byte)?;
        Ok(byte[0])
    }

    /// `n` bytes from here; the caller bounds `n` (headers only, never a payload of any size).
    pub(super) fn read_vec(&mut self, n: u64) -> Result<Vec<u8>, FileError> {
        if n > self.len.saturating_sub(self.pos) {
            return Err(invalid("the file ends in the middle of a structure (truncated)"));
        }
        let mut buf = vec![0u8; usize::try_from(n).map_err(|_| invalid("oversized header"))?];
        self.read_exact(&mut buf)?;
        Ok(buf)
    }
}
