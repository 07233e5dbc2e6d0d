"""What the Zalo conversation adds to outgoing reminders: a line saying how to answer by number,
and remembering each sent message's numbering so "2 xong" finds its task. Dispatch calls these
as the per-channel hooks `buttons` and `on_sent` (engine/delivery/dispatch.py).

On Zalo, Message.buttons holds typed answers instead of buttons: each row's label is one line the
Zalo notifier adds under the text, and the first row's data is the message's numbering (its
notification ids in order, comma-separated), which `remember_sent` keeps. The numbers are the
digest's own ("1.", "2." in digest order); a single reminder is task 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlmodel import Session, select

from engine.chat.conversation import offers
from engine.core.models import Notification, Task, ZaloMessage
from notifiers.base import Message

EXAMPLES = {"done": "{n} xong", "start": "{n} đang làm", "extend": "{n} gia hạn 20/12 lý do …",
            "ack": "{n} đã nhận", "details": "{n} chi tiết"}


def hints(session: Session, rows: Sequence[Notification], order: Sequence[int]) -> tuple:
    """The answer line of a message whose notifications are `order` (numbered from 1)."""
    by_id = {r.id: r for r in rows}
    offered: dict[str, int] = {}
    for number, nid in enumerate(order, start=1):
        task = session.get(Task, by_id[nid].task_id)
        for action in offers(by_id[nid], task):
            offered.setdefault(action, number)
    if not offered:
        return ()
    single = len(order) == 1       # one task: no number needed ("xong"; "1 xong" works too)
    said = " · ".join(f"«{EXAMPLES[a].format(n='' if single else n).strip()}»" for a, n in offered.items())
    how = "Trả lời tin này" if single else "Trả lời theo số thứ tự của việc"
    line = f"↩️ {how}: {said}. Gõ «trogiup» để xem hướng dẫn."
    return (((line, ",".join(str(i) for i in order)),),)


def remember_sent(session: Session, rows: Sequence[Notification], message: Message, provider_id: str,
                  now: datetime) -> None:
    """Keep the numbering of a sent message, for the answers that name a number."""
    if not message.buttons or not message.recipient.zalo:
        return
    order = [int(i) for i in str(message.buttons[0][0][1]).split(",") if i.isdigit()]
    session.add(ZaloMessage(chat_id=str(message.recipient.zalo), message_key=message.key, targets=order,
                            sent_at=now))


def target(session: Session, chat_id: str, number: int | None) -> int | None:
    """The notification `number` names in the latest numbered message to this chat (no number:
    the message's only task); None when it names none."""
    latest = session.exec(select(ZaloMessage).where(ZaloMessage.chat_id == chat_id)
                          .order_by(ZaloMessage.id.desc())).first()
    if latest is None or not latest.targets:
        return None
    if number is None:
        return latest.targets[0] if len(latest.targets) == 1 else None
    return latest.targets[number - 1] if 1 <= number <= len(latest.targets) else None

