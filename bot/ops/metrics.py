"""Prometheus metrics of one running desk, on a registry built at start-up.

Each application gets its own `Metrics` (no import-time global), so two
instances in one test process never mix their counts. Other parts of the
shell add their own collectors to `metrics.registry`, and gauges that need the
database (queue depths, open tickets) register an async `on_scrape` refresher
that runs before each `GET /metrics`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from knowledge import Decision, DecisionKind, Lang, Matcher

log = logging.getLogger(__name__)
Refresher = Callable[[], Awaitable[None]]
CONTENT_TYPE = CONTENT_TYPE_LATEST
REFRESH_SECONDS = 5.0  # database-backed gauges are at most this old when scraped
# The matcher answers in about a millisecond; the top buckets catch a pathological message.
MATCH_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """The desk's own series; `registry` is open for more."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.updates = Counter("desk_updates_received", "Webhook deliveries stored in the inbox",
                               ["channel"], registry=r)
        self.duplicates = Counter("desk_updates_duplicate", "Deliveries already in the inbox",
                                  ["channel"], registry=r)
        self.refused = Counter("desk_updates_refused", "Deliveries acknowledged but not stored: an id too "
                               "long for its column", ["channel"], registry=r)
        self.processed = Counter("desk_updates_processed", "Inbox deliveries processed, by outcome "
                                 "(done, failed for good, retry: handed back after a transient error)",
                                 ["channel", "status"], registry=r)
        self.decisions = Counter("desk_decisions", "Matcher decisions, by kind", ["kind"], registry=r)
        self.match_seconds = Histogram("desk_match_seconds", "Time to match one question",
                                       buckets=MATCH_BUCKETS, registry=r)
        self.rate_limited = Counter("desk_inbound_rate_limited", "Inbound messages over the per-user limit",
                                    ["channel"], registry=r)
        self.outbound_errors = Counter("desk_outbound_errors", "Platform calls that failed for good",
                                       ["channel", "reason"], registry=r)
        self.outbound_retries = Counter("desk_outbound_retries", "Platform calls tried again",
                                        ["channel", "reason"], registry=r)
        self.inbox_depth = Gauge("desk_inbox_depth", "Inbox deliveries not processed yet", ["status"],
                                 registry=r)
        self._refreshers: list[Refresher] = []
        self._refreshed_at = -REFRESH_SECONDS

    def on_scrape(self, refresher: Refresher) -> None:
        """Run `refresher` before a scrape (to set a gauge from the database)."""
        self._refreshers.append(refresher)
        self._refreshed_at = -REFRESH_SECONDS  # the next scrape shows it

    async def render(self) -> bytes:
        """The exposition text; a refresher that fails leaves its gauge stale, not the page broken.

        The gauges read from the database are refreshed at most every REFRESH_SECONDS: scrapes
        in between (several Prometheus servers, or someone hammering the page) cost no query.
        """
        if time.monotonic() - self._refreshed_at >= REFRESH_SECONDS:
            self._refreshed_at = time.monotonic()
            for refresher in self._refreshers:
                try:
                    await refresher()
                except Exception:
                    log.warning("a metrics refresher failed", exc_info=True)
        return generate_latest(self.registry)


class TimedMatcher(Matcher):
    """A matcher on `inner`'s index and settings, each decision timed and counted.

    It shares the index instead of building it again, so wrapping costs nothing at
    start-up; the desk and the CLI see an ordinary Matcher.
    """

    def __init__(self, inner: Matcher, metrics: Metrics) -> None:
        super().__init__(inner.base, inner.thresholds, cache_size=inner.cache_size, index=inner.index)
        self._metrics = metrics
        self._observe = metrics.match_seconds.observe
        # each kind's counter, looked up once: `labels` checks and joins its values on every call;
        # bound at a kind's first decision, so /metrics shows the same series as before
        self._counted: dict[DecisionKind, Callable[[], None]] = {}

    def decide(self, text: str, default_lang: Lang = "kk") -> Decision:
        started = time.perf_counter()
        decision = super().decide(text, default_lang)
        self._count(decision, started)
        return decision

    def read(self, text: str, default_lang: Lang = "kk") -> Decision | None:
        """A text without words is not matched, so neither timed nor counted."""
        started = time.perf_counter()
        decision = super().read(text, default_lang)
        if decision is not None:
            self._count(decision, started)
        return decision

    def _count(self, decision: Decision, started: float) -> None:
        self._observe(time.perf_counter() - started)
        count = self._counted.get(decision.kind)
        if count is None:
            count = self._counted[decision.kind] = self._metrics.decisions.labels(decision.kind.value).inc
        count()
