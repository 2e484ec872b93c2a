"""Civic centres: which regions each serves, its contacts, hours and consultants' group.

Pure: `parse_centres` reads the curators' `centres.yaml` into `Centres` and
names every problem by file, centre and field, like the entries' validator.
Working hours are checked by a function the caller passes (their grammar
belongs to the desk), so this module needs nothing but the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.collector import Collector, Problem
from knowledge.loader import _read_yaml
from knowledge.model import LANGS
from knowledge.regions import Regions, names

FILE = "centres.yaml"
ScheduleCheck = Callable[[str | None, str | None], str | None]  # (hours, holidays) -> problem or None
_ID = re.compile(r"[a-z][a-z0-9_]*")
_CONTACTS = ("phone", "email", "site")
_NUMBERS = {"reply_within": "minutes of working time", "head": "a Telegram user id",
            "max_open": "a number of tickets"}


@dataclass(frozen=True)
class Centre:
    id: str
    name: dict[str, str]
    regions: tuple[str, ...]
    languages: tuple[str, ...]
    address: dict[str, str] = field(default_factory=dict)
    phone: str = ""
    email: str = ""
    site: str = ""
    note: dict[str, str] = field(default_factory=dict)
    hours: str | None = None
    holidays: str | None = None
    group: int | None = None
    national: bool = False
    reply_within: int | None = None  # working minutes to a consultant's first reply; None: the desk's default
    head: int | None = None  # the Telegram user id late tickets are raised to; None: the desk's default
    max_open: int | None = None  # open tickets offered to one consultant at most; None: the desk's default

    @property
    def has_contacts(self) -> bool:
        return bool(self.address or self.phone or self.email or self.site)


@dataclass(frozen=True)
class Centres:
    centres: tuple[Centre, ...]

    def get(self, centre_id: str) -> Centre | None:
        return next((c for c in self.centres if c.id == centre_id), None)

    @property
    def national(self) -> Centre:
        return next(c for c in self.centres if c.national)

    def serving(self, region_id: str | None) -> Centre:
        """The region's own centre, or the national one for a region no centre serves."""
        return next((c for c in self.centres if region_id in c.regions), self.national)


def _optional_text(c: Collector, data: dict[str, Any], where: str, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int) or not str(value).strip():
        c.error(f"{where}.{key}", "must be a text")
        return ""
    return str(value).strip()


def _positive(c: Collector, data: dict[str, Any], where: str, key: str, what: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        c.error(f"{where}.{key}", f"must be {what}, a whole number above 0")
        return None
    return value


def _centre(c: Collector, data: dict[str, Any], regions: Regions, check: ScheduleCheck | None) -> Centre | None:
    where = f"centres.{data.get('id')}"
    if not _ID.fullmatch(str(data.get("id", ""))):
        c.error(where, "each centre needs an id of a-z, 0-9 and _")
        return None
    served = data.get("regions")
    if not isinstance(served, list):
        c.error(f"{where}.regions", "must list region ids (empty for the national centre)")
        served = []
    for region in served:
        if regions.get(str(region)) is None:
            c.error(f"{where}.regions", f"'{region}' is not a region of regions.yaml")
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages or not set(languages) <= set(LANGS):
        c.error(f"{where}.languages", "must list kk and/or ru")
        languages = list(LANGS)
    group = data.get("group")
    if group is not None and (not isinstance(group, int) or isinstance(group, bool) or group >= 0):
        c.error(f"{where}.group", "must be the forum supergroup's id, a negative number like -1001234567890")
        group = None
    hours, holidays = data.get("hours"), data.get("holidays")
    problem = check(hours, holidays) if check else None
    if problem:
        c.error(f"{where}.hours", problem)
    optional: dict[str, Any] = {key: _optional_text(c, data, where, key) for key in _CONTACTS}
    optional |= {key: _positive(c, data, where, key, what) for key, what in _NUMBERS.items()}
    address = names(c, data, where, "address") if "address" in data else {}
    note = names(c, data, where, "note") if "note" in data else {}
    return Centre(
        data["id"],
        names(c, data, where),
        tuple(map(str, served)),
        tuple(languages),
        address,
        note=note,
        hours=hours,
        holidays=holidays,
        group=group,
        national=data.get("national") is True,
        **optional,
    )


def parse_centres(
    data: Any, regions: Regions, problems: list[Problem], file: str = FILE, check: ScheduleCheck | None = None
) -> Centres:
    """Validate the file: known regions, each served once, exactly one national centre."""
    c = Collector(file, problems)
    items = data.get("centres") if isinstance(data, dict) else None
    if not isinstance(items, list):
        c.error("centres", "the file must hold a list `centres`")
        return Centres(())
    centres = [
        centre for item in items if isinstance(item, dict) if (centre := _centre(c, item, regions, check)) is not None
    ]
    ids = [centre.id for centre in centres]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        c.error(f"centres.{dup}", "the id appears twice")
    served = [(region, centre.id) for centre in centres for region in centre.regions]
    for region in sorted({r for r, _ in served if sum(1 for s, _ in served if s == r) > 1}):
        c.error("centres", f"region '{region}' is served by more than one centre")
    national = [centre.id for centre in centres if centre.national]
    if len(national) != 1:
        c.error("centres", f"exactly one centre must be `national: true` (found {len(national)})")
    return Centres(tuple(centres))


def gaps(centres: Centres, regions: Regions, file: str = FILE) -> list[Problem]:
    """Warnings for operators: regions whose users get no contacts, centres without consultants."""
    found = []
    for region in regions.regions:
        if not centres.serving(region.id).has_contacts:
            found.append(
                Problem(
                    file,
                    f"regions.{region.id}",
                    "no known contacts: users are pointed to the akimat's public development department",
                    "warning",
                )
            )
    for centre in centres.centres:
        if centre.group is None and not centre.national:
            found.append(
                Problem(
                    file,
                    f"centres.{centre.id}.group",
                    "no consultants' group: tickets go to the national group",
                    "warning",
                )
            )
    return found


def load_centres(root: Path, regions: Regions, check: ScheduleCheck | None = None) -> tuple[Centres, list[Problem]]:
    problems: list[Problem] = []
    data = _read_yaml(root / FILE, problems)
    if problems:
        return Centres(()), problems
    return parse_centres(data, regions, problems, str(root / FILE), check), problems
