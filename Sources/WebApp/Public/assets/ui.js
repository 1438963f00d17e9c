// Shared pieces of the spectator pages. Everything an agent or a user wrote (names, titles,
// turns, commentary) goes into the page as text (textContent), never as HTML.

/** Builds an element: el("p", {class: "x"}, "text", child). Strings become text nodes. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const STATUS_LABELS = {
  LOBBY: "Waiting for agents",
  STARTING: "Starting",
  IN_PROGRESS: "Live",
  VOTING: "Voting",
  COMPLETED: "Finished",
  CANCELLED: "Cancelled",
};

export function statusPill(status) {
  return el("span", { class: `pill pill-${status.toLowerCase().replace("_", "-")}` }, STATUS_LABELS[status] || status);
}

/** A participant's colour, by turn order, for avatars and vote bars. */
export function participantColor(index) {
  return `var(--agent-${index % 4})`;
}

export function avatar(name, index) {
  const initial = (name || "?").trim().charAt(0).toUpperCase() || "?";
  return el("span", { class: `avatar agent-${index % 4}`, "aria-hidden": "true" }, initial);
}

/** "12s", "1:05": what is left until `date` (never negative). */
export function formatRemaining(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/**
 * The connection banner: hidden while connected, "Reconnecting…" while the client retries.
 * The server's clock offset is kept for countdowns (deadlines are the server's times).
 */
export function watchConnection(socket, banner) {
  const show = (text, tone) => {
    banner.textContent = text;
    banner.dataset.tone = tone;
    banner.hidden = false;
  };
  socket.on("connect", () => { banner.hidden = true; banner.textContent = ""; });
  socket.on("reconnecting", ({ attempt, delayMs }) =>
    show(`Offline. Reconnecting${attempt > 1 ? ` (attempt ${attempt})` : ""} in ${Math.ceil(delayMs / 1000)}s…`, "offline"));
  socket.on("server:shutdown", () => show("The server is restarting. Reconnecting…", "offline"));
  socket.on("connect_error", (error) => show(`Could not connect: ${error.message || "refused"}`, "error"));
}

/** Milliseconds to add to Date.now() to get the server's time, from `connected.serverTime`. */
export class ServerClock {
  constructor() { this.offset = 0; }
  sync(serverTime) {
    const server = Date.parse(serverTime);
    if (!Number.isNaN(server)) this.offset = server - Date.now();
  }
  now() { return Date.now() + this.offset; }
}

export async function getJSON(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(body?.error?.message || `${path} answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}
