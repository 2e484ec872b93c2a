"""A real `civic-desk serve` in a subprocess on 127.0.0.1, talking to fake platforms in the test.

Bounded by design: every wait has a deadline, and the process is killed at the
end of the test whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.channels.telegram.chat import SECRET, TOKEN
from tests.channels.telegram.fake_api import FakeBotAPI

START_TIMEOUT = 60.0  # a cold start imports aiogram and builds the index: slow on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command() -> list[str]:
    """The installed `civic-desk` script next to this interpreter, else the same entry point."""
    script = Path(sys.executable).with_name("civic-desk")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.app.cli import main; main()"]


class SlowBotAPI(FakeBotAPI):
    """The fake Bot API, taking `delay` seconds per sendMessage (a busy platform)."""

    def __init__(self, token: str = TOKEN, delay: float = 0.0) -> None:
        super().__init__(token)
        self.delay = delay

    async def result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and self.delay:
            await asyncio.sleep(self.delay)
        return await super().result(method, params)

    def replies_by_chat(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for call in self.sent():
            if call["method"] == "sendMessage":
                chat = int(call["params"]["chat_id"])
                counts[chat] = counts.get(chat, 0) + 1
        return counts


class Served:
    """One `civic-desk serve` process with the Telegram channel on the given database."""

    def __init__(self, database_url: str, api_url: str, workdir: Path, *, workers: int = 1, **settings: str) -> None:
        self.args = ["--workers", str(workers)] if workers > 1 else []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
        env.update({"DESK_DATABASE_URL": database_url, "DESK_HOST": "127.0.0.1", "DESK_PORT": str(self.port),
                    "DESK_TELEGRAM_TOKEN": TOKEN, "DESK_TELEGRAM_API_URL": api_url,
                    "DESK_TELEGRAM_WEBHOOK_SECRET": SECRET, "DESK_PUBLIC_URL": "https://desk.example.kz",
                    "DESK_TELEGRAM_CHAT_MESSAGES_PER_SECOND": "0",
                    "DESK_LOG_FORMAT": "json"})
        env.update({f"DESK_{key.upper()}": value for key, value in settings.items()})
        self.env = env
        self.workdir = workdir  # no developer's .env is read from here
        self.process: asyncio.subprocess.Process | None = None

    async def launch(self) -> None:
        with (self.workdir / "serve.log").open("ab") as log:  # a file: a full pipe would block the server
            self.process = await asyncio.create_subprocess_exec(
                *command(), "serve", *self.args, env=self.env, cwd=self.workdir,
                stdout=asyncio.subprocess.DEVNULL, stderr=log, start_new_session=True)

    async def start(self) -> None:
        """Launch and wait until /healthz answers."""
        await self.launch()
        assert self.process is not None
        async with asyncio.timeout(START_TIMEOUT), aiohttp.ClientSession() as session:
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(f"serve exited: {await self.stderr()}")
                try:
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    async def post(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        """POST one update as Telegram would; 0 when the connection failed."""
        try:
            async with session.post(self.url + "/webhook/telegram", json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                return response.status
        except aiohttp.ClientError:
            return 0

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def wait(self, timeout: float = 20.0) -> int:
        assert self.process is not None
        async with asyncio.timeout(timeout):
            return await self.process.wait()

    async def stderr(self) -> str:
        return (self.workdir / "serve.log").read_text(errors="replace")

    async def stop(self) -> None:
        """Kill whatever is left (the end of every test)."""
        if self.process is not None:  # the whole group: `serve --workers N` has children
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


async def run_fake(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve a fake platform on 127.0.0.1; returns the runner (to clean up) and its URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"
