"""`stores`: one implementation of the core's durable ports per run of a test, in memory and in SQL."""

from __future__ import annotations

import pytest

from tests.clock import FakeClock
from tests.stores import Stores, memory_stores, sql_stores


@pytest.fixture(params=["memory", "sql"])
def stores(request: pytest.FixtureRequest, clock: FakeClock) -> Stores:
    if request.param == "memory":
        return memory_stores(clock)
    return sql_stores(request.getfixturevalue("engine"), clock)
