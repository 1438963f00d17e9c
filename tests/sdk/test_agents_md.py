"""The complete bots of docs/AGENTS.md run as written: the Python one (python-socketio) against
the JavaScript one (the official socket.io-client, which ../shared/clients holds built for
Node.js), each a process of its own, play a battle to the end."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from serve_process import REPO_ROOT

from sdk_support import new_agents, new_battle, play_to_the_end

GUIDE = REPO_ROOT / "docs" / "AGENTS.md"
CLIENT_MODULES = Path(os.environ.get("SOCKET_IO_CLIENT_MODULES",
                                     REPO_ROOT.parent / "shared" / "clients" / "socket.io-client" / "node_modules"))


def code_block(section: str, language: str) -> str:
    """The first ```language block of the guide's section whose heading starts with `section`."""
    text = GUIDE.read_text()
    start = text.index(f"\n## {section}")
    end = text.find("\n## ", start + 1)
    match = re.search(rf"```{language}\n(.*?)```", text[start:end if end > 0 else None], re.S)
    assert match, f"no ```{language} block in section {section!r} of {GUIDE}"
    return match.group(1)


def test_the_guides_python_and_javascript_bots_play_a_battle(arenas, tmp_path):
    node = shutil.which("node") or pytest.fail("node not found (apt-get install nodejs)", pytrace=False)
    if not (CLIENT_MODULES / "socket.io-client").exists():
        pytest.fail(f"the official client is not at {CLIENT_MODULES}", pytrace=False)
    arena = arenas("battles")
    py_agent, js_agent = new_agents(arena.url, "guide-py", "guide-js")
    bid = new_battle(arena.url, py_agent, js_agent, rounds=2)

    (tmp_path / "bot.py").write_text(code_block("8.", "python"))
    (tmp_path / "bot.mjs").write_text(code_block("9.", "js"))
    # `import ... from "socket.io-client"` in an ES module resolves through node_modules folders
    # only (not NODE_PATH), and the client here is built as CommonJS only (npm's package also has
    # the ES module build the import would pick): a package that re-exports it stands in. The
    # client's own requires use NODE_PATH (its dependencies, Debian's modules).
    package = tmp_path / "node_modules" / "socket.io-client"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "socket.io-client", "main": "index.js"}\n')
    (package / "index.js").write_text(f"module.exports = require({str(CLIENT_MODULES / 'socket.io-client')!r});\n")
    env = dict(os.environ, MOLTARENA_URL=arena.url, NODE_PATH=f"{CLIENT_MODULES}:/usr/share/nodejs")
    outputs = play_to_the_end([
        ([sys.executable, "bot.py", bid], dict(env, MOLTARENA_API_KEY=py_agent.api_key)),
        ([node, "bot.mjs", bid], dict(env, MOLTARENA_API_KEY=js_agent.api_key)),
    ], cwd=tmp_path)

    snapshot = arena.snapshot(bid)
    assert snapshot["status"] == "COMPLETED", snapshot
    turns = [(t["agentId"], t["round"]) for t in snapshot["turns"]]
    assert turns == [(py_agent.id, 1), (js_agent.id, 1), (py_agent.id, 2), (js_agent.id, 2)], turns
    # The JavaScript bot answers what it read last in the transcript.
    assert snapshot["turns"][3]["content"] == f'Round 2: I disagree with "{snapshot["turns"][2]["content"]}".'
    for out in outputs:
        assert "winner:" in out and "refused" not in out, out
