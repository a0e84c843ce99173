//! Video poster frames by running `ffmpeg`, the one tool that decodes every codec a phone
//! records. It runs as a child process on an untrusted file, so: no shell, arguments as a list,
//! the input forced to the local file protocol and to the container the probe found, stdin
//! closed, output through a pipe with a size cap, a deadline after which it is killed, and its
//! error output (trimmed) carried into the error.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use super::video::{Container, probe_video};
use super::{FileError, invalid};

/// How long one frame may take before `ffmpeg` is killed.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Largest frame accepted from `ffmpeg` (a JPEG of an 8K frame is well under this).
const MAX_FRAME_BYTES: usize = 32 * 1024 * 1024;
/// How much of `ffmpeg`'s error output is kept for the error message.
const MAX_STDERR_BYTES: usize = 4 * 1024;

/// Where a poster frame is taken when none is chosen: 1 s in, or 10 % in for a video shorter
/// than 10 s (the first frames are often black).
pub fn default_frame_ms(duration_ms: Option<u64>) -> u64 {
    duration_ms.map_or(1000, |d| (d / 10).min(1000))
}

/// A frame of `video` at `at_ms` (clamped into the duration) as JPEG bytes, extracted by the
/// `ffmpeg` at that path (or name on `PATH`). The file is probed first ([`probe_video`]): an
/// invalid one never reaches `ffmpeg`. If nothing is decoded at that time (past the last
/// frame), the default time ([`default_frame_ms`]) is tried once. `ffmpeg` failing on the file
/// is [`FileError::Invalid`]; failing to start or timing out (60 s) is [`FileError::Io`].
pub async fn frame_with_ffmpeg(ffmpeg: &Path, video: &Path, at_ms: u64) -> Result<Vec<u8>, FileError> {
    let path = video.to_path_buf();
    let info = tokio::task::spawn_blocking(move || probe_video(&path))
        .await
        .map_err(|e| FileError::Io(io::Error::other(e)))??;
    let at = info.duration_ms.map_or(at_ms, |d| at_ms.min(d.saturating_sub(1)));
    let frame = extract(ffmpeg, video, info.container, at, TIMEOUT).await?;
    if !frame.is_empty() {
        return Ok(frame);
    }
    let fallback = default_frame_ms(info.duration_ms);
    if fallback < at {
        let frame = extract(ffmpeg, video, info.container, fallback, TIMEOUT).await?;
        if !frame.is_empty() {
            return Ok(frame);
        }
    }
    Err(invalid("ffmpeg found no video frame to take a poster from"))
}

/// Whether `ffmpeg` at that path (or name on `PATH`) runs: `ffmpeg -version` succeeds within
/// 10 s. For start-up detection.
pub async fn ffmpeg_available(ffmpeg: &Path) -> bool {
    let status = Command::new(ffmpeg)
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(tokio::time::timeout(Duration::from_secs(10), status).await, Ok(Ok(s)) if s.success())
}

/// Runs `ffmpeg` for one frame at `at_ms`; empty output means no frame there.
async fn extract(
    ffmpeg: &Path,
    video: &Path,
    container: Container,
    at_ms: u64,
    timeout: Duration,
) -> Result<Vec<u8>, FileError> {
    // `file:` keeps a path that looks like a protocol ("pipe:…", "http:…", "-") a path.
    let mut input = OsString::from("file:");
    input.push(video.as_os_str());
    let demuxer = match container {
        Container::Mp4 => "mov",
        Container::Webm => "matroska",
    };
    let mut command = Command::new(ffmpeg);
    command
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file", "-f", demuxer])
        .args(["-ss", &format!("{}.{:03}", at_ms / 1000, at_ms % 1000)])
        .arg("-i")
        .arg(input)
        .args(["-map", "0:v:0", "-frames:v", "1", "-an", "-f", "image2pipe", "-vcodec", "mjpeg", "-q:v", "2", "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    run(command, timeout).await
}

/// Runs a prepared command to completion within `timeout` (killed otherwise, on drop) and
/// returns its standard output; a failure carries its trimmed error output.
async fn run(mut command: Command, timeout: Duration) -> Result<Vec<u8>, FileError> {
    let mut child = command
        .spawn()
        .map_err(|e| FileError::Io(io::Error::new(e.kind(), format!("ffmpeg could not be started: {e}"))))?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let finished = tokio::time::timeout(timeout, async {
        let (out, err) = tokio::try_join!(read_capped(stdout, MAX_FRAME_BYTES), read_capped(stderr, MAX_STDERR_BYTES))?;
        let status = child.wait().await?;
        Ok::<_, io::Error>((out, err, status))
    })
    .await;
    let Ok(finished) = finished else {
        return Err(FileError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("ffmpeg took longer than {} s and was stopped", timeout.as_secs()),
        )));
    };
    let ((out, out_total), (err, _), status) = finished.map_err(FileError::Io)?;
    if !status.success() {
        let message = String::from_utf8_lossy(&err);
        let message = message.trim();
        let message = if message.is_empty() { format!("ffmpeg failed ({status})") } else { message.to_owned() };
        return Err(invalid(format!("ffmpeg could not read the video: {message}")));
    }
    if out_total > MAX_FRAME_BYTES {
        return Err(invalid("ffmpeg produced an implausibly large frame"));
    }
    Ok(out)
}

/// Reads a pipe to its end, keeping the first `cap` bytes; returns them and the total length.
/// Reading on past the cap lets the child finish instead of blocking on a full pipe.
async fn read_capped(pipe: Option<impl AsyncRead + Unpin>, cap: usize) -> io::Result<(Vec<u8>, usize)> {
    let (mut kept, mut total) = (Vec::new(), 0usize);
    let Some(mut pipe) = pipe else { return Ok((kept, total)) };
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = pipe.read(&mut buffer).await?;
        if n == 0 {
            return Ok((kept, total));
        }
        let room = cap.saturating_sub(kept.len()).min(n);
        kept.extend_from_slice(&buffer[..room]);
        total += n;
    }
}

#[cfg(test)]
#[path = "ffmpeg_tests.rs"]
mod tests;
