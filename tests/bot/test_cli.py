"""The civic-desk command line, as a newcomer and as the evaluation use it."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import cli
from bot.app.compose import open_desk
from bot.app.config import Settings
from bot.channels.terminal import run_chat
from knowledge.loader import DEFAULT_DIR


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_the_decision_and_the_reply(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "До какого числа сдавать сведения в базу НПО?")
    assert code == 0
    assert out.startswith("decision: answer  topic: database.deadline")
    assert "31 марта" in out and "[1] 👍 Полезно" in out


def test_ask_jsonl_follows_the_batch_contract(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    lines = [{"id": 0, "text": "Гранттарды кім береді?"}, {"id": 1, "text": "какая погода завтра"},
             {"id": 2, "text": "Сәлем!"}, {"id": 3, "text": ""}]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(json.dumps(x) + "\n" for x in lines) + "not json\n"))
    code, out, _ = run(capsys, "ask", "--jsonl")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in records] == [0, 1, 2, 3, None]
    assert set(records[0]) == {"id", "action", "intent", "lang", "score", "candidates"}
    assert (records[0]["action"], records[0]["intent"], records[0]["lang"]) == ("answer", "grants.operator", "kk")
    assert records[1]["action"] == "fallback" and records[1]["intent"] is None
    assert (records[2]["action"], records[2]["intent"]) == ("smalltalk", "smalltalk.greeting")
    assert records[3]["action"] == "fallback"
    assert "error" in records[4]


def test_kb_check_passes_on_the_shipped_base(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "kb", "check")
    assert code == 0 and "0 errors" in err


def test_kb_check_names_the_broken_file_and_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DEFAULT_DIR, tmp_path / "kb", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    broken = tmp_path / "kb" / "entries" / "grants.types.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("checked: 2026", "checked: nope-2026"),
                      encoding="utf-8")
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(tmp_path / "kb"))
    code, out, _ = run(capsys, "kb", "check")
    assert code == 1
    assert f"{broken}: checked: missing or not a date (YYYY-MM-DD)" in out.splitlines()


def test_kb_check_lists_an_overdue_review_as_a_warning_and_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DEFAULT_DIR, tmp_path / "kb", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    stale = tmp_path / "kb" / "entries" / "grants.types.yaml"
    text = stale.read_text(encoding="utf-8")
    text = re.sub(r"^checked: .*$", "checked: 2025-01-10", text, flags=re.M)
    stale.write_text(re.sub(r"^review_by: .*$", "review_by: 2025-06-01", text, flags=re.M), encoding="utf-8")
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(tmp_path / "kb"))
    code, out, _ = run(capsys, "kb", "check")
    assert code == 0
    assert f"warning: {stale}: review_by: overdue since 2025-06-01" in out.splitlines()


def test_a_broken_base_stops_the_desk_with_the_file_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DEFAULT_DIR, tmp_path / "kb", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (tmp_path / "kb" / "entries" / "grants.types.yaml").write_text("id: [", encoding="utf-8")
    monkeypatch.setenv("DESK_KNOWLEDGE_DIR", str(tmp_path / "kb"))
    code, _, err = run(capsys, "ask", "грант")
    assert code == 2
    assert "grants.types.yaml: file: cannot be read as YAML" in err


def test_kb_export_prints_every_entry_with_all_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kb", "export")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) >= 34
    assert set(records[0]) >= {"id", "category", "title", "questions", "keywords", "answer", "sources",
                               "checked", "related", "link"}


async def test_terminal_chat_runs_the_desk_and_stores_the_question_log(settings: Settings,
                                                                      engine: AsyncEngine) -> None:
    """`engine` empties the database first (on PostgreSQL it outlives the previous test)."""
    script = iter(["2", "Гранттарды кім береді?", "1", "/quit"])
    out = io.StringIO()
    async with open_desk(settings, migrate=True) as desk:
        await run_chat(desk, "kk", read=lambda: next(script), out=out)
        logged = await desk.store.recent_questions(1, 10)  # type: ignore[attr-defined]
    text = out.getvalue()
    assert "[1] Қазақ тілі" in text and "[2] Русский язык" in text
    assert "Выбран язык: русский" in text
    assert "Пікіріңізге рахмет!" in text  # the 👍 of a Kazakh answer thanks in Kazakh
    assert [(q.decision, q.topic) for q in logged] == [("answer", "grants.operator")]


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql+asyncpg://desk:secret@127.0.0.1:1/desk",
     "postgresql+asyncpg://desk:***@127.0.0.1:1/desk is unreachable"),
    ("not a url", "DESK_DATABASE_URL: not a database address"),
])
def test_a_database_that_does_not_answer_is_named_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, says: str) -> None:
    monkeypatch.setenv("DESK_DATABASE_URL", url)
    for command in (["db", "upgrade"], ["tickets"]):
        code, _, err = run(capsys, *command)
        assert code == 1 and says in err and "Traceback" not in err and "secret" not in err
