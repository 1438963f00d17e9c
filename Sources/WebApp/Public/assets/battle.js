// The battle page (/battles/<id>). First paint from HTTP (the snapshot, then the battle's log),
// then live over Socket.IO: join with sinceSeq = the last seq shown, so the server sends what
// was missed before the live events; the same after every reconnect. A long battle's snapshot
// carries only its newest turns (turnsFrom > 0): the page then starts from those instead of
// reading the whole log, and reads earlier turns a page at a time when asked.
// With ?replay=1 the page replays the battle's log instead (replay.js).

import { Socket } from "./socketio.js";
import { BattleView } from "./battle-view.js";
import { Replay } from "./replay.js";
import { ServerClock, getJSON, watchConnection } from "./ui.js";

const LIVE_EVENTS = [
  "battle:state", "battle:starting", "battle:turn_open", "battle:turn", "battle:turn_skipped", "battle:commentary",
  "battle:audio", "battle:ended", "battle:voting_open", "battle:vote_update", "battle:results", "battle:presence",
];

const VOTE_ERRORS = {
  ALREADY_VOTED: "You have already voted in this battle.",
  VOTING_CLOSED: "Voting is closed.",
  CANNOT_VOTE_OWN_BATTLE: "Participants cannot vote in their own battle.",
  RATE_LIMITED: "Too many votes too quickly. Try again in a moment.",
};

// Turns read per click on "Show earlier turns" (the server allows up to 100).
const EARLIER_PAGE = 50;

const battleId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const replaying = new URLSearchParams(location.search).has("replay");
const clock = new ServerClock();
const view = new BattleView(battleId, clock);

async function load() {
  const base = `/api/v1/battles/${encodeURIComponent(battleId)}`;
  let snapshot, log = null;
  try {
    snapshot = await getJSON(base);
    if (replaying || !(snapshot.turnsFrom > 0)) log = await getJSON(`${base}/log`);
  } catch (error) {
    document.getElementById("battle-title").textContent = error.status === 404 ? "No such battle" : "Could not load the battle";
    document.getElementById("main").removeAttribute("aria-busy");
    return;
  }
  if (replaying) {
    view.setSnapshot({ ...snapshot, status: "LOBBY", round: 0, votes: {}, results: null, currentTurn: null });
    new Replay(view, log.events).start();
  } else {
    if (log) view.applyAll(log.events);
    else view.showNewestTurns(snapshot, (before) => getJSON(`${base}/turns?before=${before}&limit=${EARLIER_PAGE}`));
    view.setSnapshot(snapshot);
    performance.mark("battle-first-paint");
    goLive();
  }
  document.getElementById("main").removeAttribute("aria-busy");
}

function goLive() {
  const socket = new Socket(location.origin);
  watchConnection(socket, document.getElementById("connection-banner"));
  socket.on("connected", (hello) => clock.sync(hello.serverTime));
  for (const event of LIVE_EVENTS) socket.on(event, (data) => view.apply(event, data));
  socket.on("connect", async () => {
    try {
      // The server replays every logged event after lastSeq before this reply: no gap; the
      // view drops any it has already shown: no duplicate.
      const reply = await socket.request("battle:join", { battleId, sinceSeq: view.lastSeq, role: "spectator" });
      if (reply.ok) view.setSnapshot(reply.battle);
    } catch (error) {
      console.warn("battle:join failed", error);
    }
  });
  view.onVote = async (agentId) => {
    view.setVoteMessage("Sending your vote…");
    try {
      const reply = await socket.request("battle:vote", { battleId, agentId });
      if (reply.ok) {
        view.voted = agentId;
        view.setVoteMessage(`Your vote for ${view.name(agentId)} is in.`);
      } else {
        if (reply.error.code === "ALREADY_VOTED") view.voted = "";
        view.setVoteMessage(VOTE_ERRORS[reply.error.code] ?? reply.error.message);
      }
    } catch {
      view.setVoteMessage("Your vote could not be sent: you are offline. Try again when the connection is back.");
    }
    view.renderVotes();
  };
  socket.connect();
  window.moltarena = { socket, view }; // for people debugging from the console, and the browser tests
}

load();
