"""An address naming a draft, ticket or entry that does not exist gets the console's "Not found" page,
whatever the method; nothing is changed and nothing crashes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.config import Settings
from bot.console.accounts import StaffStore
from handlers import Translator
from knowledge import Matcher
from tests.console.inprocess import Clock, console_client, form_token, log_in

PASSWORD = "a long enough password"


@pytest.fixture
async def curator(aiohttp_client: Any, settings: Settings, engine: AsyncEngine, matcher: Matcher,
                  translator: Translator) -> Any:
    await StaffStore(engine).add("dana", "curator", PASSWORD, by="test")
    client = await console_client(aiohttp_client, settings, engine, matcher, translator, Clock())
    assert (await log_in(client, "dana", PASSWORD)).status == 302
    return client


async def not_found(response: Any) -> bool:
    """The console's own 404 page (in Russian, the console's language until the reader picks one)."""
    return response.status == 404 and "Такой страницы или записи нет." in await response.text()


@pytest.mark.parametrize("path", ["/console/drafts/999", "/console/drafts/abc", "/console/tickets/999",
                                  "/console/knowledge/no.such.entry"])
async def test_a_record_that_does_not_exist_is_not_found(curator: Any, path: str) -> None:
    assert await not_found(await curator.get(path))


@pytest.mark.parametrize("path", ["/console/drafts/999", "/console/drafts/999/reject",
                                  "/console/knowledge/no.such.entry/edit"])
async def test_a_change_to_a_record_that_does_not_exist_is_not_found(curator: Any, path: str) -> None:
    token = await form_token(curator, "/console/drafts")
    response = await curator.post(path, data={"csrf": token, "reason": "duplicate", "do": "publish"},
                                  allow_redirects=False)
    assert await not_found(response)
