"""Pages from templates, with what every page needs: the language's gettext, the member, the CSRF
token, the menu; and the one page that says why a request was refused."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.console.deps import PREFIX, console_of
from bot.console.nav import NAV
from bot.console.security import LANG, SESSION, csrf_token

ROLE_LABELS = {"head": "Head of the centre", "curator": "Curator", "viewer": "Viewer"}
# Why a request was refused: a title and one line, both msgids.
REASONS = {
    "csrf": ("This form cannot be accepted",
             "The form came without its security token: it is older than your session or was sent from "
             "another site. Go back, reload the page and send it again."),
    "login": ("Please log in", "Your session has ended. Log in and try again."),
    "role": ("Not allowed for your role", "This needs the role: {roles}. Your role: {role}. Ask the centre's head."),
    "missing": ("Not found", "There is no such page or record."),
}


def context(request: web.Request, values: dict[str, Any]) -> dict[str, Any]:
    console = console_of(request)
    lang = request[LANG]
    session = request.get(SESSION)
    me = session.member if session is not None else None
    nav = [item for item in request.app[NAV] if me is not None and me.may(*item.roles)]
    zone = zoneinfo.ZoneInfo(console.settings.timezone)
    return {"_": console.translator(lang), "lang": lang, "me": me, "csrf": csrf_token(request), "nav": nav,
            "prefix": PREFIX, "path": request.path, "here": request.path_qs, "role_labels": ROLE_LABELS,
            "local": lambda moment: moment.astimezone(zone) if isinstance(moment, dt.datetime) else moment,
            **values}


def page(request: web.Request, template: str, values: dict[str, Any] | None = None,
         status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, context(request, values or {}), status=status)


def refused(request: web.Request, status: int, reason: str, roles: Iterable[str] = ()) -> web.Response:
    _ = console_of(request).translator(request[LANG])
    title, line = REASONS[reason]
    session = request.get(SESSION)
    role = _(ROLE_LABELS[session.member.role]) if session is not None else ""
    text = _(line).format(roles=", ".join(_(ROLE_LABELS[r]) for r in roles), role=role)
    return page(request, "refused.html", {"title": _(title), "line": text}, status=status)
