"""Fixtures of the browser tests: `moltarena serve` on a fixed free port (so that the page can
reconnect to the same address after a restart), headless Chromium driven by Selenium, and the
interop suite's python-socketio agents (tests/interop/battle/battle_support.py).

  MOLTARENA_BIN      the binary (default: .build/debug/moltarena)
  CHROMIUM_BIN       the browser (default: /usr/bin/chromium)
  CHROMEDRIVER_BIN   its driver (default: /usr/bin/chromedriver)

Screenshots go to .build/test-artifacts/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "interop", HERE.parent / "interop" / "battle"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from battle_support import Clients, FixedPortArena, snapshot_binary  # noqa: E402
from serve_process import REPO_ROOT  # noqa: E402

ARTIFACTS = REPO_ROOT / ".build" / "test-artifacts"


@pytest.fixture(scope="session")
def arena(tmp_path_factory):
    exe = snapshot_binary(tmp_path_factory.mktemp("bin"))
    server = FixedPortArena(HERE / "web.conf", tmp_path_factory.mktemp("web-arena"), exe).start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,900", "--lang=en-US", "--hide-scrollbars"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


@pytest.fixture
def clients():
    made = Clients()
    yield made
    made.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, keep what the page looked like: a screenshot, the page's
    text and the browser console, in .build/test-artifacts/failure-<test>.*"""
    outcome = yield
    report = outcome.get_result()
    driver = item.funcargs.get("browser") or item.funcargs.get("page")
    if report.when != "call" or not report.failed or driver is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = "failure-" + "".join(c if c.isalnum() else "-" for c in item.name)
    try:
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        text = driver.execute_script("return document.body.innerText")
        console = "\n".join(f"{e['level']} {e['message']}" for e in driver.get_log("browser"))
        (ARTIFACTS / f"{name}.txt").write_text(f"{driver.current_url}\n\n{text}\n\n--- console ---\n{console}\n")
    except Exception as error:  # the browser may be what failed
        (ARTIFACTS / f"{name}.txt").write_text(f"could not capture the page: {error}\n")
