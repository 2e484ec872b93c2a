"""`civic-desk console`: the console alone, on its own address and port, beside the desk's instances."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.harness import ConsoleServer, start_seeded


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    served = start_seeded(Path(tmp_path_factory.mktemp("alone")), console_host="127.0.0.1", command="console")
    try:
        yield served
    finally:
        served.stop()


def test_it_serves_the_console_and_nothing_of_the_desk(alone: ConsoleServer) -> None:
    with urllib.request.urlopen(alone.url + "/") as response:  # the root leads to the console's login
        assert response.url == alone.url + "/console/login?next=/console/"
        assert "Вход" in response.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(alone.url + "/webhook/telegram")
    missing.value.close()
    assert missing.value.code in (404, 405)
    assert "civic-desk console on http://127.0.0.1:" in alone.log()
