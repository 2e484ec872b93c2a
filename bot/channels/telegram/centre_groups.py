"""Each ticket to its centre's consultants' group: one `ConsultantsGroup` per configured group.

The outbox has one "consultants" deliverer; this one picks the group of the
ticket's centre (`CentreDirectory.group`) and hands the delivery to it, so the
per-group delivery (topics, cards, errors) stays in `consultants.py`. Each group
has its own `ConsultantsChat` (its id after an upgrade, whether it is broken), so
one centre's broken group holds only that centre's tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.channels.telegram.consultants import ConsultantsGroup
from bot.channels.telegram.group import ConsultantsChat
from bot.pipeline.outbox import Delivery, Outcome

GroupOf = Callable[[str], int | None]  # a centre's id -> the configured id of the group taking its tickets


class CentreGroups:
    def __init__(self, groups: Mapping[int, ConsultantsGroup], group_of: GroupOf) -> None:
        self.groups = groups
        self.group_of = group_of

    async def __call__(self, delivery: Delivery) -> Outcome:
        group = self.groups.get(self.group_of(delivery.ticket.centre) or 0)
        if group is None:  # the centre's group was removed from the configuration
            return Outcome.failed(f"no consultants' group for centre {delivery.ticket.centre!r}")
        return await group(delivery)


class CentreChats:
    """The consultants' groups by centre: the desk's Workspace port, and who a message comes from."""

    def __init__(self, chats: Mapping[int, ConsultantsChat], group_of: GroupOf) -> None:
        self.chats = chats
        self.group_of = group_of

    def of_centre(self, centre: str) -> ConsultantsChat | None:
        return self.chats.get(self.group_of(centre) or 0)

    def of_message(self, chat_id: int) -> ConsultantsChat | None:
        """The group a message was posted in, under its configured id or the one it moved to."""
        return next((chat for chat in self.chats.values() if chat.ours(chat_id)), None)

    async def problem(self, centre: str) -> str | None:
        """Why the consultants of the centre's tickets cannot be reached now; None when they can."""
        chat = self.of_centre(centre)
        return "no consultants' group" if chat is None else await chat.problem()
