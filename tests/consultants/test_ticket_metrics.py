"""The consultant desk in /metrics: open tickets, outbox depth, time to the first reply."""

from __future__ import annotations

from tests.service import DeskService

THREAD = 101


def sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in the metrics")


async def test_a_ticket_and_its_first_reply_show_in_the_metrics(service: DeskService) -> None:
    await service.whatsapp.say("Кеңесшіге қосыңыз")
    service.clock.advance(minutes=10)
    await service.consultant(THREAD).says("Сәлеметсіз бе! Қандай сұрағыңыз бар?")
    await service.consultant(THREAD).says("Жауап күтемін.")
    await service.settle()

    text = await (await service.client.get("/metrics")).text()
    assert sample(text, 'desk_tickets_open{centre="national"}') == 1
    assert sample(text, 'desk_tickets_late{centre="national"}') == 0
    assert sample(text, 'desk_outbox_depth{status="pending"}') == 0
    # the second reply is not a first
    assert sample(text, 'desk_first_consultant_reply_seconds_count{centre="national"}') == 1
    assert sample(text, 'desk_first_consultant_reply_seconds_sum{centre="national"}') == 600

    text = await (await service.client.get("/metrics")).text()  # a second scrape counts nothing twice
    assert sample(text, 'desk_first_consultant_reply_seconds_count{centre="national"}') == 1
