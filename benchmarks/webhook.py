"""Webhook throughput and latency of a real `civic-desk serve`, against a bare aiogram echo bot.

Starts each server as a subprocess on 127.0.0.1 with fake Telegram and WhatsApp
APIs in this process, drives N real-shaped signed updates (half Telegram, half
WhatsApp, each from its own user, real questions from the knowledge base) with a
bounded number in flight, and reports:

- updates/s: N over the time from the first POST to the last reply at the fake API;
- p50/p99 latency: from sending the POST to the first outbound message to that user;
- ack p50/p90: from sending the POST to its 200 (the acknowledgement; at a fixed number in
  flight, the rate of POSTs is that number over this time);
- busy: the server's CPU seconds per second of the run (1.0: one core kept busy);
- peak memory: the server's peak resident set (VmHWM);
- stored: inbox rows processed (the desk only; the echo bot stores nothing).

Each round runs, in order: the echo bot (the floor, `echo_bot.py`: aiogram's SimpleRequestHandler, which
answers 200 before handling, and a bare WhatsApp handler that echoes in the background), the
desk on SQLite, the desk on PostgreSQL (a scratch database, `civic_desk_bench` unless
`--postgres-database` names another, when the server answers), each desk on an empty
database. Outbound pacing is off for all of them: the fake API has no limits. A shared
2-core machine is noisy (runs of one server differ by a fifth), so `--repeat N` runs N
rounds and reports medians, each ratio to the echo bot taken within its own round.

    python benchmarks/webhook.py [--updates 5000] [--concurrency 32] [--no-postgres] [--no-sqlite] [--no-cache-too]
                                 [--postgres-database NAME] [--workers 2] [--baseline main] [--repeat 3]

`--baseline REV` also runs, in every round and on every database, the desk of a git revision
(its tree unpacked beside the run and put first on the desk's PYTHONPATH): a before/after in
the same rounds.

Loopback only, bounded in count and time: every wait has a deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from fake_platforms import APP_SECRET, NUMBER, SECRET, TOKEN, VERIFY_TOKEN, Delivery, FakePlatforms, deliveries
from processes import START_TIMEOUT, cpu_seconds, family, free_port, peak_rss_mb, start, stop, unpack

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "civic_desk_bench"  # the default scratch database (--postgres-database)
RUN_TIMEOUT = 600.0
FLOOR = "aiogram echo bot (floor)"


@dataclass
class Result:
    name: str
    updates: int
    acknowledged: int
    answered: int
    seconds: float
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float
    cpu_ms: float  # server CPU per update
    stored: str
    ack_p50_ms: float = float("nan")  # POST -> its 200
    ack_p90_ms: float = float("nan")
    busy: float = float("nan")  # the server's CPU seconds per wall second of the run (1.0: one core)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


async def drive(url: str, load: list[Delivery], platforms: FakePlatforms,
                concurrency: int) -> tuple[int, dict[str, float], float, list[float]]:
    """POST every delivery with at most `concurrency` in flight; wait (bounded) for the replies.
    Returns the 200s, when each user's POST was sent, when the first was, and each POST's time to its answer."""
    sent_at: dict[str, float] = {}
    acked_in: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)

    async with aiohttp.ClientSession(connector=connector) as session:
        async def post(delivery: Delivery) -> bool:
            async with gate:
                sent_at[delivery.user] = time.perf_counter()
                async with session.post(url + delivery.path, data=delivery.body,
                                        headers=delivery.headers) as response:
                    await response.read()
                    acked_in.append(time.perf_counter() - sent_at[delivery.user])
                    return response.status == 200

        started = time.perf_counter()
        acks = await asyncio.gather(*(post(d) for d in load))
    deadline = time.perf_counter() + RUN_TIMEOUT
    while len(platforms.first_reply) < sum(acks) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    return sum(acks), sent_at, started, acked_in


# -- the servers --------------------------------------------------------------------------------

def desk_env(database_url: str, port: int, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({
        "DESK_DATABASE_URL": database_url, "DESK_HOST": "127.0.0.1", "DESK_PORT": str(port),
        "DESK_LOG_LEVEL": "WARNING", "DESK_PUBLIC_URL": "https://desk.bench.invalid",  # setWebhook: the fake API's
        "DESK_TELEGRAM_TOKEN": TOKEN, "DESK_TELEGRAM_API_URL": api_url, "DESK_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "DESK_WHATSAPP_TOKEN": "bench", "DESK_WHATSAPP_API_URL": api_url, "DESK_WHATSAPP_PHONE_NUMBER_ID": NUMBER,
        "DESK_WHATSAPP_APP_SECRET": APP_SECRET, "DESK_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        # The fake API has no limits, and the echo bot does not pace either.
        "DESK_TELEGRAM_MESSAGES_PER_SECOND": "0", "DESK_TELEGRAM_CHAT_MESSAGES_PER_SECOND": "0",
        "DESK_WHATSAPP_MESSAGES_PER_SECOND": "0",
    })
    return env


def civic_desk() -> list[str]:
    script = Path(sys.executable).with_name("civic-desk")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.app.cli import main; main()"]


async def stored(database_url: str) -> str:
    """'processed/rows' of the desk's inbox after the run."""
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from bot.db.models import InboundEvent

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = dict((await conn.execute(select(InboundEvent.status, func.count())
                                            .group_by(InboundEvent.status))).all())
    finally:
        await engine.dispose()
    return f"{rows.get('done', 0)}/{sum(rows.values())}"


async def fresh_postgres(name: str) -> str | None:
    """The scratch database `name` on the local server, dropped and made anew; None when no server answers."""
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc!r}", file=sys.stderr)
        return None
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def measure(name: str, argv: list[str], env: dict[str, str], port: int, workdir: Path,
                  platforms: FakePlatforms, load: list[Delivery], concurrency: int,
                  database_url: str | None) -> Result:
    platforms.first_reply.clear()
    process = await start(argv, env, port, workdir)
    try:
        pids = family(process.pid)
        cpu_before = cpu_seconds(pids)
        acknowledged, sent_at, started, acked_in = await drive(f"http://127.0.0.1:{port}", load, platforms,
                                                               concurrency)
        replies = dict(platforms.first_reply)
        rss = peak_rss_mb(pids)
        cpu_used = cpu_seconds(pids) - cpu_before
    finally:
        await stop(process)
    latencies = percentiles([(replies[u] - sent_at[u]) * 1000 for u in replies if u in sent_at])
    acks = percentiles([seconds * 1000 for seconds in acked_in])
    finished = max(replies.values(), default=started)
    return Result(name, len(load), acknowledged, len(replies), finished - started, latencies[49], latencies[98],
                  rss, cpu_used * 1000 / max(len(replies), 1), await stored(database_url) if database_url else "-",
                  acks[49], acks[89], cpu_used / (finished - started) if finished > started else float("nan"))


def percentiles(values: list[float]) -> list[float]:
    """The 1st to 99th percentiles (NaN when there are too few values)."""
    return statistics.quantiles(values, n=100) if len(values) > 1 else [float("nan")] * 99


async def fresh_database(kind: str, workdir: Path, run: int, postgres_database: str = PG_DATABASE) -> str | None:
    """An empty database for one run: a new SQLite file, or the PostgreSQL scratch database
    recreated (None when no PostgreSQL answers)."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / f'desk-{run}.db'}"
    return await fresh_postgres(postgres_database)


async def desk_upgrade(database_url: str, workdir: Path, extra_env: dict[str, str]) -> None:
    env = {**desk_env(database_url, 8080, "http://127.0.0.1:1"), **extra_env}
    process = await asyncio.create_subprocess_exec(*civic_desk(), "db", "upgrade", env=env, cwd=workdir,
                                                   stdout=asyncio.subprocess.DEVNULL)
    async with asyncio.timeout(START_TIMEOUT):
        if await process.wait() != 0:
            raise RuntimeError(f"db upgrade failed on {database_url}")


async def one_round(args: argparse.Namespace, workdir: Path, platforms: FakePlatforms, api_url: str,
                    load: list[Delivery], first_run: int) -> list[Result]:
    """The echo bot, then every desk variant, each on an empty database."""
    port = free_port()
    echo = [sys.executable, str(Path(__file__).with_name("echo_bot.py")), str(port), api_url]
    results = [await measure(FLOOR, echo, dict(os.environ), port, workdir, platforms, load, args.concurrency, None)]
    kinds = [] if args.no_sqlite else [("civic-desk, SQLite", "sqlite")]
    if not args.no_postgres:
        kinds.append(("civic-desk, PostgreSQL", "postgresql"))
    variants = [("", [], {})]
    if args.no_cache_too:
        variants.append((", no match cache", [], {"DESK_MATCH_CACHE_SIZE": "0"}))
    if args.workers > 1:
        variants.append((f", {args.workers} workers", ["--workers", str(args.workers)], {}))
    if args.baseline:
        variants.append((f", {args.baseline}", [], {"PYTHONPATH": str(workdir / "baseline")}))
    run = first_run
    for name, kind in kinds:
        for suffix, extra, env in variants:
            run += 1
            url = await fresh_database(kind, workdir, run, args.postgres_database)
            if url is None:
                break
            await desk_upgrade(url, workdir, env)
            port = free_port()
            results.append(await measure(name + suffix, [*civic_desk(), "serve", *extra],
                                         {**desk_env(url, port, api_url), **env}, port,
                                         workdir, platforms, load, args.concurrency, url))
    return results


async def main(args: argparse.Namespace) -> int:
    platforms = FakePlatforms()
    runner = web.AppRunner(platforms.app, access_log=None)
    await runner.setup()
    api_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", api_port).start()
    api_url = f"http://127.0.0.1:{api_port}"
    load = deliveries(args.updates)
    rounds: list[list[Result]] = []
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        if args.baseline:
            unpack(args.baseline, Path(tmp) / "baseline")
        try:
            for n in range(args.repeat):
                rounds.append(await one_round(args, Path(tmp), platforms, api_url, load, first_run=100 * n))
        finally:
            await runner.cleanup()
    report(rounds, args)
    return 0


def report(rounds: list[list[Result]], args: argparse.Namespace) -> None:
    """One row per server: medians over the rounds; "x echo" is the median of each round's own ratio."""
    print(f"\n{args.updates} updates (half Telegram, half WhatsApp), {args.concurrency} in flight, "
          f"{os.cpu_count()} cores, loopback, {len(rounds)} round(s), medians\n")
    print("| server | updates/s | x echo | x echo, range | p50 ms | p99 ms | ack p50 ms | ack p90 ms | peak RSS MB "
          "| server CPU ms/update | busy | answered | stored (done/rows) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    by_name: dict[str, list[tuple[Result, float]]] = {}
    for results in rounds:
        floor = results[0].rate
        for r in results:
            by_name.setdefault(r.name, []).append((r, r.rate / floor if floor else float("nan")))
    median = statistics.median
    for name, runs in by_name.items():
        ratios = [ratio for _, ratio in runs]

        def typical(field: str, runs: list[tuple[Result, float]] = runs) -> float:
            return median(getattr(r, field) for r, _ in runs)

        print(f"| {name} | {median(r.rate for r, _ in runs):,.0f} | {median(ratios):.2f} "
              f"| {min(ratios):.2f}-{max(ratios):.2f} | {typical('p50_ms'):,.0f} | {typical('p99_ms'):,.0f} "
              f"| {typical('ack_p50_ms'):,.1f} | {typical('ack_p90_ms'):,.1f} "
              f"| {max(r.peak_rss_mb for r, _ in runs):,.0f} | {typical('cpu_ms'):.2f} | {typical('busy'):.2f} "
              f"| {min(r.answered for r, _ in runs)}/{runs[0][0].updates} | {runs[-1][0].stored} |")

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=5000, help="how many updates to send (default 5000)")
    parser.add_argument("--concurrency", type=int, default=32, help="POSTs in flight at once (default 32)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--postgres-database", default=PG_DATABASE,
                        help=f"the scratch database on 127.0.0.1:5432, dropped and created for each run "
                             f"(default {PG_DATABASE})")
    parser.add_argument("--no-cache-too", action="store_true",
                        help="also run each desk with the matcher's decision cache off")
    parser.add_argument("--baseline", default="",
                        help="also run the desk of this git revision (e.g. main) in every round")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds, each running every server once; medians are reported (default 1)")
    parser.add_argument("--workers", type=int, default=1,
                        help="also run each desk as `serve --workers N` (default 1: no extra run)")
    sys.exit(asyncio.run(main(parser.parse_args())))
