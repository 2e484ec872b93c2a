"""Layering: bot -> handlers -> knowledge, never the other way, channels apart, and bot/ made of folders.

The core's tests hold to the same layers: tests/handlers runs the desk on the in-memory
ports, tests/knowledge the matcher on its own.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "knowledge": {"bot", "handlers", "aiogram", "aiohttp", "sqlalchemy"},
    "handlers": {"bot", "aiogram", "aiohttp", "sqlalchemy"},
}
FORBIDDEN_IN_TESTS = {
    "tests/knowledge": FORBIDDEN["knowledge"],
    "tests/handlers": FORBIDDEN["handlers"],
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for module in imported_modules(path)}


def imported_through_tests(path: Path, seen: set[Path] | None = None) -> set[str]:
    """The roots a test module imports, itself or through the helper modules of tests/ it imports."""
    seen = set() if seen is None else seen
    seen.add(path)
    roots = imported_roots(path)
    for module in imported_modules(path):
        helper = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        if module.startswith("tests.") and helper.exists() and helper not in seen:
            roots |= imported_through_tests(helper, seen)
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_layers_do_not_import_outer_ones(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        assert not imported_roots(path) & FORBIDDEN[package], path


@pytest.mark.parametrize("tests", sorted(FORBIDDEN_IN_TESTS))
def test_the_cores_tests_do_not_import_outer_layers(tests: str) -> None:
    """Fixtures and helpers included: the core is specified without a database or a messenger."""
    for path in (ROOT / tests).rglob("*.py"):
        assert not imported_through_tests(path) & FORBIDDEN_IN_TESTS[tests], path


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
