"""Layering: bot -> handlers -> knowledge, never the other way, channels apart, and bot/ made of folders."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "knowledge": {"bot", "handlers", "aiogram", "aiohttp", "sqlalchemy"},
    "handlers": {"bot", "aiogram", "aiohttp", "sqlalchemy"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_layers_do_not_import_outer_ones(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        assert not imported_roots(path) & FORBIDDEN[package], path


def test_channel_adapters_do_not_import_each_other() -> None:
    channels = ROOT / "bot" / "channels"
    for path in channels.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        own = path.relative_to(channels).parts[0]
        for other in ("telegram", "whatsapp"):
            if other != own.removesuffix(".py"):
                assert f"bot.channels.{other}" not in text, path


def test_the_shell_is_folders_that_say_what_they_are_for() -> None:
    shell = ROOT / "bot"
    assert sorted(p.name for p in shell.glob("*.py")) == ["__init__.py"]  # no loose module: the folders are the map
    for init in shell.glob("*/__init__.py"):
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init
