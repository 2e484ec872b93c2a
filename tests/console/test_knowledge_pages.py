"""The knowledge pages in a real browser, against a real `civic-desk serve` with the Telegram channel on:
a gap becomes a draft, is completed in both languages, refused with its error beside the field, fixed,
published, and the desk answers that question on Telegram; a viewer reads but may not change anything."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import re
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.models import Question, User, utcnow
from knowledge.loader import DEFAULT_DIR
from tests.channels.telegram.chat import SECRET, SECRET_HEADER, TOKEN
from tests.console.harness import (
    DESKTOP,
    PHONE,
    ConsoleServer,
    horizontal_overflow,
    log_in,
    open_page,
    screenshot,
    seeded_database,
)
from tests.console.telegram_thread import ThreadedBotAPI, text_update
from tests.service import NATIONAL_ONLY

SMALL_KB = Path(__file__).resolve().parents[1] / "curation" / "kb"
# Questions the small base cannot answer, asked a few times each in the last days: one gap.
GAP = ("Нужен ли фонду счёт в банке?", "В каком банке открыть счёт фонду?",
       "Может ли фонд работать без счёта в банке?")
KK_GAP = ("Қорға банкте шот ашу керек пе?", "Қор банк шотынсыз жұмыс істей ала ма?")
QUESTIONS_RU = ("Обязан ли общественный фонд иметь банковский счёт?", "Как фонду открыть расчётный счёт?",
                "Какие документы нужны банку для счёта НПО?", "счёт в банке для некоммерческой организации")
QUESTIONS_KK = ("Қорға банкте шот ашу керек пе?", "Қор банк шотынсыз жұмыс істей ала ма?",
                "Қоғамдық қорға есеп шотын қалай ашамыз?", "ҮЕҰ-ға банк шоты міндетті ме?",
                "Банк шот ашу үшін қандай құжаттар сұрайды?", "коммерциялық емес ұйымның банктегі шоты")
ANSWER_RU = ("Закон не обязывает фонд иметь счёт, но без него нельзя получить грант или оплату по "
             "госзаказу. Счёт открывают в любом банке РК по уставу, справке о регистрации и ЭЦП.")
ANSWER_KK = ("Заң қорды банк шотын ашуға міндеттемейді, бірақ шотсыз грант немесе мемлекеттік тапсырыс "
             "бойынша төлем алу мүмкін емес. Шот жарғы, тіркеу анықтамасы және ЭЦҚ арқылы ашылады.")
CHAT = 555_001


async def seed_gaps(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            now = utcnow()
            user = (await conn.execute(insert(User).values(channel="telegram", external_id="gap", name="",
                                                           lang="ru"))).inserted_primary_key[0]
            rows = [{"user_id": user, "text": text, "lang": lang, "decision": "fallback", "score": 0.2,
                     "created_at": now - dt.timedelta(hours=n + 1)}
                    for n, (text, lang) in enumerate([(t, "ru") for t in GAP * 3] + [(t, "kk") for t in KK_GAP * 2])]
            await conn.execute(insert(Question), rows)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def telegram() -> Iterator[ThreadedBotAPI]:
    fake = ThreadedBotAPI().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, telegram: ThreadedBotAPI) -> Iterator[ConsoleServer]:
    """The console's seeded desk on the small fixed base, with the Telegram channel and the gaps above."""
    workdir = Path(tmp_path_factory.mktemp("console-kb"))
    kb = workdir / "kb"
    shutil.copytree(SMALL_KB, kb)
    shutil.copy(DEFAULT_DIR / "regions.yaml", kb)
    (kb / "centres.yaml").write_text(NATIONAL_ONLY, encoding="utf-8")
    url, zone = seeded_database(workdir)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's loop may run in this thread
        pool.submit(asyncio.run, seed_gaps(url)).result()
    served = ConsoleServer(url, workdir, timezone=zone, knowledge_dir=str(kb), telegram_token=TOKEN,
                           telegram_api_url=telegram.api.url, telegram_webhook_secret=SECRET,
                           public_url="https://desk.example.kz", telegram_chat_messages_per_second="0")
    served.argv = ["serve"]  # with the Telegram channel, not --no-channels
    served.start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def curator(page: Page, server: ConsoleServer) -> Page:
    return log_in(page, server, "curator")


def ask_on_telegram(server: ConsoleServer, telegram: ThreadedBotAPI, update_id: int, text: str) -> str:
    seen = len(telegram.messages_to(CHAT))
    request = urllib.request.Request(server.url + "/webhook/telegram", method="POST",
                                     data=json.dumps(text_update(update_id, CHAT, text)).encode(),
                                     headers={"Content-Type": "application/json", SECRET_HEADER: SECRET})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return telegram.wait_for_message(CHAT, seen)


def open_gaps(page: Page, server: ConsoleServer) -> None:
    """The gaps page once its first count is done (it says so while counting; bounded wait)."""
    page.goto(server.url + "/console/gaps")
    deadline = time.monotonic() + 30
    while page.locator("#counting").count() and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()


def write_entry_for(page: Page, server: ConsoleServer, example: str) -> str:
    """On the gaps page, "write an entry" for the gap showing `example`; the draft's editor opens."""
    open_gaps(page, server)
    gap = page.locator("section.gap", has_text=example)
    expect(gap).to_have_count(1)
    gap.get_by_role("button", name="Написать запись").click()
    expect(page).to_have_url(re.compile(r"/console/drafts/\d+$"))
    return page.url


def test_a_gap_becomes_an_entry_the_desk_then_answers_on_telegram(
        curator: Page, server: ConsoleServer, telegram: ThreadedBotAPI) -> None:
    before = ask_on_telegram(server, telegram, 1, GAP[0])
    assert ANSWER_RU[:40] not in before
    write_entry_for(curator, server, GAP[0])
    questions_ru = curator.locator("#f-questions_ru")
    for example in GAP:  # the cluster's examples, already the Russian phrasings
        expect(questions_ru).to_contain_text(example)
    entry_id = curator.locator("#f-id").input_value()
    curator.fill("#f-title_kk", "Қорға банк шоты керек пе")
    curator.fill("#f-title_ru", "Нужен ли фонду банковский счёт")
    curator.fill("#f-questions_kk", "\n".join(QUESTIONS_KK))
    curator.fill("#f-answer_kk", ANSWER_KK)
    curator.fill("#f-answer_ru", ANSWER_RU)
    expect(curator.locator("#count-ru")).to_have_text(str(len(ANSWER_RU)))  # the live counter
    curator.fill("input[name=source_act_0]", "Гражданский кодекс РК")
    curator.fill("input[name=source_url_0]", "https://adilet.zan.kz/rus/docs/K940001000_")
    curator.get_by_role("button", name="Опубликовать").click()
    refused = curator.locator("label:has(#f-questions_ru) .error")
    expect(refused).to_have_text("questions.ru: дано 3, нужно не меньше 6")  # kb check's rule, in Russian
    expect(curator.locator("#f-answer_kk")).to_have_value(ANSWER_KK)  # nothing typed is lost
    curator.fill("#f-questions_ru", "\n".join((*GAP, *QUESTIONS_RU)))
    curator.get_by_role("button", name="Опубликовать").click()
    expect(curator).to_have_url(f"{server.url}/console/knowledge/{entry_id}?published=1")
    expect(curator.locator("h1")).to_have_text("Нужен ли фонду банковский счёт")
    history = curator.locator("#history li").first
    expect(history).to_contain_text("dana")
    expect(history).to_contain_text("опубликовано")
    expect(history).to_contain_text("questions.ru +7 -0")
    curator.goto(server.url + "/console/knowledge?q=" + urllib.request.quote(GAP[1]))  # the swapped base, at once
    expect(curator.locator("#probe .decision")).to_have_text("Бот ответит этой записью")
    expect(curator.locator("#probe p a")).to_have_text(entry_id)
    assert ANSWER_RU[:40] in ask_on_telegram(server, telegram, 2, GAP[0])
    assert ANSWER_KK[:40] in ask_on_telegram(server, telegram, 3, KK_GAP[1])


def test_the_search_box_shows_the_live_decision_score_and_candidates(curator: Page, server: ConsoleServer) -> None:
    curator.goto(server.url + "/console/knowledge")
    curator.fill("input[name=q]", "Как отчитываться по гранту?")
    curator.get_by_role("button", name="Спросить бота").click()
    probe = curator.locator("#probe")
    expect(probe.locator(".decision")).to_have_text("Бот ответит этой записью")
    expect(probe).to_contain_text("grants.reporting")
    expect(probe.locator("tbody tr").first).to_contain_text("grants.reporting")
    score = float(probe.locator("p b").inner_text())
    assert score == float(probe.locator("tbody tr td.num").first.inner_text()) > 0.42
    curator.fill("input[name=q]", "Какая завтра погода?")
    curator.get_by_role("button", name="Спросить бота").click()
    expect(probe.locator(".decision")).to_have_text("Бот не может ответить и предложит консультанта")
    curator.click("form.lang button[value=kk]")  # the same page in Kazakh
    expect(curator.locator("h1")).to_have_text("Білім қоры")
    expect(probe.locator(".decision")).to_have_text("Бот жауап бере алмайды, кеңесшіні ұсынады")
    expect(curator.locator("table.entries th").first).to_have_text("Жазба")


def test_an_edit_of_a_published_entry_is_listed_in_its_history(curator: Page, server: ConsoleServer) -> None:
    curator.goto(server.url + "/console/knowledge/grants.what-is")
    curator.get_by_role("button", name="Править запись").click()
    curator.fill("#f-owner", "Дана Серікқызы")
    curator.get_by_role("button", name="Сохранить черновик").click()
    expect(curator.locator("[role=status]")).to_have_text("Сохранено.")
    curator.get_by_role("button", name="Опубликовать").click()
    expect(curator).to_have_url(f"{server.url}/console/knowledge/grants.what-is?published=1")
    expect(curator.locator(".facts")).to_contain_text("Дана Серікқызы")
    entries = curator.locator("#history li")
    expect(entries.nth(0)).to_contain_text("опубликовано")
    expect(entries.nth(0)).to_contain_text("owner curator -> Дана Серікқызы")
    expect(entries.nth(1)).to_contain_text("черновик сохранён")
    expect(entries.nth(2)).to_contain_text("начат черновик")


def test_a_viewer_reads_the_pages_but_is_refused_any_change(chromium: Browser, curator: Page,
                                                            server: ConsoleServer) -> None:
    draft = write_entry_for(curator, server, KK_GAP[0])
    viewer = log_in(open_page(chromium, DESKTOP), server, "viewer")
    try:
        viewer.goto(server.url + "/console/knowledge/grants.reporting")
        expect(viewer.get_by_role("button", name="Править запись")).to_have_count(0)
        open_gaps(viewer, server)
        expect(viewer.locator("section.gap").first).to_be_visible()
        expect(viewer.get_by_role("button", name="Написать запись")).to_have_count(0)
        csrf = viewer.locator("input[name=csrf]").first.input_value()
        for path, form in (("/console/knowledge/grants.reporting/edit", {}),
                           ("/console/gaps/draft", {"lang": "ru", "example": GAP[1]}),
                           (draft.removeprefix(server.url), {"do": "publish", "id": "x"}),
                           (draft.removeprefix(server.url) + "/reject", {"reason": "no"})):
            response = viewer.request.post(server.url + path, form={"csrf": csrf, **form}, max_redirects=0)
            assert response.status == 403, path
        viewer.goto(draft)
        expect(viewer.get_by_role("button", name="Опубликовать")).to_have_count(0)
        expect(viewer.locator("#f-answer_ru")).to_have_attribute("readonly", "")
    finally:
        viewer.context.close()


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_each_knowledge_page_is_shot_and_fits_a_phone(chromium: Browser, server: ConsoleServer, width: int) -> None:
    page = log_in(open_page(chromium, width), server, "curator")
    try:
        pages = {"knowledge": "/console/knowledge?q=" + urllib.request.quote("Грант есебі қалай тапсырылады?"),
                 "entry": "/console/knowledge/grants.reporting", "gaps": "/console/gaps", "drafts": "/console/drafts"}
        for name, path in pages.items():
            open_gaps(page, server) if name == "gaps" else page.goto(server.url + path)
            screenshot(page, f"kb-{name}")
            assert horizontal_overflow(page) == 0, name
        write_entry_for(page, server, KK_GAP[0])
        page.get_by_role("button", name="Опубликовать").click()  # refused: the errors beside their fields
        expect(page.locator("#errors")).to_be_visible()
        screenshot(page, "kb-draft")
        assert horizontal_overflow(page) == 0, "draft"
    finally:
        page.context.close()


def test_a_draft_is_rejected_only_with_a_reason_which_its_history_keeps(curator: Page, server: ConsoleServer) -> None:
    draft = write_entry_for(curator, server, KK_GAP[0])
    curator.get_by_role("button", name="Отклонить черновик").click()
    expect(curator.locator("label:has(input[name=reason]) .error")).to_have_text("Напишите, почему черновик отклонён.")
    curator.fill("input[name=reason]", "Это вопрос банка, не НПО")
    curator.get_by_role("button", name="Отклонить черновик").click()
    number = draft.rsplit("/", 1)[-1]
    expect(curator.locator("[role=status]")).to_have_text(f"Черновик №{number} отклонён.")
    expect(curator.locator(f"a[href='/console/drafts/{number}']")).to_have_count(0)  # no longer waiting
    curator.goto(draft)
    expect(curator.get_by_role("button", name="Опубликовать")).to_have_count(0)
    expect(curator.locator("#history li").first).to_contain_text("черновик отклонён")
    expect(curator.locator("#history li").first).to_contain_text("Это вопрос банка, не НПО")
