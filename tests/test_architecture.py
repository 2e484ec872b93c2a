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


MAX_MODULE_LINES = 300


def test_no_module_of_the_shell_is_longer_than_a_reader_holds_at_once() -> None:
    long = {str(path.relative_to(ROOT)): lines for path in (ROOT / "bot").rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_service_bag_every_part_gets_what_it_uses() -> None:
    """The composition root passes each part its collaborators; no `Services` object carries them all."""
    assert not (ROOT / "bot" / "app" / "services.py").exists()
    for path in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
        assert "Services" not in names, path


def test_the_channels_are_built_by_the_composition_root_only() -> None:
    """No channel registers itself somewhere or is handed the whole shell: `bot.app.compose` builds
    each adapter from its collaborators, and only `bot.app` knows the shell."""
    for path in (ROOT / "bot" / "channels").rglob("*.py"):
        assert not imported_modules(path) & {"bot.app.compose", "bot.app.compose.shell", "bot.app.web"}, path
        assert "inbox.register(" not in path.read_text(encoding="utf-8"), path


def test_the_schedulers_are_given_their_senders_when_built() -> None:
    """No scheduler keeps a registry to add senders to afterwards, and nothing changes one: each is
    constructed with its senders (`bot.app.compose.sends`)."""
    for path in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(_registers(node) for node in ast.walk(tree)), path


def _registers(node: ast.AST) -> bool:
    """`outbox.register(...)`, `x.senders[...] = ...` or `x.senders.pop(...)` (deliverers alike)."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
        return isinstance(node.value, ast.Attribute) and node.value.attr in ("senders", "deliverers")
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    owner = node.func.value
    owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    if owner_name in ("senders", "deliverers"):
        return node.func.attr in ("pop", "clear", "update", "setdefault")
    return node.func.attr == "register" and owner_name in ("outbox", "outbound", "inbox")


def test_both_adapters_have_the_same_shape() -> None:
    """The same job has the same module name in each channel: mapping in, rendering out, the webhook, the
    build, the send side."""
    for channel in ("telegram", "whatsapp"):
        modules = {path.name for path in (ROOT / "bot" / "channels" / channel).glob("*.py")}
        assert {"mapper.py", "render.py", "webhook.py", "service.py", "sender.py"} <= modules, channel
