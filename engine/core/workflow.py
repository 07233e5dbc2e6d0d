"""What may happen to a task, and the record of each thing that did.

Statuses and the moves between them:

    open ──> in_progress ──> done
      │  <──      │            │ (reopen: done -> in_progress)
      ├──────────────────────> done
      └──> cancelled <─────────┘ (from open or in_progress; restore: cancelled -> open)

Every change writes an Event in the same transaction. The reporting classification
(PRODUCT.md §2) is computed from a task as of a given day; it is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from engine.infra.errors import WorkflowError
from engine.core.models import Event, Person, Task

TRANSITIONS: dict[str, dict[str, str]] = {
    # from -> {to: event kind}
    "open": {"in_progress": "started", "done": "done", "cancelled": "cancelled"},
    "in_progress": {"open": "paused", "done": "done", "cancelled": "cancelled"},
    "done": {"in_progress": "reopened"},
    "cancelled": {"open": "restored"},
}
STATES = ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline")
STATE_LABELS = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "open_in_time": "Đang thực hiện trong hạn",
    "open_overdue": "Quá hạn chưa hoàn thành",
    "no_deadline": "Không có thời hạn",
}

# Column headings for tables, where the full labels do not fit.
STATE_SHORT = {"done_on_time": "Xong đúng hạn", "done_late": "Xong quá hạn", "open_in_time": "Trong hạn",
               "open_overdue": "Quá hạn", "no_deadline": "Không hạn"}


class WorkingDays(Protocol):
    def working_days_between(self, a: date, b: date) -> int: ...


@dataclass(frozen=True)
class Actor:
    """Who did something and through which channel (cli, telegram, web, import, system)."""

    name: str
    channel: str = "cli"
    person: Person | None = None

    @classmethod
    def of(cls, person: Person, channel: str = "cli") -> "Actor":
        return cls(person.code, channel, person)


def record(session: Session, kind: str, actor: Actor, now: datetime, task: Task | None = None,
           data: dict[str, Any] | None = None, plan_id: int | None = None) -> Event:
    """Append one event to the audit log."""
    event = Event(at=now, kind=kind, actor=actor.name, channel=actor.channel,
                  actor_id=actor.person.id if actor.person else None,
                  task_id=task.id if task else None,
                  plan_id=plan_id if plan_id is not None else (task.plan_id if task else None),
                  data=data or {})
    session.add(event)
    return event


def transition(session: Session, task: Task, to: str, actor: Actor, now: datetime,
               note: str | None = None, **extra: Any) -> Event:
    """Move `task` to status `to` if allowed, and record it."""
    allowed = TRANSITIONS.get(task.status, {})
    if to not in allowed:
        if to == task.status:
            raise WorkflowError(f"task {task.id} ({task.ref}) is already {task.status}")
        moves = ", ".join(allowed) or "nothing"
        raise WorkflowError(f"task {task.id} ({task.ref}) is {task.status}; it can move to {moves}, "
                            f"not {to}")
    data: dict[str, Any] = {"from": task.status, "to": to, **extra}
    if note:
        data["note"] = note
    task.status = to
    if to == "done":
        task.done_at = now
    elif task.done_at is not None:
        task.done_at = None
    task.updated_at = now
    session.add(task)
    return record(session, allowed[to], actor, now, task, data)


def extend(session: Session, task: Task, new_due: date, actor: Actor, now: datetime,
           reason: str) -> Event:
    """Grant an extension (gia hạn): move the due day later, keeping old and new in the event."""
    if task.status in ("done", "cancelled"):
        raise WorkflowError(f"task {task.id} ({task.ref}) is {task.status}; only open work can be extended")
    if not reason or not reason.strip():
        raise WorkflowError("an extension needs a reason")
    if task.due is not None and new_due <= task.due:
        raise WorkflowError(f"the new due day {new_due.isoformat()} is not after the current one "
                            f"{task.due.isoformat()}")
    if task.start is not None and new_due < task.start:
        raise WorkflowError(f"the new due day {new_due.isoformat()} is before the task starts "
                            f"({task.start.isoformat()})")
    old = task.due
    task.due = new_due
    task.updated_at = now
    session.add(task)
    return record(session, "extended", actor, now, task,
                  {"old_due": old.isoformat() if old else None, "new_due": new_due.isoformat(),
                   "reason": reason.strip()})


@dataclass(frozen=True)
class Classification:
    state: str | None          # one of STATES; None for a cancelled task
    due_soon: bool
    days_left: int | None      # working days from today to the due day (negative when overdue)


def classify(task: Task, today: date, calendar: WorkingDays, tz, soon_days: int = 3) -> Classification:
    """Where `task` stands on `today` (a local date) in the 2x2 reporting split."""
    if task.status == "cancelled":
        return Classification(None, False, None)
    if task.status == "done":
        if task.due is None or task.done_at is None:
            return Classification("done_on_time", False, None)
        on_time = task.done_at.astimezone(tz).date() <= task.due
        return Classification("done_on_time" if on_time else "done_late", False, None)
    if task.due is None:
        return Classification("no_deadline", False, None)
    left = calendar.working_days_between(today, task.due)
    if today > task.due:
        return Classification("open_overdue", False, left)
    return Classification("open_in_time", left <= soon_days, left)
