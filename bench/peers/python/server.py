"""The bench scenario on python-socketio 5 + aiohttp + uvloop: the peer that `moltarena bench`
measures beside MoltArena's own bench plugin.

  battle:join {"battleId"}       joins room battle:<battleId>, acks {"ok": true, "battleId"}
  battle:turn {"battleId", ...}  emits the same object to room battle:<battleId> (encoded once
                                 by python-socketio for all recipients), acks {"ok": true}

Usage: python server.py [--host 127.0.0.1] [--port 0]
Prints `listening on http://HOST:PORT` when ready; SIGTERM/SIGINT stop it.
"""

import argparse
import asyncio
import logging
import signal

import socketio
import uvloop
from aiohttp import web


def refused(message):
    return {"ok": False, "error": {"code": "INVALID_PAYLOAD", "message": message}}


def battle_id_of(data):
    battle_id = data.get("battleId") if isinstance(data, dict) else None
    if isinstance(battle_id, str) and 0 < len(battle_id) <= 64:
        return battle_id
    return None


def make_server():
    sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False)

    @sio.on("battle:join")
    async def join(sid, data):
        battle_id = battle_id_of(data)
        if battle_id is None:
            return refused("battleId must be 1 to 64 characters")
        await sio.enter_room(sid, "battle:" + battle_id)
        return {"ok": True, "battleId": battle_id}

    @sio.on("battle:turn")
    async def turn(sid, data):
        battle_id = battle_id_of(data)
        if battle_id is None:
            return refused("battleId must be 1 to 64 characters")
        await sio.emit("battle:turn", data, room="battle:" + battle_id)
        return {"ok": True, "battleId": battle_id}

    return sio


async def main(host, port):
    sio = make_server()
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=4096)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]
    print(f"listening on http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvloop.run(main(args.host, args.port))
