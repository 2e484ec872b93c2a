"""Tickets: the list with its filters, and one ticket's conversation, read only."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.console.deps import console_of
from bot.console.guard import require_role
from bot.console.nav import NavItem
from bot.console.render import page, refused
from bot.console.tickets_data import CHANNELS, LANGS, NOBODY, STATUSES, choices, filters_of, listed, transcript
from bot.db.staff import ROLES

routes = web.RouteTableDef()
NAV = NavItem(20, "Tickets", "/tickets")
STATUS_LABELS = {"open": "Open", "closed": "Closed", "all": "All"}
SPEAKERS = {"to_consultants": "User", "to_user": "Consultant", "note": "Internal note"}


@routes.get("/tickets")
@require_role(*ROLES)
async def ticket_list(request: web.Request) -> web.StreamResponse:
    filters = filters_of(request.query)
    async with console_of(request).engine.connect() as conn:
        tickets, more = await listed(conn, filters)
        offered = await choices(conn)
    older = urlencode(filters.query(before=tickets[-1].id)) if more else ""
    return page(request, "tickets.html", {
        "filters": filters, "tickets": tickets, "older": older, "first_page": urlencode(filters.query(before=None)),
        "statuses": STATUSES, "status_labels": STATUS_LABELS, "channels": CHANNELS, "langs": LANGS,
        "nobody": NOBODY, **offered})


@routes.get("/tickets/{ticket_id:\\d+}")
@require_role(*ROLES)
async def ticket_transcript(request: web.Request) -> web.StreamResponse:
    async with console_of(request).engine.connect() as conn:
        found = await transcript(conn, int(request.match_info["ticket_id"]))
    if found is None:
        return refused(request, 404, "missing")
    ticket, history, said = found
    return page(request, "ticket.html", {"t": ticket, "history": history, "said": said, "speakers": SPEAKERS,
                                         "status_labels": STATUS_LABELS})
