"""The viewer's scope as the pages need it: tasks filtered in SQL, the plans and units to offer in
filters, and a label. Who sees what is decided by engine.core.access; this only applies it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from engine.core.access import Scope, scope_of
from engine.core.cchc import DOMAINS
from engine.core.models import Person, Plan, Task, Unit
from engine.core.orgtree import is_chairman
from engine.core.vocabulary import Role


@dataclass
class View:
    person: Person
    scope: Scope

    @classmethod
    def of(cls, session: Session, person: Person) -> "View":
        return cls(person, scope_of(session, person))

    def label_for(self, session: Session) -> str:
        """In words: whose tasks these are."""
        if self.scope.everything:
            return "toàn bộ (quản trị viên)"
        if is_chairman(self.person):
            return "toàn xã"
        names = [u.name for u in self.units(session)]
        domains = [DOMAINS.get(d, d) for d in sorted(self.scope.domains)]
        parts = []
        if names:
            parts.append("đơn vị " + ", ".join(names[:4]) + (f" và {len(names) - 4} đơn vị khác"
                                                             if len(names) > 4 else ""))
        if domains:
            parts.append("lĩnh vực " + ", ".join(domains))
        if Role.SUPERVISOR not in self.person.roles and not domains:
            parts.insert(0, "việc được giao cho đồng chí")
        return "; ".join(parts) or "việc được giao cho đồng chí"

    def query_rows(self, search: bool = False, **filters: Any):
        """A query for the tasks as rows of the columns counting needs (id, plan_id, parent_id,
        lead_unit_id, domain, status, due, done_at; with `search` also title and ref): whole Task
        objects cost ten times more to load, for a province."""
        columns = (Task.id, Task.plan_id, Task.parent_id, Task.lead_unit_id, Task.domain, Task.status, Task.due,
                   Task.done_at, *((Task.title, Task.ref) if search else ()))
        return _filtered(select(*columns).where(self.scope.clause()), **filters)

    def rows(self, session: Session, search: bool = False, **filters: Any) -> list[Any]:
        return list(session.exec(self.query_rows(search, **filters)).all())

    def plans(self, session: Session) -> list[Plan]:
        """Plans with at least one task the viewer sees, newest first."""
        ids = select(Task.plan_id).distinct().where(self.scope.clause())
        rows = session.exec(select(Plan).where(Plan.id.in_(ids))).all()
        return sorted(rows, key=lambda p: (-p.year, p.code or p.title))

    def units(self, session: Session) -> list[Unit]:
        """Lead units of the tasks the viewer sees, by name."""
        ids = select(Task.lead_unit_id).distinct().where(Task.lead_unit_id != None, self.scope.clause())  # noqa: E711
        return sorted(session.exec(select(Unit).where(Unit.id.in_(ids))).all(), key=lambda u: u.name)

    def sees(self, task: Task) -> bool:
        return self.scope.sees(task)


def _filtered(query, *, plan_id: int | None = None, unit_id: int | str | None = None, domain: str | None = None,
              due_from: date | None = None, due_to: date | None = None, status: str | None = None):
    if plan_id is not None:
        query = query.where(Task.plan_id == plan_id)
    if unit_id == "none":
        query = query.where(Task.lead_unit_id == None)  # noqa: E711
    elif unit_id is not None:
        query = query.where(Task.lead_unit_id == unit_id)
    if domain:
        query = query.where(Task.domain == domain)
    if due_from:
        query = query.where(Task.due != None, Task.due >= due_from)  # noqa: E711
    if due_to:
        query = query.where(Task.due != None, Task.due <= due_to)  # noqa: E711
    if status:
        query = query.where(Task.status == status)
    return query
