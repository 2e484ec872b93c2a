"""The WhatsApp adapter, built from the collaborators it uses and mounted on the service.

The composition root (`bot.app.compose`) builds the send side first (`WhatsAppSender`, and
`WhatsAppUsers` for consultants' messages) and gives it to the outbound scheduler, then builds
this inbound side on the scheduler, hands its processor to the inbox and mounts its webhook.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.app.config import Settings
from bot.channels.whatsapp.client import GraphClient
from bot.channels.whatsapp.processor import WhatsAppProcessor
from bot.channels.whatsapp.store import WhatsAppStore
from bot.channels.whatsapp.webhook import CHANNEL, PATH, Webhook
from bot.pipeline.inbox import Inbox
from bot.pipeline.pacing import Pacer, Rate

WHATSAPP = web.AppKey("whatsapp", WhatsAppProcessor)


def signing_secrets(settings: Settings) -> tuple[str, str]:
    """The app secret and verify token; refused when missing: an unsigned webhook would let
    anyone speak for any WhatsApp user."""
    app_secret = settings.whatsapp_app_secret.get_secret_value()
    verify_token = settings.whatsapp_verify_token.get_secret_value()
    if not app_secret or not verify_token:
        raise ValueError("WhatsApp needs DESK_WHATSAPP_APP_SECRET and DESK_WHATSAPP_VERIFY_TOKEN")
    return app_secret, verify_token


def build_client(settings: Settings, pacer: Pacer) -> GraphClient:
    """The Graph API client of the configured number, paced within its messages per second."""
    rate = settings.whatsapp_messages_per_second
    return GraphClient(settings.whatsapp_api_url, settings.whatsapp_api_version, settings.whatsapp_phone_number_id,
                       settings.whatsapp_token.get_secret_value(), pacer=pacer,
                       rate=Rate(rate, burst=max(1, int(rate))))


class WhatsAppChannel:
    """The built inbound adapter: the inbox's processor, and what it mounts."""

    name = CHANNEL

    def __init__(self, settings: Settings, client: GraphClient, store: WhatsAppStore,
                 processor: WhatsAppProcessor) -> None:
        self.secrets = signing_secrets(settings)
        self.phone_number_id = settings.whatsapp_phone_number_id
        self.client = client
        self.store = store
        self.processor = processor

    async def process(self, payload: dict[str, Any]) -> None:
        """The inbox's processor of a stored message."""
        await self.processor(payload)

    def mount(self, app: web.Application, inbox: Inbox) -> None:
        """GET/POST /webhook/whatsapp, and the client's session around everything else."""
        webhook = Webhook(*self.secrets, self.phone_number_id, inbox, self.store)
        app.router.add_get(PATH, webhook.verify)
        app.router.add_post(PATH, webhook.receive)
        app[WHATSAPP] = self.processor
        client = self.client

        async def client_session(app: web.Application) -> AsyncIterator[None]:
            await client.start()
            yield
            await client.close()

        # First in, last out: the session is open before the inbox recovers pending
        # deliveries and closes only after it has drained.
        app.cleanup_ctx.insert(0, client_session)
