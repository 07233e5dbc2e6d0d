"""Reading tasks back out: filters, the stable JSON shapes, and the status counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from engine.infra.errors import DondocError
from engine.core.cchc import DOMAINS
from engine.core.models import Event, Person, Plan, Task, Unit
from engine.core.names import match_key
from engine.core.org import UnitDirectory
from engine.core.vocabulary import TaskStatus
from engine.core.workflow import STATES, Classification, classify


@dataclass
class Lookup:
    """Names for the ids a task holds, loaded once per command."""

    plans: dict[int, Plan]
    units: dict[int, Unit]
    people: dict[int, Person]
    refs: dict[int, str]

    @classmethod
    def load(cls, session: Session) -> "Lookup":
        return cls({p.id: p for p in session.exec(select(Plan))},
                   {u.id: u for u in session.exec(select(Unit))},
                   {p.id: p for p in session.exec(select(Person))},
                   dict(session.exec(select(Task.id, Task.ref)).all()))

    @classmethod
    def for_tasks(cls, session: Session, tasks: list[Task]) -> "Lookup":
        """Only the names these tasks refer to (a few tasks of a large database); all past a few thousand."""
        if len(tasks) > 2000:
            return cls.load(session)
        plans = {t.plan_id for t in tasks}
        units = {t.lead_unit_id for t in tasks if t.lead_unit_id} | {u for t in tasks for u in t.support_unit_ids}
        people = {t.assignee_id for t in tasks if t.assignee_id}
        parents = {t.parent_id for t in tasks if t.parent_id}
        return cls({p.id: p for p in session.exec(select(Plan).where(Plan.id.in_(plans)))},
                   {u.id: u for u in session.exec(select(Unit).where(Unit.id.in_(units)))},
                   {p.id: p for p in session.exec(select(Person).where(Person.id.in_(people)))},
                   dict(session.exec(select(Task.id, Task.ref).where(Task.id.in_(parents))).all()))


def find_plan(session: Session, ident: str) -> Plan:
    """A plan by id, code or key."""
    plans = session.exec(select(Plan)).all()
    for plan in plans:
        if ident == str(plan.id) or ident == plan.key or (plan.code and match_key(plan.code) == match_key(ident)):
            return plan
    raise DondocError(f"không có kế hoạch {ident!r} / no plan {ident!r} (xem / see `dondoc plan list`)")


def find_unit(session: Session, ident: str) -> Unit:
    """A unit by code, name or alias."""
    unit = UnitDirectory(session).find(ident)
    if unit is None:
        raise DondocError(f"không có đơn vị {ident!r} / no unit {ident!r} (xem / see config/org.yaml)")
    return unit


def find_person(session: Session, ident: str) -> Person:
    """An active person by id."""
    person = session.exec(select(Person).where(Person.code == ident)).first()
    if person is None:
        raise DondocError(f"không có người {ident!r} / no person {ident!r} (xem / see config/org.yaml)")
    if not person.active:
        raise DondocError(f"{ident!r} không còn làm việc / person {ident!r} is not active")
    return person


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise DondocError(f"không có nhiệm vụ {task_id} / no task {task_id} (xem / see `dondoc tasks`)")
    return task


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def task_json(task: Task, c: Classification, look: Lookup, tz) -> dict[str, Any]:
    """The stable JSON shape of a task (README: "JSON shapes")."""
    plan = look.plans.get(task.plan_id)
    lead = look.units.get(task.lead_unit_id) if task.lead_unit_id else None
    assignee = look.people.get(task.assignee_id) if task.assignee_id else None
    return {
        "id": task.id, "ref": task.ref,
        "plan": (plan.code or plan.title) if plan else None, "plan_id": task.plan_id,
        "type": task.kind, "title": task.title, "domain": task.domain, "product": task.product,
        "lead": lead.name if lead else None, "lead_code": lead.code if lead else None,
        "support": [look.units[u].name for u in task.support_unit_ids if u in look.units],
        "recipient": task.recipient,
        "assignee": assignee.code if assignee else None,
        "assignee_name": assignee.name if assignee else None,
        "status": task.status, "deadline": task.deadline, "kind": task.due_kind,
        "start": _iso(task.start), "due": _iso(task.due), "due_planned": _iso(task.due_planned),
        "open_ended": task.open_ended, "event": task.event_text,
        "deadline_reason": task.deadline_reason,
        "done_at": task.done_at.astimezone(tz).isoformat() if task.done_at else None,
        "state": c.state, "due_soon": c.due_soon, "working_days_left": c.days_left,
        "parent": look.refs.get(task.parent_id) if task.parent_id else None,
        "parent_id": task.parent_id,
        "source": {"file": task.source_file,
                   "lines": [task.source_first_line, task.source_last_line]
                   if task.source_first_line else None},
        "tags": task.tags,
    }


def event_json(event: Event, tz) -> dict[str, Any]:
    return {"id": event.id, "at": event.at.astimezone(tz).isoformat(), "kind": event.kind,
            "actor": event.actor, "channel": event.channel, "data": event.data}


def select_tasks(session: Session, *, plan: str | None = None, unit: str | None = None,
                 status: str | None = None, due_before: date | None = None, where: Any = None) -> list[Task]:
    """Tasks matching the filters (and `where`, e.g. a viewer's engine.core.access scope clause),
    in plan then due-day order."""
    query = select(Task)
    if where is not None:
        query = query.where(where)
    if plan:
        query = query.where(Task.plan_id == find_plan(session, plan).id)
    if unit:
        query = query.where(Task.lead_unit_id == find_unit(session, unit).id)
    if status:
        query = query.where(Task.status == status)
    if due_before:
        query = query.where(Task.due != None, Task.due < due_before)  # noqa: E711
    tasks = session.exec(query).all()
    return sorted(tasks, key=lambda t: (t.plan_id, t.due is None, t.due or date.max, t.id))


def counted(tasks: list[Task]) -> list[Task]:
    """Tasks that count in reports: a recurring parent counts through its occurrences instead."""
    parents = {t.parent_id for t in tasks if t.parent_id}
    return [t for t in tasks if t.id not in parents and t.status != TaskStatus.CANCELLED]


def _counts(items: list[Classification]) -> dict[str, int]:
    tally = Counter(c.state for c in items)
    out = {state: tally.get(state, 0) for state in STATES}
    out["total"] = len(items)
    out["due_soon"] = sum(1 for c in items if c.due_soon)
    return out


def status_report(session: Session, today: date, calendar, tz, soon_days: int,
                  plan: str | None = None, where: Any = None) -> dict[str, Any]:
    """The classification counts in total, by lead unit and by domain, as of `today` (of the
    tasks `where` admits, when given)."""
    tasks = counted(select_tasks(session, plan=plan, where=where))
    look = Lookup.for_tasks(session, tasks)
    rated = [(t, classify(t, today, calendar, tz, soon_days)) for t in tasks]
    by_unit: dict[int | None, list[Classification]] = {}
    by_domain: dict[str, list[Classification]] = {}
    for task, c in rated:
        by_unit.setdefault(task.lead_unit_id, []).append(c)
        by_domain.setdefault(task.domain, []).append(c)
    units = []
    for unit_id, items in by_unit.items():
        unit = look.units.get(unit_id) if unit_id else None
        units.append({"unit": unit.name if unit else None, "code": unit.code if unit else None,
                      "verified": unit.verified if unit else None, **_counts(items)})
    units.sort(key=lambda u: (u["unit"] is None, u["unit"] or ""))
    domains = [{"domain": d, "label": DOMAINS.get(d, d), **_counts(by_domain[d])}
               for d in DOMAINS if d in by_domain]
    return {"as_of": today.isoformat(), "plan": plan, "total": _counts([c for _, c in rated]),
            "by_unit": units, "by_domain": domains}


def task_rows(session: Session, today: date, calendar, tz, soon_days: int, *, plan: str | None = None,
              unit: str | None = None, status: str | None = None, state: str | None = None,
              due_before: date | None = None, where: Any = None) -> list[dict[str, Any]]:
    """`dondoc tasks --json`: the tasks matching the filters, each as task_json."""
    found = select_tasks(session, plan=plan, unit=unit, status=status, due_before=due_before, where=where)
    look = Lookup.for_tasks(session, found)
    rows = [task_json(t, classify(t, today, calendar, tz, soon_days), look, tz) for t in found]
    return [r for r in rows if r["state"] == state] if state else rows


def task_detail(session: Session, task: Task, today: date, calendar, tz, soon_days: int) -> dict[str, Any]:
    """`dondoc task show --json`: the task's JSON with its events, oldest first."""
    data = task_json(task, classify(task, today, calendar, tz, soon_days), Lookup.for_tasks(session, [task]), tz)
    events = session.exec(select(Event).where(Event.task_id == task.id).order_by(Event.id)).all()
    data["events"] = [event_json(e, tz) for e in events]
    return data
