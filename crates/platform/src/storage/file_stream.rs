//! A byte range of a local file as a stream of large chunks. Each chunk is one positioned read
//! (`pread`) on the blocking pool, so a slow disk never stalls an async worker, into a buffer
//! that is reused once the previous chunk has been written out (the HTTP server drops a chunk
//! when it is on the socket). Memory per stream is bounded by a couple of chunks, whatever the
//! size of the file.

use std::fs::File;
use std::io::ErrorKind;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::task::JoinHandle;

/// Bytes per read. Large reads keep the per-chunk costs (a blocking-pool hop, a system call, a
/// write to the socket) small against the copy itself; see docs/PERFORMANCE.md (media).
pub const CHUNK: usize = 512 * 1024;

type Read = JoinHandle<std::io::Result<(Bytes, BytesMut)>>;

/// The bytes `start..end` of a file.
pub struct FileStream {
    file: Arc<File>,
    pos: u64,
    end: u64,
    buf: Option<BytesMut>,
    pending: Option<Read>,
}

impl FileStream {
    pub fn new(file: File, start: u64, end: u64) -> Self {
        Self { file: Arc::new(file), pos: start, end: end.max(start), buf: None, pending: None }
    }

    fn start_read(&mut self) -> Read {
        let want = usize::try_from(self.end - self.pos).map_or(CHUNK, |left| left.min(CHUNK));
        let (file, at) = (self.file.clone(), self.pos);
        let mut buf = self.buf.take().unwrap_or_default();
        tokio::task::spawn_blocking(move || {
            // Reclaims the previous allocation when its chunk has been dropped.
            buf.clear();
            buf.resize(want, 0);
            let mut filled = 0;
            while filled < want {
                match file.read_at(&mut buf[filled..], at + filled as u64) {
                    Ok(0) => return Err(std::io::Error::new(ErrorKind::UnexpectedEof, "the file got shorter")),
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let chunk = buf.split().freeze();
            Ok((chunk, buf))
        })
    }
}

impl Stream for FileStream {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.pending.is_none() {
            if this.pos >= this.end {
                return Poll::Ready(None);
            }
            this.pending = Some(this.start_read());
        }
        let Some(pending) = this.pending.as_mut() else { return Poll::Ready(None) };
        let done = ready!(Pin::new(pending).poll(cx));
        this.pending = None;
        match done {
            Ok(Ok((chunk, buf))) => {
                this.pos += chunk.len() as u64;
                this.buf = Some(buf);
                Poll::Ready(Some(Ok(chunk)))
            }
            Ok(Err(e)) => {
                this.pos = this.end;
                Poll::Ready(Some(Err(e)))
            }
            Err(e) => {
                this.pos = this.end;
                Poll::Ready(Some(Err(std::io::Error::other(e))))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let chunks = usize::try_from((self.end - self.pos).div_ceil(CHUNK as u64)).unwrap_or(usize::MAX);
        (chunks, Some(chunks))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::io::Write;

    use futures_util::StreamExt;

    use super::*;

    fn file_of(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&bytes).unwrap();
        (file, bytes)
    }

    async fn collect(stream: FileStream) -> (Vec<usize>, Vec<u8>) {
        let chunks: Vec<Bytes> = stream.map(|c| c.unwrap()).collect().await;
        (chunks.iter().map(Bytes::len).collect(), chunks.concat())
    }

    #[tokio::test]
    async fn streams_exact_ranges_in_large_chunks() {
        let len = CHUNK * 2 + 1234;
        let (file, bytes) = file_of(len);
        let open = || File::open(file.path()).unwrap();
        let (sizes, got) = collect(FileStream::new(open(), 0, len as u64)).await;
        assert_eq!(sizes, [CHUNK, CHUNK, 1234]);
        assert!(got == bytes);
        for (start, end) in [(0, 1), (10, CHUNK + 10), (len - 1, len), (CHUNK, 2 * CHUNK), (5, 5)] {
            let (_, got) = collect(FileStream::new(open(), start as u64, end as u64)).await;
            assert!(got == bytes[start..end], "{start}..{end}");
        }
    }

    #[tokio::test]
    async fn a_file_shorter_than_promised_is_an_error_not_a_short_body() {
        let (file, _) = file_of(100);
        let mut stream = FileStream::new(File::open(file.path()).unwrap(), 0, 200);
        let err = stream.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        assert!(stream.next().await.is_none());
    }
}
