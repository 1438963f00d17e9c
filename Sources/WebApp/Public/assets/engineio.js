// Engine.IO protocol 4 transports for the spectator app, written here because no socket.io-client
// build can be installed with the server (no npm, no build step). WebSocket first; if it cannot
// be opened, HTTP long-polling. Only what the app needs: text packets, the server's heartbeat,
// and a close reported once. Socket.IO (protocol 5) runs on top of it in socketio.js.

const RECORD_SEPARATOR = "\x1e";

/**
 * One Engine.IO session. Calls onOpen(handshake), onMessage(text) for each "4" packet, and
 * onClose(reason) once, whichever way it ends.
 */
export class EngineSession {
  constructor(baseUrl, path, handlers) {
    this.baseUrl = new URL(path, baseUrl);
    this.handlers = handlers;
    this.closed = false;
    this.transport = null;
    this.heartbeat = null;
  }

  /** Opens over WebSocket, or over long-polling when the WebSocket fails before opening. */
  open(transports = ["websocket", "polling"]) {
    const [first, ...rest] = transports;
    const fallback = () => (rest.length && !this.closed ? this.open(rest) : this.close("transport error"));
    this.transport = first === "websocket" ? new WebSocketTransport(this, fallback) : new PollingTransport(this);
    this.transport.start();
  }

  url(transport, sid) {
    const url = new URL(this.baseUrl);
    url.searchParams.set("EIO", "4");
    url.searchParams.set("transport", transport);
    if (sid) url.searchParams.set("sid", sid);
    if (transport === "websocket") url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url;
  }

  /** Every Engine.IO packet from the server, whatever the transport. */
  receive(packet) {
    if (this.closed) return;
    const type = packet[0];
    if (type === "0") {
      this.handshake = JSON.parse(packet.slice(1));
      this.armHeartbeat();
      this.transport.opened(this.handshake.sid);
      this.handlers.onOpen(this.handshake);
    } else if (type === "2") {
      // The server pings; we answer. Silence longer than interval + timeout means it is gone.
      this.armHeartbeat();
      this.transport.send(["3"]);
    } else if (type === "4") {
      this.handlers.onMessage(packet.slice(1));
    } else if (type === "1") {
      this.close("server closed the session");
    }
  }

  armHeartbeat() {
    clearTimeout(this.heartbeat);
    const { pingInterval = 25000, pingTimeout = 20000 } = this.handshake || {};
    this.heartbeat = setTimeout(() => this.close("ping timeout"), pingInterval + pingTimeout);
  }

  /** Sends Socket.IO packets as Engine.IO messages. */
  send(text) {
    if (!this.closed) this.transport.send(["4" + text]);
  }

  close(reason = "client closed") {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.heartbeat);
    if (this.transport) this.transport.stop();
    this.handlers.onClose(reason);
  }
}

class WebSocketTransport {
  constructor(session, onFailure) {
    this.session = session;
    this.onFailure = onFailure;
    this.everOpened = false;
  }

  start() {
    const ws = new WebSocket(this.session.url("websocket"));
    this.ws = ws;
    ws.onopen = () => { this.everOpened = true; };
    ws.onmessage = (message) => { if (typeof message.data === "string") this.session.receive(message.data); };
    ws.onclose = () => {
      if (this.stopped) return;
      // Never opened: the network or a proxy refuses WebSocket; try long-polling instead.
      if (!this.everOpened) this.onFailure();
      else this.session.close("transport close");
    };
  }

  opened() {}

  send(packets) {
    for (const packet of packets) if (this.ws.readyState === WebSocket.OPEN) this.ws.send(packet);
  }

  stop() {
    this.stopped = true;
    try { this.ws.close(); } catch { /* already closed */ }
  }
}

class PollingTransport {
  constructor(session) {
    this.session = session;
    this.queue = [];
    this.posting = false;
    this.aborter = new AbortController();
  }

  start() {
    this.poll();
  }

  opened(sid) {
    this.sid = sid;
  }

  /** One GET at a time, re-issued as soon as the previous one answers. */
  async poll() {
    while (!this.stopped) {
      try {
        const url = this.session.url("polling", this.sid);
        url.searchParams.set("t", Date.now().toString(36));
        const response = await fetch(url, { signal: this.aborter.signal, cache: "no-store" });
        if (!response.ok) throw new Error(`polling answered ${response.status}`);
        const body = await response.text();
        for (const packet of body.split(RECORD_SEPARATOR)) if (packet) this.session.receive(packet);
      } catch {
        if (!this.stopped) this.session.close("transport error");
        return;
      }
    }
  }

  send(packets) {
    this.queue.push(...packets);
    this.flush();
  }

  /** Packets sent meanwhile leave together in the next POST. */
  async flush() {
    if (this.posting || !this.sid || this.queue.length === 0 || this.stopped) return;
    this.posting = true;
    const body = this.queue.splice(0).join(RECORD_SEPARATOR);
    try {
      const response = await fetch(this.session.url("polling", this.sid), {
        method: "POST", body, signal: this.aborter.signal, headers: { "Content-Type": "text/plain;charset=UTF-8" },
      });
      if (!response.ok) throw new Error(`polling answered ${response.status}`);
    } catch {
      if (!this.stopped) this.session.close("transport error");
      return;
    } finally {
      this.posting = false;
    }
    this.flush();
  }

  stop() {
    this.stopped = true;
    this.aborter.abort();
  }
}
