"""The gaps page: clusters of questions the desk could not answer, each one a draft away from an entry."""

from __future__ import annotations

from aiohttp import web

from bot.console.deps import PREFIX, console_of
from bot.console.guard import member, require_role
from bot.console.kb_edits import KbEdits
from bot.console.nav import NavItem
from bot.console.pages.knowledge import EDITORS, period
from bot.console.render import page
from bot.db.staff import ROLES
from knowledge.model import LANGS

routes = web.RouteTableDef()
NAV = NavItem(25, "Gaps", "/gaps")
PERIODS = (7, 30, 90)
KINDS = {"fallback": "not answered", "clarify": "topics offered, none chosen", "not_helpful": "marked not helpful"}


@routes.get("/gaps")
@require_role(*ROLES)
async def gaps(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    days = period(request, PERIODS[0], PERIODS)
    found = await console.gaps.gaps(days)
    return page(request, "gaps.html", {"found": found, "days": days, "periods": PERIODS, "gap_kinds": KINDS})


@routes.post("/gaps/draft")
@require_role(*EDITORS)
async def write_entry(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", ""))
    examples = [str(text) for text in form.getall("example", [])]
    if lang not in LANGS or not examples:
        raise web.HTTPSeeOther(f"{PREFIX}/gaps")
    number, _ = await KbEdits(console_of(request)).from_gap(member(request).name, lang, examples)
    raise web.HTTPSeeOther(f"{PREFIX}/drafts/{number}")
