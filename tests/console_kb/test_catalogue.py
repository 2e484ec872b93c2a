"""The knowledge page's figures: answers and verdicts per entry from the question log, dates and owners."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.curation.catalogue import Uses, entry_rows, uses_by_entry
from bot.curation.probe import probe
from bot.db.models import Feedback, Question, User, utcnow
from bot.ops.metrics import Metrics, TimedMatcher
from handlers.faq import new_entry
from knowledge import Matcher, load_base

KB = Path(__file__).parents[1] / "curation" / "kb"
LONG_AGO = utcnow() - dt.timedelta(days=60)


async def log(engine: AsyncEngine, rows: list[tuple[str, str | None, bool | None, dt.datetime]]) -> None:
    """(decision, topic, verdict or None, when) questions of one user."""
    async with engine.begin() as conn:
        user = (await conn.execute(insert(User.__table__).values(channel="telegram", external_id="1")
                                   .returning(User.__table__.c.id))).scalar_one()
        for i, (decision, topic, verdict, when) in enumerate(rows):
            qid = (await conn.execute(insert(Question.__table__).values(
                user_id=user, text=f"q{i}", lang="ru", decision=decision, topic=topic, score=0.5, created_at=when)
                .returning(Question.__table__.c.id))).scalar_one()
            if verdict is not None:
                await conn.execute(insert(Feedback.__table__).values(question_id=qid, helpful=verdict, created_at=when))


async def test_answers_and_verdicts_are_counted_per_entry_all_time_or_for_a_period(engine: AsyncEngine) -> None:
    now = utcnow()
    await log(engine, [("answer", "grants.reporting", True, now), ("answer", "grants.reporting", False, now),
                       ("answer", "grants.reporting", None, LONG_AGO), ("menu", "grants.reporting", True, now),
                       ("clarify", None, None, now), ("fallback", None, None, now),
                       ("answer", "ngo.register", False, LONG_AGO)])
    async with engine.connect() as conn:
        assert await uses_by_entry(conn) == {"grants.reporting": Uses(3, 2, 1), "ngo.register": Uses(1, 0, 1)}
        assert await uses_by_entry(conn, now - dt.timedelta(days=30)) == {"grants.reporting": Uses(2, 2, 1)}
        assert await uses_by_entry(conn, entry_id="ngo.register") == {"ngo.register": Uses(1, 0, 1)}


def test_every_entry_is_listed_by_category_and_a_passed_review_date_is_overdue() -> None:
    base = load_base(KB)
    rows = entry_rows(base, {"grants.reporting": Uses(5, 3, 1)}, dt.date(2027, 12, 2))
    assert len(rows) == len(base.entries)
    order = {c.id: c.order for c in base.categories}
    assert [order[r.entry.category] for r in rows] == sorted(order[r.entry.category] for r in rows)
    reporting = next(r for r in rows if r.entry.id == "grants.reporting")
    assert reporting.uses == Uses(5, 3, 1) and reporting.overdue  # review_by 2027-12-01
    assert not next(r for r in entry_rows(base, {}, dt.date(2027, 12, 1)) if r.entry.id == "grants.reporting").overdue


def test_the_probe_says_what_the_desk_would_do_with_the_scores_it_weighed() -> None:
    matcher = Matcher(load_base(KB))
    asked = probe(matcher, "Как отчитываться по гранту?")
    assert (asked.decision, asked.entry.id if asked.entry else None) == ("answer", "grants.reporting")
    assert asked.lang == "ru" and asked.candidates[0].entry.id == "grants.reporting"
    assert asked.score == asked.candidates[0].score > asked.candidates[1].score
    unknown = probe(matcher, "Какая погода завтра в Астане?")
    assert unknown.decision == "fallback"


def test_a_probe_neither_counts_in_the_desks_metrics_nor_fills_its_decision_cache() -> None:
    metrics = Metrics()
    live = TimedMatcher(Matcher(load_base(KB)), metrics)
    probe(live, "Как отчитываться по гранту?")
    assert metrics.registry.get_sample_value("desk_decisions_total", {"kind": "answer"}) in (None, 0.0)
    assert live._read.cache_info().currsize == 0  # type: ignore[attr-defined]
    live.decide("Как отчитываться по гранту?")
    assert metrics.registry.get_sample_value("desk_decisions_total", {"kind": "answer"}) == 1.0


def test_a_gap_becomes_a_new_entry_in_its_language_with_its_examples_as_phrasings() -> None:
    matcher = Matcher(load_base(KB))
    entry = new_entry(matcher, "ru", ["Где сдать отчёт по гранту ЦПГИ?", "отчет по гранту куда"], "",
                      dt.date(2026, 12, 6))
    assert entry["questions"] == {"ru": ["Где сдать отчёт по гранту ЦПГИ?", "отчет по гранту куда"], "kk": []}
    assert entry["category"] == "grants" and entry["answer"] == {"ru": "", "kk": ""}
    assert entry["checked"] == "2026-12-06" and entry["review_by"] == "2027-12-06"
