"""`civic-desk report [--since 7d] [--format text|json|csv]`: the report of a period on stdout."""

from __future__ import annotations

import argparse
import json
import sys

from bot.analytics.output import FORMATS, as_dict
from bot.analytics.report import build_report
from bot.app.compose import build_matcher, check_directory, make_engine
from bot.app.config import Settings
from bot.db.models import utcnow
from bot.ops.retention import parse_age


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = sub.add_parser("report", help="questions, decisions, gaps and consultants of a period")
    report.add_argument("--since", default="7d", metavar="AGE", help="period up to now, e.g. 7d, 4w, 24h")
    report.add_argument("--format", choices=["text", "json", "csv"], default="text")
    report.add_argument("--gaps", type=int, default=50, metavar="N", help="largest gaps shown (default 50)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        age = parse_age(args.since)
    except ValueError as exc:
        print(f"civic-desk report: {exc}", file=sys.stderr)
        return 2
    matcher = build_matcher(settings)
    # A knowledge folder without centres (or with broken ones: `kb check` says so) counts every
    # centre's first replies in the desk's own hours.
    centres, _problems = check_directory(settings)
    engine = make_engine(settings)
    now = utcnow()
    try:
        report = await build_report(engine, matcher, settings.hours(), now - age, now, gap_limit=args.gaps,
                                    hours_of=centres.hours if centres is not None else None)
    finally:
        await engine.dispose()
    if args.format == "json":
        print(json.dumps(as_dict(report), ensure_ascii=False, indent=1))
    else:
        print(FORMATS[args.format](report), end="" if args.format == "csv" else "\n")
    return 0
