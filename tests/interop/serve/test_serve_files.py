"""`moltarena serve` raises its open-file limit to the hard limit: each client is a descriptor,
and a soft limit of a few hundred would run out before the per-address caps matter."""

from __future__ import annotations

import resource
import subprocess

from serve_process import binary
from serve_support import plugins_file
from support import WAIT


def test_serve_raises_its_soft_open_file_limit_to_the_hard_one(tmp_path):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(256, hard)
    proc = subprocess.Popen(
        [str(binary()), "serve", "--config", str(plugins_file()), "--db", str(tmp_path / "db.sqlite"),
         "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard)))
    try:
        line = proc.stdout.readline()  # "listening on ...": the limit is raised before that
        assert line.startswith("listening on "), line
        limits = open(f"/proc/{proc.pid}/limits").read()
        row = next(r for r in limits.splitlines() if r.startswith("Max open files"))
        soft = int(row.split()[3])
        assert soft == hard, f"soft limit {soft}, hard {hard} (started with {low}): {row}"
    finally:
        proc.terminate()
        proc.wait(timeout=WAIT * 2)
