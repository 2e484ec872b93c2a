"""The sender's parts on their own: its lease, the calendar read again on a change, its share of the rates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.cli import run
from bot.app.config import Settings
from bot.pipeline.pacing import Rate
from bot.reminders.lease import Lease
from bot.reminders.service import shares
from bot.reminders.source import CalendarSource
from knowledge import KnowledgeError, load_base
from knowledge.loader import DEFAULT_DIR
from knowledge.regions import load_regions
from tests.clock import FakeClock
from tests.reminders.conftest import CALENDAR

ENTRIES = [e.id for e in load_base().entries]


async def test_one_instance_holds_the_lease_until_it_stops_or_its_lease_runs_out(engine: AsyncEngine) -> None:
    clock = FakeClock()
    one, two = Lease(engine, "one", 180, clock), Lease(engine, "two", 180, clock)
    assert await one.acquire() and not await two.acquire()
    clock.advance(seconds=120)
    assert await one.acquire()  # renewed: another 180 s from now
    clock.advance(seconds=120)
    assert not await two.acquire()
    await one.release()  # a graceful stop hands it over at once
    assert await two.acquire() and not await one.acquire()
    clock.advance(seconds=181)  # two died without a word
    assert await one.acquire()


def test_the_calendar_is_read_again_when_its_file_changes_and_a_broken_edit_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    source = CalendarSource(root, load_regions(root)[0], lambda: ENTRIES)
    assert [e.id for e in source().events] == ["database.annual", "tax.cit-return"]

    def edit(text: str, stamp: int) -> None:
        (root / "calendar.yaml").write_text(text, encoding="utf-8")
        os.utime(root / "calendar.yaml", (stamp, stamp))

    edit(CALENDAR.read_text(encoding="utf-8"), 2_000_000_000)
    source.refresh()
    assert [e.id for e in source().events] == ["database.annual", "tax.cit-return", "grants.karaganda-call"]
    edit(CALENDAR.read_text(encoding="utf-8").replace("stream: grants", "stream: weather"), 2_000_000_100)
    source.refresh()
    assert len(source().events) == 3  # the last good calendar stays
    with pytest.raises(KnowledgeError):  # but a desk does not start on a broken one
        CalendarSource(root, load_regions(root)[0], lambda: ENTRIES)


def test_reminders_take_a_share_of_each_platforms_rate_and_leave_the_rest_to_answers() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert shares(settings) == {"telegram": Rate(24.0), "whatsapp": Rate(64.0)}
    assert shares(settings.model_copy(update={"telegram_messages_per_second": 0})) == {"whatsapp": Rate(64.0)}


def test_kb_check_reports_the_calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = yaml.safe_load((root / "calendar.yaml").read_text(encoding="utf-8"))
    data["events"][0]["stream"] = "weather"
    (root / "calendar.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(root))
    assert run(["kb", "check"]) == 1
    assert f"{root / 'calendar.yaml'}: events.database.annual.stream: must be one of " in capsys.readouterr().out
