"""Keeping the Timer table true: one row per (task, matching rule) with its next moment.

Timers are recomputed whenever a task is imported or changed and whenever the rules change.
A rule's moments that were already handled (a notification exists for them) are never
handled again. A new timer starts at the rule's first moment, however old: the sweep then
decides what a late moment means (engine/reminders/sweep.py: an overdue condition that still
holds is notified once, now; a reminder before a due day that has passed is recorded skipped).
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import bindparam, delete, func, insert, update
from sqlmodel import Session, select

from engine.core.models import Notification, Task, Timer
from rules.evaluate import Evaluator, Moment

CHUNK = 2000


def next_moment(ev: Evaluator, rule, task: Task, after: datetime | None,
                floor: datetime | None) -> Moment | None:
    """The first moment of `rule` for `task` whose nominal time is after `after` and fire time not before `floor`."""
    for moment in ev.moments(rule, task):
        if after is not None and moment.nominal <= after:
            continue
        if floor is not None and moment.fire < floor:
            continue
        return moment
    return None


def sync_timers(session: Session, ev: Evaluator, tasks: Iterable[Task], now: datetime,
                floor: datetime | None = None) -> dict[str, int]:
    """Make the timers of `tasks` match the rules; returns counts of inserted, updated, deleted.

    `floor`: for a timer that is new, moments firing before it are not due at all (a simulation
    that starts on a day); by default none, and the sweep judges each late moment.
    """
    counts = {"inserted": 0, "updated": 0, "deleted": 0}
    tasks = list(tasks)
    for start in range(0, len(tasks), CHUNK):
        chunk = tasks[start:start + CHUNK]
        ids = [t.id for t in chunk]
        existing = {(t.task_id, t.rule_id): t for t in session.exec(select(Timer).where(Timer.task_id.in_(ids)))}
        handled = dict(((task_id, rule_id), at) for task_id, rule_id, at in session.exec(
            select(Notification.task_id, Notification.rule_id, func.max(Notification.nominal_at))
            .where(Notification.task_id.in_(ids)).group_by(Notification.task_id, Notification.rule_id)))
        inserts, updates, deletes = [], [], []
        for task in chunk:
            for rule in ev.rs.rules:
                key = (task.id, rule.id)
                timer = existing.pop(key, None)
                moment = None
                if ev.mismatch(rule, task) is None:
                    last = handled.get(key)
                    last = last.astimezone(ev.tz) if last is not None else None
                    moment = next_moment(ev, rule, task, last, None if (timer or last) else floor)
                if moment is None:
                    if timer is not None:
                        deletes.append(timer.id)
                    continue
                row = {"seq": moment.index, "nominal_at": moment.nominal, "fire_at": moment.fire}
                if timer is None:
                    inserts.append({"task_id": task.id, "rule_id": rule.id, **row})
                elif (timer.seq, timer.nominal_at, timer.fire_at) != (row["seq"], row["nominal_at"], row["fire_at"]):
                    updates.append({"timer_id": timer.id, **row})
        deletes.extend(t.id for t in existing.values())   # rules that no longer exist
        write_timers(session, inserts, updates, deletes)
        counts["inserted"] += len(inserts)
        counts["updated"] += len(updates)
        counts["deleted"] += len(deletes)
    return counts


def write_timers(session: Session, inserts: list[dict], updates: list[dict], deletes: list[int]) -> None:
    """Bulk changes to the timer table: new rows, `{timer_id, seq, nominal_at, fire_at}` moves, deletions."""
    table = Timer.__table__
    conn = session.connection()
    if inserts:
        conn.execute(insert(table), inserts)
    if updates:
        conn.execute(update(table).where(table.c.id == bindparam("timer_id"))
                     .values(seq=bindparam("seq"), nominal_at=bindparam("nominal_at"),
                             fire_at=bindparam("fire_at")), updates)
    for start in range(0, len(deletes), 500):
        conn.execute(delete(table).where(table.c.id.in_(deletes[start:start + 500])))


def sync_all(session: Session, ev: Evaluator, now: datetime) -> dict[str, int]:
    """Recompute the timers of every task (after the rules changed)."""
    tasks = session.exec(select(Task).order_by(Task.id)).all()
    return sync_timers(session, ev, tasks, now)


def next_fire_at(session: Session) -> datetime | None:
    """When the earliest timer fires; the scheduler sleeps until then."""
    return session.exec(select(func.min(Timer.fire_at))).one()
