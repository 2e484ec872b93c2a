"""The desk with a team on a real database, as in tests/handlers: the analytics read what it wrote."""

from tests.handlers.conftest import clock, desk, outbox, team

__all__ = ["clock", "desk", "outbox", "team"]
