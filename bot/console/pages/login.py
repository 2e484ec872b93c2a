"""Logging in and out, and choosing the console's language."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.console.deps import PREFIX, console_of
from bot.console.guard import public, require_role
from bot.console.render import page
from bot.console.security import (
    EXPIRED,
    LANG,
    LANG_COOKIE,
    SESSION,
    SESSION_COOKIE,
    YEAR,
    client_address,
    set_cookie,
)
from bot.db.staff import ROLES
from handlers.i18n import LANGUAGES

routes = web.RouteTableDef()
log = logging.getLogger(__name__)


def next_path(value: str) -> str:
    """Where to go after logging in: only a page of the console (never another site)."""
    if value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


def login_form(request: web.Request, status: int = 200, error: str = "", name: str = "") -> web.Response:
    expired = request[EXPIRED] or "expired" in request.query
    return page(request, "login.html", {"error": error, "name": name, "expired": expired,
                                        "next": next_path(request.query.get("next", ""))}, status=status)


@routes.get("/login")
@public
async def show_login(request: web.Request) -> web.StreamResponse:
    if request.get(SESSION) is not None:
        raise web.HTTPFound(PREFIX + "/")
    return login_form(request)


@routes.post("/login")
@public
async def log_in(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    _ = console.translator(request[LANG])
    form = await request.post()
    name, password = str(form.get("name", "")).strip().lower(), str(form.get("password", ""))
    address, now = client_address(request, console.settings), console.clock()
    locked = await console.throttle.locked_for(name, address, now)
    if locked is not None:
        minutes = max(1, -(-int(locked.total_seconds()) // 60))
        log.warning("console login refused: too many failures (account or address locked)")
        return login_form(request, 429, _("Too many failed attempts. Try again in {minutes} min.")
                          .format(minutes=minutes), name)
    member = await console.staff.verify(name, password)
    await console.throttle.record(name, address, member is not None, now)
    if member is None:
        log.info("console login failed")
        return login_form(request, 401, _("Wrong name or password."), name)
    token, _session = await console.sessions.open(member, now)
    response = web.HTTPFound(next_path(str(form.get("next", ""))))
    set_cookie(response, console.settings, SESSION_COOKIE, token)
    raise response


@routes.post("/logout")
@require_role(*ROLES)
async def log_out(request: web.Request) -> web.StreamResponse:
    await console_of(request).sessions.close(request.cookies.get(SESSION_COOKIE, ""))
    response = web.HTTPFound(PREFIX + "/login")
    response.del_cookie(SESSION_COOKIE, path=PREFIX)
    raise response


@routes.post("/lang")
@public
async def choose_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", ""))
    response = web.HTTPFound(next_path(str(form.get("next", ""))))
    if lang in LANGUAGES:
        set_cookie(response, console_of(request).settings, LANG_COOKIE, lang, max_age=YEAR)
    raise response
