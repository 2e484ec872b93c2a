"""`civic-desk report` over 100,000 logged questions, on SQLite and on PostgreSQL.

A week of a busy desk: 100,000 questions from 5,000 users in both languages and
both channels (about two thirds answered, a quarter clarify or fallback, the
rest small talk, escalations and menu buttons), feedback on one answer in ten,
1,000 tickets with replies and ratings. Unanswered questions are paraphrases of
twenty-five real gaps (tests/analytics/clusters.jsonl) with names, phone numbers
and extra words mixed in, so the clustering meets many distinct texts.

    python benchmarks/report.py [--questions 100000] [--database URL] [--repeat 3]

Without --database it runs on a temporary SQLite file. Prints the seconds of the
whole report (median of the runs; wall clock, and this process's CPU, which on
SQLite includes the database's work) and of its parts: the SQL reading and the gaps.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.analytics.gaps import find_gaps
from bot.analytics.questions import question_figures
from bot.analytics.report import build_report
from bot.db import schema
from bot.db.models import Feedback, Question, TicketMessage, TicketRow, User
from handlers.working_hours import WorkingHours
from knowledge import Matcher, load_base

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "analytics" / "clusters.jsonl"
NAMES = ["Айгүл", "Ольга", "Ерлан", "Марат", "Динара", "Сергей", "Гүлнар", "Асхат"]
EXTRA = ["срочно", "пожалуйста", "подскажите", "көмектесіңіз", "өтінемін", "спасибо", "здравствуйте", "сәлем"]
CHUNK = 5000


def gap_text(rng: random.Random, gaps: list[str]) -> str:
    words = rng.choice(gaps).split()
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words) + 1), rng.choice(EXTRA))
    if rng.random() < 0.2:
        words += ["меня", "зовут", rng.choice(NAMES), f"+7 701 {rng.randrange(1000000):07d}"]
    if rng.random() < 0.3:
        words.pop(rng.randrange(len(words)))
    return " ".join(words) or "?"


def questions(rng: random.Random, count: int, users: int, base: Matcher, gaps: list[str]) -> list[dict]:
    answerable = [(e.id, q, lang) for e in base.base.entries if e.action.value == "answer"
                  for lang, qs in e.questions.items() for q in qs]
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(count):
        roll = rng.random()
        entry, phrasing, lang = rng.choice(answerable)
        decision, topic, body = "answer", entry, phrasing
        if roll > 0.66:
            decision = rng.choice(["clarify", "fallback", "fallback"]) if roll < 0.91 else rng.choice(
                ["smalltalk", "escalate", "menu", "limited"])
            topic = None if decision != "menu" else entry
            body = gap_text(rng, gaps) if decision in ("clarify", "fallback") else f"[button] {decision}"
        rows.append({"user_id": 1 + n % users, "text": body, "lang": lang, "decision": decision, "topic": topic,
                     "score": rng.random(), "created_at": now - dt.timedelta(seconds=rng.randrange(6 * 86400))})
    return rows


async def seed(engine: AsyncEngine, count: int, matcher: Matcher, rng: random.Random) -> None:
    gaps = [json.loads(line)["text"] for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]
    users = max(1, count // 20)
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        await conn.execute(insert(User.__table__), [
            {"id": i, "channel": "telegram" if i % 3 else "whatsapp", "external_id": str(i), "name": "",
             "lang": None, "first_seen": now, "last_seen": now} for i in range(1, users + 1)])
        logged = questions(rng, count, users, matcher, gaps)
        for start in range(0, count, CHUNK):
            await conn.execute(insert(Question.__table__), logged[start:start + CHUNK])
        answered = [n + 1 for n, row in enumerate(logged) if row["decision"] == "answer"][::10]
        await conn.execute(insert(Feedback.__table__), [
            {"question_id": q, "helpful": rng.random() < 0.8, "created_at": now} for q in answered])
        tickets = [{"id": i, "user_id": i, "channel": "telegram", "chat_id": str(i), "name": "", "handle": "",
                    "lang": "ru", "status": "closed", "assignee": rng.choice(NAMES[:4]),
                    "history": json.dumps([{"text": "x", "lang": "ru", "decision": "fallback", "topic": None}]),
                    "created_at": now - dt.timedelta(hours=rng.randrange(140)), "last_user_message_at": now,
                    "closed_by": "consultant", "rating": rng.randint(1, 5), "reopened": 0}
                   for i in range(1, min(users, 1000) + 1)]
        await conn.execute(insert(TicketRow.__table__), tickets)
        await conn.execute(insert(TicketMessage.__table__), [
            {"ticket_id": t["id"], "direction": "to_user", "kind": "text", "author": t["assignee"], "text": "ok",
             "payload": "{}", "status": "sent", "attempts": 1, "next_attempt_at": now, "claim": "", "external_id": "",
             "error": "", "created_at": t["created_at"] + dt.timedelta(minutes=rng.randrange(300))}
            for t in tickets])
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ANALYZE"))


async def measure(engine: AsyncEngine, matcher: Matcher, repeat: int) -> dict[str, float]:
    since, until = dt.datetime.now(dt.UTC) - dt.timedelta(days=7), dt.datetime.now(dt.UTC)
    hours = WorkingHours.parse()
    whole, cpu, reading, gaps = [], [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = await build_report(engine, matcher, hours, since, until)
        whole.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        started = time.perf_counter()
        async with engine.connect() as conn:
            figures = await question_figures(conn, since)
        reading.append(time.perf_counter() - started)
        fresh = Matcher(matcher.base)  # no reading cached from the last run
        started = time.perf_counter()
        find_gaps(figures.gaps, fresh)
        gaps.append(time.perf_counter() - started)
    return {"report_s": statistics.median(whole), "report_cpu_s": statistics.median(cpu),
            "questions_sql_s": statistics.median(reading),
            "gaps_s": statistics.median(gaps), "gap_texts": len(figures.gaps), "clusters": len(report.gaps)}


async def busy_week(url: str, count: int) -> tuple[AsyncEngine, Matcher]:
    """A fresh schema holding the busy week: the console's benchmarks start from the same data."""
    engine = create_async_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await schema.upgrade(engine)
    matcher = Matcher(load_base())
    await seed(engine, count, matcher, random.Random(7))
    return engine, matcher


async def main(url: str, count: int, repeat: int) -> None:
    engine, matcher = await busy_week(url, count)
    result = await measure(engine, matcher, repeat)
    await engine.dispose()
    print(json.dumps({"database": engine.dialect.name, "questions": count, **{
        k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}}))


def run_from_command_line(description: str, main: Callable[[str, int, int], Awaitable[None]], *,
                          repeat: int) -> None:
    """The busy-week benchmarks' shared options: --questions, --database (default a scratch SQLite), --repeat."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--database", default="", help="e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--repeat", type=int, default=repeat)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        database = options.database or f"sqlite+aiosqlite:///{scratch}/bench.db"
        asyncio.run(main(database, options.questions, options.repeat))


if __name__ == "__main__":
    run_from_command_line(__doc__.splitlines()[0], main, repeat=3)
