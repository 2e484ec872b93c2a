"""Redis for the tests that need one: DESK_TEST_REDIS_URL (CI sets it to the local server, db 15)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    url = os.environ.get("DESK_TEST_REDIS_URL")
    if not url:
        pytest.skip("DESK_TEST_REDIS_URL is not set")
    connection = Redis.from_url(url)
    yield connection
    await connection.aclose()


@pytest.fixture
def prefix() -> str:
    """Keys of this test only, so parallel runs on one Redis never meet."""
    return f"desk-test:{uuid.uuid4().hex}:"
