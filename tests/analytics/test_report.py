"""The report reads the question log, feedback and tickets the desk wrote while people used it."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.output import as_csv, as_dict, as_text
from bot.analytics.report import build_report
from handlers import Channel, Desk, Inbound, InboundKind, Team, escalation, relay
from handlers.working_hours import WorkingHours
from knowledge import Matcher
from tests.clock import FakeClock

CHARTER = ["Как изменить устав общественного объединения?", "Нужно изменить устав ОО, что делать?",
           "Меня зовут Ольга Петрова, нужно изменить устав ОО +7 701 123 45 67"]


def said(chat: str, text: str, kind: InboundKind = InboundKind.TEXT, channel: Channel = Channel.TELEGRAM) -> Inbound:
    return Inbound(channel, chat, kind, text, name="Айгүл Серікова")


async def report_of(engine: AsyncEngine, matcher: Matcher, clock: FakeClock):  # type: ignore[no-untyped-def]
    return await build_report(engine, matcher, WorkingHours.parse(), clock() - dt.timedelta(days=7), clock())


async def test_usage_feedback_clarify_and_gaps(sql_desk: Desk, engine: AsyncEngine, matcher: Matcher,
                                               clock: FakeClock) -> None:
    for n, text in enumerate(CHARTER):
        await sql_desk.handle(said(f"u{n}", text))
    await sql_desk.handle(said("u0", "topic:ngo.register", InboundKind.CHOICE))  # the clarify was resolved
    await sql_desk.handle(said("u1", "none", InboundKind.CHOICE))  # "None of these": a ticket opens
    answer = await sql_desk.handle(said("w1", "Как зарегистрировать НПО?", channel=Channel.WHATSAPP))
    question_id = answer[0].buttons[0][0].data.split(":")[1]
    await sql_desk.handle(said("w1", f"fb:{question_id}:n", InboundKind.CHOICE, Channel.WHATSAPP))

    report = await report_of(engine, matcher, clock)

    usage = {(u.lang, u.channel): u for u in report.usage}
    assert usage["ru", "telegram"].messages == 3
    assert usage["ru", "telegram"].decisions == {"clarify": 2, "fallback": 1}
    assert usage["ru", "whatsapp"].decisions == {"answer": 1}
    assert (report.clarify.chosen, report.clarify.none_of_these, report.clarify.no_choice) == (1, 1, 0)
    register = next(e for e in report.entries if e.entry == "ngo.register")
    assert (register.answers, register.helpful, register.not_helpful) == (1, 0, 1)
    top = report.gaps[0]
    assert top.size == 2 and top.kinds == {"clarify": 1, "fallback": 1}
    assert "Меня зовут [name], нужно изменить устав ОО [phone]" in top.examples
    assert "ngo.register" in [entry for entry, _score in top.nearest]
    assert any(g.examples == ("Как зарегистрировать НПО?",) and g.kinds == {"not_helpful": 1}
               for g in report.gaps)


async def test_an_escalation_right_after_an_answer_counts_against_the_entry(
        sql_desk: Desk, engine: AsyncEngine, matcher: Matcher, clock: FakeClock) -> None:
    await sql_desk.handle(said("u1", "Как зарегистрировать НПО?"))
    await sql_desk.handle(said("u1", "human", InboundKind.CHOICE))
    report = await report_of(engine, matcher, clock)
    assert next(e for e in report.entries if e.entry == "ngo.register").escalated_after == 1


async def test_consultants_first_reply_in_working_hours_csat_and_reopenings(
        sql_desk: Desk, sql_team: Team, engine: AsyncEngine, matcher: Matcher, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 1, 9, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=5))))  # Friday evening
    await sql_desk.handle(said("u1", "Как зарегистрировать НПО?"))
    await sql_desk.handle(said("u1", "human", InboundKind.CHOICE))
    clock.advance(days=2, hours=16, minutes=15)  # Monday 09:45: 30 + 45 working minutes later
    ticket = await sql_team.tickets.get(1)
    await relay.from_consultant(sql_team, ticket, "Асель", "Добрый день!")
    await sql_team.tickets.close(1, "consultant", clock())
    await sql_team.tickets.reopen(1)
    await sql_team.tickets.close(1, "consultant", clock())
    await sql_team.tickets.rate(1, ticket.user_id, 4, clock())

    report = await build_report(engine, matcher, WorkingHours.parse(), clock() - dt.timedelta(days=7), clock())

    (person,), (topic,) = report.consultants, report.topics
    assert (person.name, person.tickets, person.replied, person.reopened) == ("Асель", 1, 1, 1)
    assert person.median_first_reply == 75 * 60
    assert person.csat == 4.0 and person.ratings == {4: 1}
    assert topic.name == "ngo.register"
    text = as_text(report)
    assert "Асель: 1, 1, 75 min, 4.00 (1★0 2★0 3★0 4★1 5★0), 1" in text
    assert as_dict(report)["consultants"][0]["median_first_reply_working_minutes"] == 75.0
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["consultants", "Асель", "csat", "4.0"] in rows


async def test_the_period_leaves_older_questions_out(sql_desk: Desk, engine: AsyncEngine, matcher: Matcher,
                                                     clock: FakeClock) -> None:
    await sql_desk.handle(said("u1", CHARTER[0]))
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # the log stamps questions with the real time
    report = await build_report(engine, matcher, WorkingHours.parse(), tomorrow, tomorrow)
    assert report.usage == [] and report.gaps == []


async def test_each_centre_gets_its_tickets_answers_first_reply_in_its_own_hours_and_late_ones(
        sql_desk: Desk, sql_team: Team, engine: AsyncEngine, matcher: Matcher, clock: FakeClock) -> None:
    clock.set(dt.datetime(2026, 1, 9, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=5))))  # Friday evening
    users = [await sql_desk.store.touch_user(Channel.TELEGRAM, chat, "Айгүл") for chat in ("u1", "u2", "u3")]
    for user, centre in zip(users, ("national", "karaganda", "karaganda"), strict=True):
        await escalation.escalate(sql_team, user, "ru", said(user.external_id, "human"), centre)
    clock.advance(days=2, hours=17, minutes=15)  # Monday 10:45
    for ticket_id in (1, 2):
        ticket = await sql_team.tickets.get(ticket_id)
        await relay.from_consultant(sql_team, ticket, "Асель", "Добрый день!")
    await sql_team.tickets.flag_late(3, clock())
    hours = {"national": WorkingHours.parse("Mon-Fri 09:00-18:00"),
             "karaganda": WorkingHours.parse("Mon-Fri 10:00-18:00")}

    report = await build_report(engine, matcher, WorkingHours.parse(), clock() - dt.timedelta(days=7), clock(),
                                hours_of=hours.__getitem__)

    # Karaganda opens at 10:00: 30 + 45 working minutes; the national centre at 09:00: 30 + 105.
    assert as_dict(report)["centres"] == [
        {"centre": "karaganda", "opened": 2, "answered": 1, "median_first_reply_working_minutes": 75.0, "late": 1},
        {"centre": "national", "opened": 1, "answered": 1, "median_first_reply_working_minutes": 135.0, "late": 0}]
    assert "  karaganda: 2, 1, 75 min, 1" in as_text(report)
    rows = list(csv.reader(io.StringIO(as_csv(report))))
    assert ["centres", "karaganda", "late", "1"] in rows and ["centres", "national", "answered", "1"] in rows
