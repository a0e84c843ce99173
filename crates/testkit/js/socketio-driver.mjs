// Drives the official socket.io-client v4 for Rust tests (crates/testkit/src/socketio.rs).
//
// Why a script: the tests must speak Socket.IO through the real client that DreamScape's web
// client uses, not through a hand-written encoder, so protocol mistakes on the server side show.
// It reads one JSON command per line on stdin and writes one JSON report per line on stdout;
// several named sockets live in one process. The client package comes from NODE_PATH
// (`$SOJOURN_NODE_MODULES`, installed outside the checkout by .ci/run).
//
// Commands:
//   {"cmd":"connect","id":"a","url":"http://127.0.0.1:PORT","auth":{...},"opts":{...}}
//   {"cmd":"emit","id":"a","event":"typing","data":{...},"ack":true,"ref":"1","timeoutMs":5000}
//   {"cmd":"disconnect","id":"a"}   clean client disconnect ("io client disconnect")
//   {"cmd":"drop","id":"a"}         closes the transport under the socket, as a network loss does
//   {"cmd":"reconnect","id":"a"}    connects the same socket again (sends {pid, offset} if it has them)
//   {"cmd":"info","id":"a"}         reports connected, sid, pid, offset, recovered
// Reports: {"id","type":"connect","sid","recovered"} | {"id","type":"connect_error","message","data"}
//   | {"id","type":"disconnect","reason","description"} | {"id","type":"event","event","args"}
//   | {"id","type":"ack","ref","ok","args"|"error"} | {"id","type":"info",...}
//   | {"type":"error","id","message"} for a command the driver could not carry out.
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const { io } = require("socket.io-client");

const sockets = new Map();
const write = (report) => process.stdout.write(JSON.stringify(report) + "\n");
// Functions (a server ack request) and undefined do not survive JSON: drop them.
const plain = (args) => args.filter((a) => typeof a !== "function");

function connect(cmd) {
  const old = sockets.get(cmd.id);
  if (old) old.disconnect();
  const socket = io(cmd.url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: cmd.auth ?? {},
    ...(cmd.opts ?? {}),
  });
  sockets.set(cmd.id, socket);
  const id = cmd.id;
  socket.on("connect", () => write({ id, type: "connect", sid: socket.id, recovered: socket.recovered === true }));
  socket.on("connect_error", (err) =>
    write({ id, type: "connect_error", message: String(err?.message ?? err), data: err?.data ?? null }),
  );
  socket.on("disconnect", (reason, description) =>
    write({ id, type: "disconnect", reason, description: description?.description?.message ?? null }),
  );
  socket.onAny((event, ...args) => write({ id, type: "event", event, args: plain(args) }));
}

function emit(cmd, socket) {
  const args = cmd.args ?? (cmd.data === undefined ? [] : [cmd.data]);
  if (!cmd.ack) {
    socket.emit(cmd.event, ...args);
    return;
  }
  socket.timeout(cmd.timeoutMs ?? 5000).emit(cmd.event, ...args, (err, ...answer) => {
    if (err) write({ id: cmd.id, type: "ack", ref: cmd.ref ?? null, ok: false, error: String(err.message ?? err) });
    else write({ id: cmd.id, type: "ack", ref: cmd.ref ?? null, ok: true, args: plain(answer) });
  });
}

function handle(cmd) {
  if (cmd.cmd === "connect") return connect(cmd);
  const socket = sockets.get(cmd.id);
  if (!socket) throw new Error(`no socket named ${cmd.id}`);
  switch (cmd.cmd) {
    case "emit":
      return emit(cmd, socket);
    case "disconnect":
      return socket.disconnect();
    case "drop": {
      // Ends the TCP connection under the client (the `ws` package's terminate), so the client
      // sees "transport close" as on a network loss, not a deliberate "forced close".
      const ws = socket.io.engine?.transport?.ws;
      if (ws?.terminate) return ws.terminate();
      return socket.io.engine?.close();
    }
    case "reconnect":
      return socket.connect();
    case "info":
      return write({
        id: cmd.id,
        type: "info",
        connected: socket.connected,
        sid: socket.id ?? null,
        pid: socket._pid ?? null,
        offset: socket._lastOffset ?? null,
        recovered: socket.recovered === true,
      });
    default:
      throw new Error(`unknown command ${cmd.cmd}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
    handle(cmd);
  } catch (err) {
    write({ type: "error", id: cmd?.id ?? null, message: String(err?.message ?? err) });
  }
});
// The test dropped its end: close every socket and leave.
lines.on("close", () => {
  for (const socket of sockets.values()) socket.disconnect();
  setTimeout(() => process.exit(0), 50);
});
write({ type: "ready" });
