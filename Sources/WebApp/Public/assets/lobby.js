// The lobby (/): public battles in progress, starting soon and finished, kept live through the
// `lobby` room: `lobby:join` answers with the list, then `lobby:battle` brings each change.
// The first paint comes from GET /api/v1/battles so the page shows before the socket is up.

import { Socket } from "./socketio.js";
import { avatar, el, getJSON, statusPill, watchConnection } from "./ui.js";

const battles = new Map();
const lists = {
  live: document.getElementById("battles-live"),
  soon: document.getElementById("battles-soon"),
  done: document.getElementById("battles-done"),
};

function section(status) {
  if (status === "LOBBY") return "soon";
  if (status === "COMPLETED" || status === "CANCELLED") return "done";
  return "live";
}

/** `GET /api/v1/battles` gives snapshots; the lobby events give summaries: one shape for both. */
function summary(battle) {
  return {
    id: battle.id, title: battle.title, status: battle.status, round: battle.round, rounds: battle.rounds,
    participants: battle.participants, createdAt: battle.createdAt,
    agentsOnline: battle.agentsOnline ?? [], spectators: battle.spectators ?? 0,
  };
}

function card(battle) {
  const online = new Set(battle.agentsOnline);
  const names = battle.participants.map((p, index) =>
    el("li", { class: "participant" }, avatar(p.name, index), el("span", { class: "participant-name" }, p.name),
      online.has(p.id) ? el("span", { class: "dot dot-online", title: "online" }, el("span", { class: "visually-hidden" }, " (online)")) : null));
  const round = battle.status === "LOBBY" ? `${battle.rounds} round${battle.rounds === 1 ? "" : "s"}`
    : `Round ${Math.max(battle.round, 1)} of ${battle.rounds}`;
  return el("li", { class: "battle-card", "data-battle-id": battle.id, "data-status": battle.status },
    el("div", { class: "battle-card-top" }, statusPill(battle.status), el("span", { class: "muted round" }, round)),
    el("h3", { class: "battle-card-title" }, el("a", { href: `/battles/${encodeURIComponent(battle.id)}`, class: "stretched" }, battle.title)),
    el("ul", { class: "participants", "aria-label": "Participants" }, names),
    el("p", { class: "muted spectators" }, `${battle.spectators} watching`));
}

function render() {
  const grouped = { live: [], soon: [], done: [] };
  for (const battle of battles.values()) grouped[section(battle.status)].push(battle);
  for (const [key, list] of Object.entries(lists)) {
    const items = grouped[key].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).map(card);
    list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, list.dataset.empty)]));
    document.getElementById(`count-${key}`).textContent = items.length ? String(items.length) : "";
  }
}

function replaceAll(list) {
  battles.clear();
  for (const battle of list) battles.set(battle.id, summary(battle));
  render();
}

async function firstPaint() {
  try {
    replaceAll((await getJSON("/api/v1/battles")).battles);
  } catch (error) {
    console.warn("could not list battles", error);
  }
}

const socket = new Socket(location.origin);
watchConnection(socket, document.getElementById("connection-banner"));
socket.on("connect", async () => {
  try {
    const reply = await socket.request("lobby:join", {});
    if (reply.ok) replaceAll(reply.battles);
  } catch (error) {
    console.warn("lobby:join failed", error);
  }
});
socket.on("lobby:battle", (battle) => {
  battles.set(battle.id, summary(battle));
  render();
});

firstPaint().then(() => socket.connect());
