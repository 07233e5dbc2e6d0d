"""What a rule means for one task: does it match, when does it fire, whom does it reach."""

from __future__ import annotations

import calendar as _months
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, Iterator

from sqlmodel import Session, select

from engine.core.calendar import SendWindow, WorkCalendar
from engine.core.models import Person, Plan, Task, Unit
from engine.core.names import match_key
from engine.core.orgtree import RoleHolders
from engine.core.vocabulary import ACTIVE, CHAT, CHAT_APPS
from rules.durations import Duration
from rules.loader import RuleSet
from rules.reach import ASSIGNEE, LEAD_HEAD, OVERSEER, Reach
from rules.schema import DUE_TRIGGERS, Rule

# Cadences run forever; this bounds a search for the next moment, never a real schedule.
_MAX_STEPS = 5000
_CHAT_APPS = tuple(c.value for c in CHAT_APPS)


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
        self.parents = {u.id: u.parent_id for u in self.units.values()}
        self.roles = RoleHolders(self.people.values(), self.parents)
        self.unit_keys: dict[str, set[int]] = {}
        for unit in self.units.values():
            for name in [unit.code, unit.name, *unit.aliases]:
                self.unit_keys.setdefault(match_key(name), set()).add(unit.id)
        self.reach = Reach(self)

    @classmethod
    def load(cls, session: Session) -> "Org":
        """Every plan, unit and person in the database."""
        return cls({p.id: p for p in session.exec(select(Plan))}, {u.id: u for u in session.exec(select(Unit))},
                   {p.id: p for p in session.exec(select(Person))})

    def with_role(self, role: str, unit_id: int | None) -> list[Person]:
        """Active people with `role` in the lead unit's organisation, else anywhere."""
        return self.roles.holding(role, unit_id)


class Evaluator:
    """Rules of one rule set applied to tasks, on one calendar."""

    def __init__(self, ruleset: RuleSet, cal: WorkCalendar, org: Org, channels: set[str] | None = None):
        """`channels`: the channels this instance can send on (None: assume every one is set up)."""
        self.rs, self.cal, self.org, self.tz = ruleset, cal, org, cal.tz
        self._configured = channels
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
        """Why `rule` does not apply to `task` (Vietnamese / English), or None when it does."""
        m = rule.match
        listed = ", ".join
        if not rule.enabled:
            return "quy tắc đang tắt / the rule is disabled (enabled: false)"
        if task.status not in ACTIVE:
            return (f"nhiệm vụ ở trạng thái {task.status}: việc đã xong hoặc đã hủy không còn được nhắc / "
                    f"the task is {task.status}: done and cancelled tasks get nothing more")
        if m.status and task.status not in m.status:
            return (f"trạng thái {task.status} không thuộc match.status / "
                    f"status {task.status} is not in match.status: {listed(m.status)}")
        if m.kind and task.due_kind not in m.kind:
            return (f"loại thời hạn {task.due_kind} không thuộc match.kind / "
                    f"deadline kind {task.due_kind} is not in match.kind: {listed(m.kind)}")
        if m.domain and task.domain not in m.domain:
            return (f"lĩnh vực {task.domain} không thuộc match.domain / "
                    f"domain {task.domain} is not in match.domain: {listed(m.domain)}")
        if m.type and task.kind not in m.type:
            return f"kiểu {task.kind} không thuộc match.type / type {task.kind} is not in match.type: {listed(m.type)}"
        if m.occurrence is not None and (task.parent_id is not None) != m.occurrence:
            if task.parent_id:
                return ("nhiệm vụ là một kỳ của nghĩa vụ định kỳ / "
                        "the task is an occurrence of a recurring obligation")
            return ("nhiệm vụ không phải một kỳ của nghĩa vụ định kỳ / "
                    "the task is not an occurrence of a recurring obligation")
        if m.lead_unit and task.lead_unit_id not in self._units[rule.id]:
            return (f"đơn vị chủ trì không thuộc match.lead_unit / "
                    f"the lead unit is not in match.lead_unit: {listed(m.lead_unit)}")
        if m.plan and not self._plan_matches(m.plan, task):
            return f"kế hoạch không thuộc match.plan / the plan is not in match.plan: {listed(m.plan)}"
        if m.tags and not set(m.tags) & set(task.tags):
            return f"nhiệm vụ không có nhãn nào trong / the task has none of the tags: {listed(m.tags)}"
        if rule.trigger in DUE_TRIGGERS and task.due is None:
            return (f"{rule.trigger} cần ngày đến hạn mà nhiệm vụ chưa có / "
                    f"{rule.trigger} needs a due day and the task has none")
        if rule.trigger == "after_start" and task.start is None:
            return ("after_start cần ngày bắt đầu mà nhiệm vụ chưa có / "
                    "after_start needs a start day and the task has none")
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
        """(relationship to the task, person) for each target; (target, None) where nobody fills it.

        The relationship is the true one (rules.reach), not the rule's word. At an escalation
        level, someone a lower level of the task's chain already reaches under another
        relationship is left out: nobody gets two levels of one escalation as two people.
        """
        reach = self.org.reach
        told = self._told_below(rule, task) if rule.level else {}
        out: list[tuple[str, Person | None]] = []
        seen: set[int] = set()

        def take(target: str, found: Iterable[tuple[str, Person | None]], first: bool = False,
                 or_none: bool = True) -> None:
            reached = False
            for label, person in found:
                if person is None or not person.active or label not in told.get(person.id, {label}):
                    continue
                reached = True
                if person.id not in seen:
                    seen.add(person.id)
                    out.append((label, person))
                if first:
                    return
            if not reached and or_none:
                out.append((target, None))

        for target in rule.notify:
            if target == ASSIGNEE:
                person = self.org.people.get(task.assignee_id) if task.assignee_id else None
                take(target, [(target, person)] if person is not None and person.active else reach.stand_in(task))
            elif target == LEAD_HEAD:
                take(target, reach.chain(task), first=True)
            elif target == OVERSEER:
                take(target, reach.overseers(task), first=True)
            elif target == "support_units":
                heads = (self.org.units[u].head_id for u in task.support_unit_ids if u in self.org.units)
                take(target, [(target, self.org.people.get(h)) for h in heads if h], or_none=False)
            elif target.startswith("role:"):
                take(target, [(target, p) for p in self.org.with_role(target[5:], task.lead_unit_id)])
            elif target.startswith("person:"):
                take(target, [(target, self.org.by_code.get(target[7:]))])
        return [(role, p) for role, p in out if p is not None] or out[:1]

    def _told_below(self, rule: Rule, task: Task) -> dict[int, set[str]]:
        """Person id -> the relationships under which the task's lower levels reach them."""
        told: dict[int, set[str]] = {}
        for lower in self.rs.enabled:
            if lower.level < rule.level and self.mismatch(lower, task) is None:
                for label, person in self.recipients(lower, task):
                    if person is not None:
                        told.setdefault(person.id, set()).add(label)
        return told

    def channels(self, rule: Rule, person: Person) -> list[str]:
        """The rule's channels this person can be reached on.

        Where a channel is not set up on this instance and the console is (the demo), the
        message goes to the console channel instead, and is recorded there, not as sent by email.
        """
        wanted = rule.channels or self.rs.defaults.channels
        reachable = {c: bool(getattr(person, c, None)) and not getattr(person, f"{c}_broken", None)
                     for c in ("email", "telegram", "zalo")} | {"console": True}
        found = list(dict.fromkeys(self._chat(person, reachable) if c == CHAT else c
                                   for c in wanted))
        found = [c for c in found if c and reachable.get(c)]
        if self._configured is not None and "console" in self._configured:
            found = list(dict.fromkeys(c if c in self._configured else "console" for c in found))
        return found

    def _chat(self, person: Person, reachable: dict[str, bool]) -> str | None:
        """`chat` for this person: the first chat app of their `prefer:` (then zalo, telegram)
        they have a working contact for, one this instance sends on before one it does not."""
        order = [c for c in dict.fromkeys([*(person.prefer or []), *_CHAT_APPS])
                 if c in _CHAT_APPS and reachable.get(c)]
        return next((c for c in order if self.configured(c)), order[0] if order else None)

    def configured(self, channel: str) -> bool:
        """Whether this instance can send on `channel` at all."""
        return self._configured is None or channel in self._configured

    def send_time(self, local_now: datetime, rule: Rule) -> datetime:
        """When something found due at `local_now` may go out: now, or the next send window."""
        return local_now if rule.urgent else self.cal.next_send_time(local_now, self.window)

    def catch_up_floor(self, now: datetime) -> datetime:
        """The oldest moment still worth sending: `defaults.max_catch_up` before `now`."""
        return self.shift(now.astimezone(self.tz), self.rs.defaults.max_catch_up, -1)

    def template(self, rule: Rule) -> str:
        return rule.template or self.rs.defaults.template
