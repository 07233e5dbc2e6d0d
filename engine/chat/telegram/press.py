"""A Telegram button press: verify the signed data (engine/chat/telegram/callbacks.py), then the
action it names goes through the conversation like any other (engine/chat/conversation.py), and
what it marks on the pressed message becomes an edit of it (engine/chat/telegram/edits.py).

Forged data (a bad signature, or signed with an older key) changes nothing and is answered.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from engine.chat.telegram.callbacks import BadCallback
from engine.chat.commands import Chat
from engine.chat.conversation import Args, perform
from engine.chat.replies import BotEnv, Outcome, Where
from engine.chat.telegram.edits import make_edits

FORGED = "⚠️ Nút này không hợp lệ hoặc đã hết hiệu lực. (Invalid button.)"


def press(session: Session, env: BotEnv, chat: Chat, message_id: int | None, data: str | None,
          fallback_html: str | None, now: datetime) -> Outcome:
    """Handle one button press (callback query) on a message dondoc sent."""
    try:
        cb = env.signer.decode(data)
    except BadCallback:
        return Outcome(FORGED, alert=True)
    where = Where(chat.chat_id, message_id, fallback_html)
    return make_edits(session, perform(session, env, chat, cb.action, Args(cb.target, where=where), now), now)
