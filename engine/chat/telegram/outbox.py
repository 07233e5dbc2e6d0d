"""What the Telegram conversation adds to outgoing reminders: their buttons, and remembering each
sent message so a button press can edit it later. Dispatch calls these as per-channel hooks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlmodel import Session

from engine.chat.telegram.callbacks import Signer
from engine.chat.telegram.keyboards import notification_rows
from engine.core.models import Notification, Person, TelegramMessage
from notifiers.base import Message
from notifiers.telegram import message_parts


def button_maker(signer: Signer):
    """Buttons for a Telegram message's notifications, signed with `signer`."""
    def buttons(session: Session, rows: Sequence[Notification], order: Sequence[int]) -> tuple:
        return notification_rows(session, rows, order, signer)
    return buttons


def remember_sent(session: Session, rows: Sequence[Notification], message: Message, provider_id: str,
                  now: datetime) -> None:
    """Keep the chat and message id a Telegram message went out in, so an action can edit it."""
    if not str(provider_id).isdigit():
        return   # sent by a stand-in that has no message to edit
    person = session.get(Person, rows[0].person_id)   # after a migration: the new chat id
    last_part = message_parts(message)[-1]   # the part the keyboard hangs on
    sent = TelegramMessage(chat_id=str(person.telegram), message_id=int(provider_id), message_key=message.key,
                           html=last_part, buttons=[list(map(list, row)) for row in message.buttons], sent_at=now)
    session.add(sent)
    session.flush()
    for row in rows:
        row.telegram_message_id = sent.id
        session.add(row)
