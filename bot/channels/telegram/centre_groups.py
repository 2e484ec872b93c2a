"""Each ticket to its centre's consultants' group: one `ConsultantsGroup` per configured group.

The outbox has one "consultants" deliverer; this one picks the group of the
ticket's centre (`CentreDirectory.group`) and hands the delivery to it, so the
per-group delivery (topics, cards, errors) stays in `consultants.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.channels.telegram.consultants import ConsultantsGroup
from bot.outbox import Delivery, Outcome


class CentreGroups:
    def __init__(self, groups: Mapping[int, ConsultantsGroup], group_of: Callable[[str], int | None]) -> None:
        self.groups = groups
        self.group_of = group_of

    async def __call__(self, delivery: Delivery) -> Outcome:
        group = self.groups.get(self.group_of(delivery.ticket.centre) or 0)
        if group is None:  # the centre's group was removed from the configuration
            return Outcome.failed(f"no consultants' group for centre {delivery.ticket.centre!r}")
        return await group(delivery)
