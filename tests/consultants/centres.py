"""Two centres with their own consultants' groups, one without, and people in them: shared by the
tests of regions, transfers, turns and late tickets."""

from __future__ import annotations

import itertools
from typing import Any

from tests.channels.telegram.chat import Consultant, TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.service import DeskService

KARAGANDA_GROUP, PAVLODAR_GROUP = -1002000000001, -1002000000002
HEAD = 5550001  # the Karaganda centre's head, told of late tickets in private
# Karaganda: its address, a three-hour target for the first reply and two open tickets per consultant;
# Pavlodar: afternoons only, the desk's defaults otherwise; Atyrau: contacts, no group.
CENTRES = f"""
centres:
  - id: national
    national: true
    name: {{kk: Ортақ консультанттар, ru: Общие консультанты}}
    regions: []
    languages: [kk, ru]
  - id: karaganda
    name: {{kk: Қарағанды орталығы, ru: Карагандинский центр}}
    regions: [karaganda]
    address: {{kk: "Гоголь к-сі, 31", ru: "ул. Гоголя, 31"}}
    phone: +7 7212 000001
    hours: Mon-Fri 09:00-18:00
    group: {KARAGANDA_GROUP}
    reply_within: 180
    head: {HEAD}
    max_open: 2
    languages: [kk, ru]
  - id: pavlodar
    name: {{kk: Павлодар орталығы, ru: Павлодарский центр}}
    regions: [pavlodar]
    hours: Mon-Fri 14:00-18:00
    group: {PAVLODAR_GROUP}
    languages: [kk, ru]
  - id: atyrau
    name: {{kk: Атырау орталығы, ru: Атырауский центр}}
    regions: [atyrau]
    phone: +7 7122 000002
    languages: [kk, ru]
"""


def user(desk: DeskService, number: int, lang: str = "ru") -> TelegramUser:
    """Another Telegram user, with ids of their own."""
    return TelegramUser(desk.client, desk.api, desk.shell, id=4400 + number, first_name=f"Пайдаланушы {number}",
                        last_name="", language_code=lang, update_ids=itertools.count(600_000 + 1000 * number))


def consultant(desk: DeskService, group: int, thread_id: int = 0, *, id: int = 7001, first_name: str = "Асель",
               username: str = "", counter: int = 0) -> Consultant:
    """A member of a centre's group, in a ticket's topic (or the general topic with thread_id 0)."""
    return Consultant(desk.client, desk.api, desk.shell, id=id, first_name=first_name, last_name="",
                      username=username, group=group, thread_id=thread_id,
                      update_ids=itertools.count(2_000_000 + 1_000_000 * counter + 1000 * thread_id))


def topics_opened(api: FakeBotAPI) -> list[tuple[int, str]]:
    return [(c["params"]["chat_id"], c["params"]["name"]) for c in api.calls if c["method"] == "createForumTopic"]


def sent(calls: list[dict[str, Any]], chat_id: int, thread_id: int | None = None) -> list[str]:
    """Texts sent into a chat (and one topic of it, or its general topic with thread_id None)."""
    return [c["params"]["text"] for c in calls if c["method"] == "sendMessage" and c["params"]["chat_id"] == chat_id
            and c["params"].get("message_thread_id") == thread_id]
