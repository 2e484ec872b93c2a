"""The desk's map of civic centres: the user's centre, its hours, and which group takes a ticket.

A centre without its own consultants' group still gives its users its contacts;
their tickets go to the national centre's group, or DESK_CONSULTANT_CHAT_ID
(the one group the desk knew before centres) when the national centre has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handlers.working_hours import WorkingHours
from knowledge.centres import Centre, Centres
from knowledge.regions import Regions


@dataclass(frozen=True)
class Schedule:
    """The desk's default hours: a centre without its own keeps these."""

    hours: str
    timezone: str
    holidays: str

    def of(self, centre: Centre) -> WorkingHours:
        return WorkingHours.parse(centre.hours or self.hours, self.timezone, centre.holidays or self.holidays)


def schedule_problem(schedule: Schedule, hours: str | None, holidays: str | None) -> str | None:
    """What is wrong with a centre's hours or holidays (for `kb check`), or None."""
    try:
        WorkingHours.parse(hours or schedule.hours, schedule.timezone, holidays or schedule.holidays)
    except ValueError as exc:
        return str(exc)
    return None


class CentreDirectory:
    """Regions, centres and their parsed hours, read once at start."""

    def __init__(
        self, regions: Regions, centres: Centres, schedule: Schedule, fallback_group: int | None = None
    ) -> None:
        self.regions = regions
        self.centres = centres
        self.fallback_group = fallback_group
        self._hours: Mapping[str, WorkingHours] = {c.id: schedule.of(c) for c in centres.centres}

    @property
    def regional(self) -> bool:
        """Whether the region changes anything: some centre besides the national one."""
        return any(not c.national for c in self.centres.centres)

    def centre_of(self, region_id: str | None) -> Centre:
        return self.centres.serving(region_id)

    def hours(self, centre_id: str) -> WorkingHours:
        return self._hours[self.answering(centre_id).id]

    def visiting_hours(self, centre: Centre) -> WorkingHours | None:
        """The centre's own opening hours; None when the file does not give them."""
        return self._hours[centre.id] if centre.hours else None

    def group(self, centre_id: str) -> int | None:
        """The consultants' group of a ticket of this centre; None when no group is configured at all."""
        answering = self.answering(centre_id)
        return answering.group if answering.group is not None else self.fallback_group

    def groups(self) -> frozenset[int]:
        """Every group consultants may answer from."""
        found = {c.group for c in self.centres.centres if c.group is not None}
        return frozenset(found | ({self.fallback_group} if self.fallback_group is not None else set()))

    def has_own_group(self, centre_id: str) -> bool:
        centre = self.centres.get(centre_id)
        return centre is not None and centre.group is not None

    def takes_tickets(self, centre_id: str) -> bool:
        """Whether the centre has consultants of its own: its group, or the fallback group for the national one."""
        centre = self.centres.get(centre_id)
        if centre is None:
            return False
        return centre.group is not None or (centre.national and self.fallback_group is not None)

    def centre_of_group(self, chat_id: int) -> str | None:
        """The centre whose consultants work in the group configured as `chat_id`."""
        national = self.centres.national
        if national.group is None and chat_id == self.fallback_group:
            return national.id
        return next((c.id for c in self.centres.centres if c.group == chat_id), None)

    def answering(self, centre_id: str) -> Centre:
        """The centre whose consultants take the ticket: its own, or the national one."""
        centre = self.centres.get(centre_id)
        return centre if centre is not None and centre.group is not None else self.centres.national
