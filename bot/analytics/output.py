"""The report for people (text), programs (JSON) and spreadsheets (CSV, one table with a section column)."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.analytics.centres import CentreFigures
from bot.analytics.questions import DECISIONS
from bot.analytics.report import Report
from bot.analytics.staff import StaffFigures


def _staff(figures: StaffFigures) -> dict[str, Any]:
    wait = figures.median_first_reply
    return {"name": figures.name, "tickets": figures.tickets, "replied": figures.replied,
            "median_first_reply_working_minutes": round(wait / 60, 1) if wait is not None else None,
            "csat": round(figures.csat, 2) if figures.csat is not None else None,
            "ratings": {str(n): figures.ratings.get(n, 0) for n in range(1, 6)}, "reopened": figures.reopened}


def _centre(figures: CentreFigures) -> dict[str, Any]:
    wait = figures.median_first_reply
    return {"centre": figures.centre, "opened": figures.opened, "answered": figures.answered,
            "median_first_reply_working_minutes": round(wait / 60, 1) if wait is not None else None,
            "late": figures.late}


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "since": report.since.isoformat(), "until": report.until.isoformat(),
        "usage": [{"lang": u.lang, "channel": u.channel, "messages": u.messages,
                   "decisions": {d: u.decisions.get(d, 0) for d in DECISIONS}} for u in report.usage],
        "entries": [vars(e) for e in report.entries],
        "clarify": vars(report.clarify),
        "gaps": [{"size": g.size, "lang": g.lang, "kinds": g.kinds, "examples": list(g.examples),
                  "nearest": [{"entry": e, "score": s} for e, s in g.nearest]} for g in report.gaps],
        "consultants": [_staff(f) for f in report.consultants],
        "topics": [_staff(f) for f in report.topics],
        "centres": [_centre(f) for f in report.centres],
        "reminders": [{"event": event, **counts} for event, counts in sorted(report.reminders.items())],
    }


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value / 60:.0f} min"


def _csat(figures: StaffFigures) -> str:
    if figures.csat is None:
        return "-"
    spread = " ".join(f"{n}★{figures.ratings.get(n, 0)}" for n in range(1, 6))
    return f"{figures.csat:.2f} ({spread})"


def as_text(report: Report) -> str:
    lines = [f"Report {report.since:%Y-%m-%d %H:%M} - {report.until:%Y-%m-%d %H:%M} UTC", "",
             "Messages by language and channel"]
    for u in report.usage:
        mix = ", ".join(f"{d} {u.decisions.get(d, 0)}" for d in DECISIONS)
        lines.append(f"  {u.lang} {u.channel}: {u.messages} messages ({mix})")
    c = report.clarify
    lines += ["", f"Clarify: button chosen {c.chosen}, none of these {c.none_of_these}, no choice {c.no_choice}",
              "", "Entries: answers, helpful, not helpful, escalated after the answer"]
    lines += [f"  {e.entry}: {e.answers}, +{e.helpful}, -{e.not_helpful}, escalated {e.escalated_after}"
              for e in report.entries]
    lines += ["", "Gaps (largest first)"]
    for n, gap in enumerate(report.gaps, 1):
        kinds = ", ".join(f"{k} {v}" for k, v in gap.kinds.items())
        nearest = ", ".join(f"{e} {s:.2f}" for e, s in gap.nearest) or "-"
        lines.append(f"  {n}. {gap.size} questions [{gap.lang}; {kinds}]; nearest: {nearest}")
        lines += [f"       «{example}»" for example in gap.examples]
    for title, table in (("Consultants", report.consultants), ("Topics of tickets", report.topics)):
        lines += ["", f"{title}: tickets, replied, median first reply (working time), CSAT, reopened"]
        lines += [f"  {f.name}: {f.tickets}, {f.replied}, {_minutes(f.median_first_reply)}, {_csat(f)}, "
                  f"{f.reopened}" for f in table]
    lines += ["", "Centres: tickets opened, answered, median first reply (the centre's working time), late"]
    lines += [f"  {f.centre}: {f.opened}, {f.answered}, {_minutes(f.median_first_reply)}, {f.late}"
              for f in report.centres]
    lines += ["", "Reminders per event: sent, delivered, failed"]
    lines += [f"  {event}: {c['sent']}, {c['delivered']}, {c['failed']}"
              for event, c in sorted(report.reminders.items())]
    return "\n".join(lines)


def as_csv(report: Report) -> str:
    """Rows of (section, key, field, value): every figure of the report, one per row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "field", "value"])
    data = as_dict(report)
    for u in data["usage"]:
        key = f"{u['lang']}/{u['channel']}"
        writer.writerow(["usage", key, "messages", u["messages"]])
        writer.writerows(["usage", key, d, v] for d, v in u["decisions"].items())
    for e in data["entries"]:
        writer.writerows(["entries", e["entry"], k, v] for k, v in e.items() if k != "entry")
    writer.writerows(["clarify", "", k, v] for k, v in data["clarify"].items())
    for n, gap in enumerate(data["gaps"], 1):
        writer.writerow(["gaps", n, "size", gap["size"]])
        writer.writerow(["gaps", n, "lang", gap["lang"]])
        writer.writerows(["gaps", n, f"kind:{k}", v] for k, v in gap["kinds"].items())
        writer.writerows(["gaps", n, "example", text] for text in gap["examples"])
        writer.writerows(["gaps", n, f"nearest:{e['entry']}", e["score"]] for e in gap["nearest"])
    for section in ("consultants", "topics"):
        for f in data[section]:
            writer.writerows([section, f["name"], k, v] for k, v in f.items()
                             if k not in ("name", "ratings"))
            writer.writerows([section, f["name"], f"rating:{n}", v] for n, v in f["ratings"].items())
    for f in data["centres"]:
        writer.writerows(["centres", f["centre"], k, v] for k, v in f.items() if k != "centre")
    for r in data["reminders"]:
        writer.writerows(["reminders", r["event"], k, v] for k, v in r.items() if k != "event")
    return out.getvalue()


FORMATS = {"text": as_text, "csv": as_csv}
