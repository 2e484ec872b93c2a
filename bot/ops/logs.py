"""Logging for the service: one line per event, plain or JSON, personal data redacted.

A traceback becomes part of its event's single line (JSON escapes the newlines),
so a collector never splits one failure into twenty records. Message texts are
never logged at INFO: code that needs them logs at DEBUG, and even then the
formatter redacts phone numbers, IINs, e-mails and card numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from bot.ops.redact import redact

# Attributes every LogRecord has; anything else came in through `extra=` and is kept as a field.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", ...extra fields, "exc"} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in STANDARD and not key.startswith("_"):
                event[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            event["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(event, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger: message` with the traceback folded onto the same line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei)).replace("\n", " | ")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (a test's capture, a redirected stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class UnknownUpdate(logging.Filter):
    """aiogram warns about an update type it does not know with the whole update (names, texts)
    in the message: the line keeps only what an operator needs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Detected unknown update type" in record.getMessage():
            record.msg, record.args = ("Telegram sent an update of a type this aiogram does not know; it was "
                                       "skipped (upgrading aiogram adds it)"), ()
        return True


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """Send every logger to stderr in the chosen format (called once by `serve`).

    Handlers others installed (a test runner's capture) stay; ours is replaced.
    """
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, StderrHandler)] + [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # Python's warnings too go through the formatter, one line, redacted
    warnings_log = logging.getLogger("py.warnings")
    if not any(isinstance(f, UnknownUpdate) for f in warnings_log.filters):
        warnings_log.addFilter(UnknownUpdate())
    # Lines per request or per check (aiohttp's access log, aiogram's "update handled", Alembic's
    # context on every readiness probe): the metrics count those; the log keeps events.
    for chatty in ("aiohttp.access", "aiogram.event", "alembic.runtime.migration"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
