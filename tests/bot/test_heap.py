"""serve settles the heap before it listens: start-up objects are not walked by every collection."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.app.web import YOUNG_OBJECTS, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_start_up_heap_is_frozen_and_young_objects_are_collected_less_often(restored_gc: None) -> None:
    index = [{"stem": str(n)} for n in range(1000)]  # stands for the knowledge index built at start-up

    settle_heap()

    assert gc.get_freeze_count() >= len(index)
    assert gc.get_threshold()[0] == YOUNG_OBJECTS


def test_garbage_made_after_start_up_is_still_collected_by_itself(restored_gc: None) -> None:
    settle_heap()

    class Node:
        def __init__(self) -> None:
            self.partner: Node | None = None

    first, second = Node(), Node()
    first.partner, second.partner = second, first  # a cycle: only the collector frees it
    freed = weakref.ref(first)
    del first, second

    kept = [[] for _ in range(2 * YOUNG_OBJECTS)]  # allocations enough for a young collection, no explicit call
    assert kept and freed() is None
