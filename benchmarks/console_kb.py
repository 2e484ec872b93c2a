"""The console's knowledge pages over 100,000 logged questions: how long each takes to render.

The desk's log as `benchmarks/report.py` seeds it (100,000 questions, feedback on
one answer in ten, a week of gaps), the shipped base, one draft and an entry with
a history; the console served in-process on loopback by aiohttp, a curator logged
in through the form. Each page is fetched `--repeat` times after one warm-up
(the gaps page's first visit starts the count off the loop; the next ones read
it), and the median and the slowest time are printed in milliseconds, with the CPU
this process spent per request (server, client and SQLite together: on a shared,
loaded machine the steadier figure).

    python benchmarks/console_kb.py [--questions 100000] [--database URL] [--repeat 20]
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from report import busy_week, run_from_command_line  # benchmarks/report.py: the same busy week
from sqlalchemy import text

from bot.app.config import Settings
from bot.app.serve import settle_heap
from bot.console.app import mount_console
from bot.console.deps import Console
from bot.console.kb_edits import KbEdits
from bot.curation.entry_form import from_mapping
from bot.db.models import utcnow
from handlers import Translator

PASSWORD = "benchmark password 1"
ENTRY = "grants.how-apply"
PAGES = {
    "knowledge": "/console/knowledge",
    "knowledge, last 30 days": "/console/knowledge?days=30",
    "search (live matcher)": "/console/knowledge?q=" + "Грантқа қалай өтінім беремін?",
    "entry with history": f"/console/knowledge/{ENTRY}",
    "drafts": "/console/drafts",
    "draft editor (kb check rules)": "/console/drafts/{draft}",
    "gaps (counted)": "/console/gaps",
}


async def log_in(session: aiohttp.ClientSession, url: str) -> None:
    async with session.get(url + "/console/login") as response:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await response.text()).group(1)  # type: ignore[union-attr]
    async with session.post(url + "/console/login", data={"csrf": csrf, "name": "bench", "password": PASSWORD,
                                                          "next": "/console/"}) as response:
        assert response.status == 200 and "/console/" in str(response.url), response.status


async def page_text(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as response:
        return await response.text()


async def fetch(session: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with session.get(url) as response:
        await response.read()
        assert response.status == 200, (url, response.status)
    return (time.perf_counter() - started) * 1000


async def main(url: str, count: int, repeat: int) -> None:
    engine, matcher = await busy_week(url, count)
    if engine.dialect.name == "postgresql":  # as autovacuum leaves a table: index-only scans see it all-visible
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    settle_heap()  # as `serve` does after start-up: the seed's objects out of the collector's way
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    console = Console(settings, engine, Translator(), lambda: matcher, utcnow)
    await console.staff.add("bench", "curator", PASSWORD, "benchmark")
    edits = KbEdits(console)
    draft = await edits.revise("bench", ENTRY)
    form = from_mapping({**matcher.base.by_id[ENTRY].to_record(), "owner": "Дана"})
    await edits.save("bench", await edits.drafts.get(draft), form)  # type: ignore[arg-type]
    app = web.Application()
    mount_console(app, console)
    times: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}  # this process's CPU per request: the server, the client and SQLite alike
    async with TestServer(app, host="127.0.0.1") as server, \
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        base = str(server.make_url("")).rstrip("/")
        await log_in(session, base)
        for name, path in PAGES.items():
            target = base + path.format(draft=draft)
            await fetch(session, target)  # warm: templates compiled, the gaps count started
            while name.startswith("gaps") and 'id="counting"' in await page_text(session, target):
                await asyncio.sleep(0.5)
            started = time.process_time()
            times[name] = [await fetch(session, target) for _ in range(repeat)]
            cpu[name] = (time.process_time() - started) * 1000 / repeat
    await engine.dispose()
    print(json.dumps({"database": engine.dialect.name, "questions": count, "pages_ms": {
        name: {"median": round(statistics.median(t), 1), "max": round(max(t), 1), "cpu": round(cpu[name], 1)}
        for name, t in times.items()}},
        ensure_ascii=False, indent=1))


if __name__ == "__main__":
    run_from_command_line(__doc__.splitlines()[0], main, repeat=20)
