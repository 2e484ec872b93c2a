"""JSON on the hot path (webhook bodies, the inbox's payloads, platform API calls), by orjson.

Every update is decoded from its webhook, encoded into the inbox, and turned into
one or two API calls whose bodies and answers are JSON too: with the standard
`json` module that was a visible share of the desk's CPU, which orjson cuts
(benchmarks/README.md). Text stays UTF-8, unescaped,
as `json.dumps(..., ensure_ascii=False)` writes it. It is stricter: NaN, Infinity
and integers beyond 64 bits are malformed JSON here (a webhook answers 400), as
no platform sends them.
"""

from __future__ import annotations

from typing import Any

import orjson

loads = orjson.loads  # str or bytes; raises ValueError (orjson.JSONDecodeError) on malformed input


def dumps(value: Any) -> str:
    """The JSON text of `value`."""
    return orjson.dumps(value).decode()


def dumps_bytes(value: Any) -> bytes:
    """The UTF-8 JSON of `value`, ready for an HTTP body."""
    return orjson.dumps(value)
