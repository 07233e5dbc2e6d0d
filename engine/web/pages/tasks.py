"""`/tasks`: the filterable list (filters in the URL), and `/tasks/{id}`: one task in full."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_, func
from sqlmodel import Session, select

from engine.core.models import Task
from engine.core.vocabulary import ACTIVE, TaskStatus
from engine.core.queries import task_json
from engine.core.workflow import STATES
from engine.plans.read.text import fold
from engine.web.auth import PersonDep
from engine.web.deps import CtxDep, SessionDep
from engine.web.pages import task_page
from engine.web.pages.common import PAGE_SIZE, TILE_LABELS, lookup_for, parse_day
from engine.web.pages.scope import View
from engine.web.pages.stats import Rater, soon_limit
from engine.web.templating import templates

router = APIRouter()
STATE_CHOICES = (*STATES, "due_soon")
MAX_CHOICES = 500


@router.get("/tasks", response_class=HTMLResponse, name="tasks")
def task_list(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep,
              plan: str | None = None, unit: str | None = None, state: str | None = None,
              domain: str | None = None, due_from: str | None = None, due_to: str | None = None,
              q: str | None = None, page: int = 1) -> HTMLResponse:
    scope = View.of(session, person)
    plans, units = scope.plans(session), scope.units(session)
    unit_choices = units if len(units) <= MAX_CHOICES else None   # a province: type the unit's code
    plan_id = next((p.id for p in plans if str(p.id) == plan), None)
    unit_id = "none" if unit == "none" else next((u.id for u in units if u.code == unit), None)
    f = {"plan": str(plan_id) if plan_id else None, "unit": unit if unit_id else None,
         "state": state if state in (*STATE_CHOICES, "cancelled") else None, "domain": domain or None,
         "due_from": due_from if parse_day(due_from) else None, "due_to": due_to if parse_day(due_to) else None,
         "q": (q or "").strip() or None}
    filters = {"plan_id": plan_id, "unit_id": unit_id, "domain": f["domain"], "due_from": parse_day(f["due_from"]),
               "due_to": parse_day(f["due_to"]), "status": TaskStatus.CANCELLED if f["state"] == TaskStatus.CANCELLED else None}
    outside = plan and plan_id is None or unit and unit_id is None   # outside the view: nothing, not everything
    if outside:
        total, shown = 0, []
    elif f["q"] or f["state"] in ("done_on_time", "done_late") or not scope.scope.everything:
        rows = _rows(session, ctx, scope.rows(session, search=bool(f["q"]), **filters), f["state"], f["q"])
        total, page = len(rows), _page(page, len(rows))
        shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    else:
        total, page, shown = _sql_page(session, ctx, scope, filters, f["state"], page)
    pages = max(1, -(-total // PAGE_SIZE))
    objects = {t.id: t for t in session.exec(select(Task).where(Task.id.in_([t.id for t, _ in shown])))}
    shown = [(objects[t.id], c) for t, c in shown]
    look = lookup_for(session, [t for t, _ in shown])
    tz = ctx.settings.tz
    kept = {k: v for k, v in f.items() if v}

    def page_url(n: int) -> str:
        return "/tasks?" + urlencode({**kept, "page": n})

    return templates.TemplateResponse(request, "pages/tasks.html", {
        "scope_label": scope.label_for(session), "today": ctx.today(), "plans": plans, "units": unit_choices, "f": f,
        "state_choices": STATE_CHOICES, "tile_labels": TILE_LABELS, "total": total, "page": page,
        "pages": pages, "page_url": page_url, "rows": [task_json(t, c, look, tz) for t, c in shown],
        "without_domain": "/tasks?" + urlencode({k: v for k, v in kept.items() if k != "domain"}),
        "nav": "tasks"})


def _page(page: int, total: int) -> int:
    return min(max(page, 1), max(1, -(-total // PAGE_SIZE)))


ORDER = (Task.plan_id, Task.due == None, Task.due, Task.id)  # noqa: E711


def _sql_page(session: Session, ctx, scope: View, filters: dict, state: str | None, page: int):
    """(total, page, [(row, classification)]) with the state filter, the count and the page done by the
    database (for an unbounded view: a bounded one is quicker read through its scope's indexes); the
    states of open work depend on the due day alone."""
    today, tz, soon = ctx.today(), ctx.settings.tz, ctx.settings.status.due_soon_working_days
    active = Task.status.in_(ACTIVE)
    extra = {None: Task.status != TaskStatus.CANCELLED, "cancelled": Task.status == TaskStatus.CANCELLED,
             "open_overdue": and_(active, Task.due < today), "open_in_time": and_(active, Task.due >= today),
             "no_deadline": and_(active, Task.due == None),  # noqa: E711
             "due_soon": and_(active, Task.due >= today, Task.due <= soon_limit(today, ctx.calendar, soon))}[state]
    query = scope.query_rows(**filters).where(extra)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = _page(page, total)
    rows = session.exec(query.order_by(*ORDER).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    rater = Rater(today, ctx.calendar, tz, soon)
    return total, page, [(r, rater(r)) for r in rows]


def _rows(session: Session, ctx, tasks: list, state: str | None, q: str | None):
    """(task row, classification) kept by the state and search filters, in plan then due order."""
    today, tz, soon = ctx.today(), ctx.settings.tz, ctx.settings.status.due_soon_working_days
    if q:
        needle = fold(q)
        tasks = [t for t in tasks if needle in fold(t.title) or needle == fold(t.ref) or q.strip("#") == str(t.id)]
    rater = Rater(today, ctx.calendar, tz, soon)
    rated = [(t, rater(t)) for t in tasks]
    if state == "due_soon":
        rated = [(t, c) for t, c in rated if c.due_soon]
    elif state in STATES:
        rated = [(t, c) for t, c in rated if c.state == state]
    elif state != "cancelled":
        rated = [(t, c) for t, c in rated if c.state is not None]   # cancelled ones only when asked for
    rated.sort(key=lambda tc: (tc[0].plan_id, tc[0].due is None, tc[0].due or today, tc[0].id))
    return rated


@router.get("/tasks/{task_id}", response_class=HTMLResponse, name="task")
def task_detail(request: Request, task_id: int, session: SessionDep, ctx: CtxDep, person: PersonDep,
                action: str | None = None) -> HTMLResponse:
    task = session.get(Task, task_id)
    if task is None or not View.of(session, person).sees(task):
        raise HTTPException(404, "Không có nhiệm vụ này, hoặc đồng chí không được xem. (No such task.)")
    data = task_page.build(session, ctx, person, task)
    return templates.TemplateResponse(request, "pages/task.html", {
        **data, "preselect": action if action in data["actions"] else None,
        "message": task_page.flash(request), "nav": "tasks"})
