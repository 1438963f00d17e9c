"""Helpers of the browser tests: the HTTP API, DOM reads, waits on DOM conditions (never fixed
sleeps), screenshots and the browser's network switch."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from selenium.webdriver.support.ui import WebDriverWait

WAIT = 15.0


# --- the HTTP API ----------------------------------------------------------------------------

def api(url: str, method: str, path: str, body: dict | None = None, key: str | None = None,
        headers: dict | None = None):
    """(status, headers, parsed JSON or raw bytes) of one request."""
    request = urllib.request.Request(url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            raw = response.read()
            status, got = response.status, response.headers
    except urllib.error.HTTPError as error:
        with error:
            raw, status, got = error.read(), error.code, error.headers
    kind = got.get("Content-Type", "")
    return status, got, (json.loads(raw) if kind.startswith("application/json") and raw else raw)


def create_agent(url: str, name: str) -> dict:
    status, _, agent = api(url, "POST", "/api/v1/agents", {"name": name})
    assert status == 201, (status, agent)
    return agent


def create_battle(url: str, creator: dict, opponent: dict, title: str, rounds: int) -> dict:
    status, _, battle = api(url, "POST", "/api/v1/battles",
                            {"opponentId": opponent["id"], "title": title, "rounds": rounds},
                            key=creator["apiKey"])
    assert status == 201, (status, battle)
    return battle


# --- the page --------------------------------------------------------------------------------

def wait_until(driver, condition, what: str, timeout: float = WAIT):
    """Waits until `condition(driver)` is truthy (re-evaluated on every poll) and returns it."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: condition(d), message=f"waited {timeout} s for {what}")


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def transcript(driver) -> list[dict]:
    """The turns as the page shows them, in page order."""
    return js(driver, """
        return [...document.querySelectorAll('#transcript .turn')].map(t => ({
          turnId: t.dataset.turnId,
          author: t.querySelector('.turn-author').textContent,
          text: t.querySelector('.turn-text').textContent,
          commentary: [...t.querySelectorAll('.commentary')].map(c => c.lastChild.textContent),
          audio: [...t.querySelectorAll('audio')].map(a => a.getAttribute('src')),
        }));""")


def text_of(driver, selector: str) -> str:
    return js(driver, "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector) or ""


def visible(driver, selector: str) -> bool:
    return bool(js(driver, "const e = document.querySelector(arguments[0]); return !!e && !e.hidden && e.offsetParent !== null;", selector))


def set_offline(driver, offline: bool) -> None:
    """Cuts (or restores) the page's network, WebSockets included, through the DevTools protocol."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def screenshot(driver, path: Path, width: int, height: int, mobile: bool) -> None:
    """A screenshot at this viewport (375 px wide for a phone, with its pixel ratio)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile})
    try:
        js(driver, "return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        overflow = js(driver, "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path.name}: the page is {overflow} px wider than the {width} px viewport"
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def page_errors(driver) -> list[str]:
    """Content-Security-Policy violations and uncaught script errors in the browser console
    since the last call. (Network errors, such as a socket closed by a navigation, are not the
    page's fault and are left out.)"""
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Uncaught" in entry["message"]]
