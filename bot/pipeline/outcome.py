"""What became of one attempt to send a message, as a deliverer reports it to the outbox or the outbound lanes."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.ports import DeliveryReport


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | unavailable | held | failed
    external_id: str = ""
    retry_after: float | None = None
    error: str = ""
    report: DeliveryReport | None = None
    parts: int = 0  # of a message sent in parts, how many went out (a retry starts after them)

    @classmethod
    def sent(cls, external_id: object = "") -> Outcome:
        return cls("sent", str(external_id))

    @classmethod
    def retry(cls, error: str, after: float | None = None) -> Outcome:
        return cls("retry", retry_after=after, error=error[:2000])

    @classmethod
    def unavailable(cls, error: str, after: float = 60.0) -> Outcome:
        """The destination itself cannot take messages now (a consultants' group the bot lost,
        a migration under way): the message stays pending, its attempt uncounted and no deadline
        running, and is tried again in `after` seconds."""
        return cls("unavailable", retry_after=after, error=error[:2000])

    @classmethod
    def held(cls, report: DeliveryReport, error: str = "") -> Outcome:
        return cls("held", error=error[:2000], report=report)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls("failed", error=error[:2000])
