"""/transfer: a live ticket moves to another centre's group with its card and conversation;
the user is told in their language and their next message arrives in the new topic."""

from __future__ import annotations

from tests.consultants.centres import KARAGANDA_GROUP, PAVLODAR_GROUP, consultant, sent, topics_opened
from tests.service import DeskService


async def test_transfer_alone_lists_the_centres_and_bad_targets_get_one_line(desk: DeskService) -> None:
    await desk.telegram.says("Соедините с консультантом, я из Караганды")
    asel = consultant(desk, KARAGANDA_GROUP, 101)

    assert sent(await asel.says("/transfer"), KARAGANDA_GROUP, 101) == [
        "Центры, куда можно передать обращение (отправьте /transfer и id центра):\n"
        "national: Общие консультанты\n"
        "karaganda: Карагандинский центр\n"
        "pavlodar: Павлодарский центр\n"
        "atyrau: Атырауский центр (нет группы консультантов: его обращения идут в общую группу)"]
    assert sent(await asel.says("/transfer semey"), KARAGANDA_GROUP, 101) == [
        "Центра «semey» нет. Отправьте /transfer, чтобы увидеть список центров."]
    assert sent(await asel.says("/transfer atyrau"), KARAGANDA_GROUP, 101) == [
        "Атырауский центр: у этого центра нет своей группы консультантов. Передайте обращение в «national» "
        "или попросите оператора добавить группу центра в centres.yaml."]
    assert sent(await asel.says("/transfer karaganda"), KARAGANDA_GROUP, 101) == [
        "Обращения этого центра (Карагандинский центр) и так приходят в эту группу: переносить некуда."]
    assert topics_opened(desk.api) == [(KARAGANDA_GROUP, "№1 · ru · Telegram · Айгүл Серікова")]
    assert (await desk.ticket(1)).centre == "karaganda"


async def test_a_telegram_users_live_ticket_moves_with_its_history_and_the_next_message_follows(
        desk: DeskService) -> None:
    user = desk.telegram
    await user.says("Соедините с консультантом, я из Караганды")
    await user.says("Вопрос про грант для Павлодара")
    asel = consultant(desk, KARAGANDA_GROUP, 101)
    await asel.says("Это вопрос павлодарских коллег, передаю.")
    await consultant(desk, PAVLODAR_GROUP, id=7101, first_name="Ерлан", username="erlan", counter=2).says("/present")

    calls = await asel.says("/transfer Pavlodar")

    # The old topic: its last line, then closed.
    assert sent(calls, KARAGANDA_GROUP, 101) == [
        "Асель передал(а) обращение в другой центр: Павлодарский центр. Эта тема закрыта: разговор "
        "продолжается в группе того центра."]
    assert {"method": "closeForumTopic", "params": {"chat_id": KARAGANDA_GROUP, "message_thread_id": 101}} in calls
    # The new topic in Pavlodar's group: card, the conversation so far, where it came from.
    assert topics_opened(desk.api)[-1] == (PAVLODAR_GROUP, "№1 · ru · Telegram · Айгүл Серікова")
    card, history, notice, offer = sent(calls, PAVLODAR_GROUP, 102)
    assert card.startswith("<b>Обращение №1</b>")
    assert "Вопрос про грант для Павлодара" in history and "Это вопрос павлодарских коллег" in history
    assert notice == "Передано сюда из другого центра (Карагандинский центр), передал(а) Асель."
    assert offer.startswith("@erlan: обращение №1 предлагается вам по очереди")  # in turn, as a new ticket
    # The user is told in their language.
    assert [c["params"]["text"] for c in calls if c["params"].get("chat_id") == user.id] == [
        "Ваше обращение №1 передано консультантам другого центра: Павлодарский центр. Они ответят здесь, "
        "в этом чате."]
    assert (await desk.ticket(1)).centre == "pavlodar"

    # The user's next message arrives in the new topic, and Pavlodar's answer reaches the user.
    assert sent(await user.says("Спасибо, жду"), PAVLODAR_GROUP, 102) == ["Спасибо, жду"]
    calls = await consultant(desk, PAVLODAR_GROUP, 102, id=7101, first_name="Ерлан", counter=1).says("Добрый день!")
    assert any(c["params"].get("chat_id") == user.id and "Добрый день!" in c["params"]["text"] for c in calls)
    # The old topic no longer reaches the user.
    assert not [c for c in await asel.says("Ещё что-то") if c["params"].get("chat_id") == user.id]


async def test_a_whatsapp_users_ticket_moves_and_their_next_message_arrives_in_the_new_topic(desk: DeskService) -> None:
    wa = desk.whatsapp
    await wa.say("Кеңесшіге қосыңыз, мен Павлодардамын")
    assert topics_opened(desk.api) == [(PAVLODAR_GROUP, "№1 · kk · WhatsApp · Айгерім")]

    await consultant(desk, PAVLODAR_GROUP, 101, id=7101, first_name="Ерлан").says("/transfer karaganda")
    told = [m["text"]["body"] for m in desk.graph.sends() if m.get("type") == "text"]
    assert told[-1] == ("Сіздің №1 өтінішіңіз басқа орталықтың кеңесшілеріне берілді: Қарағанды орталығы. "
                        "Олар осы чатта жауап береді.")

    await wa.say("Рахмет, күтемін")
    assert topics_opened(desk.api)[-1] == (KARAGANDA_GROUP, "№1 · kk · WhatsApp · Айгерім")
    assert desk.api.texts_in_topic(102)[-1] == "Рахмет, күтемін"
    assert "Рахмет, күтемін" not in desk.api.texts_in_topic(101)
