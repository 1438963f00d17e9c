"""Fixtures for the PostgreSQL tests: `moltarena serve --db postgres://...` on a throwaway
PostgreSQL server that the tests may stop and start (scripts/postgres.sh).

  MOLTARENA_TEST_POSTGRES_URL  the server (postgres://USER@HOST:PORT/DB); each server under test
                               gets a fresh database of it
  MOLTARENA_TEST_POSTGRES_DIR  its data directory, for scripts/postgres.sh stop/start
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE.parent / "battle"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from battle_support import Clients, snapshot_binary  # noqa: E402


@pytest.fixture(scope="session")
def postgres():
    url, data = os.environ.get("MOLTARENA_TEST_POSTGRES_URL"), os.environ.get("MOLTARENA_TEST_POSTGRES_DIR")
    if not url or not data:
        pytest.fail("these tests need a PostgreSQL server: start one with `scripts/postgres.sh start DIR` and set "
                    "MOLTARENA_TEST_POSTGRES_URL and MOLTARENA_TEST_POSTGRES_DIR (scripts/test.sh postgres does)",
                    pytrace=False)
    return {"url": url, "dir": data}


@pytest.fixture(scope="session")
def exe(tmp_path_factory):
    return snapshot_binary(tmp_path_factory.mktemp("bin"))


@pytest.fixture
def clients():
    made = Clients()
    yield made
    made.close()
