"""The dashboard: what NGOs ask and where the desk fails, for a period."""

from __future__ import annotations

from aiohttp import web

from bot.console.guard import require_role
from bot.console.nav import NavItem
from bot.console.render import page
from bot.db.staff import ROLES

routes = web.RouteTableDef()
NAV = NavItem(10, "Dashboard", "/")


@routes.get("/")
@require_role(*ROLES)
async def dashboard(request: web.Request) -> web.StreamResponse:
    return page(request, "dashboard.html", {})
