"""One seeded `civic-desk serve` for the browser tests of this folder (a start costs seconds).

Scoped to this folder: on PostgreSQL every test shares one database, and the tests after
these reset it; the server must be gone by then.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.harness import ConsoleServer, start_seeded


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    served = start_seeded(Path(tmp_path_factory.mktemp("console")))
    try:
        yield served
    finally:
        served.stop()
