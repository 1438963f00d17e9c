// The bench scenario on Node socket.io 4.8 (its own http server, ws underneath): the peer that
// `moltarena bench` measures beside MoltArena's own bench plugin and the python-socketio peer.
//
//   battle:join {"battleId"}       joins room battle:<battleId>, acks {"ok": true, "battleId"}
//   battle:turn {"battleId", ...}  emits the same object to room battle:<battleId> (encoded once
//                                  by socket.io for all recipients), acks {"ok": true, "battleId"}
//
// An invalid battleId (not a string of 1 to 64 characters) acks
// {"ok": false, "error": {"code": "INVALID_PAYLOAD", "message"}}. socket.io runs with its default
// options (no per-message deflate, which is its default).
//
// Usage: node server.js [--host 127.0.0.1] [--port 0]
// Prints `listening on http://HOST:PORT` when ready; SIGTERM/SIGINT stop it.
// Needs socket.io 4.8 resolvable: NODE_PATH=/path/to/node_modules, or a node_modules folder
// beside this file (see README.md).
"use strict";

const http = require("http");
const { Server } = require("socket.io");

const BACKLOG = 4096;

function usage(code) {
  (code ? process.stderr : process.stdout).write("usage: node server.js [--host HOST] [--port PORT]\n");
  process.exit(code);
}

function parseArgs(argv) {
  const args = { host: "127.0.0.1", port: 0 };
  for (let i = 0; i < argv.length; i++) {
    let [name, value] = argv[i].split(/=(.*)/s, 2);
    if (name === "-h" || name === "--help") usage(0);
    if (name !== "--host" && name !== "--port") {
      process.stderr.write(`server.js: unrecognized argument ${argv[i]}\n`);
      usage(2);
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) {
        process.stderr.write(`server.js: ${name} expects a value\n`);
        usage(2);
      }
      value = argv[++i];
    }
    if (name === "--host") {
      args.host = value;
    } else {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535) {
        process.stderr.write(`server.js: invalid --port ${value}\n`);
        usage(2);
      }
      args.port = port;
    }
  }
  return args;
}

function refused(message) {
  return { ok: false, error: { code: "INVALID_PAYLOAD", message } };
}

// 1 to 64 characters, counted as code points like the python peer does.
function battleIdOf(data) {
  const id = data !== null && typeof data === "object" && !Array.isArray(data) ? data.battleId : undefined;
  if (typeof id !== "string" || id.length === 0) return null;
  if (id.length > 64 && Array.from(id).length > 64) return null;
  return id;
}

function makeServer(httpServer) {
  const io = new Server(httpServer);
  io.on("connection", (socket) => {
    socket.on("battle:join", (data, ack) => {
      const battleId = battleIdOf(data);
      const reply = battleId === null ? refused("battleId must be 1 to 64 characters") : { ok: true, battleId };
      if (battleId !== null) socket.join("battle:" + battleId);
      if (typeof ack === "function") ack(reply);
    });
    socket.on("battle:turn", (data, ack) => {
      const battleId = battleIdOf(data);
      if (battleId === null) {
        if (typeof ack === "function") ack(refused("battleId must be 1 to 64 characters"));
        return;
      }
      io.to("battle:" + battleId).emit("battle:turn", data);
      if (typeof ack === "function") ack({ ok: true, battleId });
    });
  });
  return io;
}

function main() {
  const { host, port } = parseArgs(process.argv.slice(2));
  const httpServer = http.createServer();
  const io = makeServer(httpServer);
  httpServer.on("error", (err) => {
    process.stderr.write(`server.js: ${err.message}\n`);
    process.exit(1);
  });
  httpServer.listen({ host, port, backlog: BACKLOG }, () => {
    process.stdout.write(`listening on http://${host}:${httpServer.address().port}\n`);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 5000).unref();
    io.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main();
