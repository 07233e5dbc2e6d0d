"""The outbox dispatcher, in small stages like Alertmanager's notify pipeline:

    claim (lease whole digests, count the attempt)
      -> prepare (engine/delivery/prepare.py: not_configured, merged, one message per person,
                  channel and sweep, rendered)
      -> send (engine/delivery/send.py: paced; the engine owns retries, a notifier tries once)
      -> record (sent only when the channel accepted it; retry, requeue or fail; broken contacts)

A transient failure is retried with backoff until its retry budget is spent: `max_age` counted
from the notification's first attempt, never from its moment (which may be long past when the
engine was down, or the reminder was caught up late).

Delivery is at-least-once. A duplicate can only come from a crash (or an ambiguous SMTP
timeout after DATA) between a send and the recording of its outcome; the message then goes out
again once its lease expires, with the same Message-ID / message key, so it can be recognised.

Dispatch knows channels only through the notifier interface: what a channel adds (buttons on a
message, remembering a sent message so an action can edit it) comes in as hooks per channel.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from sqlalchemy import and_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from engine.core.calendar import WorkCalendar
from engine.core.models import Notification, Person
from engine.core.org import mark_contact_broken
from engine.core.vocabulary import NotificationStatus
from engine.core.workflow import Actor, record
from engine.delivery.prepare import ButtonMaker, Outgoing, prepare
from engine.delivery.send import Outcome, Pacer, paced, readdressed, send_all
from notifiers.base import ChannelDown, ChatMoved, Message, Notifier, NotifierError, RetryLater

log = logging.getLogger(__name__)
SYSTEM = Actor("dispatch", "system")

# After a message went out: (session, its rows, the message, the provider's id, now).
SentHook = Callable[[Session, Sequence[Notification], Message, str, datetime], None]


@dataclass
class DispatchConfig:
    lease: timedelta = timedelta(seconds=120)
    max_age: timedelta = timedelta(hours=24)    # the retry budget, from the first attempt
    batch: int = 200
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    base_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=2)


@dataclass
class Delivery:
    """What dispatch sends with: the configured channels and what each adds."""

    notifiers: dict[str, Notifier]
    renderer: Any
    calendar: WorkCalendar
    pacers: dict[str, Pacer] = field(default_factory=dict)
    buttons: dict[str, ButtonMaker] = field(default_factory=dict)
    on_sent: dict[str, SentHook] = field(default_factory=dict)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    requeued: int = 0          # flood control: back in the queue, attempt not counted
    merged: int = 0
    not_configured: int = 0
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
    return and_(c.status == NotificationStatus.PENDING, c.fire_at <= now,
                or_(c.next_attempt_at == None, c.next_attempt_at <= now),  # noqa: E711
                or_(c.claimed_until == None, c.claimed_until < now))  # noqa: E711


def _locked(session: Session, query):
    return query.with_for_update(skip_locked=True) if session.get_bind().dialect.name == "postgresql" else query


def claim(session: Session, now: datetime, cfg: DispatchConfig) -> list[Notification]:
    """Lease up to `cfg.batch` due notifications, counting the attempt, plus the rest of their digests:
    a person's notifications of one sweep are never split over two messages by the batch size."""
    c = Notification
    rows = list(session.exec(_locked(session, select(c).where(due_now(now)).order_by(c.fire_at, c.id)
                                     .limit(cfg.batch))).all())
    keys = {(r.person_id, r.channel, r.created_at) for r in rows}
    if len(rows) == cfg.batch:
        taken = {r.id for r in rows}
        rest = session.exec(_locked(session, select(c).where(
            due_now(now), c.person_id.in_({k[0] for k in keys if k[0] is not None}),
            c.created_at.in_({k[2] for k in keys})))).all()
        rows += [r for r in rest if r.id not in taken and (r.person_id, r.channel, r.created_at) in keys]
    for row in rows:
        row.claimed_by, row.claimed_until, row.attempts = cfg.worker, now + cfg.lease, row.attempts + 1
        if row.attempts == 1 or row.first_attempt_at is None:
            # The first counted attempt (again after `outbox retry`, or after attempts that did
            # not count: flood control, a channel down) starts the retry budget.
            row.first_attempt_at = now
        session.add(row)
    session.commit()
    return rows


# -- moved destinations ---------------------------------------------------------------------

async def follow_moves(session: Session, outgoing: Sequence[Outgoing], outcomes: dict[str, Outcome],
                       delivery: Delivery, now: datetime) -> None:
    """A destination moved (ChatMoved): store the new address and resend once."""
    for item in outgoing:
        outcome = outcomes[item.message.key]
        if not isinstance(outcome, ChatMoved):
            continue
        channel = item.message.channel
        person = session.get(Person, item.rows[0].person_id)
        old = getattr(person, channel)
        setattr(person, channel, outcome.new_address)
        session.add(person)
        record(session, "chat_migrated", SYSTEM, now,
               data={"person": person.code, "channel": channel, "from": old, "to": outcome.new_address})
        item.message = readdressed(item.message, outcome.new_address)
        outcomes[item.message.key] = await paced(delivery.notifiers[channel], item.message,
                                                 delivery.pacers.get(channel))


# -- record ---------------------------------------------------------------------------------

def record_outcome(session: Session, rows: Sequence[Notification], message: Message, outcome: Outcome,
                   now: datetime, cfg: DispatchConfig, rnd: random.Random, result: DispatchResult) -> None:
    """What happened to one message, on each of its rows; a permanent failure marks the contact."""
    for row in rows:
        row.claimed_by = row.claimed_until = None
        row.message_key = message.key
        if not isinstance(outcome, NotifierError):
            row.status, row.sent_at, row.provider_id, row.last_error = NotificationStatus.SENT, now, outcome or None, None
            result.sent += 1
        elif isinstance(outcome, (RetryLater, ChannelDown)):
            # Flood control or a channel refused as a whole (bad token) is not the message's fault:
            # back in the queue, attempt not counted, nobody's contact marked broken.
            row.attempts -= 1
            row.next_attempt_at = now + timedelta(seconds=outcome.retry_after)
            row.last_error = str(outcome)
            result.requeued += 1
        elif outcome.permanent or budget_spent(row, now, cfg):
            row.status, row.last_error = NotificationStatus.FAILED, str(outcome)
            result.failed += 1
        else:
            row.next_attempt_at = now + backoff(row.attempts, cfg, rnd)
            row.last_error = str(outcome)
            result.retrying += 1
        session.add(row)
    if isinstance(outcome, NotifierError) and outcome.permanent:
        _mark_broken(session, rows[0], message.channel, str(outcome), now)


def budget_spent(row: Notification, now: datetime, cfg: DispatchConfig) -> bool:
    """Whether a transient failure now gives up: `max_age` has passed since the first attempt."""
    return now - (row.first_attempt_at or now) > cfg.max_age


def _mark_broken(session: Session, row: Notification, channel: str, error: str, now: datetime) -> None:
    person = session.get(Person, row.person_id)
    if person is None or not hasattr(person, f"{channel}_broken"):
        return
    mark_contact_broken(session, person, channel, error, now, SYSTEM.name)
    log.warning("%s contact of %s marked broken: %s", channel, person.code, error)


def record_all(session: Session, outgoing: Sequence[Outgoing], outcomes: dict[str, Outcome], delivery: Delivery,
               now: datetime, cfg: DispatchConfig, rnd: random.Random, result: DispatchResult) -> None:
    down: dict[str, ChannelDown] = {}
    for item in outgoing:
        outcome = outcomes[item.message.key]
        if isinstance(outcome, ChannelDown):
            down.setdefault(item.message.channel, outcome)
        record_outcome(session, item.rows, item.message, outcome, now, cfg, rnd, result)
        hook = delivery.on_sent.get(item.message.channel)
        if hook is not None and not isinstance(outcome, NotifierError):
            hook(session, item.rows, item.message, outcome, now)
    for channel, error in down.items():   # one line per channel and batch, not one per message
        log.error("kênh %s bị từ chối, tạm dừng %g s / channel %s is down, paused %g s: %s",
                  channel, error.retry_after, channel, error.retry_after, error)


# -- the pipeline ---------------------------------------------------------------------------

async def dispatch_once(engine: Engine, delivery: Delivery, now: datetime, cfg: DispatchConfig | None = None,
                        rnd: random.Random | None = None) -> DispatchResult:
    """Claim one batch, prepare, send and record it (`claimed` 0: nothing was due)."""
    cfg, rnd = cfg or DispatchConfig(), rnd or random.Random()
    result = DispatchResult()
    with Session(engine, expire_on_commit=False) as session:
        rows = claim(session, now, cfg)
        result.claimed = len(rows)
        if not rows:
            return result
        prepared = prepare(session, rows, delivery.renderer, delivery.calendar, now,
                           {ch: n.markup for ch, n in delivery.notifiers.items()},
                           lambda row: now + backoff(row.attempts, cfg, rnd), delivery.buttons)
        result.merged, result.not_configured = prepared.merged, prepared.not_configured
        outgoing = prepared.outgoing
        outcomes = await send_all([o.message for o in outgoing], delivery.notifiers, delivery.pacers)
        await follow_moves(session, outgoing, outcomes, delivery, now)
        result.messages = len(outgoing)
        record_all(session, outgoing, outcomes, delivery, now, cfg, rnd, result)
        session.commit()
    return result


def requeue_failed(session: Session, now: datetime, ids: Sequence[int] | None = None) -> list[Notification]:
    """Put failed notifications (those of `ids`, or every one) back in the queue: `outbox retry`."""
    query = select(Notification).where(Notification.status == NotificationStatus.FAILED)
    if ids:
        query = query.where(Notification.id.in_(list(ids)))
    rows = list(session.exec(query).all())
    for n in rows:
        n.status, n.attempts, n.next_attempt_at, n.claimed_until = NotificationStatus.PENDING, 0, now, None
        n.fire_at = now   # sent late is better than not sent: the age limit counts from the retry
        session.add(n)
    return rows
