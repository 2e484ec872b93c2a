"""The Telegram channel: an aiogram 3 bot behind the desk's webhook, or long polling.

`build` makes the adapter from the collaborators it uses (`service.py`); routers map
updates to `handlers.Inbound` (`mapper.py`) and `render` turns the desk's replies into
HTML messages with inline keyboards.
"""

from bot.channels.telegram.errors import TelegramSetupError
from bot.channels.telegram.service import TelegramChannel, Workspace, build, build_bot, consultants_groups

__all__ = ["TelegramChannel", "TelegramSetupError", "Workspace", "build", "build_bot", "consultants_groups"]
