"""The channels' fixtures, for fault tests that run the whole application, and a slow fake Bot API."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from bot.app.config import Settings
from tests.channels.telegram.conftest import (  # noqa: F401
    _fast_close,
    client,
    desk_matcher,
    tg_settings,
    user,
)
from tests.channels.whatsapp.conftest import wa_settings, whatsapp  # noqa: F401
from tests.faults.proxy import Proxy
from tests.faults.serve import SlowBotAPI, run_fake


@pytest.fixture
async def api() -> AsyncIterator[SlowBotAPI]:
    """A fake Bot API on 127.0.0.1 for `civic-desk serve` subprocesses."""
    fake = SlowBotAPI()
    runner, fake.url = await run_fake(fake.app)
    yield fake
    await runner.cleanup()


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[Proxy]:
    """A TCP proxy in front of the test's PostgreSQL, which the test cuts or stalls."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a network database is needed: set DESK_TEST_DATABASE_URL to PostgreSQL")
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.up()
    yield proxy
    await proxy.down()
