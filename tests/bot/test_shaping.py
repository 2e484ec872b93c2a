"""What goes next into the consultants' group: a ticket's waiting texts shaped into few posts."""

from __future__ import annotations

import datetime as dt

from bot.channels.telegram.render import utf16_len
from bot.pipeline.shaping import Post, Shaper, Waiting, preview
from handlers.ports import RelayKind

TEN = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
shaper = Shaper(limit=200)


def text(message_id: int, words: str, minute: int = 0, due: bool = True) -> Waiting:
    return Waiting(message_id, RelayKind.TEXT, words, TEN + dt.timedelta(minutes=minute), due)


def other(message_id: int, kind: RelayKind, words: str = "", due: bool = True) -> Waiting:
    return Waiting(message_id, kind, words, TEN, due)


def test_a_text_nobody_waits_behind_goes_as_the_user_wrote_it() -> None:
    assert shaper.next_post([text(1, "Сәлеметсіз бе")]) == Post((1,), "Сәлеметсіз бе")


def test_texts_waiting_behind_each_other_become_one_post_in_order_each_part_timed() -> None:
    post = shaper.next_post([text(1, "Сәлеметсіз бе"), text(2, "Жарғы туралы", 1), text(3, "Рахмет", 3)])

    assert post == Post((1, 2, 3), "🕑 10:00\nСәлеметсіз бе\n\n🕑 10:01\nЖарғы туралы\n\n🕑 10:03\nРахмет")
    assert post is not None and post.merged


def test_a_file_or_a_notice_keeps_its_own_post_in_its_place() -> None:
    conversation = [text(1, "бірінші"), text(2, "екінші"), other(3, RelayKind.MEDIA, "📎 құжат"),
                    text(4, "үшінші"), other(5, RelayKind.NOTICE, "Пользователь завершил чат.")]

    assert shaper.next_post(conversation) == Post((1, 2), "🕑 10:00\nбірінші\n\n🕑 10:00\nекінші")
    assert shaper.next_post(conversation[2:]) == Post((3,), "📎 құжат")
    assert shaper.next_post(conversation[3:]) == Post((4,), "үшінші")  # the notice is not merged in
    assert shaper.next_post(conversation[4:]) == Post((5,), "Пользователь завершил чат.")
    assert shaper.next_post([other(6, RelayKind.CARD), text(7, "сұрақ")]) == Post((6,), "")


def test_a_merged_post_never_passes_the_limit_the_rest_goes_next() -> None:
    telegram = Shaper(limit=70, size=utf16_len)  # Telegram counts UTF-16 units: an emoji is two
    words = [text(n, f"😀 хабарлама {n}") for n in range(1, 6)]

    first = telegram.next_post(words)
    assert first is not None and first.ids == (1, 2)
    assert utf16_len(first.text) <= 70 < utf16_len(first.text + "\n\n🕑 10:00\n😀 хабарлама 3")
    second = telegram.next_post(words[2:])
    assert second is not None and second.ids == (3, 4)
    counted_by_characters = Shaper(limit=70).next_post(words)
    assert counted_by_characters is not None and counted_by_characters.ids == (1, 2, 3)


def test_a_text_longer_than_a_post_goes_alone_as_it_is() -> None:
    long = "сөз " * 100
    assert shaper.next_post([text(1, long), text(2, "қысқа")]) == Post((1,), long)
    assert shaper.next_post([text(1, "қысқа"), text(2, long)]) == Post((1,), "қысқа")


def test_nothing_overtakes_a_message_that_is_not_due() -> None:
    assert shaper.next_post([text(1, "күтіп тұр", due=False), text(2, "кейінгі")]) is None
    assert shaper.next_post([text(1, "бірінші"), text(2, "қайта жіберіледі", due=False), text(3, "соңғы")]) == Post(
        (1,), "бірінші")
    assert shaper.next_post([]) is None


def test_the_part_is_timed_as_the_consultants_read_it() -> None:
    almaty = Shaper(limit=200, stamp=lambda at: at.astimezone(dt.timezone(dt.timedelta(hours=5))).strftime("%H:%M"))
    post = almaty.next_post([text(1, "a"), text(2, "b")])
    assert post is not None and post.text.startswith("🕑 15:00\na")


def test_the_preview_of_a_long_text_ends_at_a_word_within_its_room() -> None:
    long = "Қоғамдық бірлестіктің жарғысын өзгерту үшін " * 40
    start = preview(long, 100, utf16_len)
    assert start.endswith("…") and utf16_len(start) <= 100
    assert long.startswith(start[:-1]) and start[-2] != " " and long[len(start) - 1] == " "
    assert preview("қысқа мәтін", 100) == "қысқа мәтін"
    emoji = preview("😀" * 80, 21, utf16_len)
    assert emoji == "😀" * 10 + "…" and utf16_len(emoji) == 21
