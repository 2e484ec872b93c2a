"""The channels' fixtures, for fault tests that run the whole application."""

from tests.channels.telegram.conftest import (  # noqa: F401
    _fast_close,
    client,
    desk_matcher,
    tg_settings,
    user,
)
from tests.channels.whatsapp.conftest import wa_settings, whatsapp  # noqa: F401
