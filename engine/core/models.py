"""The tables: plans and their tasks, the org (units, people), and the append-only event log.

Moments are stored in UTC and come back timezone-aware; due dates are plain local dates
because a deadline in a plan is a day, not an instant.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from engine.core.cchc import Domain
from engine.core.vocabulary import (DueKind, ExtensionStatus, NotificationStatus, TaskStatus,
                                    TaskType, UnitKind)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} would lose its zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _moment(**kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kw))


def _json(**kw: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False, **kw))


class Plan(SQLModel, table=True):
    """One issued plan (Kế hoạch CCHC); `key` is its identity across re-imports."""

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    code: Optional[str] = None
    title: str
    issuer: str
    year: int
    period_start: date
    period_end: date
    issued_on: Optional[date] = None
    source_file: Optional[str] = None
    source_sha256: Optional[str] = None
    file_path: str
    file_sha256: str
    status: str = "active"
    imported_at: datetime = _moment(nullable=False)


class Unit(SQLModel, table=True):
    """An office of the commune (or a body a plan names); `verified` if the org file knows it."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    aliases: list[str] = _json()
    # use_alter: unit and person point at each other; PostgreSQL needs the cycle broken.
    head_id: Optional[int] = Field(default=None, sa_column=Column(
        Integer, ForeignKey("person.id", use_alter=True, name="fk_unit_head"), nullable=True))
    parent_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    # office: a unit of the commune; group: "all units" and the like; external: a body outside
    # the commune that plans name as a recipient (UBND huyện, Sở Nội vụ).
    kind: str = UnitKind.OFFICE
    verified: bool = True


class Person(SQLModel, table=True):
    """Someone dondoc reminds or who acts on tasks."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    roles: list[str] = _json()                    # engine.core.vocabulary.Role
    email: Optional[str] = None
    telegram: Optional[str] = None
    zalo: Optional[str] = None                    # Zalo Bot chat id (a string)
    # org.yaml `prefer:`: the order of this person's chat apps when a rule says `chat`.
    prefer: Optional[list[str]] = Field(default=None, sa_column=Column(JSON, nullable=True))
    locale: str = "vi"
    active: bool = True
    # What a leader is in charge of (org.yaml `oversees:`): {"domains": [...], "units": [unit codes]}.
    # Nullable so the column is added in place to existing databases (engine/infra/db.py).
    oversees: Optional[dict[str, list[str]]] = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Set when a channel refused the contact for good (bot blocked, address rejected).
    email_broken: Optional[str] = None
    telegram_broken: Optional[str] = None
    zalo_broken: Optional[str] = None


class Task(SQLModel, table=True):
    """A work item of a plan, a reporting obligation, or one occurrence of a recurring one."""

    __table_args__ = (
        UniqueConstraint("plan_id", "ref", name="uq_task_plan_ref"),
        Index("ix_task_status_due", "status", "due"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    ref: str
    kind: str = TaskType.TASK
    domain: str = Domain.OTHER
    title: str
    product: Optional[str] = None
    lead_unit_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    support_unit_ids: list[int] = _json()
    recipient: Optional[str] = None
    assignee_id: Optional[int] = Field(default=None, foreign_key="person.id", index=True)
    deadline: Optional[str] = None
    due_kind: str = DueKind.UNKNOWN
    start: Optional[date] = None
    due: Optional[date] = None
    # The due date the plan itself gives; `due` may differ after an extension (gia hạn).
    due_planned: Optional[date] = None
    open_ended: bool = False
    event_text: Optional[str] = None
    deadline_reason: Optional[str] = None
    status: str = TaskStatus.OPEN
    done_at: Optional[datetime] = _moment(nullable=True)
    parent_id: Optional[int] = Field(default=None, foreign_key="task.id", index=True)
    source_file: Optional[str] = None
    source_first_line: Optional[int] = None
    source_last_line: Optional[int] = None
    tags: list[str] = _json()
    # Cancelled by an import because the plan no longer lists it; restored if it comes back.
    removed_from_plan: bool = False
    created_at: datetime = _moment(nullable=False)
    updated_at: datetime = _moment(nullable=False)


class Event(SQLModel, table=True):
    """The audit log: appended, never updated. `data` holds what changed (old and new)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = _moment(nullable=False, index=True)
    task_id: Optional[int] = Field(default=None, foreign_key="task.id", index=True)
    plan_id: Optional[int] = Field(default=None, foreign_key="plan.id", index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="person.id")
    actor: str = "system"
    channel: str = "cli"
    kind: str
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RuleSetRecord(SQLModel, table=True):
    """A validated rules file; the active one is what every process evaluates with."""

    __tablename__ = "ruleset"

    id: Optional[int] = Field(default=None, primary_key=True)
    version: str = Field(index=True)
    source: str
    text: str
    loaded_at: datetime = _moment(nullable=False)
    active: bool = Field(default=False, index=True)


class Timer(SQLModel, table=True):
    """When rule `rule_id` next fires for a task: the database is the alarm list, not APScheduler."""

    __table_args__ = (UniqueConstraint("task_id", "rule_id", name="uq_timer_task_rule"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    rule_id: str
    seq: int = 0                                  # index of the next moment in the rule's sequence
    nominal_at: datetime = _moment(nullable=False)  # the moment the rule names
    fire_at: datetime = _moment(nullable=False, index=True)  # moved into the send window


class Notification(SQLModel, table=True):
    """The outbox: one message to one person on one channel, written before anything is sent.

    Its identity is (task, rule, nominal moment, recipient, channel): a unique key, so no crash,
    restart or second instance can create the same notification twice.
    """

    __table_args__ = (
        UniqueConstraint("task_id", "rule_id", "nominal_at", "recipient", "channel", name="uq_notification"),
        Index("ix_notification_status_fire", "status", "fire_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    rule_id: str
    level: int = 0
    nominal_at: datetime = _moment(nullable=False)
    fire_at: datetime = _moment(nullable=False)
    recipient: str                                # person code, or "-" when nobody could be found
    person_id: Optional[int] = Field(default=None, foreign_key="person.id")
    role: str                                     # how the rule named them: assignee, role:chairman ...
    channel: str                                  # engine.core.vocabulary.Channel
    template: str
    urgent: bool = False
    require_ack: bool = False
    status: str = NotificationStatus.PENDING
    ruleset_version: str
    created_at: datetime = _moment(nullable=False)
    # Delivery (engine/delivery/dispatch.py): a lease while one worker sends it, attempts and the outcome.
    attempts: int = 0
    first_attempt_at: Optional[datetime] = _moment(nullable=True)   # the retry budget counts from here
    next_attempt_at: Optional[datetime] = _moment(nullable=True)
    claimed_by: Optional[str] = None
    claimed_until: Optional[datetime] = _moment(nullable=True)
    sent_at: Optional[datetime] = _moment(nullable=True)
    message_key: Optional[str] = None     # the message (or digest) it went out in
    provider_id: Optional[str] = None     # SMTP Message-ID / Telegram message id
    last_error: Optional[str] = None
    # Why it was not sent (skipped, not_configured ...), in words an admin reads.
    reason: Optional[str] = None
    # Several notifications of one task to one person in one sweep: the one it was merged into.
    merged_into: Optional[int] = None
    # The Telegram message (chat + message id) it went out in, for editing after an action.
    # No foreign key: the column is added in place to existing databases (engine/infra/db.py).
    telegram_message_id: Optional[int] = None


class Ack(SQLModel, table=True):
    """An acknowledgement of an escalation; holds while the task's status and due day stay put."""

    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    level: int
    person_id: int = Field(foreign_key="person.id")
    at: datetime = _moment(nullable=False)
    expires_at: datetime = _moment(nullable=False)
    note: Optional[str] = None
    task_status: str
    task_due: Optional[date] = None


# -- two-way Telegram (engine/chat/) ---------------------------------------------------------

class TelegramMessage(SQLModel, table=True):
    """A Telegram message dondoc sent with buttons, kept so an action can edit it later."""

    __tablename__ = "telegram_message"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_telegram_message"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    chat_id: str
    message_id: int
    message_key: Optional[str] = None   # the outbox message it carries (None: a bot reply)
    # The last part only (the one the keyboard hangs on): that is the part an edit replaces.
    html: str
    # The keyboard as it is now: rows of [label, callback data].
    buttons: list[Any] = _json()
    sent_at: datetime = _moment(nullable=False)
    edited_at: Optional[datetime] = _moment(nullable=True)


class TelegramInvite(SQLModel, table=True):
    """A one-time code that links a person's Telegram chat (`dondoc people invite`)."""

    __tablename__ = "telegram_invite"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(unique=True, index=True)   # sha256 of the code: the code is shown once
    created_at: datetime = _moment(nullable=False)
    expires_at: datetime = _moment(nullable=False)
    used_at: Optional[datetime] = _moment(nullable=True)
    used_chat: Optional[str] = None
    revoked_at: Optional[datetime] = _moment(nullable=True)   # a newer invite replaced it
    channel: Optional[str] = None           # the chat app it links: telegram (None in older rows) | zalo


class TelegramLink(SQLModel, table=True):
    """A chat linked to a person through the bot; it survives an org reload with an empty `telegram:`."""

    __tablename__ = "telegram_link"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    chat_id: str = Field(index=True)
    invite_id: Optional[int] = Field(default=None, foreign_key="telegram_invite.id")
    linked_at: datetime = _moment(nullable=False)
    unlinked_at: Optional[datetime] = _moment(nullable=True)
    unlink_reason: Optional[str] = None     # user | relinked | org_file
    channel: Optional[str] = None           # the chat app: telegram (None in older rows) | zalo


class ZaloMessage(SQLModel, table=True):
    """A reminder sent on Zalo with numbered tasks: what "1 xong" in that chat refers to."""

    __tablename__ = "zalo_message"

    id: Optional[int] = Field(default=None, primary_key=True)
    chat_id: str = Field(index=True)
    message_key: str
    targets: list[Any] = _json()            # notification ids, in the message's numbering (1 first)
    sent_at: datetime = _moment(nullable=False)


class ChatUpdate(SQLModel, table=True):
    """An update a chat app delivered and dondoc handled: a second delivery of it is ignored."""

    __tablename__ = "chat_update"
    __table_args__ = (UniqueConstraint("channel", "update_key", name="uq_chat_update"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    channel: str
    update_key: str                         # Zalo: the message id
    handled_at: datetime = _moment(nullable=False)


class ExtensionRequest(SQLModel, table=True):
    """An officer's request for more time (xin gia hạn), waiting for the approver's answer."""

    __tablename__ = "extension_request"

    id: Optional[int] = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    notification_id: Optional[int] = Field(default=None, foreign_key="notification.id")
    requester_id: int = Field(foreign_key="person.id")
    approver_id: Optional[int] = Field(default=None, foreign_key="person.id")
    old_due: Optional[date] = None
    new_due: date
    reason: str
    status: str = ExtensionStatus.PENDING
    created_at: datetime = _moment(nullable=False)
    decided_at: Optional[datetime] = _moment(nullable=True)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="person.id")
    approver_message_id: Optional[int] = Field(default=None, foreign_key="telegram_message.id")


class BotDialog(SQLModel, table=True):
    """What the bot is waiting for in a chat: a note, a date, a reason."""

    # In the database, not in memory: a restarted engine still knows the question it just asked.

    __tablename__ = "bot_dialog"

    chat_id: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    kind: str                               # engine.core.vocabulary.DialogKind
    task_id: int = Field(foreign_key="task.id")
    notification_id: Optional[int] = Field(default=None, foreign_key="notification.id")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_at: datetime = _moment(nullable=False)
    expires_at: datetime = _moment(nullable=False)


class WebLoginToken(SQLModel, table=True):
    """A one-time sign-in link (`dondoc web login-link`, or sent on the person's channel)."""

    __tablename__ = "web_login_token"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(unique=True, index=True)   # sha256 of the token: the token is shown once
    created_at: datetime = _moment(nullable=False)
    expires_at: datetime = _moment(nullable=False)
    used_at: Optional[datetime] = _moment(nullable=True)
    sent_on: Optional[str] = None           # the channel it went out on; None: printed by the CLI


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the table its hash."""

    __tablename__ = "web_session"

    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(unique=True, index=True)
    csrf_token: str                         # what every form of this session carries
    created_at: datetime = _moment(nullable=False)
    seen_at: datetime = _moment(nullable=False)
    expires_at: datetime = _moment(nullable=False)    # slides forward while the session is used
    revoked_at: Optional[datetime] = _moment(nullable=True)


class WebKey(SQLModel, table=True):
    """The key that signs email action links when `web.secret` is not set: shared by every instance."""

    __tablename__ = "web_key"

    id: Optional[int] = Field(default=None, primary_key=True)
    secret: str
    created_at: datetime = _moment(nullable=False)
