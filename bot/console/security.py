"""Who is asking, in which language, and whether a form is really ours: one middleware for the console.

- The session comes from the HttpOnly cookie (`request[SESSION]`, None when logged out).
- Every POST must carry the CSRF token of its session (logged out: the token of the login
  page's own cookie) in a `csrf` field; one without it is refused with a page that says why.
  GET requests change nothing, so their forms (filters, period) need none.
- The language is the `console_lang` cookie, else DESK_CONSOLE_LANG.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.app.config import Settings
from bot.console.deps import PREFIX, console_of
from bot.console.sessions import Expired, Session
from handlers.i18n import LANGUAGES

SESSION_COOKIE = "console_session"
CSRF_COOKIE = "console_csrf"
LANG_COOKIE = "console_lang"
SESSION: web.RequestKey[Session | None] = web.RequestKey("console_session")  # None: logged out
EXPIRED = web.RequestKey("console_expired", bool)  # the cookie's session ended for lack of use
LANG = web.RequestKey("console_lang", str)
NEW_CSRF = web.RequestKey("console_new_csrf", str)  # a login-page token to set as a cookie
YEAR = 365 * 24 * 3600


def secure_cookies(settings: Settings) -> bool:
    """Secure cookies travel over TLS only: on behind TLS (an https DESK_PUBLIC_URL), or as set."""
    if settings.console_secure_cookie == "auto":
        return settings.public_url.startswith("https://")
    return settings.console_secure_cookie == "on"


def set_cookie(response: web.StreamResponse, settings: Settings, name: str, value: str, *,
               max_age: int | None = None, same_site: str = "Lax") -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, secure=secure_cookies(settings),
                        samesite=same_site, max_age=max_age)


def client_address(request: web.Request, settings: Settings) -> str:
    """The client's address; behind a trusted proxy, the one the proxy appended to X-Forwarded-For."""
    peer = request.remote or ""
    trusted = {part.strip() for part in settings.console_trusted_proxies.split(",") if part.strip()}
    forwarded = request.headers.get("X-Forwarded-For", "")
    if peer in trusted and forwarded:
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            return peer
    return peer


def language(request: web.Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    return chosen if chosen in LANGUAGES else console_of(request).settings.console_lang


def csrf_token(request: web.Request) -> str:
    """The token this request's forms carry: its session's, else the login cookie's (made here if new)."""
    session = request.get(SESSION)
    if session is not None:
        return session.csrf
    if NEW_CSRF not in request:
        request[NEW_CSRF] = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return request[NEW_CSRF]


async def _form_is_ours(request: web.Request) -> bool:
    session = request.get(SESSION)
    expected = session.csrf if session is not None else request.cookies.get(CSRF_COOKIE, "")
    given = str((await request.post()).get("csrf", ""))
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _finish(request: web.Request, response: web.StreamResponse, token: str, session_found: bool) -> None:
    """Cookies and headers every console response gets (redirects raised as exceptions too)."""
    settings = console_of(request).settings
    if token and not session_found and SESSION_COOKIE not in response.cookies:  # ended, or unknown
        response.del_cookie(SESSION_COOKIE, path=PREFIX)
    new_csrf = request.get(NEW_CSRF)
    if new_csrf and new_csrf != request.cookies.get(CSRF_COOKIE):
        set_cookie(response, settings, CSRF_COOKIE, new_csrf, same_site="Strict")
    response.headers.setdefault("Cache-Control", "no-store")  # pages with people's data stay out of caches
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")


@web.middleware
async def security(request: web.Request, handler: Handler) -> web.StreamResponse:
    from bot.console.render import refused  # the renderer reads what this middleware sets

    console = console_of(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await console.sessions.find(token, console.clock()) if token else None
    request[SESSION] = found if isinstance(found, Session) else None
    request[EXPIRED] = isinstance(found, Expired)
    request[LANG] = language(request)
    try:
        if request.method == "POST" and not await _form_is_ours(request):
            response: web.StreamResponse = refused(request, 403, "csrf")
        else:
            response = await handler(request)
    except web.HTTPException as exc:  # a redirect or an error page: raised, yet a response all the same
        _finish(request, exc, token, isinstance(found, Session))
        raise
    _finish(request, response, token, isinstance(found, Session))
    return response
