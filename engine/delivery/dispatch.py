"""The outbox dispatcher, in small stages like Alertmanager's notify pipeline:

    claim (lease, count the attempt) -> group (one digest per person, channel and sweep)
      -> render -> send (paced; the engine owns retries, a notifier tries once) -> record

Delivery is at-least-once. A duplicate can only come from a crash (or an ambiguous SMTP
timeout after DATA) between a send and the recording of its outcome; the message then goes out
again once its lease expires, with the same Message-ID / message key, so it can be recognised.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import os
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Sequence

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from engine.core.calendar import WorkCalendar
from engine.core.models import Notification, Person, Plan, Task, TelegramMessage, Unit
from engine.core.org import mark_contact_broken
from engine.delivery.pacing import TelegramPacer
from engine.core.workflow import Actor, record
from notifiers.base import Message, Notifier, NotifierError, Recipient

log = logging.getLogger(__name__)
SYSTEM = Actor("dispatch", "system")


@dataclass
class DispatchConfig:
    lease: timedelta = timedelta(seconds=120)
    max_age: timedelta = timedelta(hours=24)
    batch: int = 200
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    base_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=2)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    requeued: int = 0          # 429: back in the queue, attempt not counted
    messages: int = 0
    claimed: int = 0


def backoff(attempts: int, cfg: DispatchConfig, rnd: random.Random) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min ... capped, times 0.5-1.5."""
    base = min(cfg.base_backoff * (2 ** max(attempts - 1, 0)), cfg.max_backoff)
    return base * (0.5 + rnd.random())


# -- claim ----------------------------------------------------------------------------------

def due_now(now: datetime):
    """The notifications to send now: pending, their moment come, no retry or lease in the way."""
    c = Notification
    return and_(c.status == "pending", c.fire_at <= now,
                or_(c.next_attempt_at == None, c.next_attempt_at <= now),  # noqa: E711
                or_(c.claimed_until == None, c.claimed_until < now))  # noqa: E711


def claim(session: Session, now: datetime, cfg: DispatchConfig) -> list[Notification]:
    """Lease up to `cfg.batch` pending notifications that are due, counting the attempt."""
    c = Notification
    query = select(c).where(due_now(now)).order_by(c.fire_at, c.id).limit(cfg.batch)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.exec(query).all()
    for row in rows:
        row.claimed_by, row.claimed_until, row.attempts = cfg.worker, now + cfg.lease, row.attempts + 1
        session.add(row)
    session.commit()
    return rows


def group(rows: Sequence[Notification]) -> list[list[Notification]]:
    """One message per person, channel and sweep: several notifications become one digest."""
    groups: dict[tuple, list[Notification]] = {}
    for row in rows:
        groups.setdefault((row.person_id, row.channel, row.created_at), []).append(row)
    return list(groups.values())


def message_key(rows: Sequence[Notification]) -> str:
    """Stable for the same notifications: a resend after a crash carries the same key."""
    ids = ",".join(str(r.id) for r in sorted(rows, key=lambda r: r.id))
    return f"dd-{min(r.id for r in rows)}-{hashlib.sha1(ids.encode()).hexdigest()[:10]}"


# -- render ---------------------------------------------------------------------------------

def notices(session: Session, rows: Sequence[Notification], cal: WorkCalendar, today: date) -> list:
    """Everything templates need about each notification."""
    from notifiers.render import Notice, countdown

    out = []
    for row in rows:
        task = session.get(Task, row.task_id)
        plan = session.get(Plan, task.plan_id)
        lead = session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
        assignee = session.get(Person, task.assignee_id) if task.assignee_id else None
        left, overdue = countdown(cal, task.due, today)
        out.append(Notice(notification_id=row.id, template=row.template, rule_id=row.rule_id, level=row.level,
                          require_ack=row.require_ack, urgent=row.urgent, task_id=task.id, task_ref=task.ref,
                          task_title=task.title, plan_title=plan.title, deadline=task.deadline, due=task.due,
                          start=task.start, status=task.status, lead_unit=lead.name if lead else None,
                          assignee_name=assignee.name if assignee else None, recipient_role=row.role,
                          working_days_left=left, days_overdue=overdue))
    return out


def build_message(session: Session, rows: list[Notification], renderer, cal: WorkCalendar, today: date,
                  signer=None) -> Message:
    """Render one message for `rows`; on Telegram with a signer, with the buttons they call for."""
    person = session.get(Person, rows[0].person_id)
    recipient = Recipient(person.code, person.name, person.email, person.telegram, person.locale)
    items = notices(session, rows, cal, today)
    rendered = renderer.render(items, recipient, today)
    single = items[0] if len(items) == 1 else None
    channel = rows[0].channel
    buttons: tuple = ()
    if channel == "telegram" and signer is not None:
        from engine.chat.keyboards import notification_rows
        from notifiers.render import digest_order

        # The digest numbers its tasks in digest_order; the rows follow the same order.
        buttons = notification_rows(session, rows, [n.notification_id for n in digest_order(items)], signer)
    return Message(key=message_key(rows), notification_ids=tuple(r.id for r in rows), channel=channel,
                   recipient=recipient, subject=rendered.subject, text=rendered.text,
                   html=rendered.telegram if channel == "telegram" else rendered.html,
                   thread=f"task-{single.task_id}" if single else None,
                   task_title=single.task_title if single else None, due=single.due if single else None,
                   urgent=any(r.urgent for r in rows), buttons=buttons)


# -- send -----------------------------------------------------------------------------------

async def send_all(messages: list[Message], notifiers: dict[str, Notifier],
                   pacer: TelegramPacer) -> dict[str, str | NotifierError]:
    """Send every message once on its channel; the result per message key."""
    results: dict[str, str | NotifierError] = {}
    by_channel: dict[str, list[Message]] = {}
    for m in messages:
        by_channel.setdefault(m.channel, []).append(m)

    async def telegram(batch: list[Message]) -> None:
        notifier = notifiers["telegram"]
        for m in batch:
            await pacer.wait(str(m.recipient.telegram))
            results[m.key] = await _attempt(notifier, m)
            error = results[m.key]
            if isinstance(error, NotifierError) and error.retry_after:
                pacer.pause(error.retry_after)

    async def other(channel: str, batch: list[Message]) -> None:
        notifier = notifiers[channel]
        if hasattr(notifier, "send_batch"):
            for m, outcome in zip(batch, await notifier.send_batch(batch)):
                results[m.key] = outcome
        else:
            for m in batch:
                results[m.key] = await _attempt(notifier, m)

    jobs = [telegram(b) if ch == "telegram" else other(ch, b) for ch, b in by_channel.items()]
    await asyncio.gather(*jobs)
    return results


async def _attempt(notifier: Notifier, message: Message) -> str | NotifierError:
    try:
        return await notifier.send(message) or ""
    except NotifierError as exc:
        return exc
    except Exception as exc:   # a notifier bug must not lose the message: retry it
        log.exception("notifier %s failed unexpectedly", notifier.channel)
        return NotifierError(f"unexpected error: {exc!r}", permanent=False)


# -- record ---------------------------------------------------------------------------------

def record_outcome(session: Session, rows: list[Notification], message: Message, outcome: str | NotifierError,
                   now: datetime, cfg: DispatchConfig, rnd: random.Random, result: DispatchResult) -> None:
    for row in rows:
        row.claimed_by = row.claimed_until = None
        row.message_key = message.key
        if not isinstance(outcome, NotifierError):
            row.status, row.sent_at, row.provider_id, row.last_error = "sent", now, outcome or None, None
            result.sent += 1
        elif outcome.retry_after:
            # Flood control is not the message's fault: back in the queue, attempt not counted.
            row.attempts -= 1
            row.next_attempt_at = now + timedelta(seconds=outcome.retry_after)
            row.last_error = str(outcome)
            result.requeued += 1
        elif outcome.permanent or now - row.fire_at > cfg.max_age:
            row.status, row.last_error = "failed", str(outcome)
            result.failed += 1
        else:
            row.next_attempt_at = now + backoff(row.attempts, cfg, rnd)
            row.last_error = str(outcome)
            result.retrying += 1
        session.add(row)
    if isinstance(outcome, NotifierError) and outcome.permanent:
        _mark_broken(session, rows[0], message.channel, str(outcome), now)


def _mark_broken(session: Session, row: Notification, channel: str, error: str, now: datetime) -> None:
    person = session.get(Person, row.person_id)
    if person is None or channel not in ("email", "telegram"):
        return
    mark_contact_broken(session, person, channel, error, now, SYSTEM.name)
    log.warning("%s contact of %s marked broken: %s", channel, person.code, error)


async def dispatch_once(engine: Engine, notifiers: dict[str, Notifier], renderer, cal: WorkCalendar,
                        now: datetime, cfg: DispatchConfig | None = None, pacer: TelegramPacer | None = None,
                        rnd: random.Random | None = None, signer=None) -> DispatchResult:
    """Claim one batch, send it, record what happened (`claimed` 0: nothing was due).

    `signer` (engine.chat.callbacks.Signer): put action buttons on Telegram messages.
    """
    cfg, pacer, rnd = cfg or DispatchConfig(), pacer or TelegramPacer(), rnd or random.Random()
    result = DispatchResult()
    today = now.astimezone(cal.tz).date()
    with Session(engine, expire_on_commit=False) as session:
        rows = claim(session, now, cfg)
        result.claimed = len(rows)
        if not rows:
            return result
        groups = group(rows)
        messages: list[Message] = []
        for batch in groups:
            try:
                messages.append(build_message(session, batch, renderer, cal, today, signer))
            except Exception as exc:   # a template or data problem: keep the rows, retry later
                log.exception("could not render notifications %s", [r.id for r in batch])
                for row in batch:
                    row.claimed_by = row.claimed_until = None
                    row.next_attempt_at = now + backoff(row.attempts, cfg, rnd)
                    row.last_error = f"render: {exc}"
                    session.add(row)
                messages.append(None)
        sendable = [m for m in messages if m is not None]
        available = {m.channel for m in sendable}
        channels = {ch: notifiers.get(ch) or notifiers["console"] for ch in available}
        results = await send_all(sendable, channels, pacer)
        result.messages = len(sendable)
        for batch, message in zip(groups, messages):
            if message is None:
                continue
            outcome = results[message.key]
            if isinstance(outcome, NotifierError) and outcome.migrate_to and message.channel == "telegram":
                outcome = await _resend_migrated(session, batch, message, outcome, channels, pacer, now)
            record_outcome(session, batch, message, outcome, now, cfg, rnd, result)
            if message.channel == "telegram":
                remember_telegram(session, batch, message, outcome, now)
        session.commit()
    return result


async def _resend_migrated(session: Session, rows, message: Message, error: NotifierError, notifiers,
                           pacer: TelegramPacer, now: datetime) -> str | NotifierError:
    """The group became a supergroup: store its new chat id and resend once."""
    person = session.get(Person, rows[0].person_id)
    old, person.telegram = person.telegram, error.migrate_to
    session.add(person)
    record(session, "chat_migrated", SYSTEM, now, data={"person": person.code, "from": old, "to": error.migrate_to})
    moved = Message(**{**message.__dict__, "recipient": Recipient(person.code, person.name, person.email,
                                                                   person.telegram, person.locale)})
    await pacer.wait(str(person.telegram))
    return await _attempt(notifiers["telegram"], moved)


def remember_telegram(session: Session, rows: list[Notification], message: Message,
                      outcome: str | NotifierError, now: datetime) -> None:
    """Keep the chat and message id a Telegram message went out in, so an action can edit it."""
    if isinstance(outcome, NotifierError) or not str(outcome).isdigit():
        return   # not sent, or sent by a stand-in (the console) that has no message to edit
    from notifiers.telegram import message_parts

    person = session.get(Person, rows[0].person_id)   # after a migration: the new chat id
    last_part = message_parts(message)[-1]   # the part the keyboard hangs on
    sent = TelegramMessage(chat_id=str(person.telegram), message_id=int(outcome), message_key=message.key,
                           html=last_part, buttons=[list(map(list, row)) for row in message.buttons
                                                    if row and isinstance(row[0], (tuple, list))],
                           sent_at=now)
    session.add(sent)
    session.flush()
    for row in rows:
        row.telegram_message_id = sent.id
        session.add(row)
