// The official socket.io-client 4.8.3 as a test peer, driven over stdin and stdout in JSON lines:
//   stdout: {"connected": true} | {"event": NAME, "data": FIRST_ARG} | {"ack": ID, "data": ACK}
//           | {"disconnected": REASON} | {"error": MESSAGE}
//   stdin:  {"emit": NAME, "data": PAYLOAD, "id": ID}   (the ack comes back with that id)
// Usage: node driver.js URL [TOKEN|-] [websocket|polling|default]
const { io } = require("socket.io-client");
const readline = require("readline");

const [url, token, transport] = process.argv.slice(2);
const options = { reconnection: false, auth: token && token !== "-" ? { token } : undefined };
if (transport === "websocket") options.transports = ["websocket"];
if (transport === "polling") options.transports = ["polling"];
const socket = io(url, options);
const out = (value) => process.stdout.write(JSON.stringify(value) + "\n");

socket.on("connect", () => out({ connected: true, transport: socket.io.engine.transport.name }));
socket.on("connect_error", (error) => out({ error: error.message, data: error.data ?? null }));
socket.on("disconnect", (reason) => out({ disconnected: reason }));
socket.onAny((event, data) => out({ event, data: data ?? null }));

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = JSON.parse(line);
  socket.emit(command.emit, command.data, (ack) => out({ ack: command.id, data: ack }));
});
lines.on("close", () => { socket.disconnect(); process.exit(0); });
