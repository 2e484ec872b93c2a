"""What the desk tells a user about their civic centre: contacts, hours, open now, or the honest gap."""

from __future__ import annotations

import datetime as dt

from handlers.centres import CentreDirectory
from handlers.i18n import Gettext
from handlers.schedule_words import day_names, when
from knowledge.centres import Centre


def contacts(centre: Centre, lang: str, _: Gettext) -> list[str]:
    """The centre's lines of contacts, only those the file gives."""
    lines = [f"*{centre.name[lang]}*"]
    if centre.address:
        lines.append(_("Address: {address}").format(address=centre.address[lang]))
    if centre.phone:
        lines.append(_("Phone: {phone}").format(phone=centre.phone))
    if centre.email:
        lines.append(_("E-mail: {email}").format(email=centre.email))
    if centre.site:
        lines.append(_("Website: {site}").format(site=centre.site))
    return lines


def opening(directory: CentreDirectory, centre: Centre, now: dt.datetime, _: Gettext) -> str:
    """ "Mon–Fri 09:00–18:00 (UTC+5): open now" or when it opens; unknown hours said plainly."""
    hours = directory.visiting_hours(centre)
    if hours is None:
        return _("Opening hours are not known: please call before you go.")
    schedule = _("Opening hours: {schedule} ({zone}).").format(
        schedule=hours.describe(day_names(_)), zone=hours.utc_offset(now)
    )
    if hours.is_holiday(hours.local(now).date()):
        return (
            schedule
            + " "
            + _("Today is a public holiday: the centre is closed, it opens {when}.").format(
                when=when(hours, now, hours.next_opening(now), _)
            )
        )
    if hours.is_open(now):
        return schedule + " " + _("Open now.")
    return schedule + " " + _("Closed now, opens {when}.").format(when=when(hours, now, hours.next_opening(now), _))


def card(directory: CentreDirectory, centre: Centre, now: dt.datetime, lang: str, _: Gettext) -> str:
    """Everything known about the centre, for a user who has its contacts."""
    lines = [*contacts(centre, lang, _), opening(directory, centre, now, _)]
    if centre.note:
        lines.append(centre.note[lang])
    return "\n".join(lines)


def gap(directory: CentreDirectory, region_id: str, lang: str, _: Gettext) -> str:
    """The honest gap: no known centre for the region."""
    region = directory.regions.get(region_id)
    return _("We have no confirmed contacts of a civic centre for «{region}» yet.").format(
        region=region.name[lang] if region else region_id
    )


def no_contacts(directory: CentreDirectory, region_id: str | None, lang: str, _: Gettext) -> str:
    """The gap, and who knows the region's centre."""
    return akimat(_) if region_id is None else f"{gap(directory, region_id, lang, _)} {akimat(_)}"


def akimat(_: Gettext) -> str:
    """Who knows the centre of a region the desk has no contacts for."""
    return _(
        "The akimat of your oblast or city knows who works with NGOs there: ask its department "
        "of public development (internal policy)."
    )
