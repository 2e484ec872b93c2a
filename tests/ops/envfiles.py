"""How systemd and Docker Compose read an env file, after their documented rules.

Small parsers, written from systemd.exec(5) ("EnvironmentFile=") and Docker's
"Set environment variables" page (env_file syntax), so a test can read
`.env.example` the way each of them would on a server without either installed.
"""

from __future__ import annotations

import os
import re

KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
COMPOSE_VARIABLE = re.compile(r"\$(?:\{([^}:?]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")


def systemd(text: str) -> dict[str, str]:
    """EnvironmentFile=: `#`/`;` lines are comments, quotes are removed, a backslash escapes the
    next character (at the end of a line: continues it), whitespace around the value is dropped,
    and everything else, a `#` after the value included, is part of the value."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for raw in lines:
        line = raw.lstrip()
        while line.endswith("\\") and not line.endswith("\\\\"):
            line = line[:-1] + next(lines, "")
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, rest = line.partition("=")
        values[key.strip()] = _systemd_value(rest.strip())
    return values


def _systemd_value(rest: str) -> str:
    out, quote, chars = [], "", iter(rest)
    for char in chars:
        if char == "\\" and quote != "'":
            out.append(next(chars, ""))
        elif quote and char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
        else:
            out.append(char)
    return "".join(out).rstrip() if not quote else "".join(out)


def compose(text: str, environment: dict[str, str] | None = None) -> dict[str, str]:
    """env_file: `#` lines are comments; an unquoted value ends at ` #` (an inline comment) and is
    trimmed; single quotes are literal; unquoted and double-quoted values interpolate $VAR."""
    environment = dict(os.environ) if environment is None else environment
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        key, equals, rest = line.partition("=")
        if not equals or not KEY.fullmatch(key.strip()):
            raise ValueError(f"compose: unexpected line {raw!r}")
        rest = rest.strip()
        if rest[:1] == "'" and rest.count("'") >= 2:
            values[key.strip()] = rest[1:rest.index("'", 1)]
            continue
        if rest[:1] == '"' and rest.count('"') >= 2:
            rest = rest[1:rest.index('"', 1)]
        else:
            rest = re.split(r"\s#", rest, maxsplit=1)[0].strip()
        values[key.strip()] = _interpolate(rest, {**environment, **values})
    return values


def unit_environment(unit: str, env_file: dict[str, str], instance: str) -> dict[str, str]:
    """The environment systemd gives an instance of a template unit: Environment= first,
    then EnvironmentFile=, whose settings override (systemd.exec(5))."""
    values: dict[str, str] = {}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            for assignment in line.removeprefix("Environment=").split():
                key, _, value = assignment.partition("=")
                values[key] = value.replace("%i", instance)
    return {**values, **env_file}


def _interpolate(value: str, lookup: dict[str, str]) -> str:
    return COMPOSE_VARIABLE.sub(lambda m: lookup.get(m.group(1) or m.group(2), ""), value)
