"""A wrong setting as one line per mistake: the variable, what is expected, where to fix it.

The values themselves are never repeated: a mistyped token or database password
would otherwise land in a terminal's scrollback or the journal.
"""

from __future__ import annotations

from pydantic import ValidationError

FIX = "fix it in the environment or the env file"


def describe(error: ValidationError) -> list[str]:
    """One `DESK_NAME: what is wrong (fix ...)` line per invalid setting."""
    lines = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        name = f"DESK_{str(item['loc'][0]).upper()}" if item["loc"] else "settings"
        lines.append(f"{name}: {item['msg'].removeprefix('Value error, ')} ({FIX})")
    return lines
