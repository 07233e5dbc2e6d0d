"""Acknowledging escalations, and which escalation levels an acknowledgement holds back.

An acknowledgement at level N (by a target of a level-N rule, or by someone of a higher role:
a supervisor acknowledges up to level 1, the chairman any level) stops the task's escalation
rules of level N and above while it holds: until the task's status or due day changes, or
`defaults.ack_holds_for` has passed. Reminders to the assignee (level 0) go on. Level N itself
stops too, though the issue says "> N": repeating an escalation to the person who has just
acknowledged it is noise, and that person knows.

The level acknowledged is the level of the escalation actually in force, not the highest the
person may acknowledge: the chairman who answers a level-1 message acknowledges level 1 (and so
holds back level 1 and above). In force means the highest level of the task's escalations sent
to that person; else the highest sent to anyone; else (acknowledging ahead) the lowest level the
person is a target of; at most what they may acknowledge.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from engine.infra.errors import WorkflowError
from engine.core.models import Ack, Notification, Person, Task
from engine.core.orgtree import is_chairman
from engine.core.vocabulary import ACTIVE, NotificationStatus, Role
from engine.core.workflow import Actor, record
from rules.evaluate import Evaluator

ROLE_LEVEL = {Role.SUPERVISOR: 1}


# Escalations that reached, or are on their way to, someone: what an acknowledgement answers.
IN_FORCE = (NotificationStatus.PENDING, NotificationStatus.SENT, NotificationStatus.MERGED)


def _escalations(ev: Evaluator, task: Task) -> list:
    return [r for r in ev.rs.enabled if r.escalate and ev.mismatch(r, task) is None]


def _target_levels(ev: Evaluator, task: Task, person: Person) -> list[int]:
    return [r.level for r in _escalations(ev, task)
            if any(p is not None and p.id == person.id for _, p in ev.recipients(r, task))]


def ack_level(ev: Evaluator, task: Task, person: Person) -> int:
    """The highest escalation level `person` may acknowledge for `task` (0: none)."""
    escalations = _escalations(ev, task)
    level = max(_target_levels(ev, task, person), default=0)
    if is_chairman(person):
        level = max([level, 1, *(r.level for r in escalations)])
    for role, role_level in ROLE_LEVEL.items():
        if role in person.roles:
            level = max(level, role_level)
    return level


def acknowledge(session: Session, ev: Evaluator, task: Task, person: Person, now: datetime,
                note: str | None = None, channel: str = "cli") -> Ack:
    """Record an acknowledgement of the task's escalations by `person`."""
    if task.status not in ACTIVE:
        raise WorkflowError(f"task {task.id} ({task.ref}) is {task.status}: there is nothing to acknowledge")
    may = ack_level(ev, task, person)
    if may == 0:
        raise WorkflowError(f"{person.code} is not a target of any escalation of task {task.id} ({task.ref}) "
                            "and has no supervisory role")
    level = min(level_in_force(session, ev, task, person) or may, may)
    expires = ev.shift(now.astimezone(ev.tz), ev.rs.defaults.ack_holds_for, +1)
    ack = Ack(task_id=task.id, level=level, person_id=person.id, at=now, expires_at=expires, note=note,
              task_status=task.status, task_due=task.due)
    session.add(ack)
    record(session, "acknowledged", Actor(person.code, channel, person), now, task,
           {"level": level, "until": expires.astimezone(ev.tz).isoformat(), **({"note": note} if note else {})})
    return ack


def level_in_force(session: Session, ev: Evaluator, task: Task, person: Person) -> int:
    """The level an acknowledgement by `person` answers now (module docstring); 0 if none."""
    query = select(Notification.person_id, Notification.level, Notification.nominal_at).where(
        Notification.task_id == task.id, Notification.level >= 1, Notification.status.in_(IN_FORCE))
    # Escalations of an earlier due day (before an extension) are not in force any more.
    rows = [(pid, level) for pid, level, nominal in session.exec(query)
            if task.due is None or nominal.astimezone(ev.tz).date() >= task.due]
    mine = [level for pid, level in rows if pid == person.id]
    return max(mine or [level for _, level in rows] or [0]) or min(_target_levels(ev, task, person), default=0)


def held_levels(session: Session, tasks: dict[int, Task], now: datetime) -> dict[int, int]:
    """For each task id with an acknowledgement in force, the level it holds back from."""
    if not tasks:
        return {}
    held: dict[int, int] = {}
    for ack in session.exec(select(Ack).where(Ack.task_id.in_(list(tasks)), Ack.expires_at > now)):
        task = tasks[ack.task_id]
        if ack.at <= now and ack.task_status == task.status and ack.task_due == task.due:
            held[ack.task_id] = max(held.get(ack.task_id, 0), ack.level)
    return held


def suppressed(rule_level: int, held: int) -> bool:
    """Whether an escalation rule of `rule_level` is held back by an acknowledgement at `held`."""
    return held > 0 and rule_level >= held
