"""Medians of bench/compare.sh's raw results: writes summary.json beside them and prints a
Markdown table with MoltArena's ratio to each peer, and to the limit (the C ceiling,
bench/peers/c-limit) as a percentage when it was measured.

Usage: python3 bench/summarize.py RESULTS_DIR
"""

import json
import pathlib
import statistics
import sys


def key_of(r):
    if r["scenario"] == "connect":
        return ("connect", r["clients"])
    if r["scenario"] == "idle":
        return ("idle", r["clients"])
    if r.get("mode") == "open":
        return ("latency", r["receivers"], r["rate"])
    return ("fanout", r["receivers"])


def label(key):
    if key[0] == "fanout":
        return f"fan-out msgs/s, {key[1]} in room"
    if key[0] == "latency":
        return f"p50 / p99 ms, {key[1]} in room, {key[2]:g} broadcasts/s"
    if key[0] == "idle":
        return f"KiB per idle joined connection ({key[1]:,})"
    return f"connects+joins/s ({key[1]} clients)"


def summarize(folder):
    """Medians per server and measure; also written to summary.json."""
    folder = pathlib.Path(folder)
    runs = {}
    for path in sorted(folder.glob("*-r*.json")):
        r = json.loads(path.read_text())
        runs.setdefault((r["server"], key_of(r)), []).append(r)
    summary = []
    for (server, key), rs in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        entry = {"server": server, "measure": label(key), "rounds": len(rs)}
        if key[0] == "fanout":
            entry["deliveredPerSecond"] = statistics.median(r["deliveredPerSecond"] for r in rs)
            entry["all"] = [r["deliveredPerSecond"] for r in rs]
            entry["p50"] = statistics.median(r["latency"]["p50"] for r in rs)
            entry["p99"] = statistics.median(r["latency"]["p99"] for r in rs)
        elif key[0] == "latency":
            entry["p50"] = statistics.median(r["latency"]["p50"] for r in rs)
            entry["p99"] = statistics.median(r["latency"]["p99"] for r in rs)
            entry["all"] = [[r["latency"]["p50"], r["latency"]["p99"]] for r in rs]
        elif key[0] == "idle":
            entry["kibPerConnection"] = statistics.median(r["kibPerConnection"] for r in rs)
            entry["all"] = [r["kibPerConnection"] for r in rs]
            entry["connected"] = min(r["connected"] for r in rs)
        else:
            entry["joinsPerSecond"] = statistics.median(r["joinsPerSecond"] for r in rs)
            entry["all"] = [r["joinsPerSecond"] for r in rs]
        entry["lostMessages"] = sum(r.get("lostMessages", 0) for r in rs)
        entry["failures"] = sum(r.get("failures", 0) for r in rs)
        summary.append(entry)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def table(summary):
    """The Markdown table: one row per measure, a column per server, then the ratios."""
    lines = []
    servers = sorted({e["server"] for e in summary}, key=lambda s: (s == "limit", s))   # the limit last
    lines.append("| measure | " + " | ".join(servers) + " | ours / peer |")
    lines.append("|---" * (len(servers) + 2) + "|")
    for measure in dict.fromkeys(e["measure"] for e in summary):
        by = {e["server"]: e for e in summary if e["measure"] == measure}
        cells, values = [], {}
        for s in servers:
            e = by.get(s)
            if e is None:
                cells.append("-")
            elif "deliveredPerSecond" in e:
                cells.append(f"{e['deliveredPerSecond']:,.0f}")
                values[s] = e["deliveredPerSecond"]
            elif "joinsPerSecond" in e:
                cells.append(f"{e['joinsPerSecond']:,.0f}")
                values[s] = e["joinsPerSecond"]
            elif "kibPerConnection" in e:
                cells.append(f"{e['kibPerConnection']:.2f}")
                values[s] = 1 / e["kibPerConnection"] if e["kibPerConnection"] else None
            else:
                cells.append(f"{e['p50']:.2f} / {e['p99']:.2f}")
                values[s] = 1 / e["p99"] if e["p99"] else None
        ours = by.get("moltarena", {})
        memory = "kibPerConnection" in ours
        latency = not memory and "deliveredPerSecond" not in ours and "joinsPerSecond" not in ours
        def peer_ratio(s):
            if latency:
                return f"{s} p99 / ours {values['moltarena'] / values[s]:.1f}"
            if memory:
                return f"{values[s] / values['moltarena']:.2f}x {s}'s memory"
            return f"{values['moltarena'] / values[s]:.1f}x {s}"
        ratios = [peer_ratio(s) for s in servers if s not in ("moltarena", "limit") and values.get(s) and values.get("moltarena")]
        if values.get("limit") and values.get("moltarena"):
            # The limit (bench/peers/c-limit) is a ceiling, not a peer: how close MoltArena gets to it.
            if latency:
                ratios.append(f"moltarena p99 is {values['limit'] / values['moltarena']:.1f}x the limit's")
            elif memory:
                ratios.append(f"moltarena uses {values['limit'] / values['moltarena']:.0f}x the limit's memory")
            else:
                ratios.append(f"moltarena is {100 * values['moltarena'] / values['limit']:.0f}% of the limit")
        lines.append(f"| {measure} | " + " | ".join(cells) + " | " + ", ".join(ratios) + " |")
    return lines


if __name__ == "__main__":
    print("\n".join(table(summarize(sys.argv[1]))))
