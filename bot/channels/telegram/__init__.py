"""The Telegram channel: an aiogram 3 bot behind the desk's webhook, or long polling.

`setup(app, services)` mounts it; routers map updates to `handlers.Inbound`
and `render` turns the desk's replies into HTML messages with inline keyboards.
"""

from bot.channels.telegram.errors import TelegramSetupError
from bot.channels.telegram.service import setup

__all__ = ["TelegramSetupError", "setup"]
