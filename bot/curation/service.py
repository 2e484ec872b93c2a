"""Curation as functions the CLI (and a staff console) call: publish a draft, reload the base."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.curation.publish import check_draft, write_entry
from bot.curation.store import PUBLISHED, Draft, SqlDraftStore, bump_version
from bot.pipeline.outbox import Outbox
from handlers import Translator
from handlers.ports import Direction, Relay, RelayKind
from knowledge import Problem, check_base


@dataclass(frozen=True)
class Published:
    path: Path
    version: int


async def publish(settings: Settings, engine: AsyncEngine, draft: Draft) -> Published | list[Problem]:
    """Validate the draft against the whole base, write it, bump the version, tell the consultant.

    The problems (`file: field: problem`) when it is not complete; nothing is written then.
    """
    entry_id, problems = check_draft(settings.knowledge_dir, draft.body, settings.kb_max_age_days,
                                     draft.revises, draft.revises_digest)
    if problems:
        return problems
    path = write_entry(settings.knowledge_dir, entry_id, draft.body)
    await SqlDraftStore(engine).decide(draft.id, PUBLISHED)
    version = await bump_version(engine)
    if draft.ticket_id is not None:
        _ = Translator()(settings.consultant_lang)
        text = _("📚 Draft №{number} by {name} is published as entry {entry}: the desk answers this "
                 "question from now on.").format(number=draft.id, name=draft.author, entry=entry_id)
        await Outbox(engine).put(Relay(draft.ticket_id, Direction.TO_CONSULTANTS, RelayKind.NOTICE, text))
    return Published(path, version)


async def reload(settings: Settings, engine: AsyncEngine) -> int | list[Problem]:
    """Bump the base's version if the folder holds a valid base; else its errors (nothing bumped)."""
    _, problems = check_base(settings.knowledge_dir, max_age_days=settings.kb_max_age_days)
    errors = [p for p in problems if p.severity == "error"]
    return errors or await bump_version(engine)
