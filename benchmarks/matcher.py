"""Matcher latency at the real base and at bases grown 10x and 100x.

Baseline, in the same run: rapidfuzz `process.extractOne` with `WRatio` over
every phrasing of every entry (what a first FAQ bot usually does).

    python benchmarks/matcher.py [--queries 400] [--seed 7]

Prints p50/p99 latency (ms) and queries per second for both, per base size.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import string
import time
from collections.abc import Callable

from rapidfuzz import fuzz, process, utils

from knowledge import Entry, KnowledgeBase, Matcher, load_base
from knowledge.model import LANGS


def synthetic_word(rng: random.Random) -> str:
    letters = "абвгдежзиклмнопрстуфхшыэюяәғқңөұүі"
    return "".join(rng.choice(letters) for _ in range(rng.randint(4, 10)))


def perturb(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split()
    return " ".join(rng.choice(vocabulary) if rng.random() < 0.4 else w for w in words)


def grown_base(base: KnowledgeBase, factor: int, rng: random.Random) -> KnowledgeBase:
    """The real entries plus (factor - 1) synthetic copies of each, with new words mixed in."""
    vocabulary = [synthetic_word(rng) for _ in range(400 * factor)]
    entries = list(base.entries)
    for copy in range(1, factor):
        for entry in base.entries:
            entries.append(dataclasses.replace(
                entry, id=f"{entry.id}.syn{copy}",
                questions={lang: tuple(perturb(q, rng, vocabulary) for q in entry.questions[lang])
                           for lang in LANGS},
                keywords={lang: tuple(perturb(k, rng, vocabulary) for k in entry.keywords[lang])
                          for lang in LANGS},
                related=()))
    return KnowledgeBase(tuple(entries), base.categories, base.synonyms)


def typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(2):
        i = rng.randrange(len(chars))
        chars[i] = rng.choice(string.ascii_lowercase + "аеиоу")
    return "".join(chars)


def queries(base: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    phrasings = [q for e in base.entries for lang in LANGS for q in e.questions[lang]]
    return [typo(rng.choice(phrasings), rng) for _ in range(count)]


def measure(run: Callable[[str], object], items: list[str]) -> tuple[float, float, float]:
    """p50 ms, p99 ms, queries per second."""
    run(items[0])  # warm caches and lazy set-up
    times = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter_ns()
        run(item)
        times.append((time.perf_counter_ns() - t0) / 1e6)
    elapsed = time.perf_counter() - started
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], len(items) / elapsed


def baseline(entries: tuple[Entry, ...]) -> Callable[[str], object]:
    choices = [q for e in entries for lang in LANGS for q in e.questions[lang]]

    def run(query: str) -> object:
        return process.extractOne(query, choices, scorer=fuzz.WRatio, processor=utils.default_process)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    real = load_base()
    items = queries(real, args.queries, rng)
    print(f"{'base':>6} {'entries':>8} {'phrasings':>10} | {'matcher p50':>11} {'p99':>7} {'q/s':>7} "
          f"| {'WRatio p50':>10} {'p99':>7} {'q/s':>7} | build s")
    for factor in (1, 10, 100):
        base = grown_base(real, factor, rng)
        t0 = time.perf_counter()
        matcher = Matcher(base)
        build = time.perf_counter() - t0
        phrasings = sum(len(e.questions[lang]) for e in base.entries for lang in LANGS)
        ours = measure(matcher.decide, items)
        naive = measure(baseline(base.entries), items)
        print(f"{factor:>5}x {len(base.entries):>8} {phrasings:>10} | {ours[0]:>11.3f} {ours[1]:>7.3f} "
              f"{ours[2]:>7.0f} | {naive[0]:>10.3f} {naive[1]:>7.3f} {naive[2]:>7.0f} | {build:.1f}")


if __name__ == "__main__":
    main()
