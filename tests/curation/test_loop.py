"""The whole loop through the real webhooks: unanswered questions -> report -> /faq -> draft ->
curator completes it -> publish -> answered by the new entry on two instances, without a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.analytics.report import build_report
from bot.app.cli import run
from bot.app.config import Settings
from bot.curation.store import bump_version
from handlers.working_hours import WorkingHours
from knowledge import Matcher
from tests.channels.telegram.chat import TelegramUser
from tests.channels.telegram.fake_api import FakeBotAPI
from tests.channels.whatsapp.fake_graph import FakeGraph
from tests.clock import FakeClock
from tests.service import running

THREAD = 101
ASKED = ["Как изменить устав общественного объединения?", "Нужно изменить устав ОО, что делать?"]
ANSWER = ("Изменения в устав утверждает общее собрание членов, затем их регистрируют в органе юстиции "
          "в течение 10 рабочих дней. Мой номер для вопросов: +7 701 555 44 33.")


def complete(body: str) -> str:
    """What the curator does: the other language, more phrasings, keywords and the source."""
    entry = yaml.safe_load(body)
    entry["title"]["kk"] = "Жарғыны өзгерту"
    entry["title"]["ru"] = "Изменение устава"
    entry["questions"]["ru"] += ["Как внести изменения в устав НПО?", "Порядок изменения устава",
                                 "Как поменять устав фонда?", "Изменение устава общественного объединения",
                                 "Что нужно для изменения устава ОО?"]
    entry["questions"]["kk"] = ["Жарғыны қалай өзгертеміз?", "ҮЕҰ жарғысына өзгеріс енгізу",
                                "Қордың жарғысын өзгерту тәртібі", "Жарғыға қалай өзгеріс енгіземіз?",
                                "Бірлестіктің жарғысын өзгерту", "Жарғыны өзгерту үшін не керек?"]
    entry["keywords"] = {"kk": ["жарғыны өзгерту"], "ru": ["изменение устава", "изменить устав"]}
    entry["answer"]["ru"] = entry["answer"]["ru"].replace(" Мой номер для вопросов: [phone].", "")
    entry["answer"]["kk"] = ("Жарғыға өзгерісті мүшелердің жалпы жиналысы бекітеді, содан кейін оны 10 жұмыс "
                             "күні ішінде әділет органында тіркейді.")
    entry["sources"] = [{"act": "Закон РК «Об общественных объединениях»", "article": "ст. 14",
                         "url": "https://adilet.zan.kz/rus/docs/Z960000003_"}]
    return yaml.safe_dump(entry, allow_unicode=True, sort_keys=False)


async def cli(*argv: str) -> int:
    return await asyncio.to_thread(run, list(argv))


async def test_from_unanswered_questions_to_a_published_entry_on_every_instance(
        desk_settings: Settings, engine: AsyncEngine, own_matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    async with running(desk_settings, engine, own_matcher, bot_api, graph, clock) as first, \
            running(desk_settings, engine, own_matcher, bot_api, graph, clock) as second:
        # 1. Two people ask what the base cannot answer.
        other = TelegramUser(first.client, bot_api, first.shell, id=5151, first_name="Ольга",
                             last_name="Петрова", language_code="ru", update_ids=itertools.count(600_001))
        await first.telegram.says(ASKED[0])
        await other.says(ASKED[1])

        # 2. The report shows them as one gap.
        report = await build_report(engine, first.shell.desk.matcher, WorkingHours.parse(),
                                    dt.datetime.now(dt.UTC) - dt.timedelta(days=1), dt.datetime.now(dt.UTC))
        assert report.gaps[0].size == 2 and set(report.gaps[0].examples) == set(ASKED)

        # 3. The first asks for a person; the consultant answers in the topic and sends /faq.
        await first.telegram.presses("none")
        consultant = first.consultant(THREAD)
        await consultant.says(ANSWER)
        await consultant.says("/faq")
        assert first.api.texts_in_topic(THREAD)[-1].startswith("Черновик №1 (ngo.faq-1) сохранён")

        # 4. The draft waits in the list; masked, in Russian only; publishing it now is refused with what is missing.
        assert await cli("kb", "drafts") == 0
        [waiting] = capsys.readouterr().out.splitlines()
        assert waiting.startswith("1\tngo.faq-1\tru\tticket 1\t")
        assert await cli("kb", "draft", "1") == 0
        body = capsys.readouterr().out
        assert "[phone]" in body and "+7 701" not in body
        assert await cli("kb", "publish", "1") == 1
        refused = capsys.readouterr().out.splitlines()
        entry_file = desk_settings.knowledge_dir / "entries" / "ngo.faq-1.yaml"
        assert f"{entry_file}: questions.kk: 0 given, at least 6 needed" in refused
        assert f"{entry_file}: sources: an answer needs at least one legal source" in refused
        assert not entry_file.exists()

        # 5. The curator completes it; publishing writes the file and tells the consultant.
        edited = tmp_path / "draft.yaml"
        edited.write_text(complete(body), encoding="utf-8")
        assert await cli("kb", "draft", "1", "--update", str(edited)) == 0
        assert await cli("kb", "publish", "1") == 0
        assert entry_file.exists()
        clock.set(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))  # the CLI queued the notice in real time
        await first.settle()
        assert first.api.texts_in_topic(THREAD)[-1] == (
            "📚 Черновик №1 (Асель Нұрланқызы) опубликован как статья ngo.faq-1: теперь бот сам отвечает "
            "на этот вопрос.")

        # 6. Both instances follow the version row; the same question is answered by the new entry.
        for instance in (first, second):  # the check each runs every DESK_KB_RELOAD_SECONDS, now
            await instance.shell.reloader.check()
            assert instance.shell.reloader.version == 1
        newcomer = TelegramUser(second.client, bot_api, second.shell, id=6262, first_name="Ерлан",
                                last_name="Ахметов", language_code="ru", update_ids=itertools.count(700_001))
        (reply,) = await newcomer.says(ASKED[1])
        assert reply["params"]["text"].startswith("<b>Изменение устава</b>\n\nИзменения в устав утверждает")
        metrics = await (await second.client.get("/metrics")).text()
        assert "desk_kb_version 1.0" in metrics
        assert f"desk_kb_entries {len(own_matcher.base.entries) + 1}.0" in metrics

        # 7. A broken edit is refused in the log and the published base keeps answering.
        broken = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
        del broken["answer"]["kk"]
        entry_file.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
        await bump_version(engine)
        with caplog.at_level(logging.ERROR, logger="bot.curation.reload"):
            assert not await second.shell.reloader.check()
        assert f"knowledge base version 2 refused: {entry_file}: answer.kk: missing or empty" in caplog.messages
        (reply,) = await newcomer.says(ASKED[0])
        assert reply["params"]["text"].startswith("<b>Изменение устава</b>")
        assert "desk_kb_version 1.0" in await (await second.client.get("/metrics")).text()


async def test_an_instance_follows_a_new_version_on_its_own_within_seconds(
        desk_settings: Settings, engine: AsyncEngine, own_matcher: Matcher, bot_api: FakeBotAPI,
        graph: FakeGraph, clock: FakeClock) -> None:
    quick = desk_settings.model_copy(update={"kb_reload_seconds": 0.05})
    async with running(quick, engine, own_matcher, bot_api, graph, clock) as service:
        before = service.shell.desk.matcher
        assert await cli("kb", "reload") == 0
        for _ in range(200):  # at most 10 s
            if service.shell.desk.matcher is not before:
                break
            await asyncio.sleep(0.05)
        assert service.shell.desk.matcher is not before
        assert service.shell.reloader.version == 1


async def test_kb_reload_refuses_a_broken_base_and_bumps_nothing(desk_settings: Settings, engine: AsyncEngine,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (desk_settings.knowledge_dir / "entries" / "grants.what-is.yaml").write_text("id: [", encoding="utf-8")
    assert await cli("kb", "reload") == 1
    assert "grants.what-is.yaml: file: cannot be read as YAML" in capsys.readouterr().out
    assert await cli("kb", "reject", "7", "--reason", "x") == 1
