"""Writes docs/BENCHMARKS.md and its plot from a bench/compare.sh results folder.

The page holds: how to reproduce, the machine, the method, the side-by-side table (medians), the
issue's targets each marked met or short (by how much), the long idle hold and the product
battle runs when given, and bench/analysis.md (the reasons and the profiling notes, written by
hand) verbatim.

Usage: python bench/report.py RESULTS_DIR [--hold HOLD.json] [--battle BATTLE_DIR]
                              [--out docs/BENCHMARKS.md] [--plot docs/benchmarks-fanout.png]
Needs matplotlib for the plot (the bench venv: pip install matplotlib).
"""

import argparse
import json
import pathlib
import statistics

from summarize import summarize, table

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
NAMES = {"moltarena": "MoltArena", "node": "Node socket.io", "python": "python-socketio", "limit": "C limit"}


def value(summary, server, measure_prefix, field):
    for e in summary:
        if e["server"] == server and e["measure"].startswith(measure_prefix) and field in e:
            return e[field]
    return None


def verdict(ok, detail):
    return ("met" if ok else "short") + f": {detail}"


def targets(summary, hold=None, battle=None, headline=None):
    rows = []
    ours = lambda m, f: value(summary, "moltarena", m, f)
    peer = lambda s, m, f: value(summary, s, m, f)
    fan, node_fan, py_fan, lim_fan = (ours("fan-out msgs/s, 1000 ", "deliveredPerSecond"),
                                      peer("node", "fan-out msgs/s, 1000 ", "deliveredPerSecond"),
                                      peer("python", "fan-out msgs/s, 1000 ", "deliveredPerSecond"),
                                      peer("limit", "fan-out msgs/s, 1000 ", "deliveredPerSecond"))
    if fan and node_fan:
        rows.append(("Fan-out to 1000: at least 5x Node socket.io", verdict(fan >= 5 * node_fan, f"{fan / node_fan:.1f}x")))
    if fan and lim_fan:
        rows.append(("... that is, 40% of the C limit", verdict(fan >= 0.4 * lim_fan, f"{100 * fan / lim_fan:.0f}%")))
    if fan and py_fan:
        rows.append(("Fan-out to 1000: at least 35x python-socketio", verdict(fan >= 35 * py_fan, f"{fan / py_fan:.0f}x")))
    p99, lim_p99 = ours("p50 / p99 ms, 1000 in room, 20 ", "p99"), peer("limit", "p50 / p99 ms, 1000 in room, 20 ", "p99")
    if p99 and lim_p99:
        rows.append(("p99 at 20 broadcasts/s to 1000 within 1.5x the C limit's",
                     verdict(p99 <= 1.5 * lim_p99, f"{p99:.1f} ms, {p99 / lim_p99:.2f}x the limit's {lim_p99:.1f} ms")))
    kib, node_kib = ours("KiB per idle", "kibPerConnection"), peer("node", "KiB per idle", "kibPerConnection")
    if kib:
        detail = f"{kib:.2f} KiB" + (f", {kib / node_kib:.2f} of Node's {node_kib:.1f}" if node_kib else "")
        rows.append(("At most 4 KB per idle joined connection (a quarter of Node's)", verdict(kib <= 4.0, detail)))
    if hold:
        samples = [h["rssKiB"] for h in hold.get("hold", []) if h.get("rssKiB")]
        spread = 100 * (max(samples) - min(samples)) / max(samples) if samples else float("nan")
        rows.append(("50,000 idle connections held with memory flat over time",
                     f"short: at most 20,000 open files per process here; {hold['connected']:,} held "
                     f"{hold['hold'][-1]['seconds']:.0f} s, RSS spread {spread:.1f}%"))
    conn, node_conn = ours("connects+joins/s", "joinsPerSecond"), peer("node", "connects+joins/s", "joinsPerSecond")
    lim_conn = peer("limit", "connects+joins/s", "joinsPerSecond")
    if conn and node_conn:
        detail = f"{conn / node_conn:.1f}x ({conn:,.0f}/s)"
        if lim_conn:
            detail += f"; the load generator's ceiling (the limit) is {lim_conn:,.0f}/s = {lim_conn / node_conn:.1f}x Node"
        rows.append(("Connects + join: at least 5x Node's rate", verdict(conn >= 5 * node_conn, detail)))
    if battle:
        best = headline or max(battle, key=lambda r: (r.get("spectators", 0), r.get("turnsPerSecond", 0)))
        lat = best.get("turnLatency") or {}
        rows.append(("The product path: a real battle with 10,000 spectators, our baseline",
                     f"published (server at {str(best.get('commit', '?'))[:7]}): {best['turnsPerSecond']:.1f} turns/s, p50/p99 {lat.get('p50', 0):.0f}/{lat.get('p99', 0):.0f} ms, "
                     f"{best.get('lostTurns')} lost, all persisted: {best.get('allTurnsPersisted')}"))
    return rows


def plot(summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 4.5), dpi=120)
    for server in ["limit", "moltarena", "node", "python"]:
        points = sorted(
            (int(e["measure"].split(",")[1].split()[0]), e["deliveredPerSecond"], min(e["all"]), max(e["all"]))
            for e in summary if e["server"] == server and "deliveredPerSecond" in e
        )
        if not points:
            continue
        sizes = [p[0] for p in points]
        medians = [p[1] for p in points]
        errors = [[p[1] - p[2] for p in points], [p[3] - p[1] for p in points]]
        ax.errorbar(sizes, medians, yerr=errors, marker="o", capsize=3, label=NAMES.get(server, server),
                    linestyle="--" if server == "limit" else "-")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("receivers in the room")
    ax.set_ylabel("messages delivered per second")
    ax.set_title("Fan-out of one 200-byte event, server on one core\n(median of the rounds; bars: lowest to highest)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path)


def hold_section(path):
    r = json.loads(pathlib.Path(path).read_text())
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = [f"`moltarena bench idle --clients {r['clients']} --hold ...` (raw: `{shown}`):", ""]
    lines.append("| connections | server RSS |")
    lines.append("|---|---|")
    if r.get("baselineKiB") is not None:
        lines.append(f"| 0 | {r['baselineKiB'] / 1024:.1f} MiB |")
    for c in r.get("checkpoints", []):
        lines.append(f"| {c['connections']:,} | {c['rssKiB'] / 1024:.1f} MiB |")
    hold = r.get("hold", [])
    if hold:
        rss = [h["rssKiB"] for h in hold if h.get("rssKiB")]
        lines.append("")
        lines.append(f"Held for {hold[-1]['seconds']:.0f} s, sampled {len(hold)} times: RSS from {min(rss) / 1024:.1f} to "
                     f"{max(rss) / 1024:.1f} MiB (spread {100 * (max(rss) - min(rss)) / max(rss):.1f}%), "
                     f"{min(h['connections'] for h in hold):,} connections still open at every sample.")
    return lines


def battle_section(folder):
    folder = pathlib.Path(folder)
    lines = []
    readme = folder / "README.md"
    if readme.exists():
        shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
        lines.append(f"From `{shown}` (its README has the commands and configuration):")
        lines.append("")
    rows = []
    for path in sorted(folder.glob("*.json")):
        r = json.loads(path.read_text())
        if r.get("scenario") != "battle":
            continue
        rows.append((r, path.name))
    if rows:
        keys = ["spectators", "turnsPerSecond", "spectatorEventsPerSecond", "lostTurns"]
        lines.append("| file | spectators | turns/s | events/s to spectators | submit -> battle:turn p50 / p99 ms | lost | persisted |")
        lines.append("|---|---|---|---|---|---|---|")
        for r, name in rows:
            lat = r.get("turnLatency") or r.get("latency") or {}
            lines.append(f"| {name} | {r.get('spectators', '?'):,} | {r.get('turnsPerSecond', 0):.1f} | "
                         f"{r.get('spectatorEventsPerSecond', r.get('eventsPerSecond', 0)):,.0f} | "
                         f"{lat.get('p50', 0):.0f} / {lat.get('p99', 0):.0f} | {r.get('lostTurns', '?')} | "
                         f"{r.get('persistedTurns', r.get('turnsPersisted', '?'))} |")
    return lines


def ab_section(folder):
    """Before/after runs of one change, side by side: files named before-N-rR.json and after-N-rR.json."""
    folder = pathlib.Path(folder)
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    lines = [f"From `{shown}` (its README has the commands, the commits and the reading):", ""]
    runs = {}
    for path in sorted(folder.glob("*.json")):
        side, spectators, rnd = path.stem.split("-")
        runs.setdefault(int(spectators), []).append((rnd, side, json.loads(path.read_text())))
    lines.append("| spectators | round | build | turns/s | submit -> battle:turn p50 / p99 ms | submit -> accepted p99 ms "
                 "| events/s to spectators | server CPU ms per turn | lost | all persisted |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for spectators in sorted(runs):
        for rnd, side, r in sorted(runs[spectators], key=lambda x: (x[0], x[1] != "before")):
            lat, acc = r["turnLatency"], r.get("acceptLatency", {})
            cpu = r["serverCpuSeconds"] / max(r["turnsAccepted"], 1) * 1000
            lines.append(f"| {spectators:,} | {rnd[1:]} | {side} | {r['turnsPerSecond']:.1f} | {lat['p50']:.0f} / {lat['p99']:.0f} | "
                         f"{acc.get('p99', 0):.0f} | {r['spectatorEventsPerSecond']:,.0f} | {cpu:.1f} | {r['lostTurns']} | "
                         f"{r['allTurnsPersisted']} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--hold")
    parser.add_argument("--battle")
    parser.add_argument("--battle-ab", help="a folder of before-N-rR.json / after-N-rR.json battle runs of one change")
    parser.add_argument("--battle-headline", help="the battle run the targets table quotes (default: the most spectators, then the most turns/s)")
    parser.add_argument("--out", default=str(ROOT / "docs/BENCHMARKS.md"))
    parser.add_argument("--plot", default=str(ROOT / "docs/benchmarks-fanout.png"))
    args = parser.parse_args()

    results = pathlib.Path(args.results).resolve()
    summary = summarize(results)
    machine = json.loads((results / "machine.json").read_text())
    plot(summary, args.plot)
    rel = results.relative_to(ROOT) if results.is_relative_to(ROOT) else results
    loads = [json.loads(p.read_text()).get("loadavg1BeforeRun") for p in results.glob("*-r*.json")]
    loads = [x for x in loads if x is not None]

    md = ["# Benchmarks", ""]
    md += ["MoltArena beside Node socket.io 4.8 and python-socketio 5, measured side by side in one run on one",
           "machine, with the C limit (`bench/peers/c-limit`, a minimal epoll server that does only this",
           "scenario) as the ceiling. Generated by `bench/report.py` from the raw results in",
           f"`{rel}`; the reasons and the profiling notes at the end are `bench/analysis.md`.", ""]
    md += ["## Reproduce", "", "```sh",
           "swift build -c release --product moltarena",
           "python3 -m venv .build/bench-venv",
           ".build/bench-venv/bin/pip install -r bench/peers/python/requirements.txt matplotlib",
           "export SOCKETIO_NODE_MODULES=/path/to/node_modules   # socket.io 4.8 (bench/peers/node/README.md)",
           f"bench/compare.sh --servers \"moltarena node python limit\" --sizes \"{' '.join(sorted({e['measure'].split(',')[1].split()[0] for e in summary if 'deliveredPerSecond' in e}, key=int))}\" --out {rel}",
           f".build/bench-venv/bin/python bench/report.py {rel}" + (" --hold ..." if args.hold else "") + (" --battle ..." if args.battle else "")
           + (f" --battle-ab {args.battle_ab}" if args.battle_ab else ""),
           "```", ""]
    md += ["## Machine and method", ""]
    md += [f"- {machine.get('cpu')}, {machine.get('cores')} cores, Linux {machine.get('kernel')}; {machine.get('swift')}.",
           f"- Node {machine.get('node')} with socket.io {((machine.get('node_packages') or {}).get('socket.io'))}, engine.io "
           f"{((machine.get('node_packages') or {}).get('engine.io'))}, ws {((machine.get('node_packages') or {}).get('ws'))}; "
           "python-socketio with aiohttp and uvloop (versions in `machine.json`).",
           f"- Every measurement starts a fresh server pinned to core {machine.get('server_cpu')} (`taskset`), with the load "
           f"generator (`moltarena bench`, release build, {machine.get('load_generator', '').split(', ')[-1]}) on core {machine.get('load_cpu')}.",
           f"- {machine.get('rounds')} rounds, interleaved (every server and size in round 1, then round 2, ...); the table shows medians.",
           f"- Fan-out: closed loop, {machine.get('window')} broadcasts outstanding, {machine.get('warmup_seconds'):g} s warm-up then "
           f"{machine.get('duration_seconds'):g} s measured; one ~200-byte JSON event per broadcast, emitted by a client outside the "
           "room and delivered to every receiver; messages/s = receivers x broadcasts / s.",
           "- Latency: open loop at a fixed broadcast rate, send-to-receive time at every receiver (HdrHistogram).",
           "- Connects: TCP connect, WebSocket upgrade, Socket.IO CONNECT and a `battle:join` acknowledged, 200 at a time.",
           "- Memory: server RSS before any connection and with N joined idle WebSocket connections.",
           f"- One-minute load average before the runs: {min(loads):.2f} to {max(loads):.2f}." if loads else "",
           "", "## Results (medians)", ""]
    md += table(summary)
    md += ["", "![fan-out against room size](benchmarks-fanout.png)", ""]
    md += ["## Targets", "", "| target | result |", "|---|---|"]
    hold = json.loads(pathlib.Path(args.hold).read_text()) if args.hold else None
    battle = ([json.loads(p.read_text()) for p in sorted(pathlib.Path(args.battle).glob("*.json"))
               if json.loads(p.read_text()).get("scenario") == "battle"] if args.battle else None)
    headline = json.loads(pathlib.Path(args.battle_headline).read_text()) if args.battle_headline else None
    md += [f"| {t} | {v} |" for t, v in targets(summary, hold, battle, headline)]
    md += [""]
    if args.hold:
        md += ["## Idle connections held over time", ""] + hold_section(pathlib.Path(args.hold).resolve()) + [""]
    if args.battle:
        md += ["## The product path: a real battle", ""] + battle_section(pathlib.Path(args.battle).resolve()) + [""]
    if args.battle_ab:
        md += ["## The battle engine: before and after one owner per battle", ""]
        md += ab_section(pathlib.Path(args.battle_ab).resolve()) + [""]
    analysis = HERE / "analysis.md"
    if analysis.exists():
        md += [analysis.read_text().rstrip(), ""]
    pathlib.Path(args.out).write_text("\n".join(md).replace("\n\n\n", "\n\n"))
    print(f"wrote {args.out} and {args.plot}")


if __name__ == "__main__":
    main()
