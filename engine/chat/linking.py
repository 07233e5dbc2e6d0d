"""Linking Telegram chats to people: one-time invite codes, /start CODE, /huy, and org reloads.

Who a chat belongs to is `Person.telegram` (what sweep and dispatch use). A link made through
the bot is also kept in `telegram_link`, because `dondoc org load` rewrites Person.telegram from
org.yaml. The rule, applied by `dondoc org load` (engine.core.org.load_org):

- org.yaml leaves `telegram:` empty  -> the chat linked through the bot stays;
- org.yaml names a chat              -> org.yaml wins; a different bot link is ended (an event).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from engine.infra.errors import DondocError
from engine.core.models import Person, TelegramInvite, TelegramLink, Unit
from engine.core.workflow import Actor, record

INVITE_LIFETIME = timedelta(days=7)
PLACEHOLDER_BOT = "dondoc_bot"
SYSTEM = Actor("system", "telegram")


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    person: Person
    code: str
    link: str
    expires_at: datetime
    placeholder: bool           # the bot's username is not configured: the link names a placeholder


def create_invite(session: Session, person: Person, now: datetime, bot_username: str | None,
                  actor: Actor = Actor("cli")) -> Invite:
    """A new one-time code for `person`; older unused codes of theirs stop working."""
    if not person.active:
        raise DondocError(f"person {person.code!r} is not active")
    for old in session.exec(select(TelegramInvite).where(TelegramInvite.person_id == person.id,
                                                         TelegramInvite.used_at == None,  # noqa: E711
                                                         TelegramInvite.revoked_at == None)):  # noqa: E711
        old.revoked_at = now
        session.add(old)
    code = secrets.token_urlsafe(12)       # 16 characters of [A-Za-z0-9_-]: what deep links allow
    invite = TelegramInvite(person_id=person.id, code_hash=_hash(code), created_at=now,
                            expires_at=now + INVITE_LIFETIME)
    session.add(invite)
    session.flush()
    username = (bot_username or "").lstrip("@") or PLACEHOLDER_BOT
    record(session, "telegram_invited", actor, now,
           data={"person": person.code, "invite": invite.id, "expires": invite.expires_at.isoformat()})
    return Invite(person, code, f"https://t.me/{username}?start={code}", invite.expires_at,
                  not bot_username)


def person_for_chat(session: Session, *chat_ids: str | int | None) -> Person | None:
    """The active person a chat belongs to (the first of `chat_ids` that is linked)."""
    for chat in chat_ids:
        if chat is None:
            continue
        link = session.exec(select(TelegramLink).where(TelegramLink.chat_id == str(chat),
                                                       TelegramLink.unlinked_at == None)  # noqa: E711
                            .order_by(TelegramLink.id.desc())).first()
        if link is not None:
            person = session.get(Person, link.person_id)
            if person is not None and person.active and person.telegram == str(chat):
                return person
        person = session.exec(select(Person).where(Person.telegram == str(chat),
                                                   Person.active == True)  # noqa: E712
                              .order_by(Person.id)).first()
        if person is not None:
            return person
    return None


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    reason: str                 # linked | already | unknown | used | expired | taken | inactive
    person: Person | None = None
    unit: Unit | None = None
    other: Person | None = None     # `taken`: who the chat belongs to


def redeem(session: Session, code: str, chat_id: str, now: datetime) -> LinkResult:
    """Link `chat_id` to the person whose invite `code` is; a bad code links nothing."""
    invite = session.exec(select(TelegramInvite).where(TelegramInvite.code_hash == _hash(code))).first()
    if invite is None:
        return LinkResult(False, "unknown")
    if invite.used_at is not None or invite.revoked_at is not None:
        return LinkResult(False, "used")
    if invite.expires_at <= now:
        return LinkResult(False, "expired")
    person = session.get(Person, invite.person_id)
    if person is None or not person.active:
        return LinkResult(False, "inactive")
    other = person_for_chat(session, chat_id)
    if other is not None and other.id != person.id:
        return LinkResult(False, "taken", person, other=other)
    invite.used_at, invite.used_chat = now, str(chat_id)
    session.add(invite)
    reason = "already" if person.telegram == str(chat_id) else "linked"
    link(session, person, str(chat_id), now, invite.id)
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    return LinkResult(True, reason, person, unit)


def link(session: Session, person: Person, chat_id: str, now: datetime, invite_id: int | None = None) -> None:
    """Make `chat_id` the person's Telegram chat, ending any earlier link of theirs."""
    old_chat = person.telegram
    for old in _active_links(session, person):
        old.unlinked_at, old.unlink_reason = now, "relinked"
        session.add(old)
    session.add(TelegramLink(person_id=person.id, chat_id=chat_id, invite_id=invite_id, linked_at=now))
    person.telegram, person.telegram_broken = chat_id, None
    session.add(person)
    record(session, "telegram_linked", Actor.of(person, "telegram"), now,
           data={"person": person.code, "chat": chat_id, "previous": old_chat or None, "invite": invite_id})


def unlink(session: Session, person: Person, now: datetime, reason: str = "user",
           actor: Actor | None = None) -> str | None:
    """Forget the person's Telegram chat; returns the chat that was linked."""
    chat = person.telegram
    for old in _active_links(session, person):
        old.unlinked_at, old.unlink_reason = now, reason
        session.add(old)
    person.telegram = None
    session.add(person)
    record(session, "telegram_unlinked", actor or Actor.of(person, "telegram"), now,
           data={"person": person.code, "chat": chat, "reason": reason})
    return chat


def _active_links(session: Session, person: Person) -> list[TelegramLink]:
    return list(session.exec(select(TelegramLink).where(TelegramLink.person_id == person.id,
                                                        TelegramLink.unlinked_at == None)))  # noqa: E711


def reconcile(session: Session, now: datetime) -> int:
    """End the bot links a chat named in org.yaml has replaced; returns how many (load_org keeps the rest)."""
    changed = 0
    for entry in session.exec(select(TelegramLink).where(TelegramLink.unlinked_at == None)).all():  # noqa: E711
        person = session.get(Person, entry.person_id)
        if person is None or person.telegram == entry.chat_id:
            continue
        entry.unlinked_at, entry.unlink_reason = now, "org_file"
        session.add(entry)
        record(session, "telegram_unlinked", SYSTEM, now,
               data={"person": person.code, "chat": entry.chat_id, "reason": "org_file",
                     "org_chat": person.telegram})
        changed += 1
    return changed
