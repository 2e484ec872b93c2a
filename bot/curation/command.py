"""`civic-desk kb drafts | draft N [--update FILE] | publish N | reject N --reason | reload`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.compose import make_engine
from bot.config import Settings
from bot.curation.publish import check_draft, read_entry, write_entry
from bot.curation.store import PUBLISHED, REJECTED, Draft, SqlDraftStore, bump_version
from bot.outbox import Outbox
from handlers import Translator
from handlers.ports import Direction, Relay, RelayKind
from knowledge import check_base

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
        return await _publish(settings, engine, store, draft)
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


async def _publish(settings: Settings, engine, store: SqlDraftStore, draft: Draft) -> int:  # type: ignore[no-untyped-def]
    entry_id, problems = check_draft(settings.knowledge_dir, draft.body, settings.kb_max_age_days)
    if problems:
        print("\n".join(map(str, problems)))
        print(f"draft {draft.id} not published: complete it (kb draft {draft.id} --update FILE)", file=sys.stderr)
        return 1
    path = write_entry(settings.knowledge_dir, entry_id, draft.body)
    await store.decide(draft.id, PUBLISHED)
    version = await bump_version(engine)
    if draft.ticket_id is not None:
        _ = Translator()(settings.consultant_lang)
        text = _("📚 Draft №{number} by {name} is published as entry {entry}: the desk answers this "
                 "question from now on.").format(number=draft.id, name=draft.author, entry=entry_id)
        await Outbox(engine).put(Relay(draft.ticket_id, Direction.TO_CONSULTANTS, RelayKind.NOTICE, text))
    print(f"draft {draft.id} published as {path}; base version {version}")
    return 0


async def _reload(settings: Settings, engine) -> int:  # type: ignore[no-untyped-def]
    _, problems = check_base(settings.knowledge_dir, max_age_days=settings.kb_max_age_days)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print("\n".join(map(str, errors)))
        print("the base has errors: the running instances keep the one they have", file=sys.stderr)
        return 1
    print(f"base version {await bump_version(engine)}: running instances load it within seconds")
    return 0
