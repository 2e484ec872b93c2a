"""The channels' fixtures, for fault tests that run the whole application."""

from tests.channels.telegram.conftest import (  # noqa: F401
    bot_api,
    client,
    desk_matcher,
    no_ssl_grace_period,
    tg_settings,
    user,
)
from tests.channels.whatsapp.conftest import graph, wa_settings, whatsapp  # noqa: F401
