"""Drafts: the list waiting for a curator, and the editor (kk and ru side by side) that saves,
publishes or rejects one. Viewers see the editor read-only; the server refuses them any change."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.console import audit
from bot.console.deps import PREFIX, console_of
from bot.console.findings import finding
from bot.console.guard import member, require_role
from bot.console.kb_edits import KbEdits, Review, target
from bot.console.nav import NavItem
from bot.console.pages.knowledge import CHANGES, EDITORS
from bot.console.render import page, refused
from bot.console.security import LANG
from bot.curation.entry_form import SOURCE_PARTS, from_fields
from bot.curation.store import DRAFT, Draft
from bot.db.staff import ROLES
from knowledge.loader import ANSWER_HARD_LIMIT, ANSWER_SOFT_LIMIT, DEAREST_MCI, mci_sample
from knowledge.model import LANGS, Action

routes = web.RouteTableDef()
NAV = NavItem(35, "Drafts", "/drafts")
REASON_LENGTH = 500


@routes.get("/drafts")
@require_role(*ROLES)
async def drafts(request: web.Request) -> web.StreamResponse:
    waiting = await KbEdits(console_of(request)).drafts.list()
    return page(request, "drafts.html", {"drafts": waiting, "rejected": request.query.get("rejected", "")})


DraftHandler = Callable[[web.Request, KbEdits, Draft], Awaitable[web.StreamResponse]]


def with_draft(handler: DraftHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Hands `handler` the draft its address names; a number no draft has gets the console's 404 page."""
    @functools.wraps(handler)
    async def found(request: web.Request) -> web.StreamResponse:
        edits = KbEdits(console_of(request))
        number = request.match_info["number"]
        draft = await edits.drafts.get(int(number)) if number.isdigit() else None
        if draft is None:
            return refused(request, 404, "missing")
        return await handler(request, edits, draft)

    return found


async def editor(request: web.Request, edits: KbEdits, draft: Draft, review: Review, status: int = 200,
                 reason_error: str = "") -> web.Response:
    console = edits.console
    _ = console.translator(request[LANG])
    async with console.engine.connect() as conn:
        changes = await audit.history(conn, target(draft.entry_id))
    return page(request, "draft.html", {
        "draft": draft, "review": review, "changes": changes, "langs": LANGS, "source_parts": SOURCE_PARTS,
        "categories": console.matcher().base.categories, "actions": [a.value for a in Action],
        "editable": draft.status == DRAFT and member(request).may(*EDITORS), "saved": "saved" in request.query,
        "soft": ANSWER_SOFT_LIMIT, "hard": ANSWER_HARD_LIMIT, "mci": {lang: mci_sample(lang) for lang in LANGS},
        "dearest_mci": DEAREST_MCI, "reason_error": reason_error, "change_labels": CHANGES,
        "said": lambda problem: finding(problem, _)}, status=status)


@routes.get("/drafts/{number}")
@require_role(*ROLES)
@with_draft
async def show(request: web.Request, edits: KbEdits, draft: Draft) -> web.StreamResponse:
    return await editor(request, edits, draft, edits.review(draft))


@routes.post("/drafts/{number}")
@require_role(*EDITORS)
@with_draft
async def change(request: web.Request, edits: KbEdits, draft: Draft) -> web.StreamResponse:
    """Save the fields; with "publish", then validate against the base and publish."""
    fields = await request.post()
    form = from_fields({key: str(value) for key, value in fields.items()})
    saved = await edits.save(member(request).name, draft, form)
    if saved is None:  # published or rejected meanwhile
        return await editor(request, edits, draft, edits.review(draft), 409)
    if fields.get("do") != "publish":
        raise web.HTTPSeeOther(f"{PREFIX}/drafts/{saved.id}?saved=1")
    outcome = await edits.publish(member(request).name, saved)
    if isinstance(outcome, list):
        review = edits.review(saved, form)
        if not review.errors:  # refused for a reason the review did not see (published meanwhile)
            review.problems.setdefault("", []).extend(outcome)
        return await editor(request, edits, saved, review, 422)
    raise web.HTTPSeeOther(f"{PREFIX}/knowledge/{saved.entry_id}?published=1")


@routes.post("/drafts/{number}/reject")
@require_role(*EDITORS)
@with_draft
async def reject(request: web.Request, edits: KbEdits, draft: Draft) -> web.StreamResponse:
    reason = str((await request.post()).get("reason", "")).strip()[:REASON_LENGTH]
    if not reason:
        _ = console_of(request).translator(request[LANG])
        return await editor(request, edits, draft, edits.review(draft), 422, _("Say why the draft is rejected."))
    if not await edits.reject(member(request).name, draft, reason):
        return await editor(request, edits, draft, edits.review(draft), 409)
    raise web.HTTPSeeOther(f"{PREFIX}/drafts?rejected={draft.id}")
