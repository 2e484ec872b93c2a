"""Working hours said the way people say them: day names, "tomorrow from 09:00"."""

from __future__ import annotations

import datetime as dt

from handlers.i18n import Gettext
from handlers.working_hours import WorkingHours


def day_names(_: Gettext) -> tuple[str, ...]:
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


def when(hours: WorkingHours, now: dt.datetime, opening: dt.datetime | None, _: Gettext) -> str:
    """"tomorrow from 09:00": when the next working span starts, said the way people say it."""
    if opening is None:
        return _("as soon as they can")
    today = hours.local(now).date()
    time = opening.strftime("%H:%M")
    if opening.date() == today:
        return _("today from {time}").format(time=time)
    if opening.date() == today + dt.timedelta(days=1):
        return _("tomorrow from {time}").format(time=time)
    return _("on {date} from {time}").format(date=opening.strftime("%d.%m"), time=time)
