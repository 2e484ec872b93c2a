"""The console's rules that hold for every page, present and future: each route is guarded by a
role (or said to be public), and each piece of UI text has its Kazakh and Russian translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from bot.app.config import Settings
from bot.console import render
from bot.console.app import console_app
from bot.console.deps import Console
from bot.console.guard import ROLES_ATTRIBUTE
from bot.console.nav import NAV
from bot.console.pages import dashboard, discover, staff, tickets
from bot.db.models import utcnow
from handlers import Translator
from handlers.i18n import DEFAULT_LOCALES, LANGUAGES
from knowledge import Matcher

TEMPLATES = Path(render.__file__).resolve().parent / "templates"
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/lang")}
MSGID = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def app(matcher: Matcher, translator: Translator) -> object:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return console_app(Console(settings, None, translator, lambda: matcher, utcnow))  # type: ignore[arg-type]


def test_every_route_is_guarded_by_a_role_unless_it_is_the_login(matcher: Matcher, translator: Translator) -> None:
    console = app(matcher, translator)
    seen = set()
    for route in console.router.routes():  # type: ignore[attr-defined]
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if route.method == "HEAD" or path.startswith("/static"):
            continue
        roles = getattr(route.handler, ROLES_ATTRIBUTE, None)
        assert roles is not None, f"{route.method} {path}: neither @require_role nor @public"
        assert bool(roles) != ((route.method, path) in PUBLIC), f"{route.method} {path}: roles {roles}"
        seen.add((route.method, path, roles))
    assert ("POST", "/staff", ("head",)) in seen and ("GET", "/staff", ("head",)) in seen


def test_every_page_module_serves_routes_and_the_menu_lists_the_pages(matcher: Matcher,
                                                                     translator: Translator) -> None:
    modules = discover()
    assert {dashboard, staff, tickets} <= set(modules)
    assert all(hasattr(module, "routes") for module in modules)
    menu = app(matcher, translator)[NAV]  # type: ignore[index]
    assert [item.path for item in menu][:2] == ["/", "/tickets"] and menu[-1].path == "/staff"


def console_msgids() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        found |= {a or b for a, b in MSGID.findall(template.read_text(encoding="utf-8"))}
    labels = [render.ROLE_LABELS, dashboard.DECISION_LABELS, tickets.STATUS_LABELS, tickets.SPEAKERS, staff.REFUSALS]
    found |= {text for table in labels for text in table.values()}
    found |= {text for pair in render.REASONS.values() for text in pair}
    found |= {module.NAV.label for module in discover() if hasattr(module, "NAV")}
    return found


def test_every_text_of_the_console_is_in_both_catalogs() -> None:
    wanted = console_msgids()
    assert len(wanted) > 80
    for lang in LANGUAGES:
        with (DEFAULT_LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
            translated = {m.id for m in read_po(po, locale=lang) if m.id and m.string}
        assert wanted - translated == set(), lang
    with (DEFAULT_LOCALES / "messages.pot").open("rb") as pot:
        assert wanted - {m.id for m in read_po(pot)} == set()


def test_the_pages_work_without_javascript() -> None:
    """Server-rendered forms and links; script only as deferred enhancement from our static folder.

    No inline script and no inline handler in any template: a page's work is done by its forms,
    and a script (the editor's length counter) only adds to a page that works without it.
    """
    allowed = re.compile(r'<script src="\{\{ prefix \}\}/static/[a-z_]+\.js" defer></script>')
    for template in TEMPLATES.glob("*.html"):
        html = allowed.sub("", template.read_text(encoding="utf-8")).lower()
        assert "<script" not in html and not re.search(r"\son[a-z]+=", html), template.name
