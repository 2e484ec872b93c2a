"""The knowledge page (every entry, its dates and figures, and "what would the desk answer?") and one
entry's page with its history."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from bot.console import audit
from bot.console.deps import PREFIX, console_of
from bot.console.guard import member, require_role
from bot.console.kb_edits import KbEdits, target
from bot.console.nav import NavItem
from bot.console.render import page, refused
from bot.console.security import LANG
from bot.curation.catalogue import Uses, entry_rows, uses_by_entry
from bot.curation.probe import probe
from bot.db.staff import ROLES

routes = web.RouteTableDef()
NAV = NavItem(30, "Knowledge", "/knowledge")
EDITORS = ("head", "curator")
PERIODS = (0, 30, 90, 365)  # days of the figures; 0: all time
SEARCH_LENGTH = 1000
DECISIONS = {  # msgids: what the desk would do with the searched question
    "answer": "The desk answers with this entry",
    "clarify": "The desk offers topics to choose from",
    "fallback": "The desk cannot answer and offers a consultant",
    "smalltalk": "Small talk: the desk replies politely",
    "escalate": "The desk passes the chat to a consultant",
}
CHANGES = {  # msgids of the audit trail's actions on an entry
    "draft.create": "draft started",
    "draft.save": "draft saved",
    "draft.reject": "draft rejected",
    "entry.publish": "published",
}


def period(request: web.Request, default: int, choices: tuple[int, ...]) -> int:
    """The period asked for in the query, if it is one of the choices."""
    value = request.query.get("days", "")
    return int(value) if value.isdigit() and int(value) in choices else default


@routes.get("/knowledge")
@require_role(*ROLES)
async def knowledge(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    days = period(request, 0, PERIODS)
    asked = request.query.get("q", "").strip()[:SEARCH_LENGTH]
    matcher = console.matcher()
    now = console.clock()
    async with console.engine.connect() as conn:
        uses = await uses_by_entry(conn, now - dt.timedelta(days=days) if days else None)
    lang = request[LANG]
    categories = {c.id: c.title.get(lang, c.id) for c in matcher.base.categories}
    categories.update({e.category: e.category for e in matcher.base.entries if e.category not in categories})
    return page(request, "knowledge.html", {
        "rows": entry_rows(matcher.base, uses, now.date()), "categories": categories, "days": days,
        "periods": PERIODS, "asked": asked, "decision_labels": DECISIONS,
        "probe": probe(matcher, asked, console.settings.default_lang) if asked else None})


@routes.get("/knowledge/{entry_id}")
@require_role(*ROLES)
async def entry(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    entry_id = request.match_info["entry_id"]
    found = console.matcher().base.get(entry_id)
    if found is None:
        return refused(request, 404, "missing")
    async with console.engine.connect() as conn:
        uses = (await uses_by_entry(conn, entry_id=entry_id)).get(entry_id, Uses())
        changes = await audit.history(conn, target(entry_id))
    revision = await KbEdits(console).drafts.open_revision(entry_id)
    categories = {c.id: c.title for c in console.matcher().base.categories}
    return page(request, "entry.html", {"entry": found, "uses": uses, "changes": changes, "revision": revision,
                                        "categories": categories, "change_labels": CHANGES,
                                        "overdue": found.review_by < console.clock().date(),
                                        "published": "published" in request.query})


@routes.post("/knowledge/{entry_id}/edit")
@require_role(*EDITORS)
async def edit(request: web.Request) -> web.StreamResponse:
    number = await KbEdits(console_of(request)).revise(member(request).name, request.match_info["entry_id"])
    if number is None:
        return refused(request, 404, "missing")
    raise web.HTTPSeeOther(f"{PREFIX}/drafts/{number}")
