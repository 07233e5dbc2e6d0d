"""What a rule means for one task: does it match, when does it fire, whom does it reach."""

from __future__ import annotations

import calendar as _months
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator

from engine.core.calendar import SendWindow, WorkCalendar
from engine.core.models import Person, Plan, Task, Unit
from engine.core.names import match_key
from engine.core.org import tree_root
from rules.durations import Duration
from rules.loader import RuleSet
from rules.schema import DUE_TRIGGERS, Rule

ACTIVE = ("open", "in_progress")
# Cadences run forever; this bounds a search for the next moment, never a real schedule.
_MAX_STEPS = 5000


@dataclass(frozen=True)
class Moment:
    index: int
    nominal: datetime     # what the rule names, local time
    fire: datetime        # moved into the send window, local time


@dataclass
class Org:
    """Plans, units and people, loaded once for a batch of evaluations."""

    plans: dict[int, Plan]
    units: dict[int, Unit]
    people: dict[int, Person]

    def __post_init__(self) -> None:
        self.by_code = {p.code: p for p in self.people.values()}
        self.by_role: dict[str, list[Person]] = {}
        for person in sorted(self.people.values(), key=lambda p: p.code):
            if person.active:
                for role in person.roles:
                    self.by_role.setdefault(role, []).append(person)
        # In a database holding several communes, role:chairman means the chairman of the task's
        # own commune: the people whose unit shares the root of the lead unit's tree.
        parents = {u.id: u.parent_id for u in self.units.values()}
        self.root = {uid: tree_root(parents, uid) for uid in self.units}
        self.by_role_root: dict[tuple[str, int], list[Person]] = {}
        for role, people in self.by_role.items():
            for person in people:
                if person.unit_id in self.root:
                    self.by_role_root.setdefault((role, self.root[person.unit_id]), []).append(person)
        self.unit_keys: dict[str, set[int]] = {}
        for unit in self.units.values():
            for name in [unit.code, unit.name, *unit.aliases]:
                self.unit_keys.setdefault(match_key(name), set()).add(unit.id)

    def with_role(self, role: str, unit_id: int | None) -> list[Person]:
        """Active people with `role` in the lead unit's organisation, else anywhere."""
        if unit_id in self.root:
            found = self.by_role_root.get((role, self.root[unit_id]))
            if found:
                return found
        return self.by_role.get(role, [])


class Evaluator:
    """Rules of one rule set applied to tasks, on one calendar."""

    def __init__(self, ruleset: RuleSet, cal: WorkCalendar, org: Org):
        self.rs, self.cal, self.org, self.tz = ruleset, cal, org, cal.tz
        d = ruleset.defaults
        self.window = SendWindow(d.send_window.start, d.send_window.end, d.send_window.working_days_only)
        self._units: dict[str, set[int]] = {}
        for rule in ruleset.rules:
            ids: set[int] = set()
            for name in rule.match.lead_unit or []:
                ids |= org.unit_keys.get(match_key(name), set())
            self._units[rule.id] = ids

    # -- matching ------------------------------------------------------------------------

    def mismatch(self, rule: Rule, task: Task) -> str | None:
        """Why `rule` does not apply to `task`, or None when it does."""
        m = rule.match
        if not rule.enabled:
            return "the rule is disabled (enabled: false)"
        if task.status not in ACTIVE:
            return f"the task is {task.status}: done and cancelled tasks get nothing more"
        if m.status and task.status not in m.status:
            return f"status {task.status} is not in match.status {m.status}"
        if m.kind and task.due_kind not in m.kind:
            return f"deadline kind {task.due_kind} is not in match.kind {m.kind}"
        if m.domain and task.domain not in m.domain:
            return f"domain {task.domain} is not in match.domain {m.domain}"
        if m.type and task.kind not in m.type:
            return f"type {task.kind} is not in match.type {m.type}"
        if m.occurrence is not None and (task.parent_id is not None) != m.occurrence:
            return "the task is " + ("" if task.parent_id else "not ") + "an occurrence of a recurring obligation"
        if m.lead_unit and task.lead_unit_id not in self._units[rule.id]:
            return f"the lead unit is not in match.lead_unit {m.lead_unit}"
        if m.plan and not self._plan_matches(m.plan, task):
            return f"the plan is not in match.plan {m.plan}"
        if m.tags and not set(m.tags) & set(task.tags):
            return f"the task has none of the tags {m.tags}"
        if rule.trigger in DUE_TRIGGERS and task.due is None:
            return f"{rule.trigger} needs a due day and the task has none"
        if rule.trigger == "after_start" and task.start is None:
            return "after_start needs a start day and the task has none"
        return None

    def _plan_matches(self, wanted: list[str], task: Task) -> bool:
        plan = self.org.plans.get(task.plan_id)
        if plan is None:
            return False
        names = {str(plan.id), match_key(plan.key), match_key(plan.title)} | ({match_key(plan.code)} if plan.code else set())
        return any(w == str(plan.id) or match_key(w) in names for w in wanted)

    # -- moments -------------------------------------------------------------------------

    def moments(self, rule: Rule, task: Task) -> Iterator[Moment]:
        """Every moment the rule fires for the task, in order (endless for cadences)."""
        pre_due = rule.trigger in ("before_due", "on_due")
        for index, nominal in enumerate(self._nominal(rule, task)):
            if index >= _MAX_STEPS:
                return
            yield Moment(index, nominal, self._fit(nominal, rule, task.due if pre_due else None))

    def _fit(self, nominal: datetime, rule: Rule, due: date | None) -> datetime:
        """Move a moment into the send window; a reminder before a due day never moves past it."""
        if rule.urgent:
            return nominal
        fire = self.cal.next_send_time(nominal, self.window)
        if due is not None and fire.date() > due:
            fire = self.cal.last_send_time_before(nominal, self.window)
        return fire

    def _at(self, day: date, at: time | None = None) -> datetime:
        return datetime.combine(day, at or self.window.start, tzinfo=self.tz)

    def shift(self, moment: datetime, d: Duration, sign: int) -> datetime:
        """`moment` moved by `d` forward (sign +1) or back (-1); working days keep the time of day."""
        if d.unit == "days":
            return moment + timedelta(days=sign * d.amount)
        if d.unit == "hours":
            return moment + timedelta(hours=sign * d.amount)
        day = self.cal.add_working_days(moment.date(), sign * d.amount) if d.amount else moment.date()
        return datetime.combine(day, moment.timetz())

    def _nominal(self, rule: Rule, task: Task) -> Iterator[datetime]:
        trigger = rule.trigger
        if trigger == "every":
            yield from self._cadence(rule, task)
            return
        if trigger == "before_due":
            base = self.shift(self._at(task.due), rule.before_due, -1)
        elif trigger == "on_due":
            base = self._at(task.due)
        elif trigger == "after_due":
            if rule.after_due.unit == "hours":
                # Overdue starts when the due day ends.
                base = self._at(task.due + timedelta(days=1), time(0)) + timedelta(hours=rule.after_due.amount)
            else:
                base = self.shift(self._at(task.due), rule.after_due, +1)
        else:
            base = self.shift(self._at(task.start), rule.after_start, +1)
        yield base
        if rule.repeat is not None:
            moment = base
            for _ in range(rule.repeat.max - 1):
                moment = self.shift(moment, rule.repeat.every, +1)
                yield moment

    def _cadence(self, rule: Rule, task: Task) -> Iterator[datetime]:
        first = task.start or task.created_at.astimezone(self.tz).date()
        if rule.every == "month":
            year, month = first.year, first.month
            while True:
                last = _months.monthrange(year, month)[1]
                yield self._at(date(year, month, min(rule.day, last)))
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        moment = self._at(first)
        while True:
            yield moment
            moment = self.shift(moment, rule.every, +1)

    # -- recipients ----------------------------------------------------------------------

    def recipients(self, rule: Rule, task: Task) -> list[tuple[str, Person | None]]:
        """(how the rule named them, person) for each target; None where nobody fills the role."""
        out: list[tuple[str, Person | None]] = []
        seen: set[int] = set()

        def add(role: str, person: Person | None) -> None:
            if person is None or not person.active:
                out.append((role, None))
            elif person.id not in seen:
                seen.add(person.id)
                out.append((role, person))

        for target in rule.notify:
            if target == "assignee":
                add(target, self.org.people.get(task.assignee_id) if task.assignee_id else None)
            elif target == "lead_unit_head":
                add(target, self._head_above_assignee(task))
            elif target == "support_units":
                for unit_id in task.support_unit_ids:
                    unit = self.org.units.get(unit_id)
                    if unit and unit.head_id:
                        add(target, self.org.people.get(unit.head_id))
            elif target.startswith("role:"):
                people = self.org.with_role(target[5:], task.lead_unit_id)
                for person in people:
                    add(target, person)
                if not people:
                    add(target, None)
            elif target.startswith("person:"):
                add(target, self.org.by_code.get(target[7:]))
        return [(role, p) for role, p in out if p is not None] or out[:1]

    def _head_above_assignee(self, task: Task) -> Person | None:
        """The lead unit's head; when that is the assignee (a one-officer unit), the next head up."""
        unit = self.org.units.get(task.lead_unit_id) if task.lead_unit_id else None
        seen: set[int] = set()
        while unit is not None and unit.id not in seen:
            seen.add(unit.id)
            if unit.head_id and unit.head_id != task.assignee_id:
                return self.org.people.get(unit.head_id)
            unit = self.org.units.get(unit.parent_id) if unit.parent_id else None
        return None

    def channels(self, rule: Rule, person: Person) -> list[str]:
        """The rule's channels this person can be reached on."""
        wanted = rule.channels or self.rs.defaults.channels
        reachable = {"email": bool(person.email) and not person.email_broken,
                     "telegram": bool(person.telegram) and not person.telegram_broken, "console": True}
        return [c for c in wanted if reachable.get(c)]

    def catch_up_floor(self, now: datetime) -> datetime:
        """The oldest moment still worth sending: `defaults.max_catch_up` before `now`."""
        return self.shift(now.astimezone(self.tz), self.rs.defaults.max_catch_up, -1)

    def template(self, rule: Rule) -> str:
        return rule.template or self.rs.defaults.template
