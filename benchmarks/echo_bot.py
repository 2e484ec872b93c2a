"""The webhook benchmark's floor: a bare aiogram echo bot (and a bare WhatsApp echo) on the desk's paths.

    python benchmarks/echo_bot.py PORT API_URL

aiogram's SimpleRequestHandler answers 200 before handling; the WhatsApp handler checks the
signature and echoes in the background. Nothing is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys

import aiohttp
from aiohttp import web
from fake_platforms import APP_SECRET, NUMBER, SECRET, TOKEN


def echo_server(port: int, api_url: str) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    app = web.Application()
    app.router.add_get("/healthz", lambda request: web.json_response({"status": "ok"}))
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET).register(app, path="/webhook/telegram")
    tasks: set[asyncio.Task[None]] = set()
    graph = f"{api_url}/v21.0/{NUMBER}/messages"

    async def whatsapp(request: web.Request) -> web.Response:
        raw = await request.read()
        expected = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
            return web.Response(status=403)
        for change in json.loads(raw)["entry"][0]["changes"]:
            for message in change["value"].get("messages", []):
                task = asyncio.create_task(send(message["from"], message["text"]["body"]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        return web.Response(text="ok")

    async def send(to: str, text: str) -> None:
        async with app["http"].post(graph, json={"messaging_product": "whatsapp", "to": f"+{to}", "type": "text",
                                                 "text": {"body": text}}) as response:
            await response.read()

    async def http(app: web.Application):  # type: ignore[no-untyped-def]
        app["http"] = aiohttp.ClientSession()
        yield
        await app["http"].close()
        await bot.session.close()

    app.cleanup_ctx.append(http)
    app.router.add_post("/webhook/whatsapp", whatsapp)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    echo_server(int(sys.argv[1]), sys.argv[2])
