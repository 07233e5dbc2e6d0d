"""Which buttons a notification's Telegram message carries, and how a keyboard changes after an action.

- A reminder to the task's assignee (level 0): Đang thực hiện (if not started), Đã hoàn thành,
  Xin gia hạn (if the task has a due day).
- An escalation (level >= 1): Đã nhận, Xem chi tiết.
- Anything else (e.g. "set a date" to admins): no buttons.

A digest gives each task its own row, numbered like the digest's list ("2 · Xong"), at most
MAX_ROWS rows (Telegram keyboards stay usable on a phone; /viec lists everything).
"""

from __future__ import annotations

from typing import Sequence

from sqlmodel import Session

from engine.chat.conversation import offers as actions_for
from engine.chat.telegram.callbacks import Signer
from engine.core.models import Notification, Task
from notifiers.base import Button, Rows

MAX_ROWS = 20

LABELS = {  # action: (single message, digest row)
    "start": ("▶️ Đang thực hiện", "Đang làm"),
    "done": ("✅ Đã hoàn thành", "Xong"),
    "extend": ("⏳ Xin gia hạn", "Gia hạn"),
    "ack": ("👁 Đã nhận", "Đã nhận"),
    "details": ("ℹ️ Xem chi tiết", "Chi tiết"),
}


def notification_rows(session: Session, rows: Sequence[Notification], order: Sequence[int],
                      signer: Signer) -> Rows:
    """The keyboard of one message; `order` is the notification ids in the message's own order."""
    by_id = {r.id: r for r in rows}
    single = len(rows) == 1
    out: list[tuple[Button, ...]] = []
    for index, nid in enumerate(order, start=1):
        row = by_id[nid]
        task = session.get(Task, row.task_id)
        actions = actions_for(row, task)
        if not actions:
            continue
        buttons = [(LABELS[a][0] if single else f"{index} · {LABELS[a][1]}", signer.encode(a, row.id))
                   for a in actions]
        if single:
            # Two to a row: the Vietnamese labels stay whole on a phone.
            out.extend(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
        else:
            out.append(tuple(buttons))
        if len(out) >= MAX_ROWS:
            break
    return tuple(out)


def target_of(data: str) -> int | None:
    """The id a button names, read without verifying (for layout only, never for acting)."""
    parts = data.split(".")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def without(rows: Sequence[Sequence[Sequence[str]]], targets: set[int]) -> Rows:
    """The keyboard minus the buttons that act on `targets` (one task's rows in a digest)."""
    kept = []
    for row in rows:
        buttons = tuple((str(label), str(data)) for label, data in row if target_of(str(data)) not in targets)
        if buttons:
            kept.append(buttons)
    return tuple(kept)
