"""Fixtures for the cluster tests: a real redis-server on a free loopback port, two
`moltarena serve --redis ... --instance-id ...` processes on one SQLite file, and a Node
socket.io 4.8 server with the official Redis adapter (../shared/clients).

  MOLTARENA_BIN   the binary (default: .build/debug/moltarena)
  REDIS_SERVER    the redis-server executable (default: redis-server on PATH)
  NODE_PATH_EXTRA where the official Node packages are (default: ../shared/clients next to the
                  repository)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent, HERE.parent / "battle"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from battle_support import Clients, snapshot_binary  # noqa: E402
from cluster_support import ClusterArena, NodePeer, RedisServer  # noqa: E402
from serve_process import fresh_database  # noqa: E402


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, redis_server):
    """Two instances on one database and one Redis."""
    exe = snapshot_binary(tmp_path_factory.mktemp("bin"))
    db = fresh_database(tmp_path_factory.mktemp("db"))
    instances = [
        ClusterArena(exe, tmp_path_factory.mktemp(f"instance-{n}"), db, redis_server.url, f"instance-{n}").start()
        for n in (1, 2)
    ]
    yield instances
    for instance in instances:
        instance.close()


@pytest.fixture(scope="module")
def node_peer(tmp_path_factory, redis_server):
    peer = NodePeer(tmp_path_factory.mktemp("node"), redis_server.url).start()
    yield peer
    peer.stop()


@pytest.fixture
def clients():
    made = Clients()
    yield made
    made.close()
