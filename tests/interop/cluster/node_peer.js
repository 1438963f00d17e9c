// A Node socket.io 4.8 server with the official Redis adapter (classic mode), driven over stdin
// by the cluster tests, so MoltArena and Node servers are tested in one cluster:
//   count                      -> "count N"        (the adapter's serverCount())
//   emit ROOM EVENT JSON       -> "emitted"        (io.to(ROOM).emit(EVENT, JSON))
//   emitter ROOM EVENT JSON    -> "emitted"        (@socket.io/redis-emitter, uid "emitter")
//   fetch ROOM                 -> "fetched JSON"   (io.in(ROOM).fetchSockets(): [{id, rooms}])
//   rooms                      -> "rooms JSON"     (io.of("/").adapter.allRooms())
//   join ROOM NEW / leave ROOM OLD / disconnect ROOM -> "done" (socketsJoin, socketsLeave, disconnectSockets)
// Clients get "connected" on connecting and may emit "join" ROOM (ack {ok: true}).
// Usage: node node_peer.js REDIS_URL
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");
const { createClient } = require("redis");
const readline = require("readline");

(async () => {
  const url = process.argv[2];
  const pub = createClient({ url }), sub = pub.duplicate(), emitterClient = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect(), emitterClient.connect()]);
  const io = new Server({ adapter: createAdapter(pub, sub) });
  io.on("connection", (socket) => {
    socket.emit("connected", { role: "spectator" });  // what the tests' client waits for, as MoltArena sends it
    socket.on("join", (room, ack) => { socket.join(room); ack?.({ ok: true }); });
  });
  const emitter = new Emitter(emitterClient);
  const httpServer = require("http").createServer();
  io.attach(httpServer);
  httpServer.listen(0, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${httpServer.address().port}`);
  });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, room, event, ...rest] = line.split(" ");
    try {
      if (command === "count") {
        console.log(`count ${await io.of("/").adapter.serverCount()}`);
      } else if (command === "emit") {
        io.to(room).emit(event, JSON.parse(rest.join(" ")));
        console.log("emitted");
      } else if (command === "fetch") {
        const sockets = await io.in(room).fetchSockets();
        console.log(`fetched ${JSON.stringify(sockets.map((s) => ({ id: s.id, rooms: [...s.rooms] })))}`);
      } else if (command === "rooms") {
        console.log(`rooms ${JSON.stringify([...(await io.of("/").adapter.allRooms())])}`);
      } else if (command === "join") {
        io.in(room).socketsJoin(event);
        console.log("done");
      } else if (command === "leave") {
        io.in(room).socketsLeave(event);
        console.log("done");
      } else if (command === "disconnect") {
        io.in(room).disconnectSockets(true);
        console.log("done");
      } else if (command === "emitter") {
        emitter.to(room).emit(event, JSON.parse(rest.join(" ")));
        console.log("emitted");
      }
    } catch (error) {
      console.log(`error ${error}`);
    }
  }
  process.exit(0);
})();
