"""What a handler decides, as data: the messages to send, the messages to edit, the answer to a
button press. Handlers are pure functions over a database session that return an Outcome;
engine/chat/app.py carries it out against Telegram. Tests call the handlers directly too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from engine.chat.callbacks import Signer
from engine.context import AppContext
from engine.core.models import Task
from notifiers.base import Rows


@dataclass
class Send:
    """A new message to a chat."""

    chat_id: str
    html: str
    rows: Rows = ()
    force_reply: bool = False
    person_id: int | None = None      # whose chat it is: marked broken if they blocked the bot
    request_id: int | None = None     # the extension request whose approver message this is
    on_fail: Send | None = None       # told to the actor when this one cannot be delivered


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
    edits: list[Edit] = field(default_factory=list)

    def say(self, chat_id: str, text: str, **kw: Any) -> "Outcome":
        self.sends.append(Send(str(chat_id), text, **kw))
        return self


@dataclass
class BotEnv:
    """What handlers need besides the session: settings, calendar, clock, the button signer."""

    ctx: AppContext
    signer: Signer

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
