"""The centres file: what the validator refuses, and the gaps it reports to operators."""

from __future__ import annotations

from typing import Any

from knowledge.centres import gaps, load_centres, parse_centres
from knowledge.collector import Problem
from knowledge.loader import DEFAULT_DIR
from knowledge.regions import load_regions

REGIONS, _ = load_regions(DEFAULT_DIR)
NAME = {"kk": "Орталық", "ru": "Центр"}


def centre(**fields: Any) -> dict[str, Any]:
    return {"id": "c", "name": NAME, "regions": [], "languages": ["kk", "ru"]} | fields


def problems_of(*items: dict[str, Any]) -> list[str]:
    found: list[Problem] = []
    parse_centres(
        {"centres": list(items)},
        REGIONS,
        found,
        "centres.yaml",
        check=lambda hours, _h: "not a schedule" if hours == "always" else None,
    )
    return [str(p) for p in found]


def test_the_shipped_file_is_valid_and_gives_karaganda_its_confirmed_contacts() -> None:
    centres, problems = load_centres(DEFAULT_DIR, REGIONS)
    assert problems == []
    karaganda = centres.serving("karaganda")
    assert karaganda.id == "karaganda" and karaganda.phone == "+7 (7212) 400861, 400862"
    assert "Гоголя, 31" in karaganda.address["ru"] and "Гоголь" in karaganda.address["kk"]
    assert centres.serving("astana") is centres.national and not centres.national.has_contacts


def test_exactly_one_national_centre() -> None:
    assert problems_of(centre()) == ["centres.yaml: centres: exactly one centre must be `national: true` (found 0)"]
    assert problems_of(centre(national=True), centre(id="d", national=True))[-1].endswith("(found 2)")


def test_each_field_is_checked_and_named() -> None:
    assert problems_of(
        centre(national=True),
        centre(
            id="k",
            regions=["karaganda", "mars"],
            languages=["en"],
            group=12345,
            hours="always",
            address={"ru": "ул. Гоголя"},
        ),
    ) == [
        "centres.yaml: centres.k.regions: 'mars' is not a region of regions.yaml",
        "centres.yaml: centres.k.languages: must list kk and/or ru",
        "centres.yaml: centres.k.group: must be the forum supergroup's id, a negative number like -1001234567890",
        "centres.yaml: centres.k.hours: not a schedule",
        "centres.yaml: centres.k.address: must give the text in kk and ru",
    ]


def test_a_region_is_served_by_one_centre_only() -> None:
    assert problems_of(
        centre(national=True), centre(id="a", regions=["pavlodar"]), centre(id="b", regions=["pavlodar"])
    ) == ["centres.yaml: centres: region 'pavlodar' is served by more than one centre"]


def test_gaps_list_regions_without_contacts_and_centres_without_a_group() -> None:
    centres, _ = load_centres(DEFAULT_DIR, REGIONS)
    warned = {p.field for p in gaps(centres, REGIONS)}
    assert "regions.karaganda" not in warned and "regions.astana" in warned
    assert "centres.karaganda.group" in warned and len(warned) == 20


def test_targets_heads_and_caps_are_whole_numbers_above_zero() -> None:
    assert problems_of(centre(national=True, reply_within=0, head="boss", max_open=True)) == [
        "centres.yaml: centres.c.reply_within: must be minutes of working time, a whole number above 0",
        "centres.yaml: centres.c.head: must be a Telegram user id, a whole number above 0",
        "centres.yaml: centres.c.max_open: must be a number of tickets, a whole number above 0",
    ]
    centres = parse_centres({"centres": [centre(national=True, reply_within=90, head=5550001, max_open=3)]},
                            REGIONS, [])
    assert (centres.national.reply_within, centres.national.head, centres.national.max_open) == (90, 5550001, 3)
