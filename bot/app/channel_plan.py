"""What the configured desk will and will not do, decided from the settings alone.

`serve` prints it before it starts (and refuses a half-configured channel), and
`doctor` prints it as a report; both read the same plan, so they never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.app.config import Settings

TOKEN_FORMAT = re.compile(r"\d+:\S+")  # what aiogram's validate_token accepts
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # setWebhook's secret_token
TELEGRAM_PATH = "/webhook/telegram"
WHATSAPP_PATH = "/webhook/whatsapp"
WHATSAPP_SETTINGS = ("token", "phone_number_id", "app_secret", "verify_token")


@dataclass(frozen=True)
class Part:
    """One part of the desk: `active` when it will work; `error` when a setting stops the start."""

    name: str
    active: bool
    detail: str
    error: bool = False

    def line(self) -> str:
        state = "error" if self.error else "active" if self.active else "inactive"
        return f"{self.name}: {state}: {self.detail}"


def _secret(settings: Settings, name: str) -> str:
    return str(getattr(settings, name).get_secret_value()).strip()


def telegram(settings: Settings, *, polling: bool = False) -> Part:
    token = _secret(settings, "telegram_token")
    if not token:
        if polling:
            return Part("telegram", False, "DESK_TELEGRAM_TOKEN is not set: `serve --polling` needs the token "
                                           "@BotFather gave the bot", error=True)
        return Part("telegram", False, "DESK_TELEGRAM_TOKEN is not set")
    if not TOKEN_FORMAT.fullmatch(token):
        return Part("telegram", False, "DESK_TELEGRAM_TOKEN is malformed: a bot token looks like "
                                       "123456789:AAE..., digits, a colon, then the secret", error=True)
    if polling:
        return Part("telegram", True, "long polling (for development; production uses the webhook)")
    if not settings.public_url.strip():
        return Part("telegram", False, "DESK_PUBLIC_URL is not set: set it to the https address Telegram "
                                       "calls (e.g. https://desk.example.kz), or run `serve --polling`", error=True)
    if not SECRET_FORMAT.fullmatch(_secret(settings, "telegram_webhook_secret")):
        return Part("telegram", False, "DESK_TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ - "
                                       "(make one with: openssl rand -hex 32)", error=True)
    return Part("telegram", True, f"webhook at {settings.public_url.rstrip('/')}{TELEGRAM_PATH}")


def whatsapp(settings: Settings) -> Part:
    given = {name: bool(_secret(settings, f"whatsapp_{name}") if name != "phone_number_id"
                        else settings.whatsapp_phone_number_id.strip()) for name in WHATSAPP_SETTINGS}
    missing = [f"DESK_WHATSAPP_{name.upper()}" for name, present in given.items() if not present]
    if len(missing) == len(WHATSAPP_SETTINGS):
        return Part("whatsapp", False, "DESK_WHATSAPP_TOKEN and the other WhatsApp settings are not set")
    if missing:
        return Part("whatsapp", False, f"{', '.join(missing)} not set: WhatsApp needs all four of "
                                       "token, phone number id, app secret and verify token", error=True)
    return Part("whatsapp", True, f"webhook at {WHATSAPP_PATH} for phone number id "
                                  f"{settings.whatsapp_phone_number_id}")


def consultants(settings: Settings) -> Part:
    if settings.consultant_chat_id is None:
        return Part("consultants", False, "DESK_CONSULTANT_CHAT_ID is not set: users who ask for a person "
                                          "are told to contact the centre directly")
    if not _secret(settings, "telegram_token"):
        return Part("consultants", False, "DESK_CONSULTANT_CHAT_ID needs DESK_TELEGRAM_TOKEN: the bot posts "
                                          "tickets in that Telegram group", error=True)
    return Part("consultants", True, f"tickets go to the Telegram group {settings.consultant_chat_id}, "
                                     f"hours {settings.working_hours} ({settings.timezone})")


def templates(settings: Settings) -> Part:
    if not settings.whatsapp_reply_template.strip():
        return Part("templates", False, "DESK_WHATSAPP_REPLY_TEMPLATE is not set: a consultant's reply after "
                                        "WhatsApp's 24-hour window waits until the user writes again")
    return Part("templates", True, f"{settings.whatsapp_reply_template} (kk, ru) invites the user back "
                                   "after the 24-hour window")


def plan(settings: Settings, *, polling: bool = False) -> list[Part]:
    """Every part, in the order an operator reads them."""
    return [telegram(settings, polling=polling), whatsapp(settings), consultants(settings), templates(settings)]


def receiving(parts: list[Part]) -> list[Part]:
    """The channels that will take users' messages."""
    return [p for p in parts if p.name in ("telegram", "whatsapp") and p.active]
