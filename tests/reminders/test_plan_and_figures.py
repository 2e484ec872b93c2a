"""`civic-desk remind plan` says what goes out when and to how many; /metrics and the report count each event."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.app.cli import run
from bot.app.config import Settings
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.clock import FakeClock
from tests.reminders.conftest import Instance, almaty

PLANNED = [
    "2027-02-08 10:00  grants.karaganda-call  deadline 15.02.2027, 7 days before: 0 users",
    "2027-03-01 10:00  database.annual  deadline 31.03.2027, 30 days before: 2 users",
    "2027-03-01 10:00  tax.cit-return  deadline 31.03.2027, 30 days before: 1 user",
]


@pytest.fixture
def cli(remind_settings: Settings, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    """The command in-process, on the service's database and settings, at the clock's time."""
    for name in ("database_url", "knowledge_dir", "whatsapp_phone_number_id", "timezone"):
        monkeypatch.setenv(f"DESK_{name.upper()}", str(getattr(remind_settings, name)))
    for name in ("telegram_token", "whatsapp_token"):
        monkeypatch.setenv(f"DESK_{name.upper()}", getattr(remind_settings, name).get_secret_value())
    monkeypatch.setattr("bot.reminders.plan.utcnow", clock)


async def plan(days: int, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert await asyncio.to_thread(run, ["remind", "plan", "--days", str(days)]) == 0
    return capsys.readouterr().out.splitlines()


async def subscribe(desk: Instance) -> None:
    await desk.telegram(4001).presses("rem:y:database:all")
    await desk.whatsapp().press("button_reply", "rem:y:database:all")
    await desk.telegram(4002).presses("rem:y:tax:all")


async def test_the_plan_lists_each_reminder_with_its_audience(desk: Instance, cli: None, clock: FakeClock,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    await subscribe(desk)
    lines = await plan(72, capsys)  # 11 January to 24 March
    assert lines[0] == "Reminders of the next 72 days (Asia/Almaty), for telegram, whatsapp:"
    assert lines[1:] == PLANNED + [line.replace("2027-03-01", "2027-03-24").replace("30 days", "7 days")
                                   for line in PLANNED[1:]]
    assert await plan(40, capsys) == [lines[0].replace("72", "40"), PLANNED[0]]

    clock.set(almaty(3, 1, 10))
    await desk.tick()
    lines = await plan(1, capsys)
    assert lines[1] == ("2027-03-01 10:00  database.annual  deadline 31.03.2027, 30 days before: 0 users "
                        "(2 sent already)")


def test_a_plan_of_no_days_is_one_line(cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["remind", "plan", "--days", "0"]) == 2
    assert capsys.readouterr().err == "civic-desk remind plan: --days must be 1 or more\n"


async def test_metrics_and_the_report_count_sent_delivered_and_failed_per_event(
        desk: Instance, cli: None, bot_api: FakeBotAPI, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    await subscribe(desk)
    bot_api.blocked.add(4002)
    clock.set(almaty(3, 1, 10))
    await desk.tick()

    page = await (await desk.client.get("/metrics")).text()
    for event, status, count in (("database.annual", "sent", 2), ("database.annual", "delivered", 2),
                                 ("database.annual", "failed", 0), ("tax.cit-return", "sent", 1),
                                 ("tax.cit-return", "failed", 1)):
        assert f'desk_reminders{{event="{event}",status="{status}"}} {count}.0' in page
    assert 'desk_reminder_subscriptions{stream="database"} 2.0' in page
    assert 'desk_reminder_subscriptions{stream="tax"}' not in page  # the blocked user's ended

    assert await asyncio.to_thread(run, ["report", "--since", "1000d", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["reminders"] == [
        {"event": "database.annual", "sent": 2, "delivered": 2, "failed": 0},
        {"event": "tax.cit-return", "sent": 1, "delivered": 0, "failed": 1}]
    assert await asyncio.to_thread(run, ["report", "--since", "1000d"]) == 0
    assert "Reminders per event: sent, delivered, failed\n  database.annual: 2, 2, 0\n  tax.cit-return: 1, 0, 1" \
        in capsys.readouterr().out
