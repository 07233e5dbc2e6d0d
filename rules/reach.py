"""Whom a task reaches beyond its assignee: the chain of command, the leader in charge, or nobody.

The chain of command of a task (README "Who"), from the bottom:

    the lead unit's head
    the heads of the units above it, up to the commune's leadership (the top of the unit tree)
    the leader in charge (`oversees:` in org.yaml): of the lead unit or a unit above it, else of
        the task's domain
    the chairman

`lead_unit_head` is the first of these who is not the assignee; `overseer` the first of the last
two. The top unit's own head is not a step of its own: communes share the leadership's work out
among the Phó Chủ tịch (phân công phụ trách), so above a one-officer post stands whoever is in
charge of it, and only then the chairman. Nobody stands above a chairman who is the assignee.

Each target is named by its true relationship to the task (the label `notifiers.render` shows):
the chairman is "role:chairman" however a rule reached him, the head of a unit above the lead
unit is "parent_unit_head", a leader in charge "overseer".

A task has *nobody to tell* when it has no active assignee and its lead unit no active head (led
by a group of units, a body outside the commune, an unknown unit, or no unit): what would have
gone to the assignee goes to the administrators of its commune as NEEDS_ASSIGNMENT.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from engine.core.models import Person, Task, Unit
from engine.core.orgtree import is_chairman, walk_up
from engine.core.vocabulary import ACTIVE, Role, Template, UnitKind

ASSIGNEE = "assignee"
LEAD_HEAD = "lead_unit_head"
PARENT_HEAD = "parent_unit_head"
OVERSEER = "overseer"
CHAIRMAN = f"role:{Role.CHAIRMAN}"
NEEDS_ASSIGNMENT = Template.NEEDS_ASSIGNMENT.value   # the label, and the template of those messages


class Reach:
    """The chain of command and the overseers of one Org, indexed once."""

    def __init__(self, org: Any):
        """`org`: a rules.evaluate.Org (units, people, parents, roles), which builds its Reach."""
        self.org = org
        ids = {u.code: u.id for u in org.units.values()}
        self.of_unit: dict[int, Person] = {}
        self.of_domain: dict[tuple[int | None, str], Person] = {}
        for person in sorted(org.people.values(), key=lambda p: p.code):
            if not person.active or not person.oversees:
                continue
            for code in person.oversees.get("units", []):
                if code in ids:
                    self.of_unit.setdefault(ids[code], person)
            commune = org.roles.root.get(person.unit_id)
            for domain in person.oversees.get("domains", []):
                self.of_domain.setdefault((commune, domain), person)
                self.of_domain.setdefault((None, domain), person)   # for work of no known commune

    def label(self, person: Person, relation: str) -> str:
        """The relationship a message names: the chairman is the chairman, whatever reached him."""
        return CHAIRMAN if is_chairman(person) else relation

    def chain(self, task: Task) -> Iterator[tuple[str, Person]]:
        """(label, person) up the task's chain of command, the assignee and repeats left out."""
        units = self._units(task)
        steps: list[tuple[str, Person | None]] = []
        for unit_id in units[:-1] if len(units) > 1 else units:
            unit = self.org.units.get(unit_id)
            relation = LEAD_HEAD if unit_id == task.lead_unit_id else PARENT_HEAD
            steps.append((relation, self._head(unit)))
        yield from self._fresh(task, [*steps, *self._above(task, units)])

    def overseers(self, task: Task) -> Iterator[tuple[str, Person]]:
        """(label, person): the leader in charge of the task, then the chairman."""
        yield from self._fresh(task, self._above(task, self._units(task)))

    def _units(self, task: Task) -> list[int]:
        """The lead unit and the units above it, to the top of its tree."""
        return list(walk_up(self.org.parents, task.lead_unit_id)) if task.lead_unit_id else []

    def _above(self, task: Task, units: list[int]) -> list[tuple[str, Person | None]]:
        """The leadership's steps: leaders in charge of the units, of the domain, the chairman."""
        assignee = self.org.people.get(task.assignee_id) if task.assignee_id else None
        if assignee is not None and is_chairman(assignee):
            return []
        commune = self.org.roles.root.get(task.lead_unit_id)
        steps: list[tuple[str, Person | None]] = [(OVERSEER, self.of_unit.get(u)) for u in units]
        steps.append((OVERSEER, self.of_domain.get((commune, task.domain))))
        steps += [(CHAIRMAN, p) for p in self.org.with_role(Role.CHAIRMAN, task.lead_unit_id)]
        if units:   # a commune without a chairman in org.yaml: the head of its top unit
            steps.append((PARENT_HEAD, self._head(self.org.units.get(units[-1]))))
        return steps

    def _fresh(self, task: Task, steps: Iterable[tuple[str, Person | None]]) -> Iterator[tuple[str, Person]]:
        seen = {task.assignee_id}
        for relation, person in steps:
            if person is not None and person.active and person.id not in seen:
                seen.add(person.id)
                yield self.label(person, relation), person

    def _lead(self, task: Task) -> Unit | None:
        return self.org.units.get(task.lead_unit_id) if task.lead_unit_id else None

    def _head(self, unit: Unit | None) -> Person | None:
        return self.org.people.get(unit.head_id) if unit is not None and unit.head_id else None

    # -- nobody to tell ------------------------------------------------------------------

    def stand_in(self, task: Task) -> list[tuple[str, Person]]:
        """Who hears what the task's assignee would: the lead unit's head when nobody is assigned,
        else (nobody to tell) the admins of the task's commune; [] when there are none."""
        head = self._head(self._lead(task))
        if head is not None and head.active:
            return [(self.label(head, LEAD_HEAD), head)]
        return [(NEEDS_ASSIGNMENT, p) for p in self.org.with_role(Role.ADMIN, task.lead_unit_id)]

    def nobody_to_tell(self, task: Task) -> str | None:
        """Why nobody can be told of the task (Vietnamese / English), or None when someone can."""
        assignee = self.org.people.get(task.assignee_id) if task.assignee_id else None
        if assignee is not None and assignee.active:
            return None
        unit = self._lead(task)
        head = self._head(unit)
        if head is not None and head.active:
            return None
        vi, en = _why(unit, head)
        if assignee is not None:
            vi, en = f"{assignee.name} đã ngừng hoạt động; {vi}", f"{assignee.name} is inactive; {en}"
        return f"chưa có người thực hiện: {vi} / no assignee: {en}"

    def unreachable(self, tasks: Iterable[Task]) -> list[dict]:
        """The active tasks with nobody to tell, each with the reason."""
        out = []
        for task in sorted(tasks, key=lambda t: t.id or 0):
            why = self.nobody_to_tell(task) if task.status in ACTIVE else None
            if why:
                out.append({"id": task.id, "ref": task.ref, "plan_id": task.plan_id, "title": task.title,
                            "reason": why})
        return out


def _why(unit: Unit | None, head: Person | None) -> tuple[str, str]:
    if unit is None:
        return "không có đơn vị chủ trì", "no lead unit"
    if unit.kind == UnitKind.GROUP:
        return f"đơn vị chủ trì «{unit.name}» là một nhóm đơn vị", f"the lead «{unit.name}» is a group of units"
    if unit.kind == UnitKind.EXTERNAL:
        return (f"đơn vị chủ trì «{unit.name}» là cơ quan ngoài xã",
                f"the lead «{unit.name}» is a body outside the commune")
    if not unit.verified:
        return (f"đơn vị chủ trì «{unit.name}» chưa có trong org.yaml",
                f"the lead unit «{unit.name}» is not in org.yaml")
    if head is not None:
        return (f"trưởng đơn vị «{unit.name}» ({head.name}) đã ngừng hoạt động",
                f"the head of «{unit.name}» ({head.name}) is inactive")
    return f"đơn vị chủ trì «{unit.name}» chưa có trưởng đơn vị", f"the lead unit «{unit.name}» has no head"
