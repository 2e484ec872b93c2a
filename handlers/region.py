"""The user's region: asked once when it first matters, in two short steps.

A WhatsApp list holds at most 10 rows, so the first step offers the three
cities and four groups of oblasts, the second the oblasts of one group; every
channel gets the same steps. The button carries what the user was doing
(`then`), so choosing the region continues it: the ticket opens, or the
centre's contacts are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers import render
from handlers.i18n import Gettext
from handlers.types import Button, Reply
from knowledge.regions import CITY, Regions

REGION = "reg:"  # reg:<region>:<then>[.<arg>]
REGION_GROUP = "regs:"  # regs:<group>:<then>[.<arg>]
# A message that is only one of these words opens the region choice (WhatsApp has no /region).
REGION_WORDS = frozenset({"аймақ", "аймак", "регион", "өңір", "region", "aimaq", "aimak"})
COMMANDS = frozenset({"region", "регион", "aimaq"})


class Then(StrEnum):
    """What the user was doing when the desk needed their region."""

    NOTHING = "-"
    ESCALATE = "esc"
    FIND = "find"
    REMIND = "rem"  # subscribe to the stream in `arg`, for the region chosen


@dataclass(frozen=True)
class Choice:
    """A pressed region button: a region chosen, or a group of oblasts opened."""

    group: str | None
    region: str | None
    then: Then
    arg: str = ""  # what the continuation needs (the stream of a subscription)

    @property
    def next(self) -> str:
        """The continuation as button data carries it."""
        return f"{self.then}.{self.arg}" if self.arg else str(self.then)


def ask(regions: Regions, lang: str, then: Then, _: Gettext, arg: str = "") -> Reply:
    then_data = Choice(None, None, then, arg).next
    rows = [(Button(f"{REGION}{r.id}:{then_data}", r.name[lang]),) for r in regions.of_group(CITY)]
    rows += [(Button(f"{REGION_GROUP}{g.id}:{then_data}", g.name[lang]),) for g in regions.groups]
    return Reply(
        _("Which region are you in? Choose your city or oblast, and I will find your civic centre."), tuple(rows)
    )


def group(regions: Regions, group_id: str, lang: str, then: Then, _: Gettext, arg: str = "") -> Reply | None:
    members = regions.of_group(group_id)
    if not members or group_id == CITY:
        return None
    then_data = Choice(None, None, then, arg).next
    rows = [(Button(f"{REGION}{r.id}:{then_data}", r.name[lang]),) for r in members]
    return Reply(_("Choose your oblast:"), (*rows, (Button(f"{REGION_GROUP}{CITY}:{then_data}", _("« Back")),)))


def parse(data: str, regions: Regions) -> Choice | None:
    """The choice a button's data stands for; None for data that is not (or no longer) valid."""
    for prefix in (REGION, REGION_GROUP):
        if data.startswith(prefix):
            target, _sep, then_data = data[len(prefix) :].partition(":")
            then, _dot, arg = then_data.partition(".")
            if then not in Then.__members__.values():
                return None
            if prefix == REGION:
                return Choice(None, target, Then(then), arg) if regions.get(target) else None
            return Choice(target, None, Then(then), arg)
    return None


def is_region_word(text: str) -> bool:
    return text.lower().strip(" .!?") in REGION_WORDS


def saved(regions: Regions, region_id: str, lang: str, _: Gettext) -> Reply:
    """The region is remembered; the way on is one tap (a consultant, or the menu)."""
    region = regions.get(region_id)
    name = region.name[lang] if region else region_id
    text = _("Your region: {region}. To change it, send /region or the word «region».").format(region=name)
    return render.consultant_offer(text, _)
