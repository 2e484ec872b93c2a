"""The fake Bot API on 127.0.0.1 in a thread of its own: the browser tests are synchronous, the fake is aiohttp."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from aiohttp import web

from tests.channels.telegram.chat import TOKEN
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.faults.serve import free_port

START_TIMEOUT = 10.0


class ThreadedBotAPI:
    def __init__(self) -> None:
        self.api = FakeBotAPI(TOKEN)
        self.port = free_port()
        self.api.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-bot-api", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.api.app)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def start(self) -> ThreadedBotAPI:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the fake Bot API did not start")
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(START_TIMEOUT)

    def messages_to(self, chat_id: int) -> list[str]:
        return [c["params"]["text"] for c in list(self.api.calls)
                if c["method"] == "sendMessage" and int(c["params"]["chat_id"]) == chat_id]

    def wait_for_message(self, chat_id: int, seen: int, timeout: float = 30.0) -> str:
        """The first message to `chat_id` after the `seen` ones already there (bounded wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.messages_to(chat_id)
            if len(texts) > seen:
                return texts[seen]
            time.sleep(0.1)
        raise TimeoutError(f"no message to chat {chat_id} within {timeout:.0f} s")


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Ольга", "language_code": "ru"}
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 1_765_000_000,
                                                "chat": {"id": chat_id, "type": "private", "first_name": "Ольга"},
                                                "from": user, "text": text}}
