"""The gaps page: clusters of questions the desk could not answer, each one a draft away from an entry."""

from __future__ import annotations

from aiohttp import web

from bot.console.dashboard_data import GAPS_WAIT
from bot.console.deps import PREFIX, console_of
from bot.console.guard import member, require_role
from bot.console.kb_edits import KbEdits
from bot.console.nav import NavItem
from bot.console.pages.knowledge import EDITORS
from bot.console.period import CHOICES, period_of
from bot.console.render import page
from bot.db.staff import ROLES
from knowledge.model import LANGS

routes = web.RouteTableDef()
NAV = NavItem(25, "Gaps", "/gaps")
KINDS = {"fallback": "not answered", "clarify": "topics offered, none chosen", "not_helpful": "marked not helpful"}


@routes.get("/gaps")
@require_role(*ROLES)
async def gaps(request: web.Request) -> web.StreamResponse:
    """The period's clusters as last counted (the dashboard's count, shared); while a first count
    runs, the page says so rather than keeping the curator waiting."""
    console = console_of(request)
    period = period_of(request, console.settings.timezone, console.clock())
    counted = await console.gaps.get(period.since, GAPS_WAIT)
    return page(request, "gaps.html", {"counted": counted, "period": period, "choices": CHOICES, "gap_kinds": KINDS})


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
