"""/faq and /kb in a ticket's topic, through the Telegram webhook and the fake Bot API."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from bot.db.models import KbDraft
from tests.service import DeskService

CHAT, THREAD = 4242, 101


async def drafts(service: DeskService) -> list[KbDraft]:
    async with service.services.engine.connect() as conn:
        return list((await conn.execute(select(KbDraft).order_by(KbDraft.id))).all())


async def test_faq_turns_the_answer_into_a_masked_draft_in_the_tickets_language(service: DeskService) -> None:
    user, consultant = service.telegram, service.consultant(THREAD)
    await user.says("Как изменить устав общественного объединения? Я Айгүл, звоните +7 701 123 45 67")
    await user.presses("none")
    await user.says("Нам нужно добавить новый вид деятельности в устав, ИИН председателя 900101300123")
    await consultant.says("Айгүл, изменения в устав принимает общее собрание, затем их регистрируют в "
                          "органе юстиции в течение 10 рабочих дней. Пишите на help@civic.kz")

    calls = await consultant.says("/faq")

    assert service.api.texts_in_topic(THREAD)[-1] == (
        "Черновик №1 (ngo.faq-1) сохранён для куратора, персональные данные скрыты. Куратор добавит второй "
        "язык и источники и опубликует его; об этом сообщим здесь.")
    assert [c["method"] for c in calls] == ["sendMessage"]
    (draft,) = await drafts(service)
    entry = yaml.safe_load(draft.body)
    assert (draft.ticket_id, draft.lang, draft.author, draft.status) == (1, "ru", "Асель Нұрланқызы", "draft")
    assert entry["id"] == "ngo.faq-1" and entry["category"] == "ngo"
    assert entry["questions"] == {"ru": [
        "Как изменить устав общественного объединения? Я [name], звоните [phone]",
        "Нам нужно добавить новый вид деятельности в устав, ИИН председателя [iin]"], "kk": []}
    assert entry["answer"] == {"ru": "[name], изменения в устав принимает общее собрание, затем их регистрируют "
                                     "в органе юстиции в течение 10 рабочих дней. Пишите на [email]", "kk": ""}
    assert entry["sources"] == [] and entry["title"]["kk"] == ""


async def test_faq_in_reply_to_a_message_takes_that_message_as_the_answer(service: DeskService) -> None:
    user, consultant = service.telegram, service.consultant(THREAD)
    await user.says("Кеңесшіге қосыңыз")
    await consultant.says("Жарғыға өзгерісті жалпы жиналыс қабылдайды.")
    await consultant.says("Тағы сұрағыңыз бар ма?")
    answer = {"message_id": 5001, "date": 0, "chat": consultant.chat, "from": consultant.sender,
              "text": "Жарғыға өзгерісті жалпы жиналыс қабылдайды."}
    await consultant.deliver(consultant.message_update(
        text="/faq", entities=[{"type": "bot_command", "offset": 0, "length": 4}], reply_to_message=answer))
    (draft,) = await drafts(service)
    entry = yaml.safe_load(draft.body)
    assert draft.lang == "kk" and entry["answer"]["kk"] == "Жарғыға өзгерісті жалпы жиналыс қабылдайды."


async def test_faq_without_an_answer_says_what_to_do(service: DeskService) -> None:
    await service.telegram.says("Кеңесшіге қосыңыз")
    await service.consultant(THREAD).says("/faq")
    assert service.api.texts_in_topic(THREAD)[-1].startswith("Пока нет ответа, из которого можно сделать статью")
    assert await drafts(service) == []


async def test_kb_sends_a_current_answer_to_the_user_in_their_language(service: DeskService) -> None:
    user, consultant = service.telegram, service.consultant(THREAD)
    await user.says("Кеңесшіге қосыңыз")
    calls = await consultant.says("/kb как зарегистрировать НПО")
    to_user = [c for c in calls if c["params"]["chat_id"] == CHAT]
    assert len(to_user) == 1
    assert to_user[0]["params"]["text"].startswith("<b>Азаматтық орталық кеңесшісі:</b>\n<b>ҮЕҰ-ды тіркеу</b>")
    assert service.api.texts_in_topic(THREAD)[-1] == "Статья ngo.register отправлена пользователю."
    relayed = await service.relayed()
    assert relayed[-1][:3] == ("to_user", "text", "sent")


async def test_kb_offers_buttons_when_several_entries_match_and_sends_the_one_picked(service: DeskService) -> None:
    user, consultant = service.telegram, service.consultant(THREAD)
    await user.says("Кеңесшіге қосыңыз")
    calls = await consultant.says("/kb отчет")
    keyboard = calls[-1]["params"]["reply_markup"]["inline_keyboard"]
    assert calls[-1]["params"]["text"] == "Подходят несколько статей. Какую отправить пользователю?"
    assert [row[0]["callback_data"] for row in keyboard][:2] == ["kb:social-order.reporting", "kb:grants.reporting"]
    update = consultant.callback_update("kb:grants.reporting")
    update["callback_query"]["message"] |= {"chat": consultant.chat, "message_thread_id": THREAD,
                                            "is_topic_message": True}
    calls = await consultant.deliver(update)
    assert calls[0]["method"] == "answerCallbackQuery"
    (to_user,) = [c for c in calls if c["params"].get("chat_id") == CHAT]
    assert "<b>Грант бойынша есеп және мониторинг</b>" in to_user["params"]["text"]
    assert "Статья grants.reporting отправлена пользователю." in service.api.texts_in_topic(THREAD)
