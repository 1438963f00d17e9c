#!/usr/bin/env python3
"""The table of bench/cluster.sh: medians over rounds of each configuration, as Markdown.

Usage: bench/cluster_report.py RESULTS_DIR
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

NAMES = {
    "single": "one instance, no Redis",
    "redis1": "one instance with Redis",
    "split": "two instances over Redis, room split",
    "limit": "C limit (the generator's ceiling)",
}


def main(folder: Path) -> None:
    runs: dict[tuple[str, str], list[dict]] = {}
    for path in sorted(folder.glob("*.json")):
        result = json.loads(path.read_text())
        if "config" in result:
            runs.setdefault((result["config"], result["mode"]), []).append(result)
    single = statistics.median(r["deliveredPerSecond"] for r in runs[("single", "throughput")])
    print("| configuration | delivered msgs/s | vs one instance | p50 / p99 ms at "
          f"{runs[('single', 'latency')][0].get('rate', '?')} broadcasts/s | lost |")
    print("|---|---|---|---|---|")
    for config, name in NAMES.items():
        thr = runs.get((config, "throughput"), [])
        lat = runs.get((config, "latency"), [])
        if not thr:
            continue
        delivered = statistics.median(r["deliveredPerSecond"] for r in thr)
        lost = sum(r["lostMessages"] for r in thr + lat)
        latency = "-"
        if lat:
            p50 = statistics.median(r["latency"]["p50"] for r in lat)
            p99 = statistics.median(r["latency"]["p99"] for r in lat)
            latency = f"{p50:.2f} / {p99:.2f}"
        print(f"| {name} | {delivered:,.0f} | {delivered / single:.2f}x | {latency} | {lost} |")
    loads = [r["loadavg1BeforeRun"] for rs in runs.values() for r in rs]
    print(f"\n{len(next(iter(runs.values())))} rounds; receivers "
          f"{runs[('single', 'throughput')][0]['receivers']}; one-minute load average before the runs: "
          f"{min(loads):.2f} to {max(loads):.2f}.")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
