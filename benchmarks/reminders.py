"""One deadline reminder to N subscribers through the real desk and fake platform APIs on loopback.

Half the subscribers are on Telegram, half on WhatsApp (their 24-hour window long closed, so
each gets the approved template). The desk runs in this process as `serve` builds it (the
application, its outbox worker and its reminder sender); the fake Telegram Bot API and Graph
API run in a subprocess of their own (so this process's CPU time is the desk's) and answer
every message at once, counting them. Reported per run:

- stored and handed over: from the start until the last reminder was handed to the outbox;
- all sent: until the last reminder's outcome (delivered, or failed) was recorded (both by the
  desk's clock, which is the benchmark's monotonic clock from the start);
- the desk's CPU seconds (this process: the desk, on SQLite the database too; the benchmark
  only polls the fakes' counts until they have everything);
- the platform bound: what the platforms' limits allow at best at the run's pace (Telegram 30
  messages/s, WhatsApp 80/s per number, each times the pace and DESK_REMINDER_RATE_SHARE,
  both channels in parallel), the floor of any desk; and the time's excess over it.

Run 1 has pacing off: the desk's own speed, which must be well above the platforms'. Run 2
paces at the limits times `--pace` (a full 50,000 at the real 24 messages/s takes 17 minutes;
at `--pace 10` the bound is 104 s): its time against the bound at that pace shows whether the
platforms or the desk set it.

    python benchmarks/reminders.py [--subscribers 50000] [--paced 50000] [--pace 10] [--database URL]

Loopback only, bounded in count and time: every wait has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.compose import build_matcher, make_engine  # noqa: E402
from bot.app.config import Settings  # noqa: E402
from bot.app.web import create_app  # noqa: E402
from bot.db import schema  # noqa: E402
from bot.db.models import OutboundMessage, User, WhatsAppContact, aware  # noqa: E402
from bot.reminders.tables import ReminderSubscription, SentReminder  # noqa: E402
from knowledge.loader import DEFAULT_DIR  # noqa: E402

TOKEN = "123456789:AAHbenchmark-token_for-loopback"
NUMBER = "106540352242922"
ALMATY = dt.timezone(dt.timedelta(hours=5))
SEND_AT = dt.datetime(2027, 3, 1, 10, 0, tzinfo=ALMATY).astimezone(dt.UTC)  # 30 days before 31 March
CALENDAR = """streams:
  - {id: bench, name: {kk: Бенчмарк, ru: Бенчмарк}, topics: []}
events:
  - id: bench.deadline
    stream: bench
    yearly: "03-31"
    offsets: [30]
    title: {kk: ҮЕҰ дерекқоры, ru: База данных НПО}
    text: {kk: Мәліметті 31 наурызға дейін беріңіз., ru: Подайте сведения до 31 марта.}
    link: https://adilet.zan.kz/rus/docs/Z010000142_
    source: {act: Закон «О некоммерческих организациях», url: https://adilet.zan.kz/rus/docs/Z010000142_}
    checked: 2026-12-01
"""
DEADLINE = 1800.0  # seconds any one run may take


class FakePlatforms:
    """sendMessage and Graph `messages`, answered at once and counted (GET /counts)."""

    def __init__(self) -> None:
        self.telegram = self.whatsapp = 0
        self.ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/sendMessage", self.send_message)
        self.app.router.add_post("/{version}/{number}/messages", self.graph)
        self.app.router.add_get("/counts", self.counts)

    async def counts(self, request: web.Request) -> web.Response:
        return web.json_response({"telegram": self.telegram, "whatsapp": self.whatsapp})

    async def send_message(self, request: web.Request) -> web.Response:
        await request.read()
        self.telegram += 1
        return web.json_response({"ok": True, "result": {
            "message_id": next(self.ids), "date": 1767225600, "chat": {"id": 1, "type": "private"}, "text": "."}})

    async def graph(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.whatsapp += body.get("type") == "template"
        return web.json_response({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{next(self.ids)}"}]})


async def seed(engine: AsyncEngine, count: int) -> None:
    """`count` subscribers, alternately Telegram and WhatsApp, subscribed in January."""
    january = SEND_AT - dt.timedelta(days=50)
    rows = [{"channel": "telegram" if n % 2 else "whatsapp", "external_id": str(7_700_000_000 + n),
             "name": "", "lang": "kk" if n % 3 else "ru", "first_seen": january, "last_seen": january}
            for n in range(count)]
    async with engine.begin() as conn:
        for start in range(0, count, 5000):
            await conn.execute(insert(User.__table__), rows[start:start + 5000])
        ids = (await conn.execute(select(User.id, User.channel, User.external_id))).all()
        subscriptions = [{"user_id": i, "stream": "bench", "own_region": False, "subscribed_at": january,
                          "stopped_at": None, "stop_reason": ""} for i, _c, _e in ids]
        contacts = [{"wa_id": e, "name": "", "last_inbound_at": january, "choices": "[]"}
                    for _i, c, e in ids if c == "whatsapp"]
        for table, rows in ((ReminderSubscription.__table__, subscriptions), (WhatsAppContact.__table__, contacts)):
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[start:start + 5000])
    if engine.dialect.name == "postgresql":  # a running desk's users have their statistics (the event's rows not)
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))


async def settled(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).where(SentReminder.status.in_(("delivered", "failed"))))
                   or 0)


async def last_moments(engine: AsyncEngine) -> tuple[float, float]:
    """Seconds after the send time (the desk's clock) of the last hand-over to the outbox and the last outcome."""
    async with engine.connect() as conn:
        handed = await conn.scalar(select(func.max(OutboundMessage.created_at))
                                   .where(OutboundMessage.channel.like("rem:%")))
        done = await conn.scalar(select(func.max(SentReminder.settled_at)))
    return tuple((aware(moment) - SEND_AT).total_seconds() for moment in (handed, done))  # type: ignore[return-value]


async def received(api: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(f"{api}/counts") as response:
        return dict(await response.json())


def settings_for(database_url: str, knowledge: Path, api: str, pace: float) -> Settings:
    """`pace` times the platforms' limits (0: pacing off)."""
    defaults = Settings.model_fields
    limits: dict[str, Any] = {name: (defaults[name].default or 0) * pace for name in (
        "telegram_messages_per_second", "telegram_chat_messages_per_second", "whatsapp_messages_per_second")}
    return Settings(_env_file=None, database_url=database_url, knowledge_dir=knowledge,  # type: ignore[call-arg]
                    telegram_token=SecretStr(TOKEN), telegram_api_url=api, telegram_webhook_secret=SecretStr("s"),
                    whatsapp_token=SecretStr("t"), whatsapp_api_url=api, whatsapp_phone_number_id=NUMBER,
                    whatsapp_app_secret=SecretStr("a"), whatsapp_verify_token=SecretStr("v"),
                    whatsapp_reminder_template="civic_desk_reminder", reminder_tick_seconds=3600,
                    log_level="WARNING", **limits)


async def serve_fakes() -> int:
    """The fake platforms (in the subprocess): prints the port, serves until stdin closes."""
    runner = web.AppRunner(FakePlatforms().app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)  # type: ignore[union-attr]
    await asyncio.to_thread(sys.stdin.read)
    await runner.cleanup()
    return 0


async def one_run(database_url: str, knowledge: Path, count: int, pace: float) -> dict[str, float]:
    fakes = await asyncio.create_subprocess_exec(sys.executable, __file__, "--fakes", stdin=asyncio.subprocess.PIPE,
                                                 stdout=asyncio.subprocess.PIPE)
    assert fakes.stdout is not None and fakes.stdin is not None
    api = f"http://127.0.0.1:{int(await fakes.stdout.readline())}"
    settings = settings_for(database_url, knowledge, api, pace)
    engine = make_engine(settings)  # the desk's own: SQLite's WAL and busy timeout, PostgreSQL's bounds
    await schema.upgrade(engine)
    await seed(engine, count)
    started, cpu = time.monotonic(), time.process_time()
    desk = web.AppRunner(create_app(settings, engine, build_matcher(settings),
                                    clock=lambda: SEND_AT + dt.timedelta(seconds=time.monotonic() - started)))
    await desk.setup()  # starts the outbox worker and the sender, whose first tick is now
    try:  # polled at the fakes (cheap), then the database once they have everything: its CPU is the desk's
        async with asyncio.timeout(DEADLINE):
            while sum((at_fakes := await received(api)).values()) < count:
                await asyncio.sleep(0.25)
            while await settled(engine) < count:
                await asyncio.sleep(0.25)
        cpu = time.process_time() - cpu
        handed, done = await last_moments(engine)
    finally:
        await desk.cleanup()
        fakes.stdin.close()
        await fakes.wait()
        await engine.dispose()
    share = settings.reminder_rate_share
    pace = pace or 1.0  # pacing off: the bound at the real limits, for scale
    bound = max(count / 2 / (30 * pace * share), count / 2 / (80 * pace * share))
    return {"handed": handed, "done": done, "cpu": cpu, "bound": bound, "rate": count / done, **at_fakes}


async def fresh(database: str | None, workdir: Path, name: str) -> str:
    if not database:
        return f"sqlite+aiosqlite:///{workdir / name}.db"
    engine = create_async_engine(database)
    from tests.fixtures import reset_database  # the suite's own way to empty a PostgreSQL database

    await reset_database(engine)
    await engine.dispose()
    return database


async def main(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="remind-bench-"))
    knowledge = workdir / "kb"
    shutil.copytree(DEFAULT_DIR, knowledge, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (knowledge / "calendar.yaml").write_text(CALENDAR, encoding="utf-8")
    try:
        runs = (("pacing off", args.subscribers, 0.0), (f"pacing at the limits x{args.pace:g}", args.paced, args.pace))
        for label, count, pace in runs:
            if not count:
                continue
            name = label.split(" x")[0].replace(" ", "-")
            result = await one_run(await fresh(args.database, workdir, name), knowledge, count, pace)
            over = f", {100 * (result['done'] / result['bound'] - 1):+.1f}% over it" if pace else ""
            print(f"{label}: {count} subscribers; stored and handed over {result['handed']:.1f} s; all sent "
                  f"{result['done']:.1f} s ({result['rate']:.0f}/s), desk CPU {result['cpu']:.1f} s; platform "
                  f"bound {result['bound']:.1f} s{over}; at the fakes: {result['telegram']} Telegram, "
                  f"{result['whatsapp']} WhatsApp templates", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--paced", type=int, default=50_000, metavar="N", help="subscribers of the paced run")
    parser.add_argument("--pace", type=float, default=10.0, help="the paced run's limits, times the real ones")
    parser.add_argument("--database", help="a PostgreSQL URL (emptied!) instead of SQLite files")
    parser.add_argument("--fakes", action="store_true", help=argparse.SUPPRESS)  # the platforms' subprocess
    arguments = parser.parse_args()
    sys.exit(asyncio.run(serve_fakes() if arguments.fakes else main(arguments)))
