// Watching a battle again from its log (GET /api/v1/battles/<id>/log): the logged events are
// played in order, spaced as they happened (each event carries `loggedAt`), at 1× or faster.
// Silences longer than a few seconds are shortened, so a long wait for a slow agent does not
// hold the replay up.

const LONGEST_PAUSE_MS = 3000;

export class Replay {
  constructor(view, events) {
    this.view = view;
    this.events = events;
    this.position = 0;
    this.paused = false;
    this.speed = Number(document.getElementById("replay-speed").value) || 1;
  }

  start() {
    this.view.replaying = true;
    const bar = document.getElementById("replay-bar");
    bar.hidden = false;
    document.getElementById("replay-exit").href = location.pathname;
    const toggle = document.getElementById("replay-toggle");
    toggle.addEventListener("click", () => {
      this.paused = !this.paused;
      toggle.textContent = this.paused ? "Play" : "Pause";
      if (!this.paused) this.next();
      else clearTimeout(this.timer);
    });
    document.getElementById("replay-speed").addEventListener("change", (event) => {
      this.speed = Number(event.target.value) || 1;
    });
    document.body.dataset.replay = "playing";
    this.next();
  }

  next() {
    if (this.paused) return;
    if (this.position >= this.events.length) {
      document.body.dataset.replay = "done";
      document.getElementById("replay-progress").textContent = "Replay finished";
      return;
    }
    const entry = this.events[this.position++];
    this.view.apply(entry.event, entry.data);
    document.getElementById("replay-progress").textContent = `${this.position} / ${this.events.length} events`;
    const following = this.events[this.position];
    const gap = following ? Math.min(LONGEST_PAUSE_MS, Math.max(0, Date.parse(following.loggedAt) - Date.parse(entry.loggedAt))) : 0;
    this.timer = setTimeout(() => this.next(), gap / this.speed);
  }
}
