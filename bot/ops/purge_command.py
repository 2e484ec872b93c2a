"""`civic-desk purge`: the retention period applied, with counts of what was (or would be) changed."""

from __future__ import annotations

import sys

from bot.app.compose import maintenance_engine
from bot.app.config import Settings
from bot.db import schema
from bot.ops import pseudonyms, retention

PURGE_VERBS = {retention.STALE: ("closed", "would close")} | {
    spot.label: ("pseudonymised", "would pseudonymise") for spot in pseudonyms.ID_COLUMNS}


async def run(settings: Settings, older_than: str, dry_run: bool, identifiers: bool = False) -> int:
    """Blank personal texts older than the retention period; rows and counts stay."""
    try:
        age = retention.parse_age(older_than)
    except ValueError as exc:
        print(f"civic-desk purge: {exc}", file=sys.stderr)
        return 2
    key = settings.pseudonym_key.get_secret_value().encode()
    if identifiers and not key:
        print("civic-desk purge: --include-identifiers needs DESK_PSEUDONYM_KEY (a long random secret, kept)",
              file=sys.stderr)
        return 2
    engine = maintenance_engine(settings)
    try:
        if await schema.refuses(engine, "purge"):
            return 1
        counts = await retention.purge(engine, age, dry_run=dry_run,
                                        identifiers_key=key if identifiers else None)
    finally:
        await engine.dispose()
    for label, count in counts.items():
        verb = PURGE_VERBS.get(label, ("blanked", "would blank"))[dry_run]
        print(f"{label}: {verb} {count}")
    return 0
