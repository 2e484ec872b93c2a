"""The validator's findings in the console's language.

The rules stay the loader's (`kb check` prints the same findings in English for
the terminal and CI); here each of its sentences is matched once and given as a
catalog message with the same values, so a curator reads "дано 3, нужно не
меньше 6" beside the field. A sentence no pattern knows is shown as the loader
wrote it: a new rule is never hidden.
"""

from __future__ import annotations

import re

from handlers.i18n import Gettext
from knowledge import Problem

# The loader's sentences (knowledge/loader.py, collector.py, bot/curation/publish.py) -> msgids.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), msgid) for pattern, msgid in (
    (r"missing or empty( text)?", "missing or empty"),
    (r"must map kk and ru to (text|lists)", "must give both languages, kk and ru"),
    (r"must be a list of non-empty texts", "must be lines of text, none empty"),
    (r"(?P<given>\d+) given, at least (?P<needed>\d+) needed", "{given} given, at least {needed} needed"),
    (r"missing", "missing"),
    (r"missing or not a web address", "missing or not a web address (https://...)"),
    (r"not a web address", "not a web address (https://...)"),
    (r"an answer needs at least one legal source", "an answer needs at least one legal source"),
    (r"missing or not a date \(YYYY-MM-DD\)", "missing or not a date (YYYY-MM-DD)"),
    (r"(?P<day>\S+) is in the future", "{day} is in the future"),
    (r"(?P<day>\S+) is older than (?P<days>\d+) days: due for review",
     "{day} is older than {days} days: due for review"),
    (r"(?P<day>\S+) is before the check on (?P<checked>\S+)", "{day} is before the check on {checked}"),
    (r"overdue since (?P<day>\S+)", "overdue since {day}"),
    (r"(?P<size>\d+) characters, the limit is (?P<limit>\d+)", "{size} characters, the limit is {limit}"),
    (r"(?P<size>\d+) characters, aim for at most (?P<limit>\d+)", "{size} characters, aim for at most {limit}"),
    (r"'(?P<token>.*)' is not an MCI amount: .*",
     "'{token}' is not an MCI amount: write {{{{mci:N}}}}, N a whole number"),
    (r"must hold one entry \(a mapping\)", "must hold one entry"),
    (r"cannot be read as YAML .*", "cannot be read as YAML"),
    (r"'(?P<id>.*)' differs from the file name '(?P<file>.*)'", "'{id}' differs from the file name '{file}'"),
    (r"'(?P<value>.*)' is not one of .*", "'{value}' is not a known kind"),
    (r"a declined topic needs the official page it sends people to",
     "a declined topic needs the official page it sends people to"),
    (r"must be a list( of entry ids)?", "must be a list of entry ids"),
    (r"'(?P<id>.*)' already used by .*", "'{id}' is already used by another entry"),
    (r"'(?P<category>.*)' is not in categories\.yaml", "'{category}' is not a section of the menu"),
    (r"'(?P<question>.*)' is also a phrasing of (?P<id>\S+)", "'{question}' is also a phrasing of {id}"),
    (r"'(?P<id>.*)' is not an entry id", "'{id}' is not an entry id"),
    (r"an entry cannot relate to itself", "an entry cannot relate to itself"),
    (r"must be lower-case letters, digits, dots and dashes", "must be lower-case letters, digits, dots and dashes"),
    (r"'(?P<id>.*)' is already an entry of the base", "'{id}' is already an entry of the base"),
    (r"a revision of '(?P<id>.*)' keeps its id", "an edit of '{id}' keeps its id"),
    (r"changed since this draft began .*",
     "the entry was published by someone else since this draft began: start a new edit from the entry as it is now"),
))


def finding(problem: Problem, _: Gettext) -> str:
    """`field: problem` in the reader's language (the field as the loader names it: curators know it)."""
    for pattern, msgid in PATTERNS:
        matched = pattern.fullmatch(problem.message)
        if matched is not None:
            return f"{problem.field}: {_(msgid).format(**matched.groupdict())}"
    return f"{problem.field}: {problem.message}"
