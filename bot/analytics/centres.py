"""Each centre's tickets in the period: opened, answered, median first reply in its own hours, late.

The first reply is counted in the working hours of the centre the ticket belongs
to (its own `hours`, else the desk's), the same clock the late flag runs on.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.models import TicketRow, aware
from handlers.working_hours import WorkingHours

HoursOf = Callable[[str], WorkingHours]  # a centre's id -> the hours its tickets are answered in


@dataclass
class CentreFigures:
    centre: str
    opened: int = 0
    answered: int = 0
    late: int = 0  # flagged for waiting past the centre's target
    first_reply_seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def median_first_reply(self) -> float | None:
        return statistics.median(self.first_reply_seconds) if self.first_reply_seconds else None


async def centre_figures(conn: AsyncConnection, since: dt.datetime, hours_of: HoursOf) -> list[CentreFigures]:
    """Per centre, most tickets first."""
    rows = await conn.execute(select(TicketRow.centre, TicketRow.created_at, TicketRow.first_reply_at,
                                     TicketRow.sla_flagged_at)
                              .where(TicketRow.created_at >= since))
    table: dict[str, CentreFigures] = {}
    for centre, opened, replied, flagged in rows:
        figures = table.setdefault(centre, CentreFigures(centre))
        figures.opened += 1
        figures.late += flagged is not None
        if replied is not None:
            figures.answered += 1
            figures.first_reply_seconds.append(hours_of(centre).working_seconds(aware(opened), aware(replied)))
    return sorted(table.values(), key=lambda f: (-f.opened, f.centre))
