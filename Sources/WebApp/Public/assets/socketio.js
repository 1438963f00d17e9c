// A small Socket.IO client (protocol 5, namespace "/") on top of engineio.js, written for this
// app because no socket.io-client build can be installed here. It talks to the server as any
// client does: CONNECT with an optional auth payload, EVENT and ACK packets (JSON only, no
// binary), and reconnection with exponential backoff and jitter after any unexpected close.

import { EngineSession } from "./engineio.js";

const CONNECT = "0", DISCONNECT = "1", EVENT = "2", ACK = "3", CONNECT_ERROR = "4";

export class Socket {
  /**
   * @param {string} url the server's origin
   * @param {object} options auth (CONNECT payload), transports, reconnectDelayMs, reconnectDelayMaxMs
   */
  constructor(url = location.origin, options = {}) {
    this.url = url;
    this.options = { path: "/socket.io/", transports: ["websocket", "polling"], reconnectDelayMs: 500, reconnectDelayMaxMs: 8000, ...options };
    this.listeners = new Map();
    this.acks = new Map();
    this.nextAckId = 0;
    this.connected = false;
    this.attempts = 0;
    this.stopped = false;
  }

  on(event, listener) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(listener);
    return this;
  }

  /** Local lifecycle events ("connect", "disconnect", "reconnecting", "connect_error") and server events alike. */
  dispatch(event, ...args) {
    for (const listener of this.listeners.get(event) || []) {
      try { listener(...args); } catch (error) { console.error(`listener for ${event} failed`, error); }
    }
  }

  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.engine = new EngineSession(this.url, this.options.path, {
      onOpen: () => this.engine.send(CONNECT + (this.options.auth ? JSON.stringify(this.options.auth) : "")),
      onMessage: (text) => this.receive(text),
      onClose: (reason) => this.closed(reason),
    });
    this.engine.open(this.options.transports);
    return this;
  }

  /** Stops for good (no reconnection). */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.engine) {
      if (this.connected) this.engine.send(DISCONNECT);
      this.engine.close("client closed");
    }
  }

  /** Sends an event; with a callback, the server's acknowledgement comes back to it. */
  emit(event, data, ack) {
    let id = "";
    if (ack) {
      id = String(this.nextAckId++);
      this.acks.set(id, ack);
    }
    this.engine?.send(EVENT + id + JSON.stringify([event, data]));
  }

  /** Resolves with the acknowledgement, or rejects when it does not come in time or the connection drops. */
  request(event, data, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      if (!this.connected) return reject(new Error("not connected"));
      let timer;
      const ack = (reply) => { clearTimeout(timer); reply instanceof Error ? reject(reply) : resolve(reply); };
      this.emit(event, data, ack);
      const id = String(this.nextAckId - 1);
      timer = setTimeout(() => { this.acks.delete(id); reject(new Error(`${event}: no answer`)); }, timeoutMs);
    });
  }

  receive(text) {
    const type = text[0];
    let rest = text.slice(1);
    if (rest.startsWith("/")) return; // another namespace: not ours
    if (type === CONNECT) {
      this.connected = true;
      this.attempts = 0;
      this.dispatch("connect", JSON.parse(rest || "{}"));
    } else if (type === EVENT || type === ACK) {
      const digits = /^\d*/.exec(rest)[0];
      rest = rest.slice(digits.length);
      const args = JSON.parse(rest);
      if (type === EVENT) {
        this.dispatch(args[0], ...args.slice(1));
      } else {
        const ack = this.acks.get(digits);
        this.acks.delete(digits);
        if (ack) ack(...args);
      }
    } else if (type === CONNECT_ERROR) {
      const error = JSON.parse(rest || "{}");
      this.dispatch("connect_error", error);
      this.stopped = true; // refused (a bad key): retrying would not help
      this.engine.close("refused");
    } else if (type === DISCONNECT) {
      this.engine.close("server disconnect");
    }
  }

  closed(reason) {
    const wasConnected = this.connected;
    this.connected = false;
    for (const ack of this.acks.values()) ack(new Error("disconnected"));
    this.acks.clear();
    if (wasConnected) this.dispatch("disconnect", reason);
    if (this.stopped) return;
    // Exponential backoff with jitter, so that many pages do not come back at the same instant.
    const { reconnectDelayMs, reconnectDelayMaxMs } = this.options;
    const base = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** this.attempts);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.attempts += 1;
    this.dispatch("reconnecting", { attempt: this.attempts, delayMs: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
