"""The DeskStore port's specification, held by the in-memory and the SQL store alike."""

from __future__ import annotations

from handlers import Channel
from handlers.ports import LoggedQuestion
from tests.stores import Stores


def asked(text: str, decision: str = "answer") -> LoggedQuestion:
    return LoggedQuestion(text, "ru", decision, "grants.apply", 0.5)


async def test_a_user_is_the_same_on_every_visit_and_apart_per_channel(stores: Stores) -> None:
    first = await stores.desk.touch_user(Channel.TELEGRAM, "42", "Айгерім")
    again = await stores.desk.touch_user(Channel.TELEGRAM, "42", "")
    other = await stores.desk.touch_user(Channel.WHATSAPP, "42", "Айгерім")

    assert again == first and (first.lang, first.region) == (None, None)
    assert other.id != first.id and other.channel is Channel.WHATSAPP


async def test_the_language_and_region_are_remembered(stores: Stores) -> None:
    user = await stores.desk.touch_user(Channel.TELEGRAM, "42", "Айгерім")
    await stores.desk.set_language(user.id, "ru")
    await stores.desk.set_region(user.id, "karaganda")
    back = await stores.desk.touch_user(Channel.TELEGRAM, "42", "Айгерім")
    assert (back.lang, back.region) == ("ru", "karaganda")


async def test_a_first_question_can_set_the_language_with_it(stores: Stores) -> None:
    user = await stores.desk.touch_user(Channel.WHATSAPP, "77010000001", "")
    await stores.desk.log_question(user.id, asked("Сәлем"), language="kk")
    assert (await stores.desk.touch_user(Channel.WHATSAPP, "77010000001", "")).lang == "kk"


async def test_feedback_is_taken_only_on_the_users_own_question(stores: Stores) -> None:
    owner = await stores.desk.touch_user(Channel.TELEGRAM, "1", "")
    stranger = await stores.desk.touch_user(Channel.TELEGRAM, "2", "")
    question_id = await stores.desk.log_question(owner.id, asked("Кто даёт гранты?"))

    assert await stores.desk.add_feedback(stranger.id, question_id, True) is False
    assert await stores.desk.add_feedback(owner.id, question_id + 1, True) is False  # no such question
    assert await stores.desk.add_feedback(owner.id, question_id, False) is True
    assert await stores.desk.add_feedback(owner.id, question_id, True) is True  # a change of mind


async def test_recent_questions_are_the_users_latest_oldest_first(stores: Stores) -> None:
    user = await stores.desk.touch_user(Channel.TELEGRAM, "1", "")
    other = await stores.desk.touch_user(Channel.TELEGRAM, "2", "")
    ids = [await stores.desk.log_question(user.id, asked("a", "fallback")),
           await stores.desk.log_question(other.id, asked("b")),
           await stores.desk.log_question(user.id, asked("c")),
           await stores.desk.log_question(user.id, asked("d", "escalate"))]

    assert ids == sorted(ids) and len(set(ids)) == 4
    assert await stores.desk.recent_questions(user.id, 2) == [asked("c"), asked("d", "escalate")]
    assert await stores.desk.recent_questions(user.id, 10) == [asked("a", "fallback"), asked("c"),
                                                               asked("d", "escalate")]
    assert await stores.desk.recent_questions(other.id + 1, 10) == []
