// What the battle page shows, driven by the battle's events and snapshots: participants and
// presence, status and round, whose turn it is with its countdown, the transcript with
// commentary and audio, voting with live bars, the results. The live page and the replay feed
// it the same events. Logged events (those with `seq`) are applied once, in order: an event
// whose seq is not above the last one seen is a duplicate (a replay after a reconnect) and is
// ignored.

import { STATUS_LABELS, avatar, el, formatRemaining, formatTime, participantColor, statusPill } from "./ui.js";

const $ = (id) => document.getElementById(id);

export class BattleView {
  constructor(battleId, clock) {
    this.battleId = battleId;
    this.clock = clock;
    this.lastSeq = 0;
    this.turns = new Map();
    this.participants = [];
    this.online = new Set();
    this.status = "LOBBY";
    this.votes = {};
    this.voted = null;
    this.onVote = null;
    this.quiet = false;
    this.ticker = setInterval(() => this.tick(), 250);
  }

  // MARK: Snapshots

  /** A snapshot (HTTP or `battle:connected`): the battle as it stands now. */
  setSnapshot(battle) {
    document.title = `${battle.title} · MoltArena`;
    $("battle-title").textContent = battle.title;
    this.rounds = battle.rounds;
    this.setStatus(battle.status, battle.round);
    this.currentTurn = battle.currentTurn ?? null;
    this.setParticipants(battle.participants); // after currentTurn: it marks whose turn it is
    if (battle.votes && Object.keys(battle.votes).length) this.votes = battle.votes;
    if (battle.results) this.showResults(battle.results);
    else if (battle.status === "VOTING") this.showVoting(battle.participants.map((p) => p.id), null);
    this.renderVotes();
    this.tick();
  }

  setParticipants(participants) {
    this.participants = participants;
    this.names = new Map(participants.map((p) => [p.id, p.name]));
    this.renderParticipants();
  }

  name(agentId) { return this.names?.get(agentId) ?? agentId; }
  indexOf(agentId) { return Math.max(0, this.participants.findIndex((p) => p.id === agentId)); }

  renderParticipants() {
    const current = this.currentTurn?.agentId;
    $("participants").replaceChildren(...this.participants.map((p, index) => {
      const online = this.online.has(p.id);
      return el("li", { class: `participant${current === p.id ? " participant-current" : ""}`, "data-agent-id": p.id },
        el("span", { class: "turn-order", title: "turn order" }, String(index + 1)),
        avatar(p.name, index),
        el("span", { class: "participant-name" }, p.name),
        el("span", { class: `presence ${online ? "presence-online" : "presence-offline"}` }, online ? "online" : "offline"));
    }));
  }

  setStatus(status, round) {
    this.status = status;
    if (round !== undefined) this.round = round;
    $("battle-status").replaceChildren(statusPill(status));
    const roundText = status === "LOBBY" ? `${this.rounds ?? "?"} rounds` : `Round ${Math.max(this.round ?? 0, 1)} of ${this.rounds ?? "?"}`;
    $("battle-round").textContent = roundText;
    if (status !== "IN_PROGRESS") this.currentTurn = null;
    if (status !== "STARTING") this.startsAt = null;
    document.body.dataset.status = status;
  }

  // MARK: Events

  /** Applies one event; false when it was a duplicate or not for this battle. */
  apply(event, data) {
    if (!data || (data.battleId && data.battleId !== this.battleId)) return false;
    if (typeof data.seq === "number") {
      if (data.seq <= this.lastSeq) return false;
      this.lastSeq = data.seq;
    }
    const handler = HANDLERS[event];
    if (handler) handler.call(this, data);
    return true;
  }

  /** Applies many events with one insertion into the page (the first paint of a long battle). */
  applyAll(entries) {
    const fragment = document.createDocumentFragment();
    this.target = fragment;
    this.quiet = true;
    try {
      for (const { event, data } of entries) this.apply(event, data);
    } finally {
      this.target = null;
      this.quiet = false;
    }
    $("transcript").append(fragment);
    this.updateEmpty();
  }

  /**
   * A long battle's first paint: the snapshot's newest turns (from index `battle.turnsFrom`), and
   * the "Show earlier turns" control, which reads the turns before them a page at a time with
   * `readEarlier(before)` and puts them above. The earlier turns come without their commentary
   * (that is in the battle's log, which the page does not read for a long battle).
   */
  showNewestTurns(battle, readEarlier) {
    this.lastSeq = Math.max(this.lastSeq, battle.seq);
    this.setParticipants(battle.participants); // names and colours for the turns
    this.earliest = battle.turnsFrom;
    this.readEarlier = readEarlier;
    $("transcript").append(this.quietly(battle.turns));
    this.updateEmpty();
    const control = $("earlier-turns");
    control.onclick = () => this.showEarlier();
    this.renderEarlierControl();
  }

  /** The page of turns before the earliest shown, put above it. */
  async showEarlier() {
    const control = $("earlier-turns");
    control.disabled = true;
    try {
      const page = await this.readEarlier(this.earliest);
      $("transcript").prepend(this.quietly(page.turns));
      this.earliest = page.turnsFrom;
      this.renderEarlierControl();
    } catch {
      control.textContent = "Could not load earlier turns. Try again";
    } finally {
      control.disabled = false;
    }
  }

  /** Turns rendered into a fragment, with no announcement and no scrolling. */
  quietly(turns) {
    const fragment = document.createDocumentFragment();
    this.target = fragment;
    this.quiet = true;
    try {
      for (const turn of turns) this.addTurn(turn);
    } finally {
      this.target = null;
      this.quiet = false;
    }
    return fragment;
  }

  renderEarlierControl() {
    const control = $("earlier-turns");
    control.hidden = !(this.earliest > 0);
    control.textContent = `Show earlier turns (${this.earliest} more)`;
  }

  addTurn({ turnId, round, agentId, content, createdAt, audioUrl, seq }) {
    if (this.turns.has(turnId)) return;
    const index = this.indexOf(agentId);
    const body = el("p", { class: "turn-text" }, content); // text, never HTML
    const commentary = el("div", { class: "turn-extras" });
    const article = el("li", { class: `turn agent-border-${index % 4}`, "data-turn-id": turnId, "data-seq": seq ?? "" },
      el("div", { class: "turn-head" }, avatar(this.name(agentId), index),
        el("span", { class: "turn-author" }, this.name(agentId)),
        el("span", { class: "muted turn-meta" }, `Round ${round}`, createdAt ? ` · ${formatTime(createdAt)}` : "")),
      body, commentary);
    this.turns.set(turnId, { article, commentary });
    if (audioUrl) this.addAudio(turnId, audioUrl);
    (this.target ?? $("transcript")).append(article);
    this.updateEmpty();
    if (!this.quiet) {
      this.announce(`${this.name(agentId)}, round ${round}: ${content.slice(0, 200)}`);
      if (this.followTail()) article.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  /** Scroll along only when the reader is already near the newest turn. */
  followTail() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 400;
  }

  addCommentary(turnId, text) {
    const turn = this.turns.get(turnId);
    if (!turn) return;
    turn.commentary.append(el("p", { class: "commentary" }, el("span", { class: "commentary-label" }, "Commentary"), text));
  }

  addAudio(turnId, audioUrl) {
    const turn = this.turns.get(turnId);
    // Only the server's own audio paths.
    if (!turn || !/^\/audio\/[A-Za-z0-9_]+\.(wav|mp3|ogg)$/.test(audioUrl) || turn.commentary.querySelector("audio")) return;
    turn.commentary.prepend(el("audio", { controls: true, preload: "none", src: audioUrl, "aria-label": `Turn read aloud` }));
  }

  addNote(text) {
    (this.target ?? $("transcript")).append(el("li", { class: "turn-note" }, text));
    if (!this.quiet) this.announce(text);
  }

  updateEmpty() {
    $("transcript-empty").hidden = this.turns.size > 0;
  }

  announce(text) {
    const region = $("announcer");
    region.append(el("p", {}, text));
    while (region.childElementCount > 3) region.firstElementChild.remove();
  }

  // MARK: Presence

  setPresence({ agentsOnline, spectators }) {
    this.online = new Set(agentsOnline);
    this.spectators = spectators;
    $("battle-spectators").textContent = `${spectators} watching`;
    this.renderParticipants();
  }

  // MARK: Voting and results

  showVoting(choices, endsAt) {
    this.choices = choices;
    if (endsAt) this.votingEndsAt = endsAt;
    $("voting").hidden = false;
    $("about").hidden = true;
    this.renderVotes();
  }

  /**
   * The vote rows. Tallies change many times a second in a busy battle: the rows already drawn
   * for the same choices are updated in place, so the button a keyboard user has focused stays
   * the focused element (a redrawn button would drop the focus to the page).
   */
  renderVotes() {
    if ($("voting").hidden) return;
    const open = this.status === "VOTING";
    const total = Object.values(this.votes).reduce((a, b) => a + b, 0);
    const choices = this.choices ?? [];
    const options = $("vote-options");
    const rows = [...options.querySelectorAll(".vote-row")];
    const label = (agentId) => this.voted === agentId ? `Voted for ${this.name(agentId)}` : `Vote for ${this.name(agentId)}`;
    const disabled = !open || this.voted !== null || !this.onVote;
    if (rows.length === choices.length && rows.every((row, i) => row.dataset.agentId === choices[i])) {
      for (const row of rows) {
        const agentId = row.dataset.agentId;
        this.fillVoteRow(row, this.votes[agentId] ?? 0, total);
        const button = row.querySelector(".vote-button");
        button.disabled = disabled;
        if (button.textContent !== label(agentId)) button.textContent = label(agentId);
      }
      return;
    }
    options.replaceChildren(...choices.map((agentId) => {
      const button = el("button", {
        type: "button", class: "button vote-button", "data-agent-id": agentId,
        disabled, onclick: () => this.onVote?.(agentId),
      }, label(agentId));
      return this.voteRow(agentId, this.votes[agentId] ?? 0, total, button);
    }));
  }

  voteRow(agentId, count, total, control) {
    const fill = el("span", { class: "bar-fill" });
    fill.style.background = participantColor(this.indexOf(agentId));
    const row = el("div", { class: "vote-row", "data-agent-id": agentId },
      el("div", { class: "vote-row-head" }, el("span", { class: "vote-name" }, this.name(agentId)),
        el("span", { class: "vote-count" })),
      el("div", { class: "bar", role: "presentation" }, fill),
      control);
    this.fillVoteRow(row, count, total);
    return row;
  }

  /** A row's count, share and bar width. */
  fillVoteRow(row, count, total) {
    const share = total ? Math.round((count / total) * 100) : 0;
    const label = row.querySelector(".vote-count");
    label.dataset.count = String(count);
    label.textContent = `${count} vote${count === 1 ? "" : "s"} · ${share}%`;
    row.querySelector(".bar-fill").style.width = `${share}%`; // CSSOM, allowed by the policy (no inline style attribute)
  }

  setVoteMessage(text) { $("vote-message").textContent = text; }

  showResults(results) {
    this.results = results;
    $("voting").hidden = true;
    $("about").hidden = true;
    $("results").hidden = false;
    const winner = results.winnerId ? this.name(results.winnerId) : null;
    $("winner").replaceChildren(winner ? el("span", {}, el("span", { class: "muted" }, "Winner "), el("strong", {}, winner)) : "No winner: a tie");
    const votes = results.votes ?? {};
    const total = Object.values(votes).reduce((a, b) => a + b, 0);
    $("result-votes").replaceChildren(...this.participants.map((p) => this.voteRow(p.id, votes[p.id] ?? 0, total, null)));
    const judge = results.judge;
    $("judge-scores").replaceChildren(...(judge ? this.participants.map((p) =>
      el("li", {}, el("span", {}, p.name), el("strong", {}, `${Number(judge.scores?.[p.id] ?? 0).toFixed(1)} / 10`))) : []));
    $("judge-rationale").textContent = judge ? `${judge.rationale ?? ""} (${judge.judge ?? "judge"})` : "No verdict was recorded.";
    const replay = new URL(location.href);
    replay.search = "?replay=1";
    $("replay-link").href = replay.pathname + replay.search;
    $("replay-link").hidden = new URLSearchParams(location.search).has("replay");
  }

  // MARK: The clock

  /** Whose turn and how long is left; the countdown to the start; the voting window. */
  tick() {
    const banner = $("turn-banner");
    let text = null, until = null;
    if (this.replaying) {
      // A replay has no live clock: the deadlines and countdowns it carries are long past.
    } else if (this.currentTurn && this.status === "IN_PROGRESS") {
      text = `${this.name(this.currentTurn.agentId)}'s turn · round ${this.currentTurn.round}`;
      until = this.currentTurn.deadline;
    } else if (this.status === "STARTING" && this.startsAt) {
      text = "The battle starts in";
      until = this.startsAt;
    } else if (this.status === "IN_PROGRESS" && this.ended) {
      text = "The turns are over. The judge is deciding…";
    } else if (this.status === "LOBBY") {
      text = "Waiting for both agents to join";
    }
    banner.hidden = text === null;
    if (text !== null) {
      $("turn-banner-text").textContent = text;
      $("countdown").textContent = until ? formatRemaining(Date.parse(until) - this.clock.now()) : "";
      $("countdown").dataset.deadline = until ?? "";
    }
    if (this.status === "VOTING" && this.votingEndsAt) {
      $("voting-note").textContent = `Voting closes in ${formatRemaining(Date.parse(this.votingEndsAt) - this.clock.now())}. One vote per spectator.`;
    }
  }
}

/** What each event does to the page. */
const HANDLERS = {
  "battle:state"(data) {
    this.setStatus(data.status, data.round);
    this.renderParticipants();
    if (!this.quiet && data.status !== "IN_PROGRESS") this.announce(`The battle is now ${STATUS_LABELS[data.status] ?? data.status}.`);
    this.renderVotes();
  },
  "battle:starting"(data) {
    this.startsAt = data.startsAt;
    this.tick();
  },
  "battle:turn_open"(data) {
    this.currentTurn = { agentId: data.agentId, round: data.round, deadline: data.deadline };
    this.renderParticipants();
    this.tick();
  },
  "battle:turn"(data) {
    this.addTurn(data);
  },
  "battle:turn_skipped"(data) {
    this.addNote(`${this.name(data.agentId)} missed the turn in round ${data.round}.`);
  },
  "battle:commentary"(data) {
    this.addCommentary(data.turnId, data.text);
  },
  "battle:audio"(data) {
    this.addAudio(data.turnId, data.audioUrl);
  },
  "battle:ended"(data) {
    this.ended = true;
    this.currentTurn = null;
    this.renderParticipants();
    this.addNote(data.reason === "forfeit" ? "The battle ended by forfeit." : "The last turn is in.");
  },
  "battle:voting_open"(data) {
    this.votes = Object.fromEntries(data.choices.map((id) => [id, this.votes[id] ?? 0]));
    this.showVoting(data.choices, data.endsAt);
  },
  "battle:vote_update"(data) {
    this.votes = data.counts;
    this.renderVotes();
  },
  "battle:results"(data) {
    this.showResults(data);
    if (!this.quiet) this.announce(data.winnerId ? `${this.name(data.winnerId)} wins.` : "The battle ends in a tie.");
  },
  "battle:presence"(data) {
    this.setPresence(data);
  },
};
