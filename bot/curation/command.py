"""`civic-desk kb drafts | draft N [--update FILE] | publish N | reject N --reason | reload`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.compose import make_engine
from bot.app.config import Settings
from bot.curation import service
from bot.curation.publish import read_entry
from bot.curation.store import REJECTED, Draft, SqlDraftStore

COMMANDS = frozenset({"drafts", "draft", "publish", "reject", "reload"})


def add_parsers(kb: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kb.add_parser("drafts", help="drafts of entries waiting for the curator")
    draft = kb.add_parser("draft", help="print draft N as a YAML entry, or replace it with --update")
    draft.add_argument("number", type=int)
    draft.add_argument("--update", type=Path, metavar="FILE", help="the completed YAML entry")
    publish = kb.add_parser("publish", help="validate draft N and write it into the knowledge folder")
    publish.add_argument("number", type=int)
    reject = kb.add_parser("reject", help="reject draft N")
    reject.add_argument("number", type=int)
    reject.add_argument("--reason", required=True)
    kb.add_parser("reload", help="check the base and make every running instance load it")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    engine = make_engine(settings)
    try:
        if args.kb_command == "reload":
            return await _reload(settings, engine)
        store = SqlDraftStore(engine)
        if args.kb_command == "drafts":
            return await _list(store)
        draft = await store.get(args.number)
        if draft is None:
            print(f"civic-desk kb: there is no draft {args.number}", file=sys.stderr)
            return 1
        if args.kb_command == "draft":
            return await _show_or_update(store, draft, args.update)
        if draft.status != "draft":
            print(f"civic-desk kb: draft {draft.id} is already {draft.status}", file=sys.stderr)
            return 1
        if args.kb_command == "reject":
            await store.decide(draft.id, REJECTED, args.reason)
            print(f"draft {draft.id} rejected")
            return 0
        return await _publish(settings, engine, draft)
    finally:
        await engine.dispose()


async def _list(store: SqlDraftStore) -> int:
    for draft in await store.list():
        ticket = f"ticket {draft.ticket_id}" if draft.ticket_id else "no ticket"
        print(f"{draft.id}\t{draft.entry_id}\t{draft.lang}\t{ticket}\t{draft.author}\t{draft.created_at:%Y-%m-%d}")
    return 0


async def _show_or_update(store: SqlDraftStore, draft: Draft, update: Path | None) -> int:
    if update is None:
        print(draft.body, end="")
        return 0
    body = update.read_text(encoding="utf-8")
    data, problems = read_entry(body, str(update))
    if data is None:
        print("\n".join(map(str, problems)))
        return 1
    if not await store.update_body(draft.id, body, str(data["id"])):
        print(f"civic-desk kb: draft {draft.id} is already {draft.status}", file=sys.stderr)
        return 1
    print(f"draft {draft.id} updated")
    return 0


async def _publish(settings: Settings, engine: AsyncEngine, draft: Draft) -> int:
    outcome = await service.publish(settings, engine, draft)
    if isinstance(outcome, list):
        print("\n".join(map(str, outcome)))
        print(f"draft {draft.id} not published: complete it (kb draft {draft.id} --update FILE)", file=sys.stderr)
        return 1
    print(f"draft {draft.id} published as {outcome.path}; base version {outcome.version}")
    return 0


async def _reload(settings: Settings, engine: AsyncEngine) -> int:
    outcome = await service.reload(settings, engine)
    if isinstance(outcome, list):
        print("\n".join(map(str, outcome)))
        print("the base has errors: the running instances keep the one they have", file=sys.stderr)
        return 1
    print(f"base version {outcome}: running instances load it within seconds")
    return 0
