"""The staff console: server-rendered pages under /console for curators and the centre's head.

How it is put together (one job per module):
- `app`: the aiohttp sub-application (Jinja2 with autoescape, static files, the security
  middleware) mounted at /console by `civic-desk serve`, or served alone by `civic-desk console`.
- `deps.Console`: what pages use (settings, engine, translator, the running matcher, the
  base's reloader, the clock), at `request.app[CONSOLE]`.
- `security`: sessions from the cookie, CSRF on every POST, the language; `guard.require_role`.
- `accounts`, `sessions`, `throttle`, `audit`: the staff tables (bot/db/staff.py).
- `pages/<page>.py` + `templates/<page>.html`: one module per page. A page module has
  `routes = web.RouteTableDef()` with paths relative to /console, and optionally
  `NAV = NavItem(...)` for the menu; `pages.discover()` finds every module, so a new page
  is a new file and nothing else.
"""
