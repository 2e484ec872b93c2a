"""The staff console's pages over 100,000 logged questions, on SQLite or PostgreSQL.

The same busy week as benchmarks/report.py (100,000 questions from 5,000 users, 1,000
tickets with replies and ratings), served by the console's own application on loopback
and read over HTTP by a logged-in client, as a browser would. Each page is fetched
`--repeat` times; the median and the slowest are printed, in milliseconds, with the
time the gaps took to count in the background (the dashboard shows them once counted), and
the CPU this process spent per page (steadier than the wall clock on a shared machine).

The dashboard keeps the counts of the hours that are over and reads only the current
hour's questions on every view; the benchmark also times it with nothing kept (the first
view after a start, which reads the whole period).

Baseline in the same run: the dashboard's figures taken from the full report's pass over
the question log (`question_figures`, what `civic-desk report` reads), instead of the
database's own grouping (`bot.analytics.daily`).

    python benchmarks/console.py [--questions 100000] [--database URL] [--repeat 20]
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import busy_week, run_from_command_line

from bot.analytics.questions import question_figures
from bot.app.config import Settings
from bot.console.accounts import StaffStore
from bot.console.app import mount_console
from bot.console.deps import Console
from bot.console.hourly import HourlyCounts
from bot.console.period import period_of
from bot.db.models import Question, utcnow
from handlers import Translator

PAGES = {
    "dashboard, 7 days": "/console/?days=7",
    "dashboard, 30 days": "/console/?days=30",
    "tickets": "/console/tickets",
    "tickets, closed, one consultant": "/console/tickets?status=closed&assignee=Ерлан",
    "one ticket": "/console/tickets/500",
    "staff": "/console/staff",
}
PASSWORD = "benchmark password"


async def logged_in(session: aiohttp.ClientSession, base: str) -> None:
    async with session.get(base + "/console/login") as response:
        token = re.search(r'name="csrf" value="([^"]+)"', await response.text())
    assert token is not None
    async with session.post(base + "/console/login", data={"csrf": token.group(1), "name": "head",
                                                            "password": PASSWORD}) as response:
        assert response.status == 200 and str(response.url).endswith("/console/"), response.status


async def timed(session: aiohttp.ClientSession, url: str, repeat: int) -> tuple[float, float, float]:
    """Median and slowest wall-clock ms of a page, and the median CPU ms of this process for it
    (the server's and the client's work; SQLite's too, which runs in-process; not PostgreSQL's)."""
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), max(times), statistics.median(cpu)


async def main(url: str, count: int, repeat: int) -> None:
    engine, matcher = await busy_week(url, count)
    await StaffStore(engine).add("head", "head", PASSWORD, by="benchmark")
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    console = Console(settings, engine, Translator(), lambda: matcher, utcnow)
    app = web.Application()
    mount_console(app, console)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    result: dict[str, object] = {"database": engine.dialect.name, "questions": count,
                                 "questions of the last hour": await last_hour(engine)}
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:  # an IP address
            base = str(server.make_url("")).rstrip("/")
            await logged_in(session, base)
            for days in (7, 30):  # count the gaps first, as the console does in the background
                started = time.perf_counter()
                async with session.get(f"{base}/console/?days={days}") as response:
                    await response.read()
                await console.gaps.get(since_of(settings, days), wait=600)
                result[f"gaps counted, {days} days, s"] = round(time.perf_counter() - started, 2)
            for name, path in PAGES.items():
                median, slowest, cpu = await timed(session, base + path, repeat)
                result[f"{name}: median ms"] = round(median, 1)
                result[f"{name}: slowest ms"] = round(slowest, 1)
                result[f"{name}: CPU ms"] = round(cpu, 1)
            cold = []
            for _ in range(3):
                console.hourly = HourlyCounts(engine, settings.timezone, utcnow)  # nothing kept: a fresh start
                cold.append((await timed(session, base + PAGES["dashboard, 7 days"], 1))[0])
            result["dashboard, 7 days, nothing kept: median ms"] = round(statistics.median(cold), 1)
        started = time.perf_counter()
        async with engine.connect() as conn:
            await question_figures(conn, since_of(settings, 7))
        result["baseline: the week's figures from the report's pass, ms"] = round(
            (time.perf_counter() - started) * 1000, 1)
    finally:
        await server.close()
        await engine.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=1))


async def last_hour(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Question).where(
            Question.created_at >= utcnow() - dt.timedelta(hours=1))) or 0)


def since_of(settings: Settings, days: int) -> dt.datetime:
    """Where the dashboard's period of `days` starts (as the page reads ?days=)."""
    return period_of({"days": str(days)}, settings.timezone, utcnow()).since


if __name__ == "__main__":
    run_from_command_line(__doc__.splitlines()[0], main, repeat=20)
