"""The `civic-desk` command: ask, chat, kb check/export, db upgrade, serve, purge, tickets."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError

from bot import retention
from bot.channels.terminal import render, run_chat
from bot.compose import build_matcher, maintenance_engine, open_desk
from bot.config import Settings
from bot.db import schema
from bot.db.memory import MemoryStore
from bot.outage import OUTAGE, unreachable
from bot.ticket_list import print_open_tickets
from handlers import Channel, Desk, Inbound, InboundKind, Translator
from knowledge import Decision, KnowledgeError, Matcher, check_base


def decision_record(decision: Decision) -> dict[str, object]:
    """One answer of the batch contract (../shared/eval/README.md), without the id."""
    return {
        "action": decision.kind.value,
        "intent": decision.intent,
        "lang": decision.lang,
        "score": round(decision.score, 4),
        "candidates": [e.id for e in decision.candidates][:3],
    }


def ask_jsonl(matcher: Matcher, default_lang: str, lines: Sequence[str] | None = None) -> int:
    """Read {"id", "text"} lines on stdin, write one decision line per input, in order."""
    for line in lines if lines is not None else sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text, item_id = str(item["text"]), item.get("id")
        except (json.JSONDecodeError, KeyError, TypeError):
            print(json.dumps({"id": None, "error": "expected a JSON object with a text field"}))
            continue
        record = {"id": item_id, **decision_record(matcher.decide(text, default_lang))}  # type: ignore[arg-type]
        print(json.dumps(record, ensure_ascii=False))
    return 0


async def ask_one(matcher: Matcher, settings: Settings, text: str) -> int:
    """Print the decision and the reply exactly as a user would read it."""
    record = decision_record(matcher.decide(text, settings.default_lang))  # type: ignore[arg-type]
    print(f"decision: {record['action']}  topic: {record['intent'] or '-'}  "
          f"score: {record['score']}  lang: {record['lang']}")
    if record["candidates"]:
        print("candidates: " + ", ".join(record["candidates"]))  # type: ignore[arg-type]
    desk = Desk(matcher, MemoryStore(), Translator(), settings.default_lang)
    replies = await desk.handle(Inbound(Channel.TERMINAL, "ask", InboundKind.TEXT, text))
    print("\n" + render(replies)[0])
    return 0


def kb_check(settings: Settings, max_age_days: int | None) -> int:
    _, problems = check_base(settings.knowledge_dir, max_age_days=max_age_days or settings.kb_max_age_days)
    for problem in problems:
        prefix = "warning: " if problem.severity == "warning" else ""
        print(f"{prefix}{problem}")
    errors = sum(1 for p in problems if p.severity == "error")
    base, _ = check_base(settings.knowledge_dir, max_age_days=10**6)
    print(f"{len(base.entries)} entries, {errors} errors, {len(problems) - errors} warnings",
          file=sys.stderr)
    return 1 if errors else 0


def kb_export(settings: Settings) -> int:
    matcher = build_matcher(settings)
    for entry in matcher.base.entries:
        print(json.dumps(entry.to_record(), ensure_ascii=False))
    return 0


async def chat(settings: Settings, lang: str | None) -> int:
    async with open_desk(settings, migrate=True) as desk:
        await run_chat(desk, lang or settings.default_lang, explicit_lang=lang is not None)
    return 0


async def db_upgrade(settings: Settings) -> int:
    engine = maintenance_engine(settings)
    try:
        await schema.upgrade(engine)
        print(f"database at revision {await schema.current_revision(engine)}")
    finally:
        await engine.dispose()
    return 0


async def purge(settings: Settings, older_than: str, dry_run: bool) -> int:
    """Blank personal texts older than the retention period; rows and counts stay."""
    try:
        age = retention.parse_age(older_than)
    except ValueError as exc:
        print(f"civic-desk purge: {exc}", file=sys.stderr)
        return 2
    engine = maintenance_engine(settings)
    try:
        counts = await retention.purge(engine, age, dry_run=dry_run)
    finally:
        await engine.dispose()
    verb = "would blank" if dry_run else "blanked"
    for label, count in counts.items():
        print(f"{label}: {verb} {count}")
    return 0


def serve(settings: Settings, *, polling: bool, workers: int = 1) -> int:
    """Run the aiohttp application until stopped (in `workers` processes sharing the port)."""
    from bot.channels.telegram import TelegramSetupError
    from bot.web import run_service, run_workers  # imports aiohttp and the channels only when serving

    if workers < 1:
        print("civic-desk serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and polling:
        print("civic-desk serve: --polling runs in one process (Telegram gives updates to one poller)",
              file=sys.stderr)
        return 2
    try:
        return run_workers(settings, workers) if workers > 1 else run_service(settings, polling=polling)
    except TelegramSetupError as exc:
        print(f"civic-desk cannot start: {exc}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="civic-desk", description="Consultation desk for NGOs")
    sub = ap.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="match one question, or a batch with --jsonl")
    ask.add_argument("text", nargs="?", help="the question")
    ask.add_argument("--jsonl", action="store_true", help="read JSON lines on stdin (batch contract)")
    chat_p = sub.add_parser("chat", help="talk to the desk in the terminal")
    chat_p.add_argument("--lang", choices=["kk", "ru"])
    kb = sub.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    check = kb.add_parser("check", help="validate every entry file")
    check.add_argument("--max-age-days", type=int, help="warn about entries checked longer ago")
    kb.add_parser("export", help="print the base as JSON lines")
    serve = sub.add_parser("serve", help="run the webhook service (or long polling)")
    serve.add_argument("--polling", action="store_true", help="Telegram long polling, for development")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="processes sharing the port with SO_REUSEPORT, each a full instance (default 1)")
    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")
    purge_p = sub.add_parser("purge", help="blank old question texts, names and payloads (rows stay)")
    purge_p.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 365d, 52w, 12h")
    purge_p.add_argument("--dry-run", action="store_true", help="only count what would be blanked")
    sub.add_parser("tickets", help="open tickets with their age and assignee")
    return ap


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    try:
        if args.command == "kb":
            return kb_check(settings, args.max_age_days) if args.kb_command == "check" else kb_export(settings)
        if args.command == "db":
            return asyncio.run(db_upgrade(settings))
        if args.command == "serve":
            return serve(settings, polling=args.polling, workers=args.workers)
        if args.command == "purge":
            return asyncio.run(purge(settings, args.older_than, args.dry_run))
        if args.command == "tickets":
            return asyncio.run(print_open_tickets(settings))
        if args.command == "chat":
            return asyncio.run(chat(settings, args.lang))
        matcher = build_matcher(settings)
        if args.jsonl:
            return ask_jsonl(matcher, settings.default_lang)
        if not args.text:
            parser().error("ask needs a question, or --jsonl")
        return asyncio.run(ask_one(matcher, settings, args.text))
    except KnowledgeError as exc:
        print(f"The knowledge base cannot be used:\n{exc}", file=sys.stderr)
        return 2
    except ArgumentError as exc:
        print(f"civic-desk: DESK_DATABASE_URL is not a database address ({exc})", file=sys.stderr)
        return 1
    except OUTAGE as exc:
        print(f"civic-desk: {unreachable(settings.database_url, exc)}", file=sys.stderr)
        return 1


def main() -> None:
    try:
        sys.exit(run())
    except BrokenPipeError:  # output piped into `head` and the like
        sys.exit(0)
