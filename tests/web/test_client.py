"""The page's own Socket.IO client (assets/socketio.js, assets/engineio.js) in the browser, on
each transport: WebSocket, long-polling alone, and long-polling as the fallback when WebSocket
handshakes fail. Each connects, gets `connected`, and has a `ping` acknowledged."""

from __future__ import annotations

import pytest

from web_support import page_errors, wait_until

CONNECT_AND_PING = """
const [transports, refuseWebSocket, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
if (refuseWebSocket) {
  // A network that refuses WebSocket (a proxy, a firewall): the handshake fails before opening.
  window.WebSocket = class { constructor() { setTimeout(() => this.onclose && this.onclose({ code: 1006 }), 10); } close() {} };
}
import('/assets/socketio.js').then(({ Socket }) => {
  const socket = new Socket(location.origin, transports ? { transports } : {});
  socket.on('connected', async (hello) => {
    try {
      const ack = await socket.request('ping', { n: 7 });
      done({ role: hello.role, ack, transport: socket.engine.transport.constructor.name });
    } catch (error) { done({ error: String(error) }); }
    socket.close();
  });
  socket.on('connect_error', (error) => done({ error: JSON.stringify(error) }));
  socket.connect();
});
"""


@pytest.fixture
def page(arena, browser):
    browser.get(arena.url + "/")
    wait_until(browser, lambda d: d.execute_script("return document.readyState") == "complete", "the lobby loaded")
    browser.set_script_timeout(20)
    return browser


@pytest.mark.parametrize("transports, expected", [
    (["websocket"], "WebSocketTransport"),
    (["polling"], "PollingTransport"),
])
def test_each_transport_connects_and_gets_acks(page, transports, expected):
    got = page.execute_async_script(CONNECT_AND_PING, transports, False)
    assert got.get("error") is None, got
    assert got["role"] == "spectator" and got["transport"] == expected, got
    assert got["ack"]["ok"] is True and got["ack"]["n"] == 7, got


def test_long_polling_takes_over_when_websocket_is_refused(page):
    got = page.execute_async_script(CONNECT_AND_PING, None, True)
    assert got.get("error") is None, got
    assert got["transport"] == "PollingTransport" and got["ack"]["ok"] is True, got


def test_the_policy_stops_inline_scripts(page):
    """Markup that reached the page could still not run: the browser enforces the policy."""
    page.get_log("browser")  # start from a clean console
    page.execute_script("const s = document.createElement('script'); s.textContent = 'window.inlineRan = true';"
                        "document.body.append(s);")
    assert page.execute_script("return window.inlineRan === undefined")
    assert any("Content Security Policy" in m for m in page_errors(page)), "no policy violation reported"
