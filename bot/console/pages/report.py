"""The period's report as a CSV download: the same figures as `civic-desk report --format csv`."""

from __future__ import annotations

from aiohttp import web

from bot.analytics.output import as_csv
from bot.analytics.report import build_report
from bot.console.deps import console_of
from bot.console.guard import require_role
from bot.console.offloop import on_own_engine
from bot.console.period import period_of
from bot.db.staff import ROLES

routes = web.RouteTableDef()


@routes.get("/report.csv")
@require_role(*ROLES)
async def report_csv(request: web.Request) -> web.StreamResponse:
    console = console_of(request)
    now = console.clock()
    period = period_of(request.query, console.settings.timezone, now)
    matcher, hours = console.matcher(), console.settings.hours()
    report = await on_own_engine(console.settings,
                                 lambda engine: build_report(engine, matcher, hours, period.since, now))
    name = f"civic-desk-report-{period.dates[-1].isoformat()}-{period.days}d.csv"
    return web.Response(body=as_csv(report).encode("utf-8-sig"),  # the BOM: spreadsheets then read UTF-8
                        content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
