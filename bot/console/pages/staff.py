"""Staff, for the centre's head only: who may log in, with which role; add an account, disable one."""

from __future__ import annotations

from aiohttp import web

from bot.console import audit
from bot.console.accounts import AccountError
from bot.console.deps import PREFIX, console_of
from bot.console.guard import member, require_role
from bot.console.nav import NavItem
from bot.console.render import page
from bot.db.staff import ROLES

routes = web.RouteTableDef()
NAV = NavItem(90, "Staff", "/staff", roles=("head",))
# What AccountError says, as msgids (the CLI prints the same refusals in English).
REFUSALS = {"name": "A name is 1-64 of a-z, 0-9, dot, dash and underscore.",
            "password": "A password needs at least 10 characters.",
            "taken": "There is already an account with this name.",
            "role": "Choose a role.",
            "missing": "There is no such account.",
            "self": "You cannot disable your own account."}


async def staff_page(request: web.Request, status: int = 200, error: str = "", done: str = "") -> web.Response:
    console = console_of(request)
    async with console.engine.connect() as conn:
        changes = await audit.recent(conn)
    return page(request, "staff.html", {"members": await console.staff.members(), "roles": ROLES,
                                        "changes": changes, "error": error, "done": done}, status=status)


@routes.get("/staff")
@require_role("head")
async def show_staff(request: web.Request) -> web.StreamResponse:
    return await staff_page(request, done=request.query.get("done", "")[:64])


@routes.post("/staff")
@require_role("head")
async def add_member(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    form = await request.post()
    try:
        added = await console.staff.add(str(form.get("name", "")), str(form.get("role", "")),
                                        str(form.get("password", "")), by=member(request).name)
    except AccountError as exc:
        return await staff_page(request, 400, REFUSALS[exc.reason])
    raise web.HTTPSeeOther(f"{PREFIX}/staff?done={added.name}")


@routes.post("/staff/{name}/disable")
@require_role("head")
async def disable_member(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    me = member(request)
    if name == me.name:
        return await staff_page(request, 400, REFUSALS["self"])
    try:
        await console_of(request).staff.disable(name, by=me.name)
    except AccountError as exc:
        return await staff_page(request, 404, REFUSALS[exc.reason])
    raise web.HTTPSeeOther(f"{PREFIX}/staff")
