"""A TCP proxy in front of the test's PostgreSQL, for the database fault tests."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from bot.app.config import Settings
from tests.faults.proxy import Proxy


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
