"""How a Telegram message dondoc sent reads after someone acted on it: a line added, the buttons
that acted gone. The conversation says what to add (its Outcome's marks, engine/chat/replies.py);
`make_edits` turns them into Telegram edits, in the transaction of the action.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from engine.chat.replies import Edit, Mark, Outcome, Where
from engine.chat.telegram.keyboards import target_of, without
from engine.core.models import ExtensionRequest, Notification, TelegramMessage
from notifiers.htmlsplit import TELEGRAM_LIMIT, units


def make_edits(session: Session, outcome: Outcome, now: datetime) -> Outcome:
    """The outcome with its marks made into edits of the Telegram messages they name."""
    marks, outcome.marks = outcome.marks, []
    for mark in marks:
        for where, targets in _places(session, mark):
            edit = edit_after(session, where, targets, mark.line, now)
            outcome.edits += [edit] if edit else []
    return outcome


def _places(session: Session, mark: Mark) -> list[tuple[Where, set[int]]]:
    if mark.request_id is None:
        row = session.get(Notification, mark.notification_id) if mark.notification_id else None
        return [(mark.where, same_task(session, row) if row else {mark.notification_id})]
    places = [(mark.where, {mark.request_id})]
    # Decided by the chairman instead: the head's copy of the request shows it too.
    request = session.get(ExtensionRequest, mark.request_id)
    other = session.get(TelegramMessage, request.approver_message_id) if request.approver_message_id else None
    if other is not None and (other.chat_id, other.message_id) != (mark.where.chat_id, mark.where.message_id):
        places.append((Where(other.chat_id, other.message_id), {mark.request_id}))
    return places


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
