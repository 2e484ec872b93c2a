"""The durable path's CPU per update, without the web, the platforms or the matcher.

Each update goes the way a webhook's does: the inbox stores it (`Inbox.accept`), a task
processes it (the user seen, the question logged, optionally a region set, one answer put),
its outcome and answer are written together, the answer is "sent" (a send that succeeds at
once) and marked sent. What is left is the database work and its scheduling, which the
webhook benchmark's noise hides (the matcher, aiogram and HTTP are most of its CPU).
Reported: the process's CPU (the SQLite writer thread included; not the PostgreSQL server's)
per update, after a warm-up, with 32 updates in flight.

    python benchmarks/durable.py [--updates 3000] [--rounds 3] [--baseline main] [--region]
                                 [--database URL]

`--database`: a PostgreSQL scratch database (every table in its public schema is dropped);
by default a new SQLite file per run. `--baseline REV` runs a git revision's desk too,
alternating with this tree's, each in a subprocess; medians of the rounds are shown.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IN_FLIGHT, WARM_UP = 32, 300


async def run(updates: int, url: str, region: bool) -> float:
    """One run in this process (the tree on its path): CPU ms per update."""
    from sqlalchemy import event, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.db import schema
    from bot.db.dialect import sqlite_pragmas
    from bot.db.store import SqlDeskStore
    from bot.pipeline.inbox import Inbox
    from bot.pipeline.inbox_table import InboxTable
    from bot.pipeline.outbound import Outbound
    from bot.pipeline.outcome import Outcome
    from handlers.ports import LoggedQuestion
    from handlers.types import Channel

    engine = create_async_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    else:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await schema.upgrade(engine)
    desk = SqlDeskStore(engine)

    async def send(chat_id: str, body: dict[str, object]) -> Outcome:
        return Outcome.sent()

    outbound = Outbound(engine, {"telegram": send})

    async def processor(payload: dict[str, str]) -> None:
        user = await desk.touch_user(Channel.TELEGRAM, payload["u"], "name")
        if region:
            await desk.set_region(user.id, "almaty")
        await desk.log_question(user.id, LoggedQuestion("q", "ru", "answer", "grants.apply", 0.5), language="ru")
        await outbound.put("telegram", payload["u"], [{"text": "answer " * 40}])

    inbox = Inbox(InboxTable(engine, keep=outbound.store), {"telegram": processor}, outbound=outbound)
    room = asyncio.Semaphore(IN_FLIGHT)

    async def deliver(n: int) -> None:
        async with room:
            await inbox.accept("telegram", str(n), {"u": str(n)}, order_key=str(n))

    async def batch(first: int, count: int) -> None:
        await asyncio.gather(*(deliver(n) for n in range(first, first + count)))
        await inbox.drain()

    await batch(0, WARM_UP)
    started = time.process_time()
    await batch(WARM_UP, updates)
    cpu = time.process_time() - started
    await engine.dispose()
    return 1000 * cpu / updates


def child(tree: Path, args: argparse.Namespace) -> float:
    """One run of `tree`'s desk in a subprocess."""
    url = args.database or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='durable-')}/desk.db"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", "--updates", str(args.updates),
            "--database", url, *(["--region"] if args.region else [])]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(argv, env=env, cwd=tree, check=True, capture_output=True, text=True, timeout=600)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="also run the desk of this git revision (e.g. main)")
    parser.add_argument("--region", action="store_true", help="every update also sets the user's region")
    parser.add_argument("--database", help="a PostgreSQL scratch database URL (default: SQLite files)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(f"{asyncio.run(run(args.updates, args.database, args.region)):.4f}")
        return
    trees = {"this tree": ROOT}
    with tempfile.TemporaryDirectory(prefix="durable-baseline-") as scratch:
        if args.baseline:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from processes import unpack
            unpack(args.baseline, Path(scratch))
            trees[args.baseline] = Path(scratch)
        figures: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                figures[name].append(child(tree, args))
    kind = "PostgreSQL" if args.database else "SQLite"
    for name, runs in figures.items():
        each = ", ".join(f"{run:.3f}" for run in runs)
        print(f"{name}, {kind}: {statistics.median(runs):.3f} ms CPU/update (runs: {each})")


if __name__ == "__main__":
    main()
