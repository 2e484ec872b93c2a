"""aiogram's response models for the Bot API methods the desk calls, built once and kept.

aiogram validates every answer with `Response[method.__returning__]`, a pydantic
generic that pydantic caches only weakly: each time the garbage collector frees
it, the next call builds its schema and validator again (milliseconds, on every
reply after a collection). Holding them here keeps them built.
"""

from __future__ import annotations

import functools
from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    CreateForumTopic,
    DeleteWebhook,
    EditMessageText,
    GetChat,
    GetChatMember,
    GetMe,
    GetUpdates,
    GetWebhookInfo,
    ReopenForumTopic,
    SendMessage,
    SetWebhook,
)
from aiogram.methods.base import Response

METHODS = (AnswerCallbackQuery, CopyMessage, CreateForumTopic, DeleteWebhook, EditMessageText, GetChat,
           GetChatMember, GetMe, GetUpdates, GetWebhookInfo, ReopenForumTopic, SendMessage, SetWebhook)


@functools.cache  # the cache is the strong reference that keeps them
def pin_response_models() -> tuple[Any, ...]:
    """Build the models now (at start-up, not on the first reply) and keep them alive."""
    return tuple(Response[method.__returning__] for method in METHODS)  # type: ignore[name-defined]
