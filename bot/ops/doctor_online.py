"""The platforms' side of `civic-desk doctor --online`: the Bot API and the Graph API, read only.

Nothing is changed: getMe, getWebhookInfo, getChat and getChatMember for Telegram,
GET on the phone number for WhatsApp. The tokens never appear in the lines.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.app.channel_plan import TELEGRAM_PATH, Part, telegram, whatsapp
from bot.app.config import Settings

TIMEOUT = aiohttp.ClientTimeout(total=15)


class Refused(Exception):
    """The platform answered with an error (its description in the message)."""


async def bot_api(session: aiohttp.ClientSession, settings: Settings, method: str, **params: Any) -> Any:
    token = settings.telegram_token.get_secret_value().strip()
    url = f"{settings.telegram_api_url.rstrip('/')}/bot{token}/{method}"
    async with session.post(url, json=params) as response:
        body = await response.json(content_type=None)
    if not body.get("ok"):
        raise Refused(f"{body.get('error_code', response.status)} {body.get('description', '')}".strip())
    return body["result"]


async def telegram_parts(session: aiohttp.ClientSession, settings: Settings) -> list[Part]:
    me = await bot_api(session, settings, "getMe")
    parts = [Part("telegram getMe", True, f"the token belongs to @{me.get('username')} (id {me.get('id')})")]
    info = await bot_api(session, settings, "getWebhookInfo")
    parts.append(webhook_part(settings, info))
    if settings.consultant_chat_id is not None:
        parts.append(await group_part(session, settings, int(me["id"])))
    return parts


def webhook_part(settings: Settings, info: dict[str, Any]) -> Part:
    registered = info.get("url") or ""
    expected = settings.public_url.rstrip("/") + TELEGRAM_PATH if settings.public_url else ""
    pending = f"{info.get('pending_update_count', 0)} updates waiting"
    error = f"; Telegram's last error: {info['last_error_message']}" if info.get("last_error_message") else ""
    if not registered:
        return Part("telegram webhook", False, f"none registered ({pending}): `serve` registers "
                                               f"{expected or 'DESK_PUBLIC_URL'} at start")
    if registered != expected:
        return Part("telegram webhook", False, f"registered at {registered}, not at {expected or 'DESK_PUBLIC_URL'}"
                                               f" ({pending}): another desk or an old address{error}", error=True)
    return Part("telegram webhook", not error, f"registered at {registered} ({pending}){error}", error=bool(error))


async def group_part(session: aiohttp.ClientSession, settings: Settings, bot_id: int) -> Part:
    chat_id = settings.consultant_chat_id
    chat = await bot_api(session, settings, "getChat", chat_id=chat_id)
    member = await bot_api(session, settings, "getChatMember", chat_id=chat_id, user_id=bot_id)
    problems = []
    if not chat.get("is_forum"):
        problems.append("topics are off (group settings: Topics)")
    if member.get("status") != "administrator":
        problems.append("the bot is not an administrator")
    elif not member.get("can_manage_topics"):
        problems.append("the bot may not manage topics")
    title = chat.get("title", chat_id)
    if problems:
        return Part("consultants group", False, f"{title}: {'; '.join(problems)}", error=True)
    return Part("consultants group", True, f"{title}: a forum, the bot an administrator that manages topics")


async def graph_part(session: aiohttp.ClientSession, settings: Settings) -> Part:
    url = (f"{settings.whatsapp_api_url.rstrip('/')}/{settings.whatsapp_api_version}/"
           f"{settings.whatsapp_phone_number_id}")
    headers = {"Authorization": f"Bearer {settings.whatsapp_token.get_secret_value().strip()}"}
    async with session.get(url, params={"fields": "display_phone_number,verified_name,quality_rating"},
                           headers=headers) as response:
        body = await response.json(content_type=None)
    if response.status != 200 or "error" in body:
        message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
        return Part("whatsapp number", False, f"Graph refused ({response.status} {message}): check "
                                              "DESK_WHATSAPP_TOKEN and DESK_WHATSAPP_PHONE_NUMBER_ID", error=True)
    return Part("whatsapp number", True, f"{body.get('display_phone_number')} ({body.get('verified_name')}), "
                                         f"quality {body.get('quality_rating', 'unknown')}")


async def online_parts(settings: Settings) -> list[Part]:
    """Ask each configured platform; a refusal or a network failure is one error line."""
    parts: list[Part] = []
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        if settings.telegram_token.get_secret_value().strip():
            parts += await _asking("telegram", telegram_parts(session, settings))
        if whatsapp(settings).active:
            parts += await _asking("whatsapp number", _one(graph_part(session, settings)))
    if not parts:
        parts.append(Part("online", False, f"nothing to ask: {telegram(settings).detail}"))
    return parts


async def _one(check: Any) -> list[Part]:
    return [await check]


async def _asking(name: str, check: Any) -> list[Part]:
    try:
        return list(await check)
    except Refused as exc:
        return [Part(name, False, f"refused: {exc}", error=True)]
    except (aiohttp.ClientError, TimeoutError) as exc:
        return [Part(name, False, f"unreachable ({exc.__class__.__name__}): check the network and the API URL",
                     error=True)]
