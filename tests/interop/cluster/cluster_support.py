"""The cluster tests' processes: redis-server, `moltarena serve --redis`, and a Node socket.io
server with the official Redis adapter."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from battle_support import Arena
from serve_process import REPO_ROOT, TEST_LIMITS, ServerProcess

HERE = Path(__file__).resolve().parent
CONF = HERE.parent / "battle" / "conf" / "turns.conf"
SHARED_CLIENTS = Path(os.environ.get("NODE_PATH_EXTRA", REPO_ROOT.parent / "shared" / "clients"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server child process on 127.0.0.1, no persistence; stop() and start() again on
    the same port stand for a Redis restart."""

    def __init__(self, workdir: Path):
        exe = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
        if not exe:
            pytest.fail("redis-server not found (apt-get install redis-server)", pytrace=False)
        self.exe = exe
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)  # not listening yet: poll the port
        pytest.fail("redis-server did not answer PING within 10 s", pytrace=False)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class ClusterArena(Arena):
    """`moltarena serve --redis URL --instance-id ID` on a database shared with the others."""

    def __init__(self, exe: Path, workdir: Path, db: Path, redis_url: str, instance_id: str, conf: Path = CONF):
        super().__init__(conf, workdir, exe)
        self.label = f"`moltarena serve --instance-id {instance_id}`"
        self.db = db
        self.redis_url = redis_url
        self.instance_id = instance_id

    def start(self) -> "ClusterArena":
        self.launch([str(self.exe), "serve", "--config", str(self.config), "--db", str(self.db),
                     "--host", "127.0.0.1", "--port", "0", "--redis", self.redis_url,
                     "--instance-id", self.instance_id, *TEST_LIMITS], cwd=self.workdir)
        return self


class NodePeer(ServerProcess):
    """tests/interop/cluster/node_peer.js: a Node socket.io server in the cluster, driven over stdin."""

    def __init__(self, workdir: Path, redis_url: str):
        super().__init__("the Node socket.io server", workdir / "node.log")
        self.redis_url = redis_url

    def start(self) -> "NodePeer":
        node = shutil.which("node") or pytest.fail("node not found (apt-get install nodejs)", pytrace=False)
        paths = [SHARED_CLIENTS / "socket.io-redis" / "node_modules", SHARED_CLIENTS / "socket.io-server" / "node_modules",
                 Path("/usr/share/nodejs")]
        env = dict(os.environ, NODE_PATH=":".join(str(p) for p in paths))
        self.launch_interactive([node, str(HERE / "node_peer.js"), self.redis_url], env)
        return self

    def launch_interactive(self, cmd: list[str], env: dict[str, str]) -> None:
        self.log = open(self.log_path, "w", buffering=1)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1, cwd=HERE, env=env)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), (line, self.log_tail())
        self.url = line.split()[-1]

    def command(self, text: str) -> str:
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()


