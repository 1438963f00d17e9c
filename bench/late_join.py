#!/usr/bin/env python3
"""Late joiners of a long battle: what one `battle:join` of a finished 1,000-turn battle costs.

Starts `moltarena serve` (bench/plugins.battle.conf, with `[battle] max_rounds` raised so a
battle may have 500 rounds) on a new SQLite file, creates two agents and a 500-round battle over
HTTP, lets the agents play its 1,000 turns as fast as the server allows (python-socketio, over
WebSocket), then measures, once per snapshot bound (`[battle] snapshot_turns`, the server being
restarted on the same database for each):

- the bytes of the `battle:connected` frame, and of everything the join brings (that frame and
  the join's ack, which repeats its payload), and the time from emitting `battle:join` until
  both have arrived, over `--joins` joins, each on a new anonymous connection (connecting is not
  timed);
- the bytes of `GET /api/v1/battles/{id}` and the time to read it (not to parse it);
- the bytes of `GET /api/v1/battles/{id}/log` (the whole history, for reference).

A bound as high as the battle is long (the default "before" of 100000) is the snapshot as it
was before the bound: every turn in one frame.

    swift build -c release --product moltarena
    python bench/late_join.py --bin .build/release/moltarena --out bench/results/DIR/late-join.json

Needs python-socketio and websocket-client (tests/interop/requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import engineio
import socketio

HERE = Path(__file__).resolve().parent
LISTENING = re.compile(r"^listening on (https?://\S+)\s*$")
WAIT = 120.0


def conf_text(snapshot_turns: int, max_rounds: int) -> str:
    """bench/plugins.battle.conf with the two battle options of this measurement."""
    base = (HERE / "plugins.battle.conf").read_text()
    extra = f"max_rounds = {max_rounds}\nsnapshot_turns = {snapshot_turns}\n"
    return base.replace("[battle]\n", "[battle]\n" + extra, 1)


class Server:
    """`moltarena serve` on a free port, announced by its `listening on` line."""

    def __init__(self, exe: Path, config: Path, db: Path, log: Path):
        self.proc = subprocess.Popen(
            [str(exe), "serve", "--config", str(config), "--db", str(db), "--host", "127.0.0.1", "--port", "0",
             "--max-connections-per-address", "0", "--max-handshakes-per-address-per-second", "0"],
            stdout=subprocess.PIPE, stderr=open(log, "a"), text=True, start_new_session=True)
        deadline = time.monotonic() + WAIT
        for line in self.proc.stdout:
            match = LISTENING.match(line)
            if match:
                self.url = match.group(1).rstrip("/")
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return
            if time.monotonic() > deadline:
                break
        raise SystemExit(f"the server did not start; see {log}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def http(url: str, method: str = "GET", body: dict | None = None, key: str | None = None) -> tuple[int, bytes, float]:
    """(status, raw body, seconds from sending to the last byte read)."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        raw = response.read()
        return response.status, raw, time.perf_counter() - started


def play(url: str, agents: list[dict], battle_id: str, content_bytes: int) -> int:
    """The two agents play the battle to its end; returns the number of accepted turns."""
    ended = threading.Event()
    accepted = [0]
    lock = threading.Lock()
    clients = []
    for agent in agents:
        sio = socketio.Client(reconnection=False)

        def on_your_turn(data, sio=sio):
            n = data["round"]
            text = f"Turn of round {n}: " + "argument " * (content_bytes // 9)
            sio.emit("battle:submit_turn", {"battleId": battle_id, "content": text[:content_bytes],
                                            "clientTurnId": f"{data['round']}-{time.monotonic_ns()}"})

        def on_accepted(data):
            with lock:
                accepted[0] += 1

        sio.on("battle:your_turn", on_your_turn)
        sio.on("battle:turn_accepted", on_accepted)
        sio.on("battle:ended", lambda data: ended.set())
        sio.connect(url, auth={"token": agent["apiKey"]}, transports=["websocket"], wait_timeout=30)
        clients.append(sio)
    for sio in clients:
        reply = sio.call("battle:join", {"battleId": battle_id}, timeout=30)
        assert reply.get("ok"), reply
    if not ended.wait(timeout=1800):
        raise SystemExit("the battle did not end")
    for sio in clients:
        sio.disconnect()
    return accepted[0]


class JoinProbe:
    """An anonymous spectator connection that times one `battle:join` and counts its bytes."""

    def __init__(self, url: str):
        self.sio = socketio.Client(reconnection=False)
        self.frames: list[tuple[float, str, int]] = []  # arrival, event (or "ack"), bytes
        self.cond = threading.Condition()
        receive = self.sio.eio._receive_packet

        def on_packet(pkt):
            if pkt.packet_type == engineio.packet.MESSAGE and isinstance(pkt.data, str):
                size = len(pkt.data.encode("utf-8")) + 1  # the Engine.IO type digit
                kind = pkt.data[:1]
                name = "ack" if kind == "3" else ""
                if kind == "2":
                    match = re.match(r'^2\d*\["([^"]+)"', pkt.data)
                    name = match.group(1) if match else ""
                with self.cond:
                    self.frames.append((time.perf_counter(), name, size))
                    self.cond.notify_all()
            return receive(pkt)

        self.sio.eio._receive_packet = on_packet
        self.sio.connect(url, transports=["websocket"], wait_timeout=30)

    def join(self, battle_id: str) -> dict:
        with self.cond:
            self.frames.clear()
        started = time.perf_counter()
        self.sio.emit("battle:join", {"battleId": battle_id}, callback=lambda *a: None)
        with self.cond:
            ok = self.cond.wait_for(lambda: {"ack", "battle:connected"} <= {n for _, n, _ in self.frames}, timeout=WAIT)
        assert ok, self.frames
        connected = next((t, s) for t, n, s in self.frames if n == "battle:connected")
        ack = next((t, s) for t, n, s in self.frames if n == "ack")
        return {"connectedBytes": connected[1], "joinBytes": connected[1] + ack[1],
                "connectedMs": (connected[0] - started) * 1000, "joinMs": (max(connected[0], ack[0]) - started) * 1000}

    def close(self) -> None:
        self.sio.disconnect()


def measure(url: str, battle_id: str, joins: int) -> dict:
    base = f"{url}/api/v1/battles/{battle_id}"
    _, snapshot_raw, _ = http(base)
    snapshot = json.loads(snapshot_raw)
    snapshot_times = [http(base)[2] * 1000 for _ in range(joins)]
    _, log_raw, _ = http(base + "/log")
    probes = []
    for _ in range(joins + 3):  # the first 3 warm up and are not counted
        probe = JoinProbe(url)
        probes.append(probe.join(battle_id))
        probe.close()
    counted = probes[3:]

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {"mean": round(statistics.fmean(values), 2), "p50": round(ordered[len(ordered) // 2], 2),
                "p90": round(ordered[int(len(ordered) * 0.9) - 1], 2), "max": round(ordered[-1], 2)}

    return {
        "turnsInSnapshot": len(snapshot["turns"]), "turnsFrom": snapshot.get("turnsFrom"), "turnsTotal": snapshot.get("turnsTotal"),
        "connectedFrameBytes": counted[0]["connectedBytes"], "joinBytes": counted[0]["joinBytes"],
        "joinMs": summary([p["joinMs"] for p in counted]), "connectedMs": summary([p["connectedMs"] for p in counted]),
        "httpSnapshotBytes": len(snapshot_raw), "httpSnapshotMs": summary(snapshot_times), "httpLogBytes": len(log_raw),
        "joins": len(counted),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=".build/release/moltarena")
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--joins", type=int, default=50)
    parser.add_argument("--content-bytes", type=int, default=200)
    parser.add_argument("--bounds", default="50,100000", help="the snapshot_turns values to measure, in order")
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    exe = Path(args.bin).resolve()
    bounds = [int(b) for b in args.bounds.split(",")]

    with tempfile.TemporaryDirectory(prefix="late-join-") as tmp:
        work = Path(tmp)
        db, log = work / "bench.sqlite", work / "server.log"

        def start(bound: int) -> Server:
            config = work / f"plugins-{bound}.conf"
            config.write_text(conf_text(bound, max(args.rounds, 50)))
            return Server(exe, config, db, log)

        server = start(bounds[0])
        agents = []
        for name in ("Ada", "Grace"):
            _, raw, _ = http(f"{server.url}/api/v1/agents", "POST", {"name": f"{name} {os.getpid()}"})
            agents.append(json.loads(raw))
        _, raw, _ = http(f"{server.url}/api/v1/battles", "POST",
                         {"opponentId": agents[1]["id"], "title": "The long debate", "rounds": args.rounds}, key=agents[0]["apiKey"])
        battle_id = json.loads(raw)["id"]
        started = time.perf_counter()
        turns = play(server.url, agents, battle_id, args.content_bytes)
        played_seconds = time.perf_counter() - started
        print(f"played {turns} turns in {played_seconds:.1f} s", file=sys.stderr)

        results = {"rounds": args.rounds, "turns": turns, "contentBytes": args.content_bytes, "bounds": {}}
        for index, bound in enumerate(bounds):
            if index > 0:
                server.stop()
                server = start(bound)
            results["bounds"][str(bound)] = measure(server.url, battle_id, args.joins)
            print(f"snapshot_turns = {bound}: {json.dumps(results['bounds'][str(bound)])}", file=sys.stderr)
        server.stop()

    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
