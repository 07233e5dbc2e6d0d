"""What a handler decides, as data, for any chat app: the messages to send (marked text, see
engine/chat/channels.py, and the choices they offer), the messages to edit, the answer to the
action. Handlers are pure functions over a database session that return an Outcome; each
channel's adapter carries it out (engine/chat/telegram/ on Telegram, engine/chat/zalo/ on Zalo; an
app that cannot edit a message or answer a button press sends the answer as a reply instead).
Tests call the handlers directly too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from engine.chat.channels import ChatChannel
from engine.context import AppContext
from engine.core.models import Task
from notifiers.base import Rows


@dataclass(frozen=True)
class Choice:
    """An action a message offers on something: a button on Telegram, a typed answer on Zalo."""

    label: str
    intent: str        # engine.chat.conversation.Intent
    target: int        # what it acts on (an extension-request id for approve / refuse)


@dataclass
class Send:
    """A new message to a chat."""

    chat_id: str
    html: str                         # marked text (engine/chat/channels.py)
    choices: tuple[Choice, ...] = ()
    force_reply: bool = False
    person_id: int | None = None      # whose chat it is: marked broken if they blocked the bot
    request_id: int | None = None     # the extension request whose approver message this is
    on_fail: Send | None = None       # told to the actor when this one cannot be delivered


class Where:
    """The message acted on: chat, message id (None: the app cannot edit, or it is unknown), and
    its text as the app showed it (a fallback for messages dondoc did not keep)."""

    def __init__(self, chat_id: str, message_id: int | None, fallback_html: str | None = None):
        self.chat_id, self.message_id, self.fallback_html = str(chat_id), message_id, fallback_html


@dataclass
class Mark:
    """A line to add to the message acted on, saying what came of it; an app that edits messages
    shows it there (Telegram: engine/chat/telegram/edits.py) and drops what was acted on."""

    where: Where
    line: str                          # marked text
    notification_id: int | None = None    # acted on this notification's task
    request_id: int | None = None         # decided this extension request (every copy of it)


@dataclass
class Edit:
    """A change to a message dondoc sent earlier: new text (None: keep it) and keyboard."""

    chat_id: str
    message_id: int
    html: str | None
    rows: Rows = ()


@dataclass
class Outcome:
    """Everything one update leads to."""

    answer: str | None = None         # the callback's answer (a toast; an alert when `alert`)
    alert: bool = False
    sends: list[Send] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)   # made from the marks by the Telegram adapter

    def say(self, chat_id: str, text: str, **kw: Any) -> "Outcome":
        self.sends.append(Send(str(chat_id), text, **kw))
        return self

    def then(self, other: "Outcome") -> "Outcome":
        """This outcome followed by `other` (one update that does two things, "1 xong ghi chú ...")."""
        self.answer = self.answer if self.answer is not None else other.answer
        self.alert = self.alert or other.alert
        self.sends += other.sends
        self.marks += other.marks
        self.edits += other.edits
        return self


@dataclass
class BotEnv:
    """What handlers need besides the session: settings, calendar, clock, the chat app."""

    ctx: AppContext
    signer: Any                       # Telegram's button signer (engine/chat/telegram/callbacks.py); None elsewhere
    channel: ChatChannel              # the chat app: engine/chat/telegram/words.py, engine/chat/zalo/words.py

    @property
    def tz(self):
        return self.ctx.settings.tz

    @property
    def calendar(self):
        return self.ctx.calendar

    @property
    def soon_days(self) -> int:
        return self.ctx.settings.status.due_soon_working_days

    def now(self) -> datetime:
        """The context's clock: --now / DONDOC_NOW in tests and simulations."""
        return self.ctx.now()

    def today(self) -> date:
        return self.ctx.today()

    def sync(self, session: Session, task: Task, now: datetime) -> None:
        """Recompute the task's timers with the active rules, as the CLI does after an action."""
        from engine.reminders.rulestore import sync_with_active_rules

        sync_with_active_rules(session, self.calendar, [task], now)


def day(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else "chưa có"


def stamp(moment: datetime, tz) -> str:
    """'08:15 ngày 07/10/2025' in local time."""
    local = moment.astimezone(tz)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"
