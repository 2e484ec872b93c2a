"""Matcher latency at the real base and at bases grown 10x and 100x, against a named baseline.

The baseline is the matcher of another git revision (default `main`), run in the
same session on the same base, queries and machine: its matching modules (every
`knowledge/*.py` but the loader, the model and the package's `__init__`) are laid
over a copy of this tree's `knowledge/`, so both read the same entries. Each side
runs in its own subprocess, alternating for `--rounds` rounds; medians are shown.

    python benchmarks/matcher.py [--baseline main] [--queries 400] [--seed 7] [--rounds 3]

Prints p50/p99 latency (ms) and queries per second per base size, and the ratio of
queries per second (this tree / baseline). Decisions are uncached (`cache_size=0`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_MODULES = {"__init__.py", "loader.py", "model.py"}  # read the entries: always this tree's
FACTORS = (1, 10, 100)


def synthetic_word(rng: random.Random) -> str:
    letters = "абвгдежзиклмнопрстуфхшыэюяәғқңөұүі"
    return "".join(rng.choice(letters) for _ in range(rng.randint(4, 10)))


def perturb(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = text.split()
    return " ".join(rng.choice(vocabulary) if rng.random() < 0.4 else w for w in words)


def grown_base(base, factor: int, rng: random.Random):  # type: ignore[no-untyped-def]
    """The real entries plus (factor - 1) synthetic copies of each, with new words mixed in."""
    from knowledge import KnowledgeBase
    from knowledge.model import LANGS

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


def run_side(count: int, seed: int) -> None:
    """In a subprocess: measure the `knowledge` package found first on the path; print JSON rows."""
    from knowledge import Matcher, load_base
    from knowledge.model import LANGS

    rng = random.Random(seed)
    real = load_base()
    phrasings = [q for e in real.entries for lang in LANGS for q in e.questions[lang]]
    items = [typo(rng.choice(phrasings), rng) for _ in range(count)]
    rows = []
    for factor in FACTORS:
        base = grown_base(real, factor, rng)
        t0 = time.perf_counter()
        matcher = Matcher(base, cache_size=0)
        build = time.perf_counter() - t0
        size = sum(len(e.questions[lang]) for e in base.entries for lang in LANGS)
        rows.append([factor, len(base.entries), size, *measure(matcher.decide, items), build])
    print(json.dumps(rows))


def baseline_tree(revision: str, into: Path) -> Path:
    """A copy of this tree's `knowledge/` with `revision`'s matching modules laid over it."""
    package = into / "knowledge"
    shutil.copytree(ROOT / "knowledge", package, ignore=shutil.ignore_patterns("__pycache__"))
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", revision, "knowledge/"],
                             check=True, capture_output=True, text=True).stdout.split()
    for path in listing:
        if path.endswith(".py") and Path(path).name not in DATA_MODULES:
            source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
                                    check=True, capture_output=True).stdout
            (into / path).write_bytes(source)
    return into


def side(tree: Path, args: argparse.Namespace) -> list[list[float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, __file__, "--side", "--queries", str(args.queries), "--seed",
                          str(args.seed)], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision whose matcher is the baseline")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        run_side(args.queries, args.seed)
        return
    runs: dict[str, list[list[list[float]]]] = {"this tree": [], args.baseline: []}
    with tempfile.TemporaryDirectory() as scratch:
        old = baseline_tree(args.baseline, Path(scratch))
        for _ in range(args.rounds):
            runs[args.baseline].append(side(old, args))
            runs["this tree"].append(side(ROOT, args))
    median = {name: [[statistics.median(r[i][k] for r in rounds) for k in range(7)] for i in range(len(FACTORS))]
              for name, rounds in runs.items()}
    print(f"{'base':>5} {'entries':>7} {'phrasings':>9} | {'matcher':<10} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'q/s':>6} {'build s':>7}")
    for i, factor in enumerate(FACTORS):
        for name, rows in median.items():
            _, entries, size, p50, p99, qps, build = rows[i]
            print(f"{factor:>4}x {entries:>7.0f} {size:>9.0f} | {name:<10} {p50:>7.3f} {p99:>7.3f} {qps:>6.0f} "
                  f"{build:>7.2f}")
        ratio = median["this tree"][i][5] / median[args.baseline][i][5]
        print(f"{'':>24} q/s this tree / {args.baseline}: {ratio:.2f}")


if __name__ == "__main__":
    main()
