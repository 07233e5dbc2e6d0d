"""Due timers -> notifications, like healthchecks' sendalerts: small batches, crash-safe.

Each batch takes the timers due by `now` in fire order, re-checks each rule against the task
as it is now, writes the notifications and advances (or deletes) the timers in the caller's
transaction. A notification's identity is a unique key, so a batch that is retried after a
crash, or run by two instances at once, never writes the same notification twice.

What a late moment means depends on what the rule is about (the engine was down, the plan was
imported after its deadlines, the rules were reloaded):

- a *condition* (after_due: "overdue by N working days, not done, not acknowledged") that still
  holds is notified once, now, whatever its age; of its missed repeats only the latest counts;
- a reminder *before* the due day (before_due, on_due) is pointless once the day has passed, and
  stale after `max_catch_up`: it is recorded `skipped` with the reason, never sent;
- a cadence or a start-anchored reminder (every, after_start) sends its latest moment if it is
  within `max_catch_up`, else records it `skipped`.

A late notification is sent at the next moment of the send window (urgent ones at once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from engine.reminders.escalation import held_levels, suppressed
from engine.core.models import Notification, Task, Timer
from engine.core.vocabulary import NOT_CONFIGURED_REASON, NotificationStatus
from engine.reminders.timers import write_timers
from rules.evaluate import Evaluator, Moment
from rules.reach import NEEDS_ASSIGNMENT

log = logging.getLogger(__name__)
RETRY_AFTER_ERROR = timedelta(hours=1)


@dataclass
class BatchResult:
    timers: int = 0
    created: list[dict] = field(default_factory=list)
    errors: int = 0
    more: bool = False


def handle_one_batch(session: Session, ev: Evaluator, now: datetime, limit: int = 500) -> BatchResult:
    """Process up to `limit` due timers; `more` says whether another batch is waiting."""
    query = select(Timer).where(Timer.fire_at <= now).order_by(Timer.fire_at, Timer.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    timers = session.exec(query).all()
    result = BatchResult(timers=len(timers), more=len(timers) == limit)
    if not timers:
        return result
    tasks = {t.id: t for t in session.exec(select(Task).where(Task.id.in_({t.task_id for t in timers})))}
    held = held_levels(session, tasks, now)
    oldest = ev.catch_up_floor(now)
    rows: list[dict] = []
    advance: list[dict] = []
    drop: list[int] = []
    for timer in timers:
        try:
            task = tasks[timer.task_id]
            rule = ev.rs.by_id.get(timer.rule_id)
            if rule is None or ev.mismatch(rule, task) is not None:
                drop.append(timer.id)
                continue
            due, following = _due_moment(ev, rule, task, timer.seq, now)
            if due is not None:
                status, reason, fire = lateness(ev, rule, task, due, now, oldest)
                if status == NotificationStatus.PENDING and suppressed(rule.level, held.get(task.id, 0)):
                    status = NotificationStatus.SUPPRESSED
                rows.extend(_notifications(ev, rule, task, due, status, now, fire, reason))
            if following is None:
                drop.append(timer.id)
            else:
                advance.append({"timer_id": timer.id, "seq": following.index,
                                "nominal_at": following.nominal, "fire_at": following.fire})
        except Exception:
            # One bad task must not stall the engine: push it back and carry on.
            log.exception("timer %s (task %s, rule %s) failed; retrying later", timer.id, timer.task_id,
                          timer.rule_id)
            result.errors += 1
            advance.append({"timer_id": timer.id, "seq": timer.seq, "nominal_at": timer.nominal_at,
                            "fire_at": now + RETRY_AFTER_ERROR})
    result.created = _write(session, rows, advance, drop)
    return result


def _due_moment(ev: Evaluator, rule, task: Task, seq: int, now: datetime) -> tuple[Moment | None, Moment | None]:
    """The latest moment from `seq` on that is due by `now`, and the one after it."""
    latest = None
    for moment in ev.moments(rule, task):
        if moment.index < seq:
            continue
        if moment.fire > now:
            return latest, moment
        latest = moment
    return latest, None


PAST_DUE = "hạn đã qua, nhắc trước hạn không còn ý nghĩa (the due day has passed: a reminder before it is pointless)"
STALE = "quá {limit} mà chưa gửi được, đã bỏ qua (older than max_catch_up {limit}: skipped)"


def lateness(ev: Evaluator, rule, task: Task, moment: Moment, now: datetime,
             oldest: datetime) -> tuple[str, str | None, datetime]:
    """(status, reason, fire_at) for a moment that is due by `now`, by what the rule is about."""
    local_now = now.astimezone(ev.tz)
    if rule.trigger in ("before_due", "on_due"):
        if task.due is not None and local_now.date() > task.due:
            return NotificationStatus.SKIPPED, PAST_DUE, moment.fire
    if rule.trigger != "after_due" and moment.fire < oldest:
        return NotificationStatus.SKIPPED, STALE.format(limit=ev.rs.defaults.max_catch_up), moment.fire
    return NotificationStatus.PENDING, None, max(moment.fire, ev.send_time(local_now, rule))


def _notifications(ev: Evaluator, rule, task: Task, moment: Moment, status: str, now: datetime,
                   fire: datetime | None = None, reason: str | None = None) -> list[dict]:
    base = {"task_id": task.id, "rule_id": rule.id, "level": rule.level, "nominal_at": moment.nominal,
            "fire_at": fire or moment.fire, "template": ev.template(rule), "urgent": rule.urgent,
            "require_ack": bool(rule.escalate and rule.escalate.require_ack),
            "ruleset_version": ev.rs.version, "created_at": now, "reason": reason}
    rows = []
    for role, person in ev.recipients(rule, task):
        if person is None:
            rows.append(base | {"recipient": "-", "person_id": None, "role": role, "channel": "none",
                                "status": NotificationStatus.NO_RECIPIENT if status == NotificationStatus.PENDING else status})
            continue
        # A task with nobody to tell: the admins get the message asking them to assign it (rules.reach).
        mine = base | ({"template": NEEDS_ASSIGNMENT, "require_ack": False} if role == NEEDS_ASSIGNMENT else {})
        channels = ev.channels(rule, person)
        if not channels:
            rows.append(mine | {"recipient": person.code, "person_id": person.id, "role": role,
                                "channel": "none", "status": NotificationStatus.NO_CONTACT if status == NotificationStatus.PENDING else status})
        for channel in channels:
            row = mine | {"recipient": person.code, "person_id": person.id, "role": role,
                          "channel": channel, "status": status}
            if status == NotificationStatus.PENDING and not ev.configured(channel):
                row |= {"status": NotificationStatus.NOT_CONFIGURED, "reason": NOT_CONFIGURED_REASON.format(channel=channel)}
            rows.append(row)
    return rows



def _write(session: Session, rows: list[dict], advance: list[dict], drop: list[int]) -> list[dict]:
    conn = session.connection()
    created: list[dict] = []
    if rows:
        table = Notification.__table__
        c = table.c
        key = lambda r: (r["task_id"], r["rule_id"], r["nominal_at"], r["recipient"], r["channel"])  # noqa: E731
        task_ids = sorted({r["task_id"] for r in rows})
        since = min(r["nominal_at"] for r in rows)
        existing = set()
        for start in range(0, len(task_ids), 500):
            existing.update(conn.execute(
                select(c.task_id, c.rule_id, c.nominal_at, c.recipient, c.channel)
                .where(c.task_id.in_(task_ids[start:start + 500]), c.nominal_at >= since)))
        created = [r for r in rows if key(r) not in existing]
        if created:
            # The unique key still guards against another instance inserting the same row meanwhile.
            dialect = conn.dialect.name
            maker = pg_insert if dialect == "postgresql" else sqlite_insert if dialect == "sqlite" else None
            conn.execute(maker(table).on_conflict_do_nothing() if maker else insert(table), created)
    write_timers(session, [], advance, drop)
    return created


def sweep(session: Session, ev: Evaluator, now: datetime, limit: int = 500) -> list[dict]:
    """Run batches until nothing is due; returns the notifications created. The caller commits."""
    created: list[dict] = []
    while True:
        result = handle_one_batch(session, ev, now, limit)
        created.extend(result.created)
        if not result.more:
            return created
