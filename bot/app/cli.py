"""The `civic-desk` command: ask, chat, kb check/export, db upgrade, serve, console, staff, purge, tickets."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.analytics import command as report_command
from bot.app import startup
from bot.app.channel_plan import plan
from bot.app.compose import build_matcher, check_calendar, check_directory, maintenance_engine, make_engine, open_desk
from bot.app.config import ENV_FILE_VARIABLE, EnvFileMissing, Settings, load_settings
from bot.app.settings_errors import describe
from bot.channels.terminal import forgiving_stdin, render, run_chat
from bot.console import command as staff_command
from bot.curation import command as curation_command
from bot.db import schema
from bot.ops import logs, purge_command
from bot.ops.doctor import doctor
from bot.ops.failures import FAILURES, database_failure
from bot.ops.ticket_list import print_open_tickets
from bot.reminders import plan as remind_plan
from handlers import Channel, Desk, Inbound, InboundKind, Translator
from handlers.memory import MemoryDeskStore
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
    desk = Desk(matcher, MemoryDeskStore(), Translator(), settings.default_lang)
    replies = await desk.handle(Inbound(Channel.TERMINAL, "ask", InboundKind.TEXT, text))
    print("\n" + render(replies)[0])
    return 0


def kb_check(settings: Settings, max_age_days: int | None) -> int:
    checked, problems = check_base(settings.knowledge_dir, max_age_days=max_age_days or settings.kb_max_age_days)
    problems += check_directory(settings)[1]
    problems += check_calendar(settings, [entry.id for entry in checked.entries])
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
    forgiving_stdin()
    # Ctrl-C at the prompt is a KeyboardInterrupt in input(), which run_chat ends on; asyncio.run's own
    # handler would instead cancel the desk mid-way (its database connections closing half-done).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    async with open_desk(settings, migrate=True) as desk:
        await run_chat(desk, lang or settings.default_lang, explicit_lang=lang is not None)
    return 0


def chat_until_stopped(settings: Settings, lang: str | None) -> int:
    """The terminal chat; Ctrl-C while the desk is answering ends it as quietly as at the prompt."""
    try:
        return asyncio.run(chat(settings, lang))
    except KeyboardInterrupt:
        print()
        return 0


async def tickets(settings: Settings, centre: str | None = None) -> int:
    """The open tickets, once the database has the tables."""
    engine = make_engine(settings)
    try:
        if await schema.refuses(engine, "tickets"):
            return 1
    finally:
        await engine.dispose()
    return await print_open_tickets(settings, centre)


def positive_days(text: str) -> int:
    """--max-age-days: a whole number of days, 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of days, 1 or more, not {text!r}")
    return int(text)


async def db_upgrade(settings: Settings) -> int:
    engine = maintenance_engine(settings)
    try:
        await schema.upgrade(engine)
        print(f"database at revision {await schema.current_revision(engine)}")
    finally:
        await engine.dispose()
    return 0


def serve(settings: Settings, *, polling: bool, workers: int = 1, force: bool = False,
          no_channels: bool = False) -> int:
    """Run the aiohttp application until stopped (in `workers` processes sharing the port)."""
    from bot.app.serve import run_service, run_workers  # imports aiohttp and the channels only when serving
    from bot.channels.telegram import TelegramSetupError

    if workers < 1:
        print("civic-desk serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and polling:
        print("civic-desk serve: --polling runs in one process (Telegram gives updates to one poller)",
              file=sys.stderr)
        return 2
    if force and not polling:
        print("civic-desk serve: --force goes with --polling (it removes the registered webhook)",
              file=sys.stderr)
        return 2
    parts = plan(settings, polling=polling)
    refused = startup.refusals(parts, no_channels=no_channels)
    for reason in refused:
        print(f"civic-desk cannot start: {reason}", file=sys.stderr)
    if refused:
        return 1
    logs.configure(settings.log_format, settings.log_level)
    startup.announce(parts)
    try:
        if workers > 1:
            return run_workers(settings, workers)
        return run_service(settings, polling=polling, force=force)
    except TelegramSetupError as exc:
        print(f"civic-desk cannot start: {exc}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="civic-desk", description="Consultation desk for NGOs")
    ap.add_argument("--env-file", metavar="FILE",
                    help=f"read settings from FILE (default: ${ENV_FILE_VARIABLE}, else ./.env); "
                         "variables already in the environment win")
    sub = ap.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="match one question, or a batch with --jsonl")
    ask.add_argument("text", nargs="?", help="the question")
    ask.add_argument("--jsonl", action="store_true", help="read JSON lines on stdin (batch contract)")
    chat_p = sub.add_parser("chat", help="talk to the desk in the terminal")
    chat_p.add_argument("--lang", choices=["kk", "ru"])
    kb = sub.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    check = kb.add_parser("check", help="validate every entry file")
    check.add_argument("--max-age-days", type=positive_days, metavar="DAYS",
                       help="warn about entries checked longer ago (1 or more; default DESK_KB_MAX_AGE_DAYS)")
    kb.add_parser("export", help="print the base as JSON lines")
    curation_command.add_parsers(kb)
    serve = sub.add_parser("serve", help="run the webhook service (or long polling)")
    serve.add_argument("--polling", action="store_true", help="Telegram long polling, for development")
    serve.add_argument("--force", action="store_true",
                       help="with --polling: remove the webhook registered for the token (else refused)")
    serve.add_argument("--no-channels", action="store_true",
                       help="start even with no channel configured (health and metrics only)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="processes sharing the port with SO_REUSEPORT, each a full instance (default 1)")
    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")
    purge_p = sub.add_parser("purge", help="blank old question texts, names and payloads (rows stay)")
    purge_p.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 1y, 365d, 52w, 12h")
    purge_p.add_argument("--dry-run", action="store_true", help="only count what would be blanked")
    purge_p.add_argument("--include-identifiers", action="store_true",
                         help="also replace the ids and phone numbers of users gone that long by pseudonyms")
    sub.add_parser("tickets", help="open tickets with their centre, age and assignee").add_argument(
        "--centre", metavar="ID", help="only the tickets of this centre (an id of centres.yaml)")
    report_command.add_parser(sub)
    remind_plan.add_parser(sub)
    staff_command.add_parsers(sub)
    doctor_p = sub.add_parser("doctor", help="what is configured, what is missing, what the desk will do")
    doctor_p.add_argument("--online", action="store_true", help="also ask Telegram and Meta (read only)")
    return ap


def settings_or_reason(env_file: str | None) -> Settings | str:
    """The settings, or every mistake in them as one line each (nothing else to print)."""
    try:
        settings = load_settings(env_file)
    except EnvFileMissing as exc:
        return f"civic-desk: {exc}"
    except ValidationError as exc:
        return "\n".join(f"civic-desk: {line}" for line in describe(exc))
    if env_file:  # the workers of `serve --workers N` read the same file
        os.environ[ENV_FILE_VARIABLE] = str(Path(env_file).resolve())
    return settings


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen command."""
    if args.command == "kb" and args.kb_command in curation_command.COMMANDS:
        return asyncio.run(curation_command.run(settings, args))
    if args.command == "kb":
        return kb_check(settings, args.max_age_days) if args.kb_command == "check" else kb_export(settings)
    if args.command == "db":
        return asyncio.run(db_upgrade(settings))
    if args.command == "serve":
        return serve(settings, polling=args.polling, workers=args.workers, force=args.force,
                     no_channels=args.no_channels)
    if args.command == "purge":
        return asyncio.run(purge_command.run(settings, args.older_than, args.dry_run, args.include_identifiers))
    if args.command == "report":
        return asyncio.run(report_command.run(settings, args))
    if args.command == "remind":
        return asyncio.run(remind_plan.run(settings, args))
    if args.command == "staff":
        return asyncio.run(staff_command.run(settings, args))
    if args.command == "console":
        from bot.console.standalone import run_console  # aiohttp and the pages only when serving

        return run_console(settings)
    if args.command == "doctor":
        return doctor(settings, online=args.online)
    if args.command == "tickets":
        return asyncio.run(tickets(settings, args.centre))
    if args.command == "chat":
        return chat_until_stopped(settings, args.lang)
    matcher = build_matcher(settings)
    if args.jsonl:
        return ask_jsonl(matcher, settings.default_lang)
    if not args.text:
        parser().error("ask needs a question, or --jsonl")
    return asyncio.run(ask_one(matcher, settings, args.text))


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = settings_or_reason(args.env_file)
    if isinstance(settings, str):
        print(settings, file=sys.stderr)
        return 1
    try:
        return dispatch(args, settings)
    except BrokenPipeError:  # an OSError, but the reader's doing, not the database's: main() handles it
        raise
    except KnowledgeError as exc:
        print(f"The knowledge base cannot be used:\n{exc}", file=sys.stderr)
        return 2
    except FAILURES as exc:
        print(f"civic-desk: {database_failure(settings.database_url, exc)}", file=sys.stderr)
        return 1


def main() -> None:
    try:
        code = run()
        sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
    except BrokenPipeError:  # output piped into `head` and the like: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        code = 0
    sys.exit(code)
