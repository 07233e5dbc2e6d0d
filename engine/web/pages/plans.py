"""`/plans` (admins): the imported plans; upload a document -> the extraction draft beside its source
lines, each row editable or discardable -> import, through the CLI's own import (one transaction).

    config/plans/drafts/<id>/<document>      the upload, kept until it is imported
    config/plans/<document>, <stem>.yaml      after import: the document and the plan file made from it
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import unicodedata
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, func, select

from engine.core.access import Forbidden
from engine.core.models import Person, Plan, Task, Unit
from engine.core.names import slug
from engine.core.org import UnitDirectory
from engine.core.vocabulary import Role, UnitKind
from engine.infra.errors import DondocError
from engine.web.auth import PersonDep
from engine.web.deps import CtxDep, SessionDep
from engine.web.pages.common import day
from engine.web.templating import templates

router = APIRouter()
FORMATS = (".txt", ".docx", ".xlsx", ".csv", ".pdf")
MAX_UPLOAD = 20 * 1024 * 1024
_DRAFT_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")


def require_admin(person: Person) -> None:
    if Role.ADMIN not in person.roles:
        raise Forbidden("Chỉ quản trị viên mới quản lý kế hoạch. (Admins only.)")


def drafts_dir(ctx) -> Path:
    return Path(ctx.settings.plans_dir) / "drafts"


def _draft_file(ctx, draft: str) -> Path:
    if not _DRAFT_ID.match(draft):
        raise HTTPException(404, "Không có bản nháp này. (No such draft.)")
    folder = drafts_dir(ctx) / draft
    files = [p for p in folder.glob("*") if p.suffix.lower() in FORMATS] if folder.is_dir() else []
    if not files:
        raise HTTPException(404, "Không có bản nháp này. (No such draft.)")
    return files[0]


def _meta(folder: Path) -> dict[str, Any]:
    meta = folder / "draft.json"
    return json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else {}


def _year(folder: Path) -> int | None:
    return _meta(folder).get("year")


@router.get("/plans", response_class=HTMLResponse, name="plans")
def plan_list(request: Request, session: SessionDep, ctx: CtxDep, person: PersonDep) -> HTMLResponse:
    require_admin(person)
    counts = dict(session.exec(select(Task.plan_id, func.count(Task.id)).group_by(Task.plan_id)).all())
    plans = sorted(session.exec(select(Plan)).all(), key=lambda p: (-p.year, p.code or p.title))
    return templates.TemplateResponse(request, "pages/plans.html", {
        "plans": plans, "counts": counts, "tz": ctx.settings.tz, "error": request.query_params.get("error"),
        "nav": "plans"})


@router.post("/plans/upload", name="plan_upload")
async def plan_upload(request: Request, ctx: CtxDep, person: PersonDep, document: Annotated[UploadFile, File()],
                      year: Annotated[str, Form()] = "") -> RedirectResponse:
    """Keep the uploaded document in a new draft folder and show its extraction."""
    require_admin(person)
    name = Path(document.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise DondocError(f"Chỉ nhận tệp {', '.join(FORMATS)} (only these formats): {name or '—'}")
    data = await document.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD or not data:
        raise DondocError("Tệp rỗng hoặc quá lớn (tối đa 20 MB). (The file is empty or over 20 MB.)")
    draft = secrets.token_urlsafe(12)
    folder = drafts_dir(ctx) / draft
    folder.mkdir(parents=True)
    safe = f"{slug(Path(name).stem)}{suffix}"
    (folder / safe).write_bytes(data)
    (folder / "draft.json").write_text(json.dumps({"year": int(year) if year.strip().isdigit() else None,
                                                   "uploaded_by": person.code, "name": name}), encoding="utf-8")
    return RedirectResponse(f"/plans/drafts/{draft}", status_code=303)


def _extract(path: Path, year: int | None):
    from engine.plans.extract import extract_plan

    return extract_plan(path, year)


def document_lines(path: Path) -> dict[int, str]:
    """The document's numbered lines: prose lines, and table rows as their cells joined by ' | '
    (a spreadsheet's row, a Word table's block), the numbers the draft's `lines` count."""
    from engine.plans.read.readers import read_source

    source = read_source(path)
    found = {line.no: unicodedata.normalize("NFC", line.text) for line in source.lines}
    for table in source.tables:
        for row in table:
            found.setdefault(row.no, unicodedata.normalize("NFC", " | ".join(c for c in row.cells if c)))
    return found


def _unit_choices(session: Session) -> list[Unit]:
    units = session.exec(select(Unit).where(Unit.kind != UnitKind.EXTERNAL)).all()
    return sorted(units, key=lambda u: (u.kind != UnitKind.OFFICE, u.name))


def _rows(session: Session, extraction, lines: dict[int, str]) -> list[dict[str, Any]]:
    directory = UnitDirectory(session)
    rows = []
    for kind, items in (("task", extraction.tasks), ("report", extraction.reports)):
        for i, item in enumerate(items):
            lead = directory.find(item.lead) if item.lead else None
            first, last = item.lines
            rows.append({"key": f"{kind}-{i}", "kind": kind, "item": item, "lead_code": lead.code if lead else None,
                         "dates": dates(extraction.due, item.deadline),
                         "source": [(n, lines.get(n, "")) for n in range(first, min(last, first + 40) + 1)]})
    return rows


def dates(due, deadline: str | None) -> dict[str, Any]:
    """What a deadline phrase means within the plan (`due`: Extraction.due), in words for the draft page."""
    spec = due(deadline)
    words = {"date": "hạn", "period": "trong kỳ", "recurring": "định kỳ", "continuous": "thường xuyên",
             "external": "theo văn bản cấp trên", "event": "theo sự kiện", "unknown": "chưa đọc được"}
    text = words.get(spec.kind, spec.kind)
    if spec.start and spec.due and spec.start != spec.due:
        text += f": {day(spec.start)} – {day(spec.due)}"
    elif spec.due:
        text += f": {day(spec.due)}"
    if spec.recurrence and spec.recurrence.occurrences:
        text += f" ({len(spec.recurrence.occurrences)} lần: " + ", ".join(day(d) for d in spec.recurrence.occurrences[:6]) + \
            ("…" if len(spec.recurrence.occurrences) > 6 else "") + ")"
    if spec.kind == "unknown" and getattr(spec, "reason", None):
        text += f" – {spec.reason}"
    return {"kind": spec.kind, "text": text, "resolved": spec.kind in ("date", "period", "recurring")}


@router.get("/plans/drafts/{draft}", response_class=HTMLResponse, name="plan_draft")
def plan_draft(request: Request, draft: str, session: SessionDep, ctx: CtxDep, person: PersonDep) -> HTMLResponse:
    require_admin(person)
    path = _draft_file(ctx, draft)
    extraction = _extract(path, _year(path.parent))
    lines = document_lines(path)
    meta = _meta(path.parent)
    meta["plan"] = {"year": extraction.plan.year, "start": extraction.plan.start.isoformat(),
                    "end": extraction.plan.end.isoformat()}
    (path.parent / "draft.json").write_text(json.dumps(meta), encoding="utf-8")
    return templates.TemplateResponse(request, "pages/plan_draft.html", {
        "draft": draft, "ex": extraction, "rows": _rows(session, extraction, lines), "units": _unit_choices(session),
        "review": [(r, [(n, lines.get(n, "")) for n in range(r.lines[0], min(r.lines[1], r.lines[0] + 20) + 1)])
                   for r in extraction.review], "nav": "plans"})


@router.get("/plans/drafts/{draft}/deadline", response_class=HTMLResponse, name="plan_deadline")
def plan_deadline(request: Request, draft: str, ctx: CtxDep, person: PersonDep) -> HTMLResponse:
    """The parsed dates of a deadline phrase (htmx swaps them in while the admin types); the phrase
    comes as the row's own field, deadline-<row>."""
    from engine.plans.extract.extraction import Extraction
    from engine.plans.extract.model import PlanDraft

    require_admin(person)
    plan = _meta(_draft_file(ctx, draft).parent).get("plan")
    if plan is None:
        raise HTTPException(404, "Không có bản nháp này. (No such draft.)")
    period = PlanDraft("", "", plan["year"], date.fromisoformat(plan["start"]), date.fromisoformat(plan["end"]))
    deadline = next((v for k, v in request.query_params.items() if k.startswith("deadline")), "")
    found = dates(Extraction(period).due, deadline.strip() or None)
    return HTMLResponse(f'<span class="dates {"ok" if found["resolved"] else "unresolved"}">'
                        f'{_escape(found["text"])}</span>')


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@router.post("/plans/drafts/{draft}/import", response_class=HTMLResponse, name="plan_import")
async def plan_import(request: Request, draft: str, session: SessionDep, ctx: CtxDep,
                      person: PersonDep) -> HTMLResponse:
    """Apply the admin's edits to the draft, write the plan file and import it like `dondoc plan import`."""
    from engine.plans.extract import plan_yaml
    from engine.plans.importer import import_plan
    from engine.reminders.rulestore import sync_with_active_rules
    from rules.evaluate import Org

    require_admin(person)
    path = _draft_file(ctx, draft)
    form = await request.form()
    extraction = _extract(path, _year(path.parent))
    units = {u.code: u.name for u in session.exec(select(Unit))}
    kept = set(form.getlist("keep"))
    for kind, attr in (("task", "tasks"), ("report", "reports")):
        items = []
        for i, item in enumerate(getattr(extraction, attr)):
            key = f"{kind}-{i}"
            if key not in kept:
                continue
            item.title = " ".join(str(form.get(f"title-{key}", item.title)).split()) or item.title
            lead = str(form.get(f"lead-{key}", ""))
            item.lead = units.get(lead, item.lead if lead == "_as_is" else None)
            item.deadline = " ".join(str(form.get(f"deadline-{key}", item.deadline or "")).split()) or None
            items.append(item)
        setattr(extraction, attr, items)
    plans_dir = Path(ctx.settings.plans_dir)
    target = plans_dir / f"{path.stem}.yaml"
    target.write_text(plan_yaml(extraction), encoding="utf-8")
    shutil.copy(path, plans_dir / path.name)
    session.commit()   # the request's own transaction must not hold SQLite while the import writes
    nobody: list[dict] = []

    def on_tasks(s: Session, tasks: list[Task]) -> None:
        sync_with_active_rules(s, ctx.calendar, tasks, ctx.now())
        nobody.extend(Org.load(s).reach.unreachable(tasks))

    report = import_plan(ctx.engine, target, ctx.now(), before_is_exclusive=ctx.settings.deadlines.before_is_exclusive,
                         on_tasks=on_tasks)
    shutil.rmtree(path.parent, ignore_errors=True)
    return templates.TemplateResponse(request, "pages/plan_imported.html", {
        "report": report, "nobody": nobody, "file": target.name, "nav": "plans"})
