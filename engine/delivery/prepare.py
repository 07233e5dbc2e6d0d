"""Prepare: claimed notifications -> the messages to send, one per person, channel and sweep.

Before anything is rendered, each group is made truthful:

- a channel this instance cannot send on leaves its rows `not_configured` (never "sent");
- several notifications of one task to one person in one sweep (a 7-day and a 1-working-day
  reminder caught up together, a weekend due day pulling two reminders onto one Friday) become
  one entry: the most urgent is sent, the others are recorded `merged` into it;
- a group that fails to render goes back to the queue with backoff (a template or data problem
  must not lose the notifications).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Sequence

from sqlmodel import Session

from engine.core.calendar import WorkCalendar
from engine.core.models import Notification, Person, Plan, Task, Unit
from engine.core.vocabulary import NOT_CONFIGURED_REASON, NotificationStatus
from notifiers.base import Message, Recipient
from engine.core.workflow import countdown
from notifiers.notice import Notice, digest_order, due_events, purpose_of

log = logging.getLogger(__name__)

# (session, the message's rows, their notification ids in the message's own order) -> button rows.
ButtonMaker = Callable[[Session, Sequence[Notification], Sequence[int]], tuple]


@dataclass
class Outgoing:
    """One message and the notifications it carries."""

    rows: list[Notification]
    message: Message


@dataclass
class Prepared:
    outgoing: list[Outgoing]
    merged: int = 0
    not_configured: int = 0
    render_failed: int = 0


def group(rows: Sequence[Notification]) -> list[list[Notification]]:
    """One message per person, channel and sweep: several notifications become one digest."""
    groups: dict[tuple, list[Notification]] = {}
    for row in rows:
        groups.setdefault((row.person_id, row.channel, row.created_at), []).append(row)
    return list(groups.values())


def urgency(row: Notification) -> tuple:
    """Which of one task's notifications to one person matters most: an acknowledgement asked
    for, then the higher escalation level, then the later moment (nearer to or past the due day)."""
    return (row.require_ack, row.level, row.nominal_at, row.id)


def merge(rows: Sequence[Notification]) -> tuple[list[Notification], list[Notification]]:
    """(kept, merged): one row per task, the most urgent; the others point at it as `merged`."""
    by_task: dict[int, list[Notification]] = {}
    for row in rows:
        by_task.setdefault(row.task_id, []).append(row)
    kept, merged = [], []
    for task_rows in by_task.values():
        best = max(task_rows, key=urgency)
        kept.append(best)
        for row in task_rows:
            if row is not best:
                row.status, row.merged_into = NotificationStatus.MERGED, best.id
                row.reason = f"gộp vào thông báo {best.id} (merged into notification {best.id})"
                row.claimed_by = row.claimed_until = None
                merged.append(row)
    kept.sort(key=lambda r: r.id)
    return kept, merged


def message_key(rows: Sequence[Notification]) -> str:
    """Stable for the same notifications: a resend after a crash carries the same key."""
    ids = ",".join(str(r.id) for r in sorted(rows, key=lambda r: r.id))
    return f"dd-{min(r.id for r in rows)}-{hashlib.sha1(ids.encode()).hexdigest()[:10]}"


def notices(session: Session, rows: Sequence[Notification], cal: WorkCalendar, today: date) -> list[Notice]:
    """Everything templates need about each notification."""
    out = []
    for row in rows:
        task = session.get(Task, row.task_id)
        plan = session.get(Plan, task.plan_id)
        lead = session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
        assignee = session.get(Person, task.assignee_id) if task.assignee_id else None
        left, overdue = countdown(cal, task.due, today)
        fields = dict(notification_id=row.id, template=row.template, rule_id=row.rule_id, level=row.level,
                      require_ack=row.require_ack, urgent=row.urgent, task_id=task.id, task_ref=task.ref,
                      task_title=task.title, plan_title=plan.title, deadline=task.deadline, due=task.due,
                      start=task.start, status=task.status, lead_unit=lead.name if lead else None,
                      assignee_name=assignee.name if assignee else None, recipient_role=row.role,
                      working_days_left=left, days_overdue=overdue, due_kind=task.due_kind)
        out.append(Notice(**fields, purpose=purpose_of(fields, today)))
    return out


def build_message(session: Session, rows: list[Notification], renderer, cal: WorkCalendar, today: date,
                  buttons: ButtonMaker | None = None, markup: str = "html") -> Message:
    """Render one message for `rows` in the channel's `markup`, with the action buttons `buttons`
    gives them (if any)."""
    person = session.get(Person, rows[0].person_id)
    recipient = Recipient(person.code, person.name, person.email, person.telegram, person.locale, person.zalo)
    items = notices(session, rows, cal, today)
    rendered = renderer.render(items, recipient, today)
    single = items[0] if len(items) == 1 else None
    channel = rows[0].channel
    keyboard: tuple = ()
    if buttons is not None:
        # A digest numbers its tasks in digest_order; the button rows follow the same order.
        keyboard = buttons(session, rows, [n.notification_id for n in digest_order(items)])
    return Message(key=message_key(rows), notification_ids=tuple(r.id for r in rows), channel=channel,
                   recipient=recipient, subject=rendered.subject, text=rendered.text,
                   html=rendered.telegram if markup == "telegram" else rendered.html,
                   thread=f"task-{single.task_id}" if single else None,
                   task_title=single.task_title if single else None, due=single.due if single else None,
                   urgent=any(r.urgent for r in rows), buttons=keyboard,
                   events=due_events(items) if not single else ())


def prepare(session: Session, rows: Sequence[Notification], renderer, cal: WorkCalendar, now: datetime,
            channels: dict[str, str], retry_at: Callable[[Notification], datetime],
            buttons: dict[str, ButtonMaker] | None = None) -> Prepared:
    """The messages for claimed `rows`; rows that will not be sent are resolved here, in the session.

    `channels`: each channel this instance can send on, with the markup its notifier shows.
    """
    today = now.astimezone(cal.tz).date()
    result = Prepared([])
    for batch in group(rows):
        channel = batch[0].channel
        if channel not in channels:
            for row in batch:
                row.status, row.reason = NotificationStatus.NOT_CONFIGURED, NOT_CONFIGURED_REASON.format(channel=channel)
                row.claimed_by = row.claimed_until = None
                session.add(row)
            result.not_configured += len(batch)
            continue
        kept, merged = merge(batch)
        for row in merged:
            session.add(row)
        result.merged += len(merged)
        try:
            message = build_message(session, kept, renderer, cal, today, (buttons or {}).get(channel),
                                    channels[channel])
        except Exception as exc:   # a template or data problem: keep the rows, retry later
            log.exception("could not render notifications %s", [r.id for r in kept])
            for row in kept:
                row.claimed_by = row.claimed_until = None
                row.next_attempt_at = retry_at(row)
                row.last_error = f"render: {exc}"
                session.add(row)
            result.render_failed += len(kept)
            continue
        result.outgoing.append(Outgoing(kept, message))
    return result
