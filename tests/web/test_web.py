"""The spectator web app in headless Chromium against `moltarena serve` (tests/web/web.conf):
the lobby, a battle played live by two python-socketio agents while the page is open, a vote
cast from the page, the results, a restart of the server with the page's network cut meanwhile
(the page catches up with no gap and no duplicate), a turn that looks like HTML shown literally,
the replay, and the first paint of a battle with 200 turns (its newest 50, the earlier ones a page
at a time on demand). Every wait is on a DOM condition."""

from __future__ import annotations

import uuid

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from battle_support import WEBSOCKET
from web_support import (api, create_agent, create_battle, js, page_errors, screenshot,
                         set_offline, text_of, transcript, visible, wait_until)

XSS = "<img src=x onerror=alert(1)>"


def test_pages_have_etags_and_a_policy_without_inline_scripts(arena):
    for path, kind in (("/", "text/html"), ("/battles/btl_anything", "text/html"),
                       ("/assets/battle.js", "text/javascript"), ("/assets/app.css", "text/css")):
        status, headers, _ = api(arena.url, "GET", path)
        assert status == 200 and headers["Content-Type"].startswith(kind), (path, status, dict(headers))
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
        etag = headers["ETag"]
        again, cached, body = api(arena.url, "GET", path, headers={"If-None-Match": etag})
        assert again == 304 and cached["ETag"] == etag and not body, (path, again)


def test_a_battle_watched_live_voted_on_and_replayed(arena, browser, clients, artifacts):
    driver = browser
    tag = uuid.uuid4().hex[:6]
    ada = create_agent(arena.url, f"Ada {tag}")
    grace = create_agent(arena.url, f"Grace <Hopper> {tag}")  # a name that looks like HTML
    title = f"Tabs versus spaces {tag}"

    # The lobby is open before the battle exists: the battle appears without a reload.
    driver.get(arena.url + "/")
    wait_until(driver, lambda d: js(d, "return !!window.performance") and text_of(d, "#battles-soon"), "the lobby")
    battle = create_battle(arena.url, ada, grace, title, rounds=3)
    battle_id = battle["id"]
    card = f'#battles-soon [data-battle-id="{battle_id}"]'
    wait_until(driver, lambda d: title in text_of(d, card), "the new battle in the lobby's 'Starting soon'")
    assert grace["name"] in text_of(driver, card)
    lobby_tab = driver.current_window_handle

    # The battle page, opened from the lobby's link in a tab of its own.
    driver.switch_to.new_window("tab")
    battle_tab = driver.current_window_handle
    driver.get(arena.url + f"/battles/{battle_id}")
    wait_until(driver, lambda d: text_of(d, "#battle-title") == title, "the battle's title")
    # The list is drawn from the REST snapshot and drawn again when the room's join answers: read
    # it in one script (never through element handles the second drawing replaces).
    expected = [ada["name"], grace["name"]]
    names = lambda d: js(d, "return [...document.querySelectorAll('#participants .participant-name')]"
                            ".map(e => e.textContent)")
    wait_until(driver, lambda d: names(d) == expected, f"the participants {expected} in turn order")
    wait_until(driver, lambda d: "1 watching" in text_of(d, "#battle-spectators"), "the page counted as a spectator")
    assert page_errors(driver) == []

    # Two agents join: the battle starts; presence shows them online.
    agents = {a["id"]: clients(arena, a, WEBSOCKET, a["name"]) for a in (ada, grace)}
    for agent in agents.values():
        agent.join(battle_id)
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#participants .presence-online")) == 2,
               "both agents online")

    # The lobby (other tab) moved the battle to "Live now" with its spectator.
    driver.switch_to.window(lobby_tab)
    live_card = f'#battles-live [data-battle-id="{battle_id}"]'
    wait_until(driver, lambda d: "1 watching" in text_of(d, live_card), "the battle live in the lobby, 1 watching")
    driver.switch_to.window(battle_tab)

    order = [ada["id"], grace["id"]] * 3
    contents = ["Tabs are honest: one character, one level.",
                "Spaces look the same everywhere.\nEvery editor agrees.",
                "Alignment is the reader's business, not the writer's.",
                XSS,
                "A tab is a promise the next editor breaks.",
                "Consistency wins; spaces are consistent."]

    def play(position: int) -> None:
        agent = agents[order[position]]
        your_turn = agent.expect("battle:your_turn", timeout=15)
        assert your_turn["round"] == position // 2 + 1, your_turn
        agent.ok("battle:submit_turn", {"battleId": battle_id, "content": contents[position],
                                        "clientTurnId": f"t{position}"})

    def shown(count: int) -> list[dict]:
        def ready(turns):
            return len(turns) >= count and all(t["commentary"] and t["audio"] for t in turns[:count])
        return wait_until(driver, lambda d: (lambda t: t if ready(t) else None)(transcript(d)),
                          f"{count} turns, each with its commentary and its audio player", timeout=30)

    # Whose turn it is and a running countdown, before the first turn is played.
    wait_until(driver, lambda d: ada["name"] in text_of(d, "#turn-banner-text") and visible(d, "#turn-banner"),
               "Ada's turn announced to spectators")
    first = text_of(driver, "#countdown")
    wait_until(driver, lambda d: text_of(d, "#countdown") not in ("", first), "the countdown ticking")

    for position in range(3):
        play(position)
        shown(position + 1)
    wait_until(driver, lambda d: grace["name"] in text_of(d, "#turn-banner-text"), "Grace's turn after Ada's")
    driver.execute_script("window.scrollTo(0, 0)")
    screenshot(driver, artifacts / "battle-live-desktop.png", 1280, 900, mobile=False)
    screenshot(driver, artifacts / "battle-live-phone.png", 375, 812, mobile=True)
    assert "Offline" not in text_of(driver, "#connection-banner")

    # The page loses its network and the server restarts: turns go on without the page.
    set_offline(driver, True)
    arena.restart()
    wait_until(driver, lambda d: visible(d, "#connection-banner") and "Reconnecting" in text_of(d, "#connection-banner"),
               "the offline banner")
    agents = {a["id"]: clients(arena, a, WEBSOCKET, a["name"] + " again") for a in (ada, grace)}
    for agent in agents.values():
        agent.join(battle_id)
    play(3)
    play(4)
    assert len(transcript(driver)) == 3, "the page saw turns while its network was cut"

    # Back online: the page reconnects, rejoins with sinceSeq and catches up.
    set_offline(driver, False)
    shown(5)
    wait_until(driver, lambda d: not visible(d, "#connection-banner"), "the banner gone once reconnected")
    # Whose turn it is came with the snapshot (currentTurn): the page missed its battle:turn_open.
    wait_until(driver, lambda d: grace["name"] in text_of(d, "#turn-banner-text")
               and js(d, "return document.querySelector('.participant-current')?.dataset.agentId") == grace["id"],
               "Grace's turn shown after the reconnect")
    play(5)
    turns = shown(6)
    assert [t["text"] for t in turns] == contents, turns
    assert [t["author"] for t in turns] == [ada["name"], grace["name"]] * 3
    assert len({t["turnId"] for t in turns}) == 6
    assert all(len(t["commentary"]) == 1 for t in turns), "a commentary shown twice or missing"
    assert all(len(t["audio"]) == 1 for t in turns), "an audio player shown twice or missing"
    status, headers, _ = api(arena.url, "GET", turns[0]["audio"][0])
    assert status == 200 and headers["Content-Type"].startswith("audio/"), (status, dict(headers))

    # Untrusted text stays text: no element, no script ran.
    assert js(driver, "return document.querySelectorAll('#transcript img, #participants b').length") == 0
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018

    # Voting: a vote from the keyboard; the bars move; the server counted it.
    voter = clients(arena, create_agent(arena.url, f"Voter {tag}"), WEBSOCKET, "a voter")
    voter.join(battle_id, role="spectator")
    button = f'.vote-button[data-agent-id="{ada["id"]}"]'
    wait_until(driver, lambda d: js(d, "const b = document.querySelector(arguments[0]); return !!b && !b.disabled", button),
               "the vote buttons", timeout=30)
    # A keyboard user's focus stays on the button while other votes move the bars.
    js(driver, "document.querySelector(arguments[0]).focus()", button)
    assert voter.call("battle:vote", {"battleId": battle_id, "agentId": ada["id"]})["ok"] is True
    ada_count = f'#vote-options [data-agent-id="{ada["id"]}"] .vote-count'
    wait_until(driver, lambda d: text_of(d, ada_count).startswith("1 vote"), "another spectator's vote in the bars")
    assert js(driver, "return document.activeElement === document.querySelector(arguments[0])", button), \
        "the focused vote button lost the focus when the tallies changed"
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_until(driver, lambda d: "is in" in text_of(d, "#vote-message"), "the vote confirmed")
    wait_until(driver, lambda d: text_of(d, ada_count).startswith("2 votes"), "the vote bar moved")
    status, _, snapshot = api(arena.url, "GET", f"/api/v1/battles/{battle_id}")
    assert status == 200 and snapshot["votes"][ada["id"]] == 2, snapshot["votes"]

    # The results.
    wait_until(driver, lambda d: visible(d, "#results") and ada["name"] in text_of(d, "#winner"), "the results", timeout=30)
    assert text_of(driver, "#judge-rationale").strip()
    assert len(driver.find_elements(By.CSS_SELECTOR, "#judge-scores li")) == 2
    driver.execute_script("window.scrollTo(0, 0)")
    screenshot(driver, artifacts / "battle-finished-desktop.png", 1280, 900, mobile=False)
    screenshot(driver, artifacts / "battle-finished-phone.png", 375, 812, mobile=True)
    live_turns = transcript(driver)

    # The replay shows the same turns, with their commentary.
    driver.get(arena.url + f"/battles/{battle_id}?replay=1")
    Select(driver.find_element(By.ID, "replay-speed")).select_by_value("16")
    wait_until(driver, lambda d: js(d, "return document.body.dataset.replay") == "done", "the replay's end", timeout=60)
    assert transcript(driver) == live_turns
    assert page_errors(driver) == [], "a policy violation or a script error on the way"
    wait_until(driver, lambda d: visible(d, "#results") and ada["name"] in text_of(d, "#winner"), "the replay's results")
    driver.switch_to.window(lobby_tab)
    wait_until(driver, lambda d: f'data-battle-id="{battle_id}"' in js(d, "return document.getElementById('battles-done').innerHTML"),
               "the battle among the lobby's finished ones")
    screenshot(driver, artifacts / "lobby-desktop.png", 1280, 900, mobile=False)
    screenshot(driver, artifacts / "lobby-phone.png", 375, 812, mobile=True)
    driver.switch_to.window(battle_tab)
    driver.close()
    driver.switch_to.window(lobby_tab)


def test_first_paint_of_a_battle_with_200_turns(arena, browser, clients, artifacts):
    tag = uuid.uuid4().hex[:6]
    agents = [create_agent(arena.url, f"{name} {tag}") for name in ("Ada", "Grace", "Alan", "Edsger")]
    battle = arena.create_battle(agents, rounds=50, title=f"The long debate {tag}")
    battle_id = battle["id"]
    players = [clients(arena, a, WEBSOCKET, a["name"]) for a in agents]
    for player in players:
        player.join(battle_id)
    for position in range(200):
        player = players[position % 4]
        player.expect("battle:your_turn", timeout=15)
        player.ok("battle:submit_turn", {"battleId": battle_id, "content": f"Argument {position}: " + "words " * 30})
    players[0].wait_event("battle:commentary", lambda d: True)

    played = [t["turnId"] for t in arena.get_json(f"/api/v1/battles/{battle_id}/turns?from=0&limit=100")[1]["turns"]]
    played += [t["turnId"] for t in arena.get_json(f"/api/v1/battles/{battle_id}/turns?from=100&limit=100")[1]["turns"]]
    assert len(played) == 200

    # The snapshot carries the newest 50 turns: the page shows those, with a control for the rest.
    driver = browser
    driver.get(arena.url + f"/battles/{battle_id}")
    wait_until(driver, lambda d: len(transcript(d)) == 50, "the newest 50 turns")
    painted = js(driver, "return performance.getEntriesByName('battle-first-paint')[0].startTime")
    contentful = js(driver, "return (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
    print(f"\nfirst paint of a 200-turn battle: newest 50 turns rendered at {painted:.0f} ms, first contentful paint {contentful} ms")
    (artifacts / "first-paint-200-turns.txt").write_text(f"newest 50 of 200 turns rendered at {painted:.0f} ms after navigation start; first contentful paint {contentful} ms\n")
    assert painted < 1000, painted
    assert [t["turnId"] for t in transcript(driver)] == played[150:]
    assert visible(driver, "#earlier-turns")
    assert text_of(driver, "#earlier-turns") == "Show earlier turns (150 more)"

    # Each click puts the page before the earliest shown above it, until every turn is there.
    for shown in (100, 150, 200):
        driver.find_element("id", "earlier-turns").click()
        wait_until(driver, lambda d, n=shown: len(transcript(d)) == n, f"{shown} turns")
    assert [t["turnId"] for t in transcript(driver)] == played
    assert not visible(driver, "#earlier-turns")
