"""What `civic-desk serve` says before it starts: each part active or not and why, or why it refuses.

A half-configured channel stops the start with the setting to fix; a desk with no
channel at all starts only when told to (`--no-channels`: health and metrics only).
"""

from __future__ import annotations

import logging

from bot.app.channel_plan import Part, receiving

log = logging.getLogger("bot.serve")
NO_CHANNEL = ("no channel is configured: set DESK_TELEGRAM_TOKEN (with DESK_PUBLIC_URL and "
              "DESK_TELEGRAM_WEBHOOK_SECRET) or the four DESK_WHATSAPP_* settings, or pass --no-channels "
              "to serve only /healthz, /readyz and /metrics")


def refusals(parts: list[Part], *, no_channels: bool) -> list[str]:
    """Why serve must not start (empty: it may)."""
    errors = [part.detail for part in parts if part.error]
    if not errors and not receiving(parts) and not no_channels:
        errors.append(NO_CHANNEL)
    return errors


def announce(parts: list[Part]) -> None:
    """Log every part of the plan (once logging is configured)."""
    for part in parts:
        log.info("%s", part.line())
    if not receiving(parts):
        log.warning("no channel receives messages (--no-channels): /readyz answers 503")
