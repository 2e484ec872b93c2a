"""The WhatsApp channel (Cloud API): webhook in, the shared desk, Graph API out.

`service.py` builds the adapter from the collaborators it uses and mounts it; `mapper.py`
maps webhook messages to `handlers.Inbound`, `render.py` turns replies into Graph API
messages. The adapter only maps and renders; every feature lives in the channel-neutral desk.
"""

from bot.channels.whatsapp.client import GraphClient, SendResult
from bot.channels.whatsapp.mapper import to_inbound
from bot.channels.whatsapp.processor import WhatsAppProcessor
from bot.channels.whatsapp.service import WHATSAPP, WhatsAppChannel, build_client
from bot.channels.whatsapp.store import WhatsAppStore
from bot.channels.whatsapp.webhook import PATH, signature

__all__ = ["PATH", "WHATSAPP", "GraphClient", "SendResult", "WhatsAppChannel", "WhatsAppProcessor",
           "WhatsAppStore", "build_client", "signature", "to_inbound"]
