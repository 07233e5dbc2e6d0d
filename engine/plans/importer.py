"""Import a plan file: all or nothing, idempotent, updating tasks in place by ref.

The whole import runs in one transaction. A dry run does exactly the same work and rolls
it back, so what it prints is what a real import would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from engine.infra import yamlfile
from engine.infra.db import transaction
from engine.core.deadlines import parse_deadline
from engine.infra.errors import FileError, FileErrors
from engine.core.models import Person, Plan, Task
from engine.core.names import match_key, nfc
from engine.core.org import UnitDirectory
from engine.plans.occurrences import TaskSpec, specs_for
from engine.plans.schema import PlanFile
from engine.core.vocabulary import DueKind, TaskStatus
from engine.core.workflow import Actor, record, transition

IMPORT = Actor("import", "import")


@dataclass
class ImportReport:
    file: str
    plan_key: str = ""
    plan_id: int | None = None
    plan_created: bool = False
    created: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_units: list[str] = field(default_factory=list)
    unknown_deadlines: list[dict[str, str]] = field(default_factory=list)
    dry_run: bool = False

    def changed(self) -> bool:
        return bool(self.plan_created or self.created or self.updated or self.cancelled or self.restored)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items()}


def plan_key(meta) -> str:
    """A plan's identity across re-imports: its issuer and code (title and year when uncoded)."""
    tail = match_key(meta.code) if meta.code else f"{match_key(meta.title)}|{meta.year}"
    return f"{match_key(meta.issuer)}|{tail}"


def read_plan(path: str | Path) -> tuple[yamlfile.Document, PlanFile]:
    """Parse and validate a plan file, checking what the schema alone cannot (duplicate refs)."""
    doc = yamlfile.load(path)
    plan = yamlfile.validate(doc, PlanFile)
    errors: list[FileError] = []
    seen: dict[str, tuple[str, int]] = {}
    for section in ("tasks", "reports"):
        for i, item in enumerate(getattr(plan, section)):
            if item.ref in seen:
                first_line, _ = doc.locate((seen[item.ref][0], seen[item.ref][1]))
                errors.append(doc.error((section, i, "ref"), f"duplicate ref {item.ref!r}",
                                        f"first used at line {first_line}"))
            seen.setdefault(item.ref, (section, i))
    if errors:
        raise FileErrors(errors)
    return doc, plan


def import_plan(engine: Engine, path: str | Path, now: datetime, *, dry_run: bool = False,
                before_is_exclusive: bool = True,
                on_tasks: Callable[[Session, list[Task]], None] | None = None) -> ImportReport:
    """Import one plan file into the database; nothing is written if anything is wrong.

    `on_tasks` sees every task of the plan inside the same transaction (to recompute timers).
    """
    doc, plan = read_plan(path)
    report = ImportReport(file=str(path), dry_run=dry_run)
    with Session(engine, expire_on_commit=False) as session:
        try:
            tasks = _apply(session, doc, plan, now, report, before_is_exclusive)
            if on_tasks is not None:
                on_tasks(session, tasks)
            if dry_run:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    return report


def _apply(session: Session, doc: yamlfile.Document, pf: PlanFile, now: datetime,
           report: ImportReport, before_is_exclusive: bool) -> list[Task]:
    people = _people(session, doc, pf)
    plan = _upsert_plan(session, doc, pf.plan, now, report)
    specs = _specs(pf, before_is_exclusive)
    return list(_sync_tasks(session, plan, specs, people, now, doc.path, report).values())


def _people(session: Session, doc: yamlfile.Document, pf: PlanFile) -> dict[str, Person]:
    """Everyone by code, once every assignee the file names is known to be among them."""
    people = {p.code: p for p in session.exec(select(Person))}
    errors = [doc.error((section, i, "assignee"), f"unknown person {item.assignee!r}",
                        "use a person id from org.yaml, loaded with `dondoc org load`")
              for section in ("tasks", "reports")
              for i, item in enumerate(getattr(pf, section))
              if item.assignee is not None and item.assignee not in people]
    if errors:
        raise FileErrors(errors)
    return people


def _upsert_plan(session: Session, doc: yamlfile.Document, meta, now: datetime,
                 report: ImportReport) -> Plan:
    """The plan row for the file's metadata, created or updated (with its event)."""
    key = plan_key(meta)
    report.plan_key = key
    start, end = meta.span
    plan = session.exec(select(Plan).where(Plan.key == key)).first()
    values = {"code": meta.code, "title": nfc(meta.title), "issuer": nfc(meta.issuer),
              "year": meta.year, "period_start": start, "period_end": end, "issued_on": meta.issued,
              "source_file": meta.source.file if meta.source else None,
              "source_sha256": meta.source.sha256 if meta.source else None,
              "file_path": str(doc.path), "file_sha256": doc.sha256}
    if plan is None:
        plan = Plan(key=key, imported_at=now, **values)
        session.add(plan)
        session.flush()
        report.plan_created = True
        record(session, "plan_imported", IMPORT, now, plan_id=plan.id,
               data={"file": str(doc.path), "sha256": doc.sha256})
    elif changes := _diff(plan, values):
        plan.imported_at = now
        session.add(plan)
        record(session, "plan_updated", IMPORT, now, plan_id=plan.id,
               data={"file": str(doc.path), "changes": changes})
    report.plan_id = plan.id
    return plan


def _specs(pf: PlanFile, before_is_exclusive: bool) -> list[TaskSpec]:
    """Every task the file implies: its items, and the occurrences of recurring ones."""
    meta, span = pf.plan, pf.plan.span
    specs: list[TaskSpec] = []
    for section, items in (("tasks", pf.tasks), ("reports", pf.reports)):
        for item in items:
            spec = parse_deadline(item.deadline or "", meta.year, span,
                                  before_is_exclusive=before_is_exclusive) if item.deadline else None
            specs.extend(specs_for(section, item, spec, span, meta.source.file if meta.source else None,
                                   meta.issued))
    return specs


def _sync_tasks(session: Session, plan: Plan, specs: list[TaskSpec], people: dict[str, Person],
                now: datetime, path: Path, report: ImportReport) -> dict[str, Task]:
    """Create or update the task of each spec; cancel the plan's tasks no spec names any more."""
    units = UnitDirectory(session)
    existing = {t.ref: t for t in session.exec(select(Task).where(Task.plan_id == plan.id))}
    by_ref: dict[str, Task] = {}
    for spec in specs:
        fields = _task_fields(units, people, spec, by_ref, report)
        task = existing.pop(spec.ref, None)
        if task is None:
            task = _create_task(session, plan, spec.ref, fields, now, path)
            report.created.append(spec.ref)
        else:
            _update(session, task, fields, now, path, report)
        if task.due_kind == DueKind.UNKNOWN:
            report.unknown_deadlines.append({"ref": spec.ref, "deadline": spec.fields["deadline"] or "",
                                             "reason": spec.fields["deadline_reason"] or ""})
        by_ref[spec.ref] = task
    for ref, task in sorted(existing.items()):
        if task.status != TaskStatus.CANCELLED:
            transition(session, task, TaskStatus.CANCELLED, IMPORT, now, reason="removed_from_plan",
                       file=str(path))
            task.removed_from_plan = True
            report.cancelled.append(ref)
        by_ref[ref] = task
    return by_ref


def _task_fields(units: UnitDirectory, people: dict[str, Person], spec: TaskSpec,
                 by_ref: dict[str, Task], report: ImportReport) -> dict[str, Any]:
    """The task columns for a spec, its unit, assignee and parent names resolved to ids."""
    lead = _unit(units, spec.lead, report)
    support = [_unit(units, name, report).id for name in spec.support]
    assignee = people[spec.assignee].id if spec.assignee else (lead.head_id if lead else None)
    parent = by_ref.get(spec.parent_ref) if spec.parent_ref else None
    return spec.fields | {"lead_unit_id": lead.id if lead else None, "support_unit_ids": support,
                          "assignee_id": assignee, "parent_id": parent.id if parent else None}


def _create_task(session: Session, plan: Plan, ref: str, fields: dict[str, Any], now: datetime,
                 path: Path) -> Task:
    task = Task(plan_id=plan.id, ref=ref, status=TaskStatus.OPEN, created_at=now, updated_at=now,
                due=fields["due_planned"], **fields)
    session.add(task)
    session.flush()
    record(session, "created", IMPORT, now, task, {"file": str(path)})
    return task


def _unit(units: UnitDirectory, name: str | None, report: ImportReport):
    if not name:
        return None
    unit, created = units.resolve(name)
    if created:
        report.new_units.append(unit.name)
    return unit


def _update(session: Session, task: Task, fields: dict[str, Any], now: datetime, path: str,
            report: ImportReport) -> None:
    changes = _diff(task, fields)
    if "due_planned" in changes:
        # The plan moved its own deadline: that replaces any extension granted on the old one.
        if task.due != fields["due_planned"]:
            changes["due"] = [_plain(task.due), _plain(fields["due_planned"])]
        task.due = fields["due_planned"]
    if changes:
        task.updated_at = now
        session.add(task)
        record(session, "updated", IMPORT, now, task, {"file": str(path), "changes": changes})
        report.updated[task.ref] = changes
    if task.status == TaskStatus.CANCELLED and task.removed_from_plan:
        task.removed_from_plan = False
        transition(session, task, TaskStatus.OPEN, IMPORT, now, reason="back_in_plan", file=str(path))
        report.restored.append(task.ref)
    elif not changes:
        report.unchanged += 1


def _diff(row: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set `values` on `row`, returning {field: [old, new]} for what actually changed."""
    changes = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(row, name, value)
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value
