"""What the console's pages are given: built once where the console is mounted, read by name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.console.accounts import StaffStore
from bot.console.gaps_cache import GapsCache
from bot.console.hourly import HourlyCounts
from bot.console.sessions import SessionStore
from bot.console.throttle import LoginThrottle
from bot.console.ticket_figures import TicketSummary
from bot.curation.reload import BaseReloader
from handlers import Translator
from handlers.ports import Clock
from knowledge import Matcher

PREFIX = "/console"


@dataclass
class Console:
    settings: Settings
    engine: AsyncEngine
    translator: Translator
    matcher: Callable[[], Matcher]  # the base serving now (it changes on reload)
    clock: Clock
    reloader: BaseReloader | None = None  # makes a published entry serve without a restart
    staff: StaffStore = field(init=False)
    sessions: SessionStore = field(init=False)
    throttle: LoginThrottle = field(init=False)
    gaps: GapsCache = field(init=False)  # the clustered gaps of a period, counted off the event loop
    hourly: HourlyCounts = field(init=False)  # questions per hour, the hours that are over kept
    tickets: TicketSummary = field(init=False)  # the dashboard's ticket figures

    def __post_init__(self) -> None:
        s = self.settings
        self.staff = StaffStore(self.engine)
        self.sessions = SessionStore(self.engine, dt.timedelta(minutes=s.console_idle_minutes))
        self.throttle = LoginThrottle(self.engine, s.console_login_failures, s.console_address_failures,
                                      dt.timedelta(minutes=s.console_login_window_minutes))
        self.gaps = GapsCache(s, self.matcher, self.clock)
        self.hourly = HourlyCounts(self.engine, s.timezone, self.clock)
        self.tickets = TicketSummary(self.engine, s.hours())


CONSOLE = web.AppKey("console", Console)


def console_of(request: web.Request) -> Console:
    return request.app[CONSOLE]
