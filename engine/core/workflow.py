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
from engine.core.calendar import WorkCalendar, weekday_name
from engine.core.models import Event, Person, Task
from engine.core.vocabulary import CLOSED, TaskStatus

TRANSITIONS: dict[str, dict[str, str]] = {
    # from -> {to: event kind}
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS: "started", TaskStatus.DONE: "done",
                      TaskStatus.CANCELLED: "cancelled"},
    TaskStatus.IN_PROGRESS: {TaskStatus.OPEN: "paused", TaskStatus.DONE: "done",
                             TaskStatus.CANCELLED: "cancelled"},
    TaskStatus.DONE: {TaskStatus.IN_PROGRESS: "reopened"},
    TaskStatus.CANCELLED: {TaskStatus.OPEN: "restored"},
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
    if to == TaskStatus.DONE:
        task.done_at = now
    elif task.done_at is not None:
        task.done_at = None
    task.updated_at = now
    session.add(task)
    return record(session, allowed[to], actor, now, task, data)


def extend(session: Session, task: Task, new_due: date, actor: Actor, now: datetime,
           reason: str, *, calendar: WorkCalendar) -> Event:
    """Grant an extension (gia hạn): move the due day later, keeping old and new in the event."""
    if task.status in CLOSED:
        closed = "hoàn thành" if task.status == TaskStatus.DONE else "bị hủy"
        raise WorkflowError(f"nhiệm vụ {task.id} ({task.ref}) đã {closed}, chỉ gia hạn được việc đang làm "
                            f"(task {task.id} ({task.ref}) is {task.status}; only open work can be extended)")
    if not reason or not reason.strip():
        raise WorkflowError("gia hạn cần có lý do (an extension needs a reason)")
    if task.due is not None and new_due <= task.due:
        raise WorkflowError(f"hạn mới {new_due:%d/%m/%Y} không sau hạn hiện tại {task.due:%d/%m/%Y} "
                            f"(the new due day {new_due.isoformat()} is not after the current one "
                            f"{task.due.isoformat()})")
    if task.start is not None and new_due < task.start:
        raise WorkflowError(f"hạn mới {new_due:%d/%m/%Y} trước ngày bắt đầu {task.start:%d/%m/%Y} "
                            f"(the new due day {new_due.isoformat()} is before the task starts "
                            f"({task.start.isoformat()}))")
    if refusal := not_a_working_day(calendar, new_due):
        raise WorkflowError(refusal)
    old = task.due
    task.due = new_due
    task.updated_at = now
    session.add(task)
    return record(session, "extended", actor, now, task,
                  {"old_due": old.isoformat() if old else None, "new_due": new_due.isoformat(),
                   "reason": reason.strip()})


def not_a_working_day(calendar: WorkCalendar, day: date) -> str | None:
    """Why `day` cannot be a due day, naming the next working day; None for a working day."""
    if calendar.is_working_day(day):
        return None
    holiday = calendar.holiday_name(day)
    after = calendar.add_working_days(day, 1)
    vi_day = f"{weekday_name(day)}, nghỉ lễ ({holiday})" if holiday else weekday_name(day)
    return (f"Ngày {day:%d/%m/%Y} là {vi_day}, không phải ngày làm việc; ngày làm việc kế tiếp: "
            f"{weekday_name(after)}, {after:%d/%m/%Y} ({day:%d/%m/%Y} is not a working day; "
            f"next working day: {weekday_name(after, 'en')}, {after:%d/%m/%Y})")


@dataclass(frozen=True)
class Classification:
    state: str | None          # one of STATES; None for a cancelled task
    due_soon: bool
    days_left: int | None      # working days from today to the due day (negative when overdue)


def classify(task: Task, today: date, calendar: WorkingDays, tz, soon_days: int = 3) -> Classification:
    """Where `task` stands on `today` (a local date) in the 2x2 reporting split."""
    if task.status == TaskStatus.CANCELLED:
        return Classification(None, False, None)
    if task.status == TaskStatus.DONE:
        if task.due is None or task.done_at is None:
            return Classification("done_on_time", False, None)
        on_time = task.done_at.astimezone(tz).date() <= task.due
        return Classification("done_on_time" if on_time else "done_late", False, None)
    if task.due is None:
        return Classification("no_deadline", False, None)
    left, overdue = countdown(calendar, task.due, today)
    if overdue:
        return Classification("open_overdue", False, left)
    return Classification("open_in_time", left <= soon_days, left)


def countdown(calendar: WorkingDays, due: date | None, today: date) -> tuple[int | None, int | None]:
    """(working days left, calendar days overdue) on `today`: the first is negative once the due
    day has passed, the second None until then; both None without a due day."""
    if due is None:
        return None, None
    return calendar.working_days_between(today, due), ((today - due).days if today > due else None)
