"""Roles checked on the server, on every request: a hidden button is a courtesy, this is the rule.

    @routes.post("/staff")
    @require_role("head")
    async def add_member(request): ...

Logged out: a GET goes to the login page (and back here after it), anything else is refused.
Logged in with another role: refused with a page naming the role needed. `PUBLIC` marks the
few handlers anyone may reach (the login page); a test holds every other route guarded.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from bot.console.accounts import Member
from bot.console.deps import PREFIX
from bot.console.security import EXPIRED, SESSION

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROLES_ATTRIBUTE = "console_roles"


def member(request: web.Request) -> Member:
    """The logged-in member (inside a guarded handler there always is one)."""
    session = request[SESSION]
    assert session is not None, "member() outside require_role"
    return session.member


def login_redirect(request: web.Request) -> web.HTTPFound:
    """To the login page and back here after it; it says so when the session ran out of idle time."""
    query = {"next": request.path_qs, **({"expired": "1"} if request.get(EXPIRED) else {})}
    return web.HTTPFound(f"{PREFIX}/login?" + urlencode(query))


def require_role(*roles: str) -> Callable[[Handler], Handler]:
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            from bot.console.render import refused

            session = request.get(SESSION)
            if session is None:
                if request.method == "GET":
                    raise login_redirect(request)
                return refused(request, 401, "login")
            if not session.member.may(*roles):
                return refused(request, 403, "role", roles=roles)
            return await handler(request)

        setattr(guarded, ROLES_ATTRIBUTE, roles)
        return guarded

    return wrap


def public(handler: Handler) -> Handler:
    """A handler anyone may reach (the login page): said out loud, so the guard test can tell."""
    setattr(handler, ROLES_ATTRIBUTE, ())
    return handler
