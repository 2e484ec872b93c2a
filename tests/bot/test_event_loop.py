"""serve runs on uvloop where it is installed, and on asyncio's own loop where it is not."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.app.web import new_event_loop


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not installed on Windows")
def test_serve_runs_on_uvloop_where_it_is_installed() -> None:
    import uvloop

    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
        assert loop.run_until_complete(asyncio.sleep(0, result="ran")) == "ran"
    finally:
        loop.close()


def test_without_uvloop_serve_falls_back_to_asyncios_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what a platform without the wheel sees: ImportError

    loop = new_event_loop()
    try:
        assert type(loop).__module__.startswith("asyncio")
        assert loop.run_until_complete(asyncio.sleep(0, result="ran")) == "ran"
    finally:
        loop.close()
