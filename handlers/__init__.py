"""The channel-neutral desk: a plain inbound message in, replies out.

Every feature (menu, answer, clarify, feedback, escalation, relay, language) is
written here once; the Telegram, WhatsApp and terminal adapters only map
events in and render the replies.
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
