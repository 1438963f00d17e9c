import asyncio, aiohttp
async def main():
    async with aiohttp.ClientSession() as s:
        try:
            ws = await s.ws_connect("ws://127.0.0.1:47113/socket.io/?transport=websocket&EIO=4")
            print(await ws.receive())
        except Exception as e:
            print("ERR", type(e), e, getattr(e,'status',None), getattr(e,'headers',None))
asyncio.run(main())
