"""Drafts, ticket transcripts and the base's version row in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.db.models import KbDraft, KbState, TicketMessage, utcnow
from handlers.curation import Line, NewDraft
from handlers.ports import Direction

drafts, state = KbDraft.__table__, KbState.__table__
DRAFT, PUBLISHED, REJECTED = "draft", "published", "rejected"
STATE_ROW = 1


class _EntryDumper(yaml.SafeDumper):
    """Multi-line texts (answers) as literal blocks, the way curators write them by hand."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_EntryDumper.add_representer(str, _text)


def to_yaml(entry: dict[str, Any]) -> str:
    return yaml.dump(entry, Dumper=_EntryDumper, allow_unicode=True, sort_keys=False, width=100)


@dataclass(frozen=True)
class Draft:
    id: int
    ticket_id: int | None
    lang: str
    author: str
    body: str
    status: str
    reason: str
    entry_id: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    revises: str = ""  # the published entry this draft edits ("" for a new entry)
    revises_digest: str = ""  # that entry's file when the draft began (publish/file_digest)


class SqlDraftStore:
    """Implements the desk's DraftStore port; the CLI lists, shows, edits and decides drafts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, draft: NewDraft) -> tuple[int, str]:
        """The entry is named after its category and the draft's number: `grants.faq-12`."""
        async with self.engine.begin() as conn:
            number = int((await conn.execute(insert(drafts).values(
                ticket_id=draft.ticket_id, lang=draft.lang, author=draft.author[:256], body="", status=DRAFT,
                reason="", entry_id="", created_at=utcnow()).returning(drafts.c.id))).scalar_one())
            entry_id = f"{draft.entry['category']}.faq-{number}"
            await conn.execute(update(drafts).where(drafts.c.id == number).values(
                entry_id=entry_id, body=to_yaml({**draft.entry, "id": entry_id})))
        return number, entry_id

    async def revise(self, entry_id: str, body: str, digest: str, author: str) -> int:
        """A draft editing a published entry, starting from its file as it is now."""
        async with self.engine.begin() as conn:
            return int((await conn.execute(insert(drafts).values(
                ticket_id=None, lang="", author=author[:256], body=body, status=DRAFT, reason="",
                entry_id=entry_id, revises=entry_id, revises_digest=digest, created_at=utcnow())
                .returning(drafts.c.id))).scalar_one())

    async def open_revision(self, entry_id: str) -> Draft | None:
        """The draft already editing this entry, if any: one revision at a time per entry."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(drafts).where(drafts.c.revises == entry_id, drafts.c.status == DRAFT)
                                      .order_by(drafts.c.id.desc()).limit(1))).first()
        return Draft(**row._mapping) if row else None  # type: ignore[arg-type]

    async def list(self, status: str | None = DRAFT) -> list[Draft]:
        query = select(drafts).order_by(drafts.c.id)
        if status is not None:
            query = query.where(drafts.c.status == status)
        async with self.engine.connect() as conn:
            return [Draft(**row._mapping) for row in await conn.execute(query)]  # type: ignore[arg-type]

    async def get(self, number: int) -> Draft | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(drafts).where(drafts.c.id == number))).first()
        return Draft(**row._mapping) if row else None  # type: ignore[arg-type]

    async def update_body(self, number: int, body: str, entry_id: str) -> bool:
        return await self._change(number, body=body, entry_id=entry_id)

    async def decide(self, number: int, status: str, reason: str = "") -> bool:
        return await self._change(number, status=status, reason=reason, decided_at=utcnow())

    async def _change(self, number: int, **values: object) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(update(drafts).where(drafts.c.id == number, drafts.c.status == DRAFT)
                                        .values(**values))
        return result.rowcount == 1


class SqlTranscript:
    """The desk's Transcript port: a ticket's stored messages, in order."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def lines(self, ticket_id: int) -> list[Line]:
        m = TicketMessage.__table__
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(m.c.direction, m.c.kind, m.c.author, m.c.text)
                                      .where(m.c.ticket_id == ticket_id).order_by(m.c.id))
            return [Line(Direction(d), kind, author, text) for d, kind, author, text in rows]


async def base_version(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(state.c.version).where(state.c.id == STATE_ROW)) or 0)


async def bump_version(engine: AsyncEngine) -> int:
    """Tell every running instance to load the base again; returns the new version."""
    async with engine.begin() as conn:
        changed = await conn.execute(update(state).where(state.c.id == STATE_ROW)
                                     .values(version=state.c.version + 1, changed_at=utcnow()))
        if changed.rowcount == 0:
            await conn.execute(insert(state).values(id=STATE_ROW, version=1, changed_at=utcnow()))
        return await base_version(conn)
