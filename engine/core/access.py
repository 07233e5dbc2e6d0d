"""Who sees which tasks and who may do what to them: one answer for the web, the CLI and chat.

    admin                  everything
    everyone               their own tasks (assignee) and their own unit's (lead unit)
    unit head, supervisor  their unit(s) and every unit under them (the head of the top unit, the
                           chairman, so sees the commune)
    chairman               the whole commune, and tasks no commune owns (no lead unit, or a lead
                           unit under a group or outside body at the top of its own tree:
                           "all units", UBND huyện)
    overseer (Phó Chủ tịch, org.yaml `oversees:`)
                           the units they oversee and the tasks of their domains in their commune;
                           a supervisor of the top unit with no `oversees:` sees the whole commune
    everyone               tasks led by a group unit ("all units") of their commune or of none

Out of view is NotVisible (the web answers 404: it does not say the task exists); in view but not
theirs to do is Forbidden (403). Both are DondocErrors, so the CLI prints them as one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlmodel import Session, select

from engine.core.models import ExtensionRequest, Person, Task, Unit
from engine.core.orgtree import chairman_for, is_chairman
from engine.core.vocabulary import Role, UnitKind
from engine.infra.errors import DondocError


class NotVisible(DondocError):
    """Outside the person's view (the web: 404)."""


class Forbidden(DondocError):
    """In view, but not the person's to do (the web: 403)."""


@dataclass(frozen=True)
class Scope:
    """The tasks one person sees: test one with `sees`, filter a query with `clause`."""

    person_id: int
    everything: bool = False
    units: frozenset[int] = frozenset()        # lead units whose tasks are in view
    domains: frozenset[str] = frozenset()      # domains in view, for tasks led inside `commune`
    commune: frozenset[int] = frozenset()      # the units of the person's commune
    unowned: bool = False                      # tasks no commune owns (chairman)
    orphans: frozenset[int] = field(default=frozenset())   # units outside every commune tree

    def sees(self, task: Task) -> bool:
        if self.everything or task.assignee_id == self.person_id:
            return True
        lead = task.lead_unit_id
        if lead in self.units:
            return True
        owned = lead is not None and lead not in self.orphans
        if task.domain in self.domains and (lead in self.commune or not owned):
            return True
        return self.unowned and not owned

    def clause(self) -> Any:
        """The same test as a SQL condition on Task."""
        if self.everything:
            return true()
        parts = [Task.assignee_id == self.person_id]
        if self.units:
            parts.append(Task.lead_unit_id.in_(sorted(self.units)))
        unowned = or_(Task.lead_unit_id == None, Task.lead_unit_id.in_(sorted(self.orphans)))  # noqa: E711
        if self.domains:
            parts.append(and_(Task.domain.in_(sorted(self.domains)),
                              or_(Task.lead_unit_id.in_(sorted(self.commune)), unowned)))
        if self.unowned:
            parts.append(unowned)
        return or_(*parts) if parts else false()


def below(session: Session, tops: set[int]) -> set[int]:
    """`tops` and every unit under them (one query per level of the tree)."""
    found, frontier = set(tops), set(tops)
    while frontier:
        children = set(session.exec(select(Unit.id).where(Unit.parent_id.in_(sorted(frontier)))).all())
        frontier = children - found
        found |= frontier
    return found


def top_of(session: Session, unit_id: int) -> int:
    """The top unit of `unit_id`'s tree: its commune (a cycle ends where it came round)."""
    seen, current = [], unit_id
    while current is not None and current not in seen:
        seen.append(current)
        unit = session.get(Unit, current)
        current = unit.parent_id if unit is not None else None
    return seen[-1]


def orphan_units(session: Session) -> set[int]:
    """Units outside every commune: a group or outside body at the top of its own tree, and what
    is under it ("all units", UBND huyện)."""
    tops = set(session.exec(select(Unit.id).where(Unit.parent_id == None,  # noqa: E711
                                                  Unit.kind != UnitKind.OFFICE)).all())
    return below(session, tops) if tops else set()


def scope_of(session: Session, person: Person) -> Scope:
    """What `person` sees (module docstring); a few small queries, whatever the database's size."""
    if Role.ADMIN in person.roles:
        return Scope(person.id, everything=True)
    own = person.unit_id if person.unit_id is not None and session.get(Unit, person.unit_id) else None
    commune = below(session, {top_of(session, own)}) if own is not None else set()
    orphans = orphan_units(session)
    headed = set(session.exec(select(Unit.id).where(Unit.head_id == person.id)).all())
    oversees = person.oversees or {}
    codes = list(oversees.get("units", []))
    overseen = set(session.exec(select(Unit.id).where(Unit.code.in_(codes))).all()) if codes else set()
    domains = set(oversees.get("domains", []))
    if Role.SUPERVISOR in person.roles and own is not None and not (overseen or domains):
        headed.add(own)      # a deputy head; at the top unit, a Phó Chủ tịch with no areas named
    units = ({own} if own is not None else set()) | below(session, headed | overseen)
    chairman = is_chairman(person)
    if chairman:
        units |= commune
    near = commune | orphans
    groups = set(session.exec(select(Unit.id).where(Unit.kind == UnitKind.GROUP, Unit.id.in_(sorted(near))))
                 .all()) if near else set()
    return Scope(person.id, units=frozenset(units | groups), domains=frozenset(domains),
                 commune=frozenset(commune), unowned=chairman, orphans=frozenset(orphans))


def visible_task(session: Session, person: Person, task_id: int, scope: Scope | None = None) -> Task:
    """The task if `person` sees it; NotVisible otherwise (also for a task that does not exist)."""
    task = session.get(Task, task_id)
    if task is None or not (scope or scope_of(session, person)).sees(task):
        raise NotVisible(f"không có nhiệm vụ {task_id} / no task {task_id}")
    return task


def heads_lead_unit(session: Session, person: Person, task: Task) -> bool:
    unit = session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
    return unit is not None and unit.head_id == person.id


def may_update(session: Session, person: Person, task: Task) -> bool:
    """Whether `person` may start, finish or ask more time for `task`: its assignee; with nobody
    assigned, an officer of its lead unit; the lead unit's head; an admin."""
    if Role.ADMIN in person.roles or task.assignee_id == person.id:
        return True
    if task.assignee_id is None and task.lead_unit_id is not None and task.lead_unit_id == person.unit_id:
        return True
    return heads_lead_unit(session, person, task)


def require_update(session: Session, person: Person, task: Task) -> None:
    if not may_update(session, person, task):
        raise Forbidden("Chỉ người thực hiện, cán bộ đơn vị chủ trì (khi chưa phân công) hoặc trưởng đơn vị mới "
                        "cập nhật được nhiệm vụ này. (Only the assignee, the lead unit or its head may update "
                        "this task.)")


def approver_for(session: Session, task: Task, requester: Person) -> Person | None:
    """Who decides an extension: the lead unit's head, or the chairman when the requester is that head."""
    unit = session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
    head = session.get(Person, unit.head_id) if unit and unit.head_id else None
    if head is not None and head.active and head.id != requester.id:
        return head
    return chairman_for(session, task.lead_unit_id, besides=requester.id)


def may_decide(person: Person, request: ExtensionRequest) -> bool:
    """Whether `person` may approve or refuse an extension request: its approver, or a chairman."""
    return person.id == request.approver_id or is_chairman(person)


def visible_request(session: Session, person: Person, request_id: int) -> tuple[ExtensionRequest, Task]:
    """An extension request whose task `person` sees (NotVisible otherwise), and that task."""
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotVisible(f"không có đề nghị gia hạn {request_id} / no extension request {request_id}")
    scope = scope_of(session, person)
    task = session.get(Task, request.task_id)
    if task is None or not (scope.sees(task) or request.approver_id == person.id):
        raise NotVisible(f"không có đề nghị gia hạn {request_id} / no extension request {request_id}")
    return request, task


def visible_tasks(session: Session, person: Person) -> list[Task]:
    """Every task `person` sees."""
    return list(session.exec(select(Task).where(scope_of(session, person).clause())))
