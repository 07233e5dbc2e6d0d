"""`/`: the 2x2 counts for the viewer's scope, by unit and by domain, and the completion chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from engine.web.auth import PersonDep
from engine.web.deps import CtxDep, SessionDep
from engine.web.pages import stats
from engine.web.pages.common import TILE_LABELS, TILES, tasks_url
from engine.web.pages.scope import View
from engine.web.svg import legend, line_chart
from engine.web.templating import templates

router = APIRouter()
MAX_UNITS = 200   # rows of the by-unit table


@router.get("/", response_class=HTMLResponse, name="dashboard")
def dashboard(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep,
              plan: str | None = None) -> HTMLResponse:
    scope = View.of(session, person)
    plans = scope.plans(session)
    chosen = next((p for p in plans if str(p.id) == (plan or "")), None)
    today, tz = ctx.today(), ctx.settings.tz
    report, lines = stats.aggregate(session, scope, today, ctx.calendar, tz, ctx.settings.status.due_soon_working_days,
                                    chosen.id if chosen else None)
    start, end = stats.period([chosen] if chosen else plans, lines[0].days, today)
    chart = line_chart(lines, start, end, today, title="Số nhiệm vụ đến hạn và đã hoàn thành, cộng dồn theo ngày")
    key = legend(lines, min(max(today, start), end))
    plan_id = chosen.id if chosen else None
    more = max(0, len(report["by_unit"]) - MAX_UNITS)
    if more:   # a province: the units with the most overdue work first
        report["by_unit"] = sorted(report["by_unit"], key=lambda r: (-r["open_overdue"], r["unit"] or ""))[:MAX_UNITS]

    def link(**params) -> str:
        return tasks_url(plan=plan_id, **params)

    return templates.TemplateResponse(request, "pages/dashboard.html", {
        "scope_label": scope.label_for(session), "today": today, "plans": plans, "plan": chosen, "report": report,
        "chart": chart, "key": key, "tiles": TILES, "tile_labels": TILE_LABELS, "states": TILES[:-1], "link": link,
        "more_units": more, "nav": "dashboard"})
