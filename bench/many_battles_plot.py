#!/usr/bin/env python3
"""The ceiling sweep of bench/many-battles.sh: reads DIR/k-*.json (one run per number of
concurrent battles K), prints a table, writes DIR/sweep.json and, when matplotlib can be
imported, DIR/sweep.png: p99 submit -> battle:turn at the spectators and accepted turns/s
against K, with the 100 ms line. The ceiling is the largest K whose p99 stays under 100 ms
(and that lost nothing and persisted every turn).

Usage: bench/many_battles_plot.py DIR
"""
import glob
import json
import os
import sys

LIMIT_MS = 100.0


def load(directory):
    runs = []
    for path in glob.glob(os.path.join(directory, "k-*.json")):
        with open(path) as f:
            r = json.load(f)
        runs.append({
            "battles": r["battles"],
            "spectatorsPerBattle": r["spectatorsPerBattle"],
            "connections": r["connections"],
            "turnsPerSecond": r["turnsPerSecond"],
            "p50Ms": r["turnLatency"]["p50"],
            "p99Ms": r["turnLatency"]["p99"],
            "maxMs": r["turnLatency"]["max"],
            "acceptP99Ms": r["acceptLatency"]["p99"],
            "lostTurns": r["lostTurns"],
            "allTurnsPersisted": r["allTurnsPersisted"],
            "serverCpuMsPerTurn": r.get("serverCpuMsPerTurn"),
        })
    return sorted(runs, key=lambda run: run["battles"])


def ceiling(runs):
    good = [run["battles"] for run in runs
            if run["p99Ms"] < LIMIT_MS and run["lostTurns"] == 0 and run["allTurnsPersisted"]]
    return max(good) if good else None


def table(runs, top):
    lines = ["battles  connections  turns/s  p50 ms  p99 ms  max ms  accept p99 ms  lost  persisted  cpu ms/turn"]
    for run in runs:
        lines.append(
            f'{run["battles"]:>7}  {run["connections"]:>11}  {run["turnsPerSecond"]:>7}  {run["p50Ms"]:>6}  '
            f'{run["p99Ms"]:>6}  {run["maxMs"]:>6}  {run["acceptP99Ms"]:>13}  {run["lostTurns"]:>4}  '
            f'{str(run["allTurnsPersisted"]):>9}  {run["serverCpuMsPerTurn"]}')
    lines.append(f"ceiling (p99 < {LIMIT_MS:g} ms): {top if top is not None else 'none of the runs'} battles")
    return "\n".join(lines)


def plot(runs, top, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    ks = [run["battles"] for run in runs]
    fig, left = plt.subplots(figsize=(8, 4.5))
    left.plot(ks, [run["p99Ms"] for run in runs], "o-", color="tab:red", label="p99 submit → battle:turn")
    left.axhline(LIMIT_MS, color="tab:red", linestyle="--", linewidth=1, label=f"{LIMIT_MS:g} ms")
    if top is not None:
        left.axvline(top, color="grey", linestyle=":", linewidth=1, label=f"ceiling {top} battles")
    left.set_xlabel(f'concurrent battles ({runs[0]["spectatorsPerBattle"]} spectators each)')
    left.set_ylabel("p99 latency (ms)", color="tab:red")
    right = left.twinx()
    right.plot(ks, [run["turnsPerSecond"] for run in runs], "s-", color="tab:blue", label="turns/s")
    right.set_ylabel("accepted turns/s", color="tab:blue")
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = left.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    left.legend(handles, labels, loc="upper left", fontsize="small")
    left.set_title("Many battles at once")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    runs = load(directory)
    if not runs:
        sys.exit(f"no k-*.json in {directory}")
    top = ceiling(runs)
    print(table(runs, top))
    with open(os.path.join(directory, "sweep.json"), "w") as f:
        json.dump({"limitMs": LIMIT_MS, "ceilingBattles": top, "runs": runs}, f, indent=2)
        f.write("\n")
    plot(runs, top, os.path.join(directory, "sweep.png"))


if __name__ == "__main__":
    main()
