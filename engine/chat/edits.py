"""How a message dondoc sent reads after someone acted on it: a line added, the buttons that
acted gone. Button presses (engine/chat/actions.py) and extension decisions
(engine/chat/extensions.py) both edit messages this way.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from engine.chat.keyboards import target_of, without
from engine.chat.replies import Edit
from engine.core.models import Notification, TelegramMessage
from notifiers.htmlsplit import TELEGRAM_LIMIT, units


class Where:
    """The pressed message: chat, message id, and its text as Telegram showed it (a fallback)."""

    def __init__(self, chat_id: str, message_id: int | None, fallback_html: str | None = None):
        self.chat_id, self.message_id, self.fallback_html = str(chat_id), message_id, fallback_html


def edit_after(session: Session, where: Where, targets: set[int], line: str, now: datetime) -> Edit | None:
    """The pressed message with `line` added and the buttons acting on `targets` gone."""
    if where.message_id is None:
        return None
    sent = session.exec(select(TelegramMessage).where(TelegramMessage.chat_id == where.chat_id,
                                                      TelegramMessage.message_id == where.message_id)).first()
    if sent is None:
        # Sent before dondoc kept its messages: rebuild from what Telegram shows, drop every button.
        base = where.fallback_html or ""
        text = f"{base}\n\n{line}" if base else line
        return Edit(where.chat_id, where.message_id, text if units(text) <= TELEGRAM_LIMIT else None, ())
    number = _row_number(sent.buttons, targets)
    rows = without(sent.buttons, targets)
    text = f"{sent.html}\n\n{number}{line}"
    if units(text) > TELEGRAM_LIMIT:
        text = None        # no room for the line: only the buttons change; the answer says the rest
    else:
        sent.html = text
    sent.buttons = [[list(b) for b in r] for r in rows]
    sent.edited_at = now
    session.add(sent)
    return Edit(where.chat_id, where.message_id, text, rows)


def _row_number(rows, targets: set[int]) -> str:
    """'Việc 2: ' for a digest row ("2 · Xong"), '' for a single message."""
    for row in rows:
        for label, data in row:
            if target_of(str(data)) in targets:
                m = re.match(r"^(\d+) · ", str(label))
                return f"Việc {m.group(1)}: " if m else ""
    return ""


def same_task(session: Session, row: Notification) -> set[int]:
    """The notifications in the same message about the same task: an action answers them all."""
    if row.telegram_message_id is None:
        return {row.id}
    return {n.id for n in session.exec(select(Notification).where(
        Notification.telegram_message_id == row.telegram_message_id, Notification.task_id == row.task_id))} | {row.id}
