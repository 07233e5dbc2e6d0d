"""Signed action links for emails ("Xác nhận đã nhận", "Đã hoàn thành", "Xin gia hạn").

A link names a person, a task and an action, and when it stops working; an HMAC-SHA256 over
those signs it with `web.secret` (else a key kept in the database, the same for every instance).
Opening it changes nothing: it shows the task with the action preselected, and one POST confirms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from engine.core.models import Person, Task, WebKey
from engine.infra.errors import DondocError
from engine.infra.settings import Settings

LINK_ACTIONS = {"ack": "Xác nhận đã nhận", "done": "Đã hoàn thành", "extend": "Xin gia hạn"}


class BadLink(DondocError):
    """An action link that is not ours, was altered, or has expired."""


@dataclass(frozen=True)
class ActionLink:
    person_id: int
    task_id: int
    action: str
    expires: datetime


def signing_key(session: Session, settings: Settings, now: datetime) -> bytes:
    """web.secret, else the database's key (made on first use)."""
    if settings.web.secret is not None and settings.web.secret.get_secret_value():
        return settings.web.secret.get_secret_value().encode()
    row = session.exec(select(WebKey).order_by(WebKey.id)).first()
    if row is None:
        row = WebKey(secret=secrets.token_urlsafe(32), created_at=now)
        session.add(row)
        session.flush()
    return row.secret.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, link: ActionLink) -> str:
    body = _b64(json.dumps([link.person_id, link.task_id, link.action, int(link.expires.timestamp())],
                           separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def read(key: bytes, token: str, now: datetime) -> ActionLink:
    """The link a token carries; BadLink if it is altered, unknown or expired."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise BadLink("Liên kết không hợp lệ. (Invalid link.)")
    try:
        person_id, task_id, action, expires = json.loads(_unb64(body))
    except (ValueError, TypeError):
        raise BadLink("Liên kết không hợp lệ. (Invalid link.)") from None
    link = ActionLink(int(person_id), int(task_id), str(action), datetime.fromtimestamp(expires, timezone.utc))
    if link.action not in LINK_ACTIONS:
        raise BadLink("Liên kết không hợp lệ. (Invalid link.)")
    if link.expires <= now:
        raise BadLink("Liên kết đã hết hạn; đề nghị đăng nhập để thao tác. (This link has expired.)")
    return link


def action_url(session: Session, settings: Settings, person: Person, task: Task, action: str,
               now: datetime) -> str:
    """The signed link for `person` to take `action` on `task` (for an email)."""
    if action not in LINK_ACTIONS:
        raise ValueError(f"no action link for {action!r}")
    link = ActionLink(person.id, task.id, action, now + timedelta(days=settings.web.action_link_days))
    return f"{settings.web.base_url}/act/{sign(signing_key(session, settings, now), link)}"


def action_urls(session: Session, settings: Settings, person: Person, task: Task, now: datetime) -> dict[str, str]:
    """Every action link for one email: action -> URL."""
    return {action: action_url(session, settings, person, task, action, now) for action in LINK_ACTIONS}


def email_buttons(settings: Settings, clock):
    """A dispatch ButtonMaker for email: per task of the message, its action links as (label, URL),
    which the email notifier shows as links. Acknowledge where an escalation asks for it; done and
    extension for the person who may update the task."""
    from engine.core.access import may_update
    from engine.core.models import Notification
    from engine.core.vocabulary import ACTIVE

    def buttons(session: Session, rows: "list[Notification]", order) -> tuple:
        by_id = {r.id: r for r in rows}
        ordered = [by_id[i] for i in order if i in by_id]
        now = clock.now()
        out = []
        for row in ordered:
            task, person = session.get(Task, row.task_id), session.get(Person, row.person_id)
            if task is None or person is None or task.status not in ACTIVE:
                continue
            actions = (["ack"] if row.require_ack or row.level >= 1 else []) + (
                ["done", "extend"] if may_update(session, person, task) else [])
            prefix = f"{task.ref}: " if len(ordered) > 1 else ""
            out.append(tuple((prefix + LINK_ACTIONS[a], action_url(session, settings, person, task, a, now))
                             for a in actions))
        return tuple(row for row in out if row)
    return buttons
