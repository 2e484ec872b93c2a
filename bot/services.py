"""The services a running desk shares: built once at start-up, handed to the channels."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.inbox import Inbox
from handlers import Desk


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    desk: Desk
    inbox: Inbox
