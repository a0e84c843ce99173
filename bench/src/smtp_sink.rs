//! A local SMTP sink for the notifications benchmark: accepts every message and keeps only what
//! the benchmark measures — how many arrived, how many bytes, and when each numbered one did.
//!
//! It speaks just enough ESMTP for a real client (lettre, as the platform's `SmtpMailer` uses
//! it): the 220 greeting, `EHLO`/`HELO` (advertising `PIPELINING` and `8BITMIME`), `MAIL`,
//! `RCPT`, `DATA` → 354, the body up to the lone `.` → 250, `RSET`/`NOOP` → 250, `QUIT` → 221.
//! Nothing is stored and nothing is checked beyond that: a sink, so that the time measured is
//! the sender's, not a mail server's. Pipelined commands work because replies are written in
//! the order the commands are read, one reply per command.
//!
//! A message whose `Subject:` ends in `#<number>` is recorded with that number and its arrival
//! time, so the benchmark can match it with the moment it queued the notice of that number.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

/// What the sink has received so far.
#[derive(Debug, Default)]
pub struct Received {
    messages: AtomicU64,
    bytes: AtomicU64,
    connections: AtomicU64,
    /// (number from the subject, arrival) of each numbered message.
    numbered: Mutex<Vec<(u64, Instant)>>,
}

impl Received {
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// SMTP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Takes the numbered arrivals recorded so far (and forgets them).
    pub fn take_numbered(&self) -> Vec<(u64, Instant)> {
        std::mem::take(&mut *self.numbered.lock().unwrap())
    }

    fn record(&self, data: &[u8]) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Some(n) = subject_number(data) {
            self.numbered.lock().unwrap().push((n, Instant::now()));
        }
    }
}

/// The number after the last `#` of the `Subject:` header, when there is one.
fn subject_number(data: &[u8]) -> Option<u64> {
    let head_end = data.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(data.len());
    let head = std::str::from_utf8(&data[..head_end]).ok()?;
    let subject = head.split("\r\n").find_map(|l| l.strip_prefix("Subject: "))?;
    subject.rsplit_once('#')?.1.trim().parse().ok()
}

/// A running sink on a loopback port; it stops with the bench process.
pub struct SmtpSink {
    pub port: u16,
    pub received: std::sync::Arc<Received>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = std::sync::Arc::new(Received::default());
        let r = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                r.connections.fetch_add(1, Ordering::Relaxed);
                let r = r.clone();
                tokio::spawn(async move {
                    // A client that goes away mid-session is no error of the sink's.
                    let _ = session(socket, &r).await;
                });
            }
        });
        SmtpSink { port, received }
    }

    /// `smtp://127.0.0.1:PORT`: plain SMTP, as `mail.smtp_url` takes it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

/// One SMTP session, until `QUIT` or the client closes.
async fn session(socket: TcpStream, received: &Received) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let (read, write) = socket.into_split();
    let mut reader = BufReader::new(read);
    let mut writer = BufWriter::new(write);
    writer.write_all(b"220 sink.bench ESMTP ready\r\n").await?;
    writer.flush().await?;
    let mut line = Vec::with_capacity(256);
    let mut message = Vec::with_capacity(4096);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = std::str::from_utf8(&line).unwrap_or("").trim_end();
        let verb = command.split_ascii_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.bench\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "DATA" => {
                writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                writer.flush().await?;
                message.clear();
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 §4.5.2): a leading `..` stands for `.`.
                    let body = if line.starts_with(b"..") { &line[1..] } else { &line[..] };
                    message.extend_from_slice(body);
                }
                received.record(&message);
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                writer.write_all(b"221 Bye\r\n").await?;
                writer.flush().await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        writer.write_all(reply).await?;
        // Several pipelined commands may wait in the buffer: answer them together.
        if reader.buffer().is_empty() {
            writer.flush().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_is_read_from_the_subject_only() {
        let mail = b"From: a@b\r\nSubject: Booking confirmed #42\r\nTo: c@d\r\n\r\nbody #7\r\n";
        assert_eq!(subject_number(mail), Some(42));
        assert_eq!(subject_number(b"Subject: Confirm your email address\r\n\r\n#9"), None);
    }

    #[tokio::test]
    async fn a_pipelined_session_is_answered_in_order_and_counted() {
        let sink = SmtpSink::start().await;
        let mut socket = TcpStream::connect(("127.0.0.1", sink.port)).await.unwrap();
        let session =
            b"EHLO me\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x #5\r\n\r\n..dot\r\n.\r\nQUIT\r\n";
        socket.write_all(session).await.unwrap();
        let mut answer = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut socket, &mut answer).await.unwrap();
        let codes: Vec<&str> = answer.lines().map(|l| &l[..3]).collect();
        assert_eq!(codes, ["220", "250", "250", "250", "250", "250", "354", "250", "221"]);
        assert_eq!(sink.received.messages(), 1);
        assert_eq!(sink.received.bytes(), b"Subject: x #5\r\n\r\n.dot\r\n".len() as u64);
        assert_eq!(sink.received.take_numbered().iter().map(|(n, _)| *n).collect::<Vec<_>>(), [5]);
    }
}
