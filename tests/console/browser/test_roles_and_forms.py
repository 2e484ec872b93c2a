"""Roles are enforced by the server, and a form without its CSRF token is refused with a clear page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console.harness import ConsoleServer, another_browser, log_in, screenshot
from tests.console.seed import ACCOUNTS, PASSWORD

ROLE_REFUSED = "Недоступно для вашей роли"
FORM_REFUSED = "Форма не принята"


def post_form(page: Page, action: str, fields: dict[str, str]) -> None:
    """Submit a form the page never offered, as a hand-made request from this browser would."""
    page.evaluate("""([action, fields]) => {
        const form = document.createElement('form');
        form.method = 'post'; form.action = action;
        for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
        }
        document.body.appendChild(form); form.submit();
    }""", [action, fields])
    page.wait_for_load_state()


def own_token(page: Page) -> str:
    return page.locator("form.logout input[name=csrf]").get_attribute("value") or ""


def test_a_viewer_is_refused_the_staff_page_and_an_edit_even_with_a_valid_token(
        page: Page, server: ConsoleServer) -> None:
    log_in(page, server, "viewer")
    assert page.locator("nav >> text=Сотрудники").count() == 0
    response = page.goto(server.url + "/console/staff")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text(ROLE_REFUSED)
    expect(page.locator("main")).to_contain_text("Руководитель центра")
    screenshot(page, "refused")
    post_form(page, "/console/staff", {"csrf": own_token(page), "name": "intruder", "role": "head",
                                       "password": PASSWORD})
    expect(page.locator("h1")).to_have_text(ROLE_REFUSED)
    head = log_in(another_browser(page), server, "head")
    head.goto(server.url + "/console/staff")
    expect(head.locator(f"tr[data-member={ACCOUNTS['viewer']}]")).to_be_visible()
    assert head.locator("tr[data-member=intruder]").count() == 0
    head.context.close()


def test_a_curator_may_not_manage_staff_either(page: Page, server: ConsoleServer) -> None:
    log_in(page, server, "curator")
    response = page.goto(server.url + "/console/staff")
    assert response is not None and response.status == 403


def test_a_form_without_its_token_is_refused_and_changes_nothing(head: Page, server: ConsoleServer) -> None:
    head.goto(server.url + "/console/staff")
    head.fill("form[data-form=add-member] input[name=name]", "forged")
    head.fill("form[data-form=add-member] input[name=password]", PASSWORD)
    head.evaluate("document.querySelector('form[data-form=add-member] input[name=csrf]').remove()")
    head.click("form[data-form=add-member] button")
    expect(head.locator("h1")).to_have_text(FORM_REFUSED)
    expect(head.locator("main")).to_contain_text("обновите страницу")
    head.goto(server.url + "/console/staff")
    assert head.locator("tr[data-member=forged]").count() == 0
    post_form(head, "/console/staff", {"csrf": "a token of another session", "name": "forged", "role": "viewer",
                                       "password": PASSWORD})
    expect(head.locator("h1")).to_have_text(FORM_REFUSED)


def test_the_login_form_needs_its_token_too(page: Page, server: ConsoleServer) -> None:
    page.goto(server.url + "/console/login")
    post_form(page, "/console/login", {"name": ACCOUNTS["head"], "password": PASSWORD})
    expect(page.locator("h1")).to_have_text(FORM_REFUSED)
    page.goto(server.url + "/console/")
    expect(page.locator("h1")).to_have_text("Вход")


def test_the_head_adds_an_account_that_logs_in_then_disables_it(head: Page, server: ConsoleServer) -> None:
    head.goto(server.url + "/console/staff")
    head.fill("form[data-form=add-member] input[name=name]", "saule")
    head.select_option("form[data-form=add-member] select[name=role]", "curator")
    head.fill("form[data-form=add-member] input[name=password]", "saule's own password")
    head.click("form[data-form=add-member] button")
    expect(head.locator("tr[data-member=saule] [data-field=state]")).to_have_text("активна")
    expect(head.locator("[data-list=audit]")).to_contain_text(f"{ACCOUNTS['head']} · staff.add · staff:saule")
    screenshot(head, "staff")
    other = another_browser(head)
    other.goto(server.url + "/console/login")
    other.fill("input[name=name]", "saule")
    other.fill("input[name=password]", "saule's own password")
    other.click("form.stack button")
    expect(other.locator(".me")).to_contain_text("saule · Куратор")
    head.click("tr[data-member=saule] button")
    expect(head.locator("tr[data-member=saule] [data-field=state]")).to_have_text("отключена")
    other.reload()
    expect(other.locator("h1")).to_have_text("Вход")  # disabling ended the session
    other.context.close()
