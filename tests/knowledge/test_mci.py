"""MCI amounts: written `{{mci:N}}` in answers, shown in tenge for the current year from mci.yaml."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import check_base, load_base
from knowledge.loader import DEFAULT_DIR
from knowledge.mci import malformed_tokens, render

TABLE = {2026: 4325}


def test_an_amount_reads_in_mci_with_the_tenge_of_the_year() -> None:
    assert render("штраф {{mci:25}}.", "ru", 2026, TABLE) == "штраф 25 МРП (в 2026 году 108\u202f125 тенге)."
    assert render("{{mci:25}} айыппұл", "kk", 2026, TABLE) == "25 АЕК (2026 жылы 108\u202f125 теңге) айыппұл"


def test_large_amounts_group_thousands_on_both_sides() -> None:
    assert render("{{mci:10000}}", "ru", 2026, TABLE) == "10\u202f000 МРП (в 2026 году 43\u202f250\u202f000 тенге)"


def test_a_year_without_a_value_shows_the_mci_only() -> None:
    assert render("{{mci:25}}", "kk", 2027, TABLE) == "25 АЕК"
    assert render("{{mci:25}}", "ru", 2027, TABLE) == "25 МРП"


@pytest.mark.parametrize("text", ["{{mci:}}", "{{mci:2,5}}", "{{ mci:25 }}", "{{МРП:25}}", "{{mci:25}", "{{mci:0}}"])
def test_malformed_tokens_are_found(text: str) -> None:
    assert malformed_tokens(f"штраф {text} или") != []


def test_well_formed_tokens_pass() -> None:
    assert malformed_tokens("от {{mci:500}} до {{mci:3000}}") == []


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    (tmp_path / "entries").mkdir()
    shutil.copy(DEFAULT_DIR / "categories.yaml", tmp_path / "categories.yaml")
    source = DEFAULT_DIR / "entries" / "database.consequences.yaml"
    data = {**yaml.safe_load(source.read_text(encoding="utf-8")), "related": []}
    (tmp_path / "entries" / source.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def messages(base_dir: Path, today: dt.date) -> list[tuple[str, str]]:
    _, problems = check_base(base_dir, today=today)
    return [(str(p), p.severity) for p in problems]


def test_kb_check_warns_when_the_current_year_has_no_mci_value(base_dir: Path) -> None:
    table = base_dir / "mci.yaml"
    table.write_text("2026: 4325\n", encoding="utf-8")
    assert messages(base_dir, dt.date(2026, 12, 6)) == []
    assert (f"{table}: 2027: no MCI value for the current year: answers show amounts in MCI without tenge",
            "warning") in messages(base_dir, dt.date(2027, 1, 1))


def test_a_broken_table_is_an_error(base_dir: Path) -> None:
    table = base_dir / "mci.yaml"
    table.write_text("2026: 4325\n2027: about 4500\n", encoding="utf-8")
    assert (f"{table}: year: 2027: 'about 4500' is not a whole number of tenge", "error") in messages(
        base_dir, dt.date(2026, 12, 6))


def test_a_malformed_token_in_an_answer_is_refused(base_dir: Path) -> None:
    (base_dir / "mci.yaml").write_text("2026: 4325\n", encoding="utf-8")
    path = base_dir / "entries" / "database.consequences.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["answer"]["ru"] = data["answer"]["ru"].replace("{{mci:25}}", "{{mci:25 МРП}}")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert (f"{path}: answer.ru: '{{{{mci:25 МРП}}}}' is not an MCI amount: write {{{{mci:N}}}}, N a whole number",
            "error") in messages(base_dir, dt.date(2026, 12, 6))


def test_the_shipped_table_holds_2026_and_no_guessed_year() -> None:
    base = load_base()
    assert base.mci[2026] == 4325
    assert 2027 not in base.mci
