"""The seam between dispatch and the outside world: one Notifier class per channel.

    NotifierError(message, permanent)
     ├── permanent=True    bad address, bot blocked, chat not found, invalid token: do not retry;
     │                     dispatch marks the contact broken and tells admins
     ├── permanent=False   timeouts, disconnects, 4xx SMTP: retry later with backoff
     ├── RetryLater(message, retry_after)
     │                     flood control (Telegram 429): wait that long; not the message's fault,
     │                     so the attempt is not counted, and the channel's pacer pauses
     ├── ChatMoved(message, new_address)
     │                     the destination moved (Telegram ChatMigrated): store the new address
     │                     and resend once
     └── ChannelDown(message, retry_after)
                           the channel itself is refused (Zalo 401: the bot token is wrong or was
                           reset): no person's fault, so no contact is marked broken and the
                           attempt is not counted; dispatch logs an error for admins and tries
                           again after `retry_after` seconds

A notifier makes exactly one attempt per call and never loops or sleeps: retries, backoff and
rate limits belong to the dispatcher (engine/delivery/), like Alertmanager's retry stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Protocol, Sequence, runtime_checkable


Button = tuple[str, str]                # (label, callback data)
Rows = tuple[tuple[Button, ...], ...]   # a keyboard: rows of buttons, as a channel lays them out


def as_rows(rows: Iterable[Iterable[Sequence[str]]]) -> Rows:
    """A keyboard in the shape Message.buttons holds, from any nesting of sequences (stored JSON)."""
    return tuple(tuple((str(label), str(data)) for label, data in row) for row in rows if row)


@dataclass(frozen=True)
class Recipient:
    code: str
    name: str
    email: str | None = None
    telegram: str | None = None      # chat id (or @username)
    locale: str = "vi"
    zalo: str | None = None          # Zalo Bot chat id (a string)


@dataclass(frozen=True)
class Message:
    """One rendered message to one person on one channel (a digest when it covers several)."""

    key: str                          # stable: derived from the notification ids (Message-ID, idempotency)
    notification_ids: tuple[int, ...]
    channel: str
    recipient: Recipient
    subject: str
    text: str                         # plain text body
    html: str                         # HTML body (email) / Telegram HTML (telegram)
    thread: str | None = None         # e.g. "task-42": email In-Reply-To/References threading
    task_title: str | None = None
    due: date | None = None           # for the .ics calendar attachment
    # A digest's calendar: (thread, due day, title) per task with a due day, one .ics event each.
    events: tuple[tuple[str, date, str], ...] = field(default_factory=tuple)
    urgent: bool = False
    buttons: Rows = ()                # action buttons (Telegram's inline keyboard), top row first


class NotifierError(Exception):
    """A failed attempt; `permanent` says whether trying again can help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent

    def reworded(self, message: str) -> "NotifierError":
        """The same failure with another text (e.g. naming the part of a split message)."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        Exception.__init__(clone, message)
        return clone


class RetryLater(NotifierError):
    """Flood control: nothing more to this channel for `retry_after` seconds; try again then."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message, permanent=False)
        self.retry_after = retry_after


class ChatMoved(NotifierError):
    """The destination has a new address (a Telegram group became a supergroup)."""

    def __init__(self, message: str, new_address: str):
        super().__init__(message, permanent=False)
        self.new_address = new_address


class ChannelDown(NotifierError):
    """The channel is misconfigured or refused as a whole (a bad token): pause it, blame nobody."""

    def __init__(self, message: str, retry_after: float = 300.0):
        super().__init__(message, permanent=False)
        self.retry_after = retry_after


class Notifier(Protocol):
    """One channel: one attempt per `send`."""

    channel: str
    # Which rendering of a message this channel shows in `Message.html`: "html" (an email
    # document), "telegram" (Telegram's HTML subset) or "text" (it reads `Message.text`).
    markup: str

    async def send(self, message: Message) -> str | None:
        """Deliver one message; return the provider's id for it, raise NotifierError on failure."""

    async def check(self) -> str:
        """Prove the channel is reachable without sending (SMTP handshake, getMe); describe it."""

    async def aclose(self) -> None:
        """Release connections."""


@runtime_checkable
class BatchNotifier(Notifier, Protocol):
    """A channel that sends many messages at once better than one by one (SMTP connection reuse)."""

    async def send_batch(self, messages: Sequence[Message]) -> list[str | NotifierError]:
        """One attempt per message; the outcome of each, in order (never raises for one message)."""
