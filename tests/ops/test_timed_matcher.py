"""The matcher's metrics count each decision the desk asks for once, by kind, and nothing else."""

from __future__ import annotations

from bot.ops.metrics import Metrics, TimedMatcher
from knowledge import Matcher


def test_decisions_are_timed_and_counted_by_kind_and_a_text_without_words_is_not(matcher: Matcher) -> None:
    metrics = Metrics()
    timed = TimedMatcher(matcher, metrics)
    kinds = [timed.decide("Как получить грант?").kind, timed.read("Сәлем!").kind,  # type: ignore[union-attr]
             timed.read("Как получить грант?").kind, timed.decide("какая погода завтра").kind]  # type: ignore[union-attr]
    assert timed.read("!!! ...") is None
    sample = metrics.registry.get_sample_value
    assert sample("desk_match_seconds_count") == 4
    for kind in set(kinds):
        assert sample("desk_decisions_total", {"kind": kind.value}) == kinds.count(kind)
    shown = {s.labels["kind"] for m in metrics.registry.collect() if m.name == "desk_decisions" for s in m.samples}
    assert shown == {k.value for k in kinds}  # no series for a kind never decided
