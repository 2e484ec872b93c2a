"""The dashboard: what NGOs ask and how the desk decides, tickets and CSAT, the top gaps, for a period."""

from __future__ import annotations

from aiohttp import web

from bot.console.dashboard_data import DECISION_COLORS, dashboard
from bot.console.deps import console_of
from bot.console.guard import require_role
from bot.console.nav import NavItem
from bot.console.period import CHOICES, period_of
from bot.console.render import page
from bot.db.staff import ROLES

routes = web.RouteTableDef()
NAV = NavItem(10, "Dashboard", "/")
DECISION_LABELS = {"answer": "Answered", "clarify": "Clarify offered", "fallback": "No answer (fallback)",
                   "escalate": "Escalated to a consultant", "smalltalk": "Small talk", "limited": "Over the rate limit"}


@routes.get("/")
@require_role(*ROLES)
async def show_dashboard(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    period = period_of(request.query, console.settings.timezone, console.clock())
    data = await dashboard(console, period)
    return page(request, "dashboard.html", {"period": period, "choices": CHOICES, "d": data,
                                            "decision_labels": DECISION_LABELS, "decision_colors": DECISION_COLORS})
