"""Tables of the desk, one module per part of the shell. Alembic migrations in `bot/db/migrations`
create them.

Importing this package imports every table module, so `Base.metadata` always holds the whole
schema (the migrations' comparison and the purge's walk over every table rely on it).
"""

from bot.db.models.base import NAMING, OPEN_DELIVERIES, Base, BigId, aware, utcnow
from bot.db.models.desk import DigestRun, Feedback, KbDraft, KbState, Question, User
from bot.db.models.pipeline import InboundEvent, OutboundMessage
from bot.db.models.tickets import (
    ConsultantGroup,
    ConsultantPresence,
    TicketMessage,
    TicketRow,
    TicketTopic,
)
from bot.db.models.whatsapp import WhatsAppContact, WhatsAppDeliveryFailure, WhatsAppOutbound

__all__ = [
    "NAMING", "OPEN_DELIVERIES", "Base", "BigId", "ConsultantGroup", "ConsultantPresence", "DigestRun", "Feedback",
    "InboundEvent", "KbDraft", "KbState", "OutboundMessage", "Question", "TicketMessage", "TicketRow", "TicketTopic",
    "User", "WhatsAppContact", "WhatsAppDeliveryFailure", "WhatsAppOutbound", "aware", "utcnow",
]
