"""The console's menu: each page module may name itself in it with a NavItem."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.db.staff import ROLES


@dataclass(frozen=True)
class NavItem:
    order: int  # position in the menu, small first
    label: str  # a msgid of the catalogs, translated when shown
    path: str  # below /console, e.g. "/tickets"
    roles: tuple[str, ...] = ROLES  # who sees it (the page itself checks again with require_role)


NAV = web.AppKey("console_nav", list)
