"""The desk's own CPU per update, against a named baseline: `Desk.handle` and the channels' rendering.

What the webhook benchmark's server does for each update besides the web, the database and the
platform calls: the desk (on the in-memory ports of handlers/memory.py, with the real base, the
shipped centres and regions, deadline reminders and a team, as `civic-desk serve` builds it)
answers the base's phrasings as written, half from Telegram and half from WhatsApp, each from a
new user, and the replies are rendered for their channel. The decisions go through `TimedMatcher`
with its metrics, and its decision cache is on: the same random draw of phrasings as
`benchmarks/webhook.py`, so about a third of the texts repeat. The heap is settled as the server's is.

The baseline is another git revision's whole tree (`git archive`), first on the path of its
subprocess; the two sides alternate for `--rounds` rounds and medians are shown.

    python benchmarks/desk.py [--baseline main] [--updates 5000] [--rounds 5] [--check]

`--check` also has both sides answer every phrasing of the base (and the tests' labelled
messages) in both languages and on both channels, and compares every reply they rendered.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a working day: the same clock for both sides


class NoSubscriptions:
    """The reminders' store, never reached by questions (only by their words and buttons)."""

    async def subscriptions(self, user_id: int) -> list[object]:
        return []


def memory_store():  # type: ignore[no-untyped-def]
    """The in-memory desk store, its users found by id in one look-up (its own scan of every
    user would make the benchmark quadratic in the updates)."""
    from handlers.memory import MemoryDeskStore

    class Store(MemoryDeskStore):
        def __init__(self) -> None:
            super().__init__()
            self.keys: dict[int, object] = {}

        async def touch_user(self, channel, external_id, name):  # type: ignore[no-untyped-def]
            user = await super().touch_user(channel, external_id, name)
            self.keys[user.id] = (channel, external_id)
            return user

        def _change(self, user_id: int, **values: str) -> None:
            key = self.keys[user_id]
            self.users[key] = dataclasses.replace(self.users[key], **values)  # type: ignore[index]

    return Store()


def build_desk():  # type: ignore[no-untyped-def]
    """The desk as `civic-desk serve` builds it, on the in-memory ports."""
    from zoneinfo import ZoneInfo

    from bot.app.compose import build_directory
    from bot.app.config import Settings
    from bot.ops.metrics import Metrics, TimedMatcher
    from bot.reminders.source import CalendarSource
    from handlers import Channel, Desk, Team, Translator
    from handlers.memory import MemoryRelayOutbox, MemoryTicketStore
    from handlers.subscriptions import Reach, Reminders
    from handlers.working_hours import WorkingHours
    from knowledge import Matcher, load_base

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    def clock() -> dt.datetime:
        return NOW
    translator, store = Translator(), memory_store()
    base = load_base(settings.knowledge_dir)
    matcher = TimedMatcher(Matcher(base), Metrics())
    centres = build_directory(settings)
    outbox = MemoryRelayOutbox(clock)
    team = Team(MemoryTicketStore(outbox), outbox, store, translator, WorkingHours.parse(), clock,
                reply_windows={Channel.WHATSAPP: dt.timedelta(hours=24)})
    calendar = CalendarSource(settings.knowledge_dir, centres.regions, lambda: [e.id for e in base.entries])
    reminders = Reminders(NoSubscriptions(), calendar, Reach(frozenset({Channel.TELEGRAM})), centres.regions,
                          clock, ZoneInfo(settings.timezone))
    return Desk(matcher, store, translator, team=team, clock=clock, centres=centres, reminders=reminders), base


def phrasings(base) -> list[str]:  # type: ignore[no-untyped-def]
    return [q for entry in base.entries for lang in ("kk", "ru") for q in entry.questions[lang]]


class Channels:
    """Each update as its channel maps it, and the desk's replies as its channel renders them."""

    def __init__(self, translator) -> None:  # type: ignore[no-untyped-def]
        from bot.channels.telegram import render as telegram
        from bot.channels.whatsapp import render as whatsapp
        from bot.channels.whatsapp.processor import labels

        self.telegram, self.whatsapp = telegram, whatsapp
        self.labels = {lang: labels(translator, lang) for lang in ("kk", "ru")}

    def inbound(self, n: int, text: str, lang_hint: str = "kk"):  # type: ignore[no-untyped-def]
        from handlers import Channel, Inbound, InboundKind

        if n % 2 == 0:
            return Inbound(Channel.TELEGRAM, str(10_000_000 + n), InboundKind.TEXT, text, "1", "Айгүл", lang_hint)
        return Inbound(Channel.WHATSAPP, f"7701{n:07d}", InboundKind.TEXT, text, f"wamid.{n}", "Айгерім")

    def render(self, n: int, replies, lang: str) -> list[object]:  # type: ignore[no-untyped-def]
        if n % 2 == 0:
            return [(o.text, o.reply_markup) for o in self.telegram.render(replies)]
        return [r.messages for r in (self.whatsapp.render_reply(reply, self.labels[lang]) for reply in replies)]


async def timed(count: int, seed: int) -> float:
    """Process time per update, µs."""
    from bot.app.serve import settle_heap

    desk, base = build_desk()
    channels = Channels(desk.translator)
    rng = random.Random(seed)
    texts = phrasings(base)
    load = [channels.inbound(n, rng.choice(texts)) for n in range(count)]
    await desk.handle(channels.inbound(-2, "грант"))  # lazy set-up (regions' first words, gettext)
    settle_heap()  # as `civic-desk serve` does once started
    started = time.process_time()
    for n, inbound in enumerate(load):
        replies = await desk.handle(inbound)
        channels.render(n, replies, "kk")
    return (time.process_time() - started) / count * 1e6


# Messages the desk answers before or without the matcher, or around it.
AROUND = ["тіл", "Язык!", "аймақ", "Караганда", "в Караганде", "Қарағанды облысы", "я из Алматы", "стоп", "ескерту",
          "напоминания", "сәлем", "Привет, бот!", "рахмет", "!!!", "123", "...", "грант " * 400,
          "Мы фонд из Семея, работаем с молодёжью. Как получить грант?", "karagandy", "Astana"]


def labelled() -> list[str]:
    """The tests' labelled messages, each also reversed, and `AROUND`."""
    found = list(AROUND)
    for path in sorted((ROOT / "tests").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                found += [row["text"], row["text"][::-1]]
    return found


async def replies_digest(extra: list[str]) -> str:
    """A digest of every reply to every phrasing and `extra` message, in both languages and on both
    channels, in a fresh desk per language (each message from a new user)."""
    digest = hashlib.sha256()
    for hint in ("kk", "ru"):
        desk, base = build_desk()
        channels = Channels(desk.translator)
        texts = phrasings(base) + extra
        for n, text in enumerate(texts + texts):  # the second time from the matcher's cache
            replies = await desk.handle(channels.inbound(n, text, hint))
            shown = repr((text, [(r.text, r.buttons) for r in replies], channels.render(n, replies, hint)))
            digest.update(shown.encode())
    return digest.hexdigest()


def side(tree: Path, args: argparse.Namespace, mode: str, extra: Path | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [sys.executable, str(tree / "benchmarks" / "desk.py"), "--side", mode, "--updates", str(args.updates),
            "--seed", str(args.seed)]
    if extra is not None:
        argv += ["--extra", str(extra)]
    return subprocess.run(argv, env=env, cwd=tree, check=True, capture_output=True, text=True).stdout.splitlines()[-1]


def run_side(args: argparse.Namespace) -> None:
    if args.side == "time":
        print(asyncio.run(timed(args.updates, args.seed)))
    else:
        extra = json.loads(Path(args.extra).read_text()) if args.extra else []
        print(asyncio.run(replies_digest(extra)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision whose desk is the baseline")
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="also compare every reply of both sides")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--extra", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_side(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "baseline"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        (old / "benchmarks" / "desk.py").write_bytes(Path(__file__).read_bytes())  # the same harness
        if args.check:
            extra = Path(scratch) / "extra.json"
            extra.write_text(json.dumps(labelled()))
            mine, theirs = side(ROOT, args, "check", extra), side(old, args, "check", extra)
            print(f"replies: {'identical' if mine == theirs else 'DIFFERENT'} ({mine[:12]} / {theirs[:12]})")
        runs: dict[str, list[float]] = {"this tree": [], args.baseline: []}
        for _ in range(args.rounds):
            runs[args.baseline].append(float(side(old, args, "time")))
            runs["this tree"].append(float(side(ROOT, args, "time")))
    for name, values in runs.items():
        print(f"{name:<12} µs CPU per update: median {statistics.median(values):7.1f}  "
              f"(rounds: {', '.join(f'{v:.0f}' for v in values)})")
    ratio = statistics.median(runs[args.baseline]) / statistics.median(runs["this tree"])
    print(f"{'':<12} baseline / this tree: {ratio:.3f}")


if __name__ == "__main__":
    main()
