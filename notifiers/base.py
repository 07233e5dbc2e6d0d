"""The seam between dispatch and the outside world: one Notifier class per channel.

    NotifierError(message, permanent, retry_after=None, migrate_to=None)
     ├── permanent=True    bad address, bot blocked, chat not found, invalid token: do not retry;
     │                     dispatch marks the contact broken and tells admins
     └── permanent=False   timeouts, disconnects, 4xx SMTP, 429 (retry_after set): retry later

A notifier makes exactly one attempt per call and never loops or sleeps: retries, backoff and
rate limits belong to the dispatcher (engine/delivery/dispatch.py), like Alertmanager's retry stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class Recipient:
    code: str
    name: str
    email: str | None = None
    telegram: str | None = None      # chat id (or @username)
    locale: str = "vi"


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
    urgent: bool = False
    buttons: tuple[tuple[str, str], ...] = field(default_factory=tuple)   # (label, callback data), Telegram


class NotifierError(Exception):
    """A failed attempt; `permanent` says whether trying again can help."""

    def __init__(self, message: str, permanent: bool, retry_after: float | None = None,
                 migrate_to: str | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after      # seconds (Telegram 429): wait, and do not count an attempt
        self.migrate_to = migrate_to        # Telegram ChatMigrated: the new chat id


class Notifier(Protocol):
    channel: str

    async def send(self, message: Message) -> str | None:
        """Deliver one message; return the provider's id for it, raise NotifierError on failure."""

    async def check(self) -> str:
        """Prove the channel is reachable without sending (SMTP handshake, getMe); describe it."""

    async def aclose(self) -> None:
        """Release connections."""
