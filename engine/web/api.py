"""JSON for tools and tests, in the CLI's shapes, for the signed-in viewer's scope:

    GET /api/status          = `dondoc status --json` (the viewer's tasks only)
    GET /api/tasks           = `dondoc tasks --json` (plan, unit, status, state, due_before, q)
    GET /api/tasks/{id}      = `dondoc task show --json`; 404 outside the viewer's view
    GET /api/me              who is signed in, and the CSRF token a tool sends as X-CSRF-Token
    GET /healthz             200 {"ok": true} with the database reachable, else 503
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any, Optional

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from engine.core.access import scope_of, visible_task
from engine.core.queries import status_report, task_detail, task_rows
from engine.core.vocabulary import TaskStatus
from engine.core.workflow import STATES
from engine.infra.errors import DondocError
from engine.web.auth import PersonDep, csrf_token
from engine.web.deps import CtxDep, SessionDep

router = APIRouter()


def fold(text: str) -> str:
    """Lowercase without diacritics, for a search that forgives missing accents."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=400)


@router.get("/healthz")
def healthz(ctx: CtxDep) -> JSONResponse:
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:   # any failure to reach the database is "not healthy"
        return JSONResponse({"ok": False, "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"ok": True, "database": "ok"})


@router.get("/api/me")
def api_me(request: Request, person: PersonDep) -> Any:
    return {"person": person.code, "name": person.name, "roles": list(person.roles), "csrf_token": csrf_token(request)}


@router.get("/api/status")
def api_status(person: PersonDep, ctx: CtxDep, session: SessionDep, plan: Optional[str] = None) -> Any:
    where = scope_of(session, person).clause()
    try:
        return status_report(session, ctx.today(), ctx.calendar, ctx.settings.tz,
                             ctx.settings.status.due_soon_working_days, plan, where=where)
    except DondocError as exc:
        return _bad(str(exc))


@router.get("/api/tasks")
def api_tasks(person: PersonDep, ctx: CtxDep, session: SessionDep, plan: Optional[str] = None,
              unit: Optional[str] = None, status: Optional[str] = None, state: Optional[str] = None,
              due_before: Optional[date] = None, q: Optional[str] = None) -> Any:
    if status and not TaskStatus.has(status):
        return _bad(f"status {status!r}: không hợp lệ, dùng một trong / use one of {TaskStatus.listing()}")
    if state and state not in STATES:
        return _bad(f"state {state!r}: không hợp lệ, dùng một trong / use one of {', '.join(STATES)}")
    try:
        rows = task_rows(session, ctx.today(), ctx.calendar, ctx.settings.tz,
                         ctx.settings.status.due_soon_working_days, plan=plan, unit=unit, status=status,
                         state=state, due_before=due_before, where=scope_of(session, person).clause())
    except DondocError as exc:
        return _bad(str(exc))
    if q and q.strip():
        needle = fold(q.strip())
        rows = [r for r in rows if needle in fold(f"{r['ref']} {r['title']} {r['product'] or ''}")]
    return rows


@router.get("/api/tasks/{task_id}")
def api_task(task_id: int, person: PersonDep, ctx: CtxDep, session: SessionDep) -> Any:
    task = visible_task(session, person, task_id)
    return task_detail(session, task, ctx.today(), ctx.calendar, ctx.settings.tz,
                       ctx.settings.status.due_soon_working_days)
