"""Why a mail takes ~44 ms on loopback (docs/PERFORMANCE.md, Notifications).

lettre writes a message's body, then the terminating "\r\n.\r\n" as a second small write, then
waits for the reply, on a socket without TCP_NODELAY. Nagle's algorithm holds the second write
until the body is acknowledged, and the server delays that ACK (40 ms on Linux) because it has
nothing to answer before the terminator. This client repeats that pattern against any SMTP
server, with and without TCP_NODELAY:

    python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Sink &   # pip install aiosmtpd
    python3 bench/smtp_nagle.py 2525
"""
import socket, sys, time
port = int(sys.argv[1])
def run(nodelay, n=30):
    s = socket.create_connection(("127.0.0.1", port))
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    def resp():
        while True:
            line = f.readline()
            if line[3:4] != b"-":
                return line
    resp()
    s.sendall(b"EHLO me\r\n"); resp()
    t = time.perf_counter()
    for i in range(n):
        s.sendall(b"MAIL FROM:<a@b.test>\r\n"); resp()
        s.sendall(b"RCPT TO:<c@d.test>\r\n"); resp()
        s.sendall(b"DATA\r\n"); resp()
        s.sendall(b"Subject: x\r\n\r\n" + b"body line\r\n" * 20)
        s.sendall(b"\r\n.\r\n"); resp()
    dt = (time.perf_counter() - t) / n
    s.sendall(b"QUIT\r\n"); resp(); s.close()
    return dt * 1000
print(f"lettre's pattern, Nagle on (no TCP_NODELAY): {run(False):.1f} ms per message")
print(f"same with TCP_NODELAY:                       {run(True):.1f} ms per message")
