"""The words dondoc stores in its status and kind columns, each vocabulary defined once.

Every member is a `str` (StrEnum), so a row still holds the plain word ("open"), a member
compares equal to that word, and JSON, YAML and templates see the word. Columns stay `str` in
engine/core/models.py: the database does not change.

Before Python 3.12, `"open" in TaskStatus` raises TypeError for a string; ask `TaskStatus.has`.
"""

from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    """A column's allowed words."""

    @classmethod
    def has(cls, value: object) -> bool:
        """Whether `value` is one of the words (any object may be asked)."""
        return isinstance(value, str) and value in cls._value2member_map_

    @classmethod
    def listing(cls) -> str:
        """The words for a message: 'open, in_progress, done, cancelled'."""
        return ", ".join(cls)


class TaskStatus(Vocabulary):
    """Task.status; the moves between them are engine.core.workflow.TRANSITIONS."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# Work still to do: what gets reminders, buttons and appears as overdue.
ACTIVE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
CLOSED = (TaskStatus.DONE, TaskStatus.CANCELLED)


class DueKind(Vocabulary):
    """Task.due_kind: what kind of deadline the plan's phrase is (engine.core.deadlines)."""

    DATE = "date"
    PERIOD = "period"
    RECURRING = "recurring"
    CONTINUOUS = "continuous"
    EXTERNAL = "external"
    EVENT = "event"
    UNKNOWN = "unknown"


class TaskType(Vocabulary):
    """Task.kind: a work item, or a reporting obligation (the plan file's `reports:`)."""

    TASK = "task"
    REPORT = "report"


class NotificationStatus(Vocabulary):
    """Notification.status: the outbox row's fate."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"
    NO_CONTACT = "no_contact"
    NO_RECIPIENT = "no_recipient"
    MERGED = "merged"                   # went out inside another row's message
    NOT_CONFIGURED = "not_configured"   # its channel has no settings in this installation


# The reason a not_configured notification carries, in the admin's words.
NOT_CONFIGURED_REASON = ("kênh {channel} chưa được cấu hình trên máy chủ này, không gửi được "
                         "(channel {channel} is not configured: nothing was sent)")


class UnitKind(Vocabulary):
    """Unit.kind: an office of the commune; "all units" and the like; a body outside the commune."""

    OFFICE = "office"
    GROUP = "group"
    EXTERNAL = "external"


class Role(Vocabulary):
    """Person.roles: what someone may do and whom the rules reach through `role:`."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CHAIRMAN = "chairman"


class ExtensionStatus(Vocabulary):
    """ExtensionRequest.status: an officer's request for more time (xin gia hạn)."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    STALE = "stale"


class Channel(Vocabulary):
    """Notification.channel: where a message goes out."""

    EMAIL = "email"
    TELEGRAM = "telegram"
    ZALO = "zalo"
    CONSOLE = "console"


# In rules only, never stored: `chat` is the person's preferred chat app they can be reached on
# (the first of their org.yaml `prefer:` among these, else this order).
CHAT = "chat"
CHAT_APPS = (Channel.ZALO, Channel.TELEGRAM)


class Template(Vocabulary):
    """The message templates every locale must have (config/templates/<locale>/<name>.j2)."""

    REMINDER = "reminder"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    DIGEST = "digest"
    CHECK_IN = "check_in"
    NEEDS_DATE = "needs_date"
    NEEDS_ASSIGNMENT = "needs_assignment"   # a task with nobody to tell, to the admins (rules.evaluate)


TEMPLATES = tuple(Template)


class DialogKind(Vocabulary):
    """BotDialog.kind: what the bot is waiting for in a chat."""

    DONE_NOTE = "done_note"
    EXTEND_DATE = "extend_date"
    EXTEND_REASON = "extend_reason"
