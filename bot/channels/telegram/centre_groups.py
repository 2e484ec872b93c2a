"""Each ticket to its centre's consultants' group: one `ConsultantsGroup` per configured group.

The outbox has one "consultants" deliverer; this one picks the group of the
ticket's centre (`CentreDirectory.group`) and hands the delivery to it, so the
per-group delivery (topics, cards, errors) stays in `group_delivery.py`. Each group
has its own `ConsultantsChat` (its id after an upgrade, whether it is broken), so
one centre's broken group holds only that centre's tickets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.channels.telegram.group import ConsultantsChat
from bot.channels.telegram.group_delivery import ConsultantsGroup
from bot.channels.telegram.topics import TopicStore
from bot.pipeline.outbox import Delivery, Outcome
from handlers.ports import RelayKind

GroupOf = Callable[[str], int | None]  # a centre's id -> the configured id of the group taking its tickets


class CentreGroups:
    def __init__(self, groups: Mapping[int, ConsultantsGroup], group_of: GroupOf, topics: TopicStore) -> None:
        self.groups = groups
        self.group_of = group_of
        self.topics = topics

    async def __call__(self, delivery: Delivery) -> Outcome:
        if delivery.kind is RelayKind.MOVED:  # the old topic of a transferred ticket, in the group it left
            return await self._old_topic(delivery)
        group = self.groups.get(self.group_of(delivery.ticket.centre) or 0)
        if group is None:  # the centre's group was removed from the configuration
            return Outcome.failed(f"no consultants' group for centre {delivery.ticket.centre!r}")
        return await group(delivery)

    async def _old_topic(self, delivery: Delivery) -> Outcome:
        topic = await self.topics.get(delivery.ticket.id)
        group = next((g for g in self.groups.values() if topic and g.group.ours(topic.chat_id)), None)
        if group is None:  # no topic yet, or its group is gone from the configuration
            await self.topics.forget(delivery.ticket.id)
            return Outcome.sent(0)
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
