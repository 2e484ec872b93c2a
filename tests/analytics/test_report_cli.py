"""`civic-desk report` prints the period's report as text, JSON or CSV; a wrong period is one line."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.cli import run
from bot.app.config import Settings
from handlers import Channel, Desk, Inbound, InboundKind
from tests.curation import TEST_KB


@pytest.fixture
def cli_env(settings: Settings, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(TEST_KB))


async def test_report_formats(cli_env: None, sql_desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    await sql_desk.handle(Inbound(Channel.TELEGRAM, "1", InboundKind.TEXT,
                                  "Как изменить устав общественного объединения?"))

    assert await asyncio.to_thread(run, ["report", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["usage"] == [{"lang": "ru", "channel": "telegram", "messages": 1, "decisions": {
        "answer": 0, "clarify": 1, "fallback": 0, "escalate": 0, "smalltalk": 0, "limited": 0}}]
    assert data["gaps"][0]["examples"] == ["Как изменить устав общественного объединения?"]

    assert await asyncio.to_thread(run, ["report", "--since", "24h"]) == 0
    assert "1. 1 questions [ru; clarify 1]" in capsys.readouterr().out
    assert await asyncio.to_thread(run, ["report", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("section,key,field,value\r\nusage,ru/telegram,messages,1")


def test_a_wrong_period_is_one_line(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "--since", "a week"]) == 2
    assert capsys.readouterr().err == "civic-desk report: expected an age like 1y, 365d, 52w or 12h, not 'a week'\n"
