"""`civic-desk chat` as a person at a console uses it: prompt, /help, Ctrl-C, long and broken input."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from pathlib import Path

from bot.app.compose import open_desk
from bot.app.config import Settings
from bot.channels.terminal import run_chat
from tests.faults.serve import command

LONG_PASTE = "Работа " * 350  # 2,450 Cyrillic characters, well over a terminal's 4,095-byte line


def chat_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    return {**env, "DESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"}


async def start_chat(tmp_path: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command(), "chat", "--lang", "ru", env=chat_env(tmp_path), cwd=tmp_path, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_help_lists_quit_and_long_or_broken_input_is_answered(tmp_path: Path) -> None:
    chat = await start_chat(tmp_path)
    typed = b"/help\n" + LONG_PASTE.encode() + b"\n" + b"\xd0\xb3\xd1 \xff\xfe\n" + "грант\n".encode() + b"/quit\n"
    async with asyncio.timeout(90):
        out, err = await chat.communicate(typed)
    text = out.decode()
    assert chat.returncode == 0 and err == b""
    assert "/help — эта справка" in text and "/quit — выйти из чата" in text
    assert "Сообщение длинное, я прочитал его начало." in text
    assert text.count("\n> ") >= 4  # a prompt before every line read


async def test_ctrl_c_at_the_prompt_ends_the_chat_quietly(tmp_path: Path) -> None:
    chat = await start_chat(tmp_path)
    assert chat.stdout is not None and chat.stderr is not None
    async with asyncio.timeout(90):
        seen = b""
        while not seen.endswith(b"> "):
            seen += await chat.stdout.read(1)
        chat.send_signal(signal.SIGINT)
        code = await chat.wait()
        err = await chat.stderr.read()
    assert code == 0 and err == b""


async def test_numbers_press_only_the_buttons_of_the_latest_reply(settings: Settings) -> None:
    """After "thanks" (a reply without buttons) "1" is text again, not the old 👍 a second time."""
    script = iter(["Как подать заявку на грант?", "1", "1", "/quit"])
    out = io.StringIO()
    async with open_desk(settings, migrate=True) as desk:
        await run_chat(desk, "ru", explicit_lang=True, read=lambda: next(script), out=out)
    assert out.getvalue().count("Спасибо за отзыв!") == 1
