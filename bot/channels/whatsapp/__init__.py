"""The WhatsApp channel (Cloud API): webhook in, the shared desk, Graph API out.

`setup(app, services)` mounts it on the service application. The adapter
only maps and renders; every feature lives in the channel-neutral desk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.app.services import Services
from bot.channels.whatsapp.client import GraphClient, SendResult
from bot.channels.whatsapp.processor import WhatsAppProcessor, to_inbound
from bot.channels.whatsapp.relay import WhatsAppUsers
from bot.channels.whatsapp.store import WhatsAppStore
from bot.channels.whatsapp.webhook import CHANNEL, PATH, Webhook, signature
from bot.pipeline.pacing import Rate

WHATSAPP = web.AppKey("whatsapp", WhatsAppProcessor)

__all__ = ["PATH", "WHATSAPP", "GraphClient", "SendResult", "WhatsAppProcessor", "WhatsAppStore",
           "setup", "signature", "to_inbound"]


def setup(app: web.Application, services: Services) -> WhatsAppProcessor:
    """Mount GET/POST /webhook/whatsapp and register the inbox processor.

    Refuses to run without the app secret and verify token: an unsigned
    webhook would let anyone speak for any WhatsApp user.
    """
    settings = services.settings
    app_secret = settings.whatsapp_app_secret.get_secret_value()
    verify_token = settings.whatsapp_verify_token.get_secret_value()
    if not app_secret or not verify_token:
        raise ValueError("WhatsApp needs DESK_WHATSAPP_APP_SECRET and DESK_WHATSAPP_VERIFY_TOKEN")
    number = settings.whatsapp_phone_number_id
    client = GraphClient(settings.whatsapp_api_url, settings.whatsapp_api_version, number,
                         settings.whatsapp_token.get_secret_value(),
                         attempts=settings.whatsapp_send_attempts,
                         retry_delay=settings.whatsapp_retry_delay, pacer=services.pacer,
                         rate=Rate(settings.whatsapp_messages_per_second,
                                   burst=max(1, int(settings.whatsapp_messages_per_second))),
                         metrics=services.metrics)
    store = WhatsAppStore(services.engine)
    # Only tickets hold consultants' replies; without a team there is nothing to release.
    releases = services.outbox if services.desk.team is not None else None
    processor = WhatsAppProcessor(services.desk, client, store, releases, services.outbound)
    services.inbox.register(CHANNEL, processor)
    if services.outbox is not None:  # consultants' replies, within the 24-hour window
        services.outbox.register(CHANNEL, WhatsAppUsers(client, store, services.desk.translator,
                                                        settings.whatsapp_reply_template, services.outbox.clock))
    webhook = Webhook(app_secret, verify_token, number, services.inbox, store)
    app.router.add_get(PATH, webhook.verify)
    app.router.add_post(PATH, webhook.receive)
    app[WHATSAPP] = processor

    async def client_session(app: web.Application) -> AsyncIterator[None]:
        await client.start()
        yield
        await client.close()

    # First in, last out: the session is open before the inbox recovers pending
    # deliveries and closes only after it has drained.
    app.cleanup_ctx.insert(0, client_session)
    return processor
