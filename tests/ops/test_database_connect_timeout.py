"""DESK_DATABASE_TIMEOUT bounds the connect too: a PostgreSQL address that accepts the connection
and never answers (a stalled server, a black-holed proxy) fails the desk's connect in that time,
not in asyncpg's minute. No PostgreSQL needed: a silent listener on 127.0.0.1 stands in for it."""

from __future__ import annotations

import asyncio

import pytest

from bot.app.compose import CONNECT_TIMEOUT, make_engine
from bot.app.config import Settings

TIMEOUT = 1  # seconds: DESK_DATABASE_TIMEOUT in this test


async def test_a_database_that_never_answers_fails_the_connect_within_the_timeout() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # takes the startup message and never answers it

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(database_url=f"postgresql+asyncpg://desk@127.0.0.1:{port}/desk",  # type: ignore[call-arg]
                        database_timeout=TIMEOUT, _env_file=None)
    engine = make_engine(settings)
    bound = asyncio.timeout(CONNECT_TIMEOUT - 2)  # shorter than any wait the setting would not explain
    try:
        async with bound:
            with pytest.raises(TimeoutError):
                async with engine.connect():
                    pass
    finally:
        await engine.dispose()
        server.close()
        for writer in accepted:
            writer.close()
            await writer.wait_closed()
        await server.wait_closed()
    assert not bound.expired()  # the desk's own timeout ended the connect, not the test's bound
