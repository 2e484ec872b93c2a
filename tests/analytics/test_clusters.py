"""Gap clustering, measured on a labelled set of Kazakh and Russian questions people ask in other words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.analytics.gaps import base_topics
from knowledge import Matcher, load_base
from knowledge.clusters import cluster, pairwise_scores

LABELLED = Path(__file__).with_name("clusters.jsonl")
# Measured 0.83 and 0.38 (README): 0.96 and 0.41 before the base covered liquidation, tax and donations,
# whose words now recur across entries and weigh less; two of the mixed clusters are one question asked in
# Kazakh and in Russian, which the labels keep apart. A mixed cluster misleads the curator most.
PRECISION_FLOOR = 0.80
# The matcher no longer reads "закрыть"/"тарату" as "ликвидировать" (an LLP's closing is not an NGO's), so
# those paraphrases split; other words for the same thing stay apart too.
RECALL_FLOOR = 0.36


def read(matcher: Matcher):  # type: ignore[no-untyped-def]
    return lambda text: matcher.analyse(text).stems


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    """The measure is of the desk as it runs: the shipped base teaches which words are common."""
    return Matcher(load_base())


@pytest.fixture(scope="module")
def labelled() -> list[dict[str, str]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_labelled_set_has_both_languages_and_hard_pairs(labelled: list[dict[str, str]]) -> None:
    assert {row["lang"] for row in labelled} == {"kk", "ru"}
    assert len({row["cluster"] for row in labelled}) >= 20
    assert sum(1 for row in labelled if row["cluster"].endswith("charter-change")) >= 10


def test_clusters_are_precise_and_find_a_fair_share_of_paraphrases(
        shipped: Matcher, labelled: list[dict[str, str]]) -> None:
    clusters = cluster([row["text"] for row in labelled], read(shipped), base_topics(shipped))
    where = {text: n for n, c in enumerate(clusters) for text in c.texts}
    precision, recall = pairwise_scores([row["cluster"] for row in labelled],
                                        [where[row["text"]] for row in labelled])
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, (precision, recall)


def test_the_same_question_in_other_words_falls_in_one_cluster_and_another_question_does_not(
        matcher: Matcher) -> None:
    texts = ["Как изменить устав общественного объединения?", "изменения в устав общественного объединения",
             "Как изменить устав ОО", "Как ликвидировать общественное объединение?"]
    clusters = cluster(texts, read(matcher), base_topics(matcher))
    assert [c.size for c in clusters] == [3, 1]
    assert clusters[1].texts == ("Как ликвидировать общественное объединение?",)


def test_texts_without_words_are_left_out_and_repeats_count(matcher: Matcher) -> None:
    clusters = cluster(["???", "жарғыны қалай өзгертеміз", "жарғыны қалай өзгертеміз"], read(matcher))
    assert [c.size for c in clusters] == [2]


def test_pairwise_scores_count_pairs() -> None:
    assert pairwise_scores(["a", "a", "b"], [0, 0, 0]) == (1 / 3, 1.0)
    assert pairwise_scores(["a", "a", "b"], [0, 1, 2]) == (1.0, 0.0)
