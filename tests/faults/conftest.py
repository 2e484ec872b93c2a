"""The channels' fixtures, for fault tests that run the whole application, and a slow fake Bot API."""

from collections.abc import AsyncIterator

import pytest

from tests.channels.telegram.conftest import (  # noqa: F401
    _fast_close,
    client,
    desk_matcher,
    tg_settings,
    user,
)
from tests.channels.whatsapp.conftest import wa_settings, whatsapp  # noqa: F401
from tests.faults.serve import SlowBotAPI, run_fake


@pytest.fixture
async def api() -> AsyncIterator[SlowBotAPI]:
    """A fake Bot API on 127.0.0.1 for `civic-desk serve` subprocesses."""
    fake = SlowBotAPI()
    runner, fake.url = await run_fake(fake.app)
    yield fake
    await runner.cleanup()
