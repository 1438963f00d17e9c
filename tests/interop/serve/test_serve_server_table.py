"""The `[server]` table of plugins.conf sets `moltarena serve`'s limits; a command-line option of
the same name overrides it."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from serve_support import Arena, plugins_file
from support import WAIT


def target_status(arena: Arena, length: int) -> int:
    """The status of a GET /health whose request target is `length` bytes long."""
    path = "/health?q=" + "x" * (length - len("/health?q="))
    try:
        with urllib.request.urlopen(arena.url + path, timeout=WAIT) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("override", [None, "1000"], ids=["table", "command-line"])
def test_the_server_table_sets_the_limits_and_the_command_line_overrides_it(tmp_path, override):
    config = tmp_path / "plugins.conf"
    config.write_text(plugins_file().read_text() + "\n[server]\nmax_uri_bytes = 300\n")
    arena = Arena(tmp_path)
    arena.config = config
    if override:
        arena.extra_args += ["--max-uri-bytes", override]
    arena.start()
    try:
        assert target_status(arena, 200) == 200
        assert target_status(arena, 500) == (200 if override else 414)
    finally:
        arena.close()


def test_a_bad_server_table_stops_start_up_with_its_line(tmp_path):
    config = tmp_path / "plugins.conf"
    text = plugins_file().read_text() + "\n[server]\nmax_headers = 0\n"
    config.write_text(text)
    arena = Arena(tmp_path)
    arena.config = config
    with pytest.raises(pytest.fail.Exception, match="exited with status 1"):
        arena.start()
    log = arena.log_path.read_text()
    line = text.splitlines().index("max_headers = 0") + 1
    assert f"plugins.conf:{line}: [server] max_headers: 1 or more" in log, log
