"""The one retry policy of every outbound message, desk answers and relayed messages alike.

A 429 is waited out however long its retry_after is (only that destination waits: each
is a lane of its own). Server errors, timeouts and dropped connections are tried again
with a doubling back-off, capped, until the message's deadline (hours: a platform down for
an afternoon must not lose an answer); then the message is failed, logged and counted.
A destination that cannot take anything now (`unavailable`) waits with no deadline. A
permanent refusal (403 blocked, 400 chat not found) ends at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.pipeline.outcome import Outcome


@dataclass(frozen=True)
class RetryPolicy:
    deadline: dt.timedelta = dt.timedelta(hours=24)
    first_delay: float = 1.0
    max_delay: float = 300.0

    def backoff(self, attempt: int) -> float:
        """The pause after the `attempt`-th failed try: first_delay, doubling, at most max_delay."""
        return min(self.first_delay * 2 ** max(attempt - 1, 0), self.max_delay)

    def wait(self, outcome: Outcome, attempt: int, deadline_at: dt.datetime, now: dt.datetime) -> float | None:
        """Seconds until the next try, or None when the message has failed for good."""
        if outcome.status == "unavailable":
            return outcome.retry_after if outcome.retry_after is not None else self.max_delay
        if outcome.status != "retry" or now >= deadline_at:
            return None
        return outcome.retry_after if outcome.retry_after is not None else self.backoff(attempt)
