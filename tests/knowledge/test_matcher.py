"""The matcher, specified by a table of real-world phrasings (written for these tests)."""

import pytest

from knowledge import DecisionKind, Matcher
from knowledge.matcher import content_stems

# (message as users type it, expected topic). Typos, missing Kazakh letters, Latin script,
# mixed languages and abbreviations on purpose.
ANSWERED = [
    ("Гранттарды кім береді?", "grants.operator"),
    ("кто раздает гранты для нпо", "grants.operator"),
    ("Какие виды грантов бывают и на сколько МРП?", "grants.types"),
    ("қысқа мерзімді грант қанша АЕК", "grants.types"),
    ("как отчитываться по гранту", "grants.reporting"),
    ("До какого числа сдавать сведения в базу НПО?", "database.deadline"),
    ("derekqorga malimetti qashanga deiin tapsyru kerek", "database.deadline"),
    ("дерекқорға мәлімет бермесек айыппұл бола ма", "database.consequences"),
    ("что будет если не сдать отчет в базу данных нпо", "database.consequences"),
    ("Что такое госсоцзаказ?", "social-order.what-is"),
    ("ГСЗ по каким направлениям", "social-order.areas"),
    ("Как стать членом общественного совета?", "public-councils.how-join"),
    ("қоғамдық кеңеске мүше болу", "public-councils.how-join"),
    ("Қоғамдық бақылаудың қандай нысандары бар?", "public-councils.public-control"),
    ("Как зарегистрировать общественное объединение?", "ngo.register"),
    ("шетелден ақша алдық, салыққа хабарлау керек пе", "ngo.foreign-funding"),
    ("Что такое стратегическое партнерство?", "social-order.strategic-partnership"),
    ("премия для нпо сколько денег", "prizes.nominations"),
    ("Бұл бот не істей алады?", "desk.about"),
]

OUT_OF_SCOPE = [
    "Болашақ бағдарламасымен магистратураға грант алу",
    "грант на обучение в вузе после ЕНТ",
    "Наше ТОО хочет участвовать в госзакупках",
    "ИП на упрощенке какие налоги платить",
    "көпбалалы отбасына жәрдемақы қалай алуға болады",
    "как выбрать совет дома в ОСИ",
    "грант Даму для малого бизнеса",
    "какая погода в Астане",
    "курс доллара на сегодня",
]


@pytest.mark.parametrize(("text", "topic"), ANSWERED)
def test_answers_the_right_topic_or_offers_it_first(matcher: Matcher, text: str, topic: str) -> None:
    decision = matcher.decide(text)
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.CLARIFY), decision
    if decision.kind is DecisionKind.ANSWER:
        assert decision.intent == topic
    else:
        assert decision.candidates[0].id == topic


def test_most_of_the_table_is_answered_confidently(matcher: Matcher) -> None:
    confident = [t for t, topic in ANSWERED if matcher.decide(t).intent == topic]
    assert len(confident) >= 0.8 * len(ANSWERED)


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_neighbouring_topics_never_get_a_confident_answer(matcher: Matcher, text: str) -> None:
    assert matcher.decide(text).kind is not DecisionKind.ANSWER


@pytest.mark.parametrize("text", ["Сәлеметсіз бе!", "привет", "Добрый день!", "salem"])
def test_greetings_are_small_talk(matcher: Matcher, text: str) -> None:
    decision = matcher.decide(text)
    assert (decision.kind, decision.intent) == (DecisionKind.SMALLTALK, "smalltalk.greeting")


@pytest.mark.parametrize("text", ["Рахмет, түсінікті", "спасибо большое!", "rahmet"])
def test_thanks_are_small_talk(matcher: Matcher, text: str) -> None:
    decision = matcher.decide(text)
    assert (decision.kind, decision.intent) == (DecisionKind.SMALLTALK, "smalltalk.thanks")


def test_a_greeting_before_a_question_does_not_hide_the_question(matcher: Matcher) -> None:
    decision = matcher.decide("Здравствуйте! Подскажите, до какого числа сдавать сведения в базу НПО?")
    assert decision.intent == "database.deadline"


def test_in_a_long_message_the_words_around_the_question_weigh_less(matcher: Matcher) -> None:
    text = ("Здравствуйте! Мы небольшой фонд из Семея, помогаем пожилым людям уже пятый год. "
            "Подскажите, до какого числа сдавать сведения в базу НПО?")
    analysis = matcher.analyse(text)
    assert {"семе", "пожил"} <= analysis.context
    assert not analysis.context & set(matcher.analyse("до какого числа сдавать сведения в базу НПО").stems)
    assert matcher.decide(text).intent == "database.deadline"


def test_a_short_message_has_no_context(matcher: Matcher) -> None:
    assert matcher.analyse("Мы фонд из Семея. Как сдать сведения в базу НПО?").context == frozenset()


@pytest.mark.parametrize("text", ["Соедините с консультантом", "хочу поговорить с живым человеком",
                                  "кеңесшімен сөйлескім келеді", "operator kerek"])
def test_a_request_for_a_person_escalates(matcher: Matcher, text: str) -> None:
    assert matcher.decide(text).kind is DecisionKind.ESCALATE


def test_clarify_offers_at_most_three_distinct_answerable_topics(matcher: Matcher) -> None:
    decision = matcher.decide("грант")
    assert decision.kind in (DecisionKind.CLARIFY, DecisionKind.ANSWER)
    ids = [e.id for e in decision.candidates]
    assert len(ids) == len(set(ids)) <= 3
    assert all(i.startswith("grants.") for i in ids)


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🙂", "!!!???", "\x00\x01", "a" * 5000,
                                  "грант " * 900, "𝔤𝔯𝔞𝔫𝔱", "12345"])
def test_any_input_gets_a_decision_never_an_exception(matcher: Matcher, text: str) -> None:
    decision = matcher.decide(text)
    assert decision.lang in ("kk", "ru")
    assert 0.0 <= decision.score <= 1.0


def test_scores_are_deterministic(matcher: Matcher) -> None:
    assert matcher.decide("грант алу") == matcher.decide("грант алу")


def test_the_decision_cache_returns_the_same_decisions_as_matching_anew(matcher: Matcher) -> None:
    cached, uncached = Matcher(matcher.base, cache_size=4096), Matcher(matcher.base, cache_size=0)
    texts = [q for e in matcher.base.entries for lang in ("kk", "ru") for q in e.questions[lang]][:300]
    texts += ["Сәлем", "рахмет!", "какая погода завтра", "910", "12345", "qwerty zxcv", "Гранттарды кім береді?"]
    for _ in range(2):  # the second round is read from the cache
        for text in texts:
            for default in ("kk", "ru"):
                assert cached.decide(text, default) == uncached.decide(text, default), (text, default)


def test_the_decision_cache_is_bounded() -> None:
    from knowledge import load_base

    small = Matcher(load_base(), cache_size=8)
    for n in range(50):
        small.decide(f"грант {n}")
    assert small._read.cache_info().currsize == 8  # type: ignore[attr-defined]


def test_an_answer_too_close_to_a_declined_neighbour_is_declined(matcher: Matcher) -> None:
    from knowledge.policy import Scored, Thresholds, decide

    answer = next(e for e in matcher.base.entries if e.action == "answer")
    sibling = next(e for e in matcher.base.entries if e.action == "answer" and e is not answer)
    declined = next(e for e in matcher.base.entries if e.action == "decline")
    limits = Thresholds(margin=0.03)
    near_sibling = decide([Scored(answer, 0.8), Scored(sibling, 0.79)], "ru", limits, courtesy_only=False)
    near_decline = decide([Scored(answer, 0.8), Scored(declined, 0.79)], "ru", limits, courtesy_only=False)
    clear_of_decline = decide([Scored(answer, 0.8), Scored(declined, 0.7)], "ru", limits, courtesy_only=False)
    assert near_sibling.kind is DecisionKind.CLARIFY
    assert (near_decline.kind, near_decline.entry) == (DecisionKind.FALLBACK, declined)
    assert (clear_of_decline.kind, clear_of_decline.intent) == (DecisionKind.ANSWER, answer.id)


def test_read_is_decide_or_none_for_a_text_without_words(matcher: Matcher) -> None:
    texts = [q for e in matcher.base.entries for lang in ("kk", "ru") for q in e.questions[lang]][:200]
    texts += ["Сәлем", "рахмет!", "910", "12", "!!!", "", "и в на", "...", "qwerty zxcv"]
    for cache_size in (4096, 0):
        fresh = Matcher(matcher.base, cache_size=cache_size, index=matcher.index)
        for _ in range(2):  # the second round is read from the cache
            for text in texts:
                for default in ("kk", "ru"):
                    expected = fresh.decide(text, default) if content_stems(text) else None
                    assert fresh.read(text, default) == expected, (text, default)


def test_a_words_weight_and_courtesy_are_read_from_all_its_matches(matcher: Matcher) -> None:
    index = matcher.index
    stems = [*index.vocabulary, *(t[:-1] for t in index.vocabulary), *(f"{t}ов" for t in index.vocabulary),
             "госгрант", "сәлем", "рахмет", "спасиб", "qwerty", "zzzzzz"]
    assert {len(index.lookup(s)) for s in stems} >= {0, 1, 2}
    for stem in stems:
        found = index.lookup(stem)
        assert index.weight(found) == max((index.idf[t] for t, _ in found), default=index.unknown_idf), stem
        assert matcher._courtesy(stem) == (stem in index.courtesy or any(t in index.courtesy for t, _ in found)), stem
