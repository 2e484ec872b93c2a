"""The channel-neutral core of the desk: a plain inbound message in, replies out.

Every feature (menu, answer, clarify, feedback, escalation, relay, language) is
written here once, against the ports in `handlers.ports` (`handlers.memory` holds
them in memory). Nothing here knows a messenger: the aiogram routers and the
WhatsApp webhook live in the channels (`bot/channels/telegram`,
`bot/channels/whatsapp`), which only map events in and render the replies.
"""

from handlers.desk import Desk
from handlers.i18n import Translator
from handlers.ports import DeskStore, UserRecord
from handlers.team import Team
from handlers.types import Button, Channel, ConsultantMessage, Inbound, InboundKind, Reply

__all__ = [
    "Button",
    "Channel",
    "ConsultantMessage",
    "Desk",
    "DeskStore",
    "Inbound",
    "InboundKind",
    "Reply",
    "Team",
    "Translator",
    "UserRecord",
]
