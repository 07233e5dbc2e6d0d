"""Linking chats to people, on every chat app: one-time invite codes (/start CODE on Telegram,
the code itself on Zalo), /huy, and org reloads.

Who a chat belongs to is the person's contact field for that app, `Person.telegram` or
`Person.zalo` (what sweep and dispatch use). A link made through the bot is also kept in
`telegram_link` (with its `channel`; the table kept its first name), because `dondoc org load`
rewrites those fields from org.yaml. The rule, applied by `dondoc org load` (engine.core.org.load_org):

- org.yaml leaves `telegram:` / `zalo:` empty  -> the chat linked through the bot stays;
- org.yaml names a chat                        -> org.yaml wins; a different bot link is ended (an event),
  except a person's own chat when org.yaml names a group chat: messages go to the group, and the link
  says which user in it is that person (only users act, never a group: `person_for_user`).

Telegram codes go into a deep link; Zalo has none, so its codes are short enough to type
(8 characters without look-alikes, read case-insensitively).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, or_, select

from engine.infra.errors import DondocError
from engine.core.models import Person, TelegramInvite, TelegramLink, Unit
from engine.core.workflow import Actor, record

INVITE_LIFETIME = timedelta(days=7)
PLACEHOLDER_BOT = "dondoc_bot"
TYPED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I/L: read aloud or typed on a phone
TYPED_LENGTH = 8


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _on(column, channel: str):
    """Rows of `channel`; rows from before the column existed are Telegram's."""
    return or_(column == channel, column == None) if channel == "telegram" else column == channel  # noqa: E711


def _new_code(channel: str) -> str:
    if channel == "telegram":
        return secrets.token_urlsafe(12)   # 16 characters of [A-Za-z0-9_-]: what deep links allow
    return "".join(secrets.choice(TYPED_ALPHABET) for _ in range(TYPED_LENGTH))


@dataclass(frozen=True)
class Invite:
    person: Person
    code: str
    link: str | None            # Telegram's deep link (None on Zalo: the officer sends the code)
    expires_at: datetime
    placeholder: bool           # the bot's username is not configured: the link names a placeholder


def create_invite(session: Session, person: Person, now: datetime, bot_username: str | None,
                  actor: Actor = Actor("cli"), channel: str = "telegram") -> Invite:
    """A new one-time code for `person` on `channel`; older unused codes of theirs there stop working."""
    if not person.active:
        raise DondocError(f"person {person.code!r} is not active")
    for old in session.exec(select(TelegramInvite).where(TelegramInvite.person_id == person.id,
                                                         _on(TelegramInvite.channel, channel),
                                                         TelegramInvite.used_at == None,  # noqa: E711
                                                         TelegramInvite.revoked_at == None)):  # noqa: E711
        old.revoked_at = now
        session.add(old)
    code = _new_code(channel)
    invite = TelegramInvite(person_id=person.id, code_hash=_hash(code), created_at=now,
                            expires_at=now + INVITE_LIFETIME, channel=channel)
    session.add(invite)
    session.flush()
    record(session, f"{channel}_invited", actor, now,
           data={"person": person.code, "invite": invite.id, "expires": invite.expires_at.isoformat()})
    if channel != "telegram":
        return Invite(person, code, None, invite.expires_at, False)
    username = (bot_username or "").lstrip("@") or PLACEHOLDER_BOT
    return Invite(person, code, f"https://t.me/{username}?start={code}", invite.expires_at,
                  not bot_username)


def person_for_chat(session: Session, *chat_ids: str | int | None, channel: str = "telegram") -> Person | None:
    """The active person a chat of `channel` belongs to (the first of `chat_ids` that is linked)."""
    field = getattr(Person, channel)
    for chat in chat_ids:
        if chat is None:
            continue
        link = session.exec(select(TelegramLink).where(TelegramLink.chat_id == str(chat),
                                                       _on(TelegramLink.channel, channel),
                                                       TelegramLink.unlinked_at == None)  # noqa: E711
                            .order_by(TelegramLink.id.desc())).first()
        if link is not None:
            person = session.get(Person, link.person_id)
            if person is not None and person.active and getattr(person, channel) == str(chat):
                return person
        person = session.exec(select(Person).where(field == str(chat),
                                                   Person.active == True)  # noqa: E712
                              .order_by(Person.id)).first()
        if person is not None:
            return person
    return None


def person_for_user(session: Session, *user_chats: str | int | None, channel: str = "telegram") -> Person | None:
    """The active person a user of `channel` is (the first of `user_chats`, the user's own chats, that is
    linked): whose contact it is, or who linked it through the bot while org.yaml sends their messages to
    a group chat (see `reconcile`). Never a group chat: anyone in it may write or press."""
    for chat in user_chats:
        if chat is None:
            continue
        person = person_for_chat(session, chat, channel=channel)
        if person is not None:
            return person
        link = session.exec(select(TelegramLink).where(TelegramLink.chat_id == str(chat),
                                                       _on(TelegramLink.channel, channel),
                                                       TelegramLink.unlinked_at == None)  # noqa: E711
                            .order_by(TelegramLink.id.desc())).first()
        person = session.get(Person, link.person_id) if link is not None else None
        if person is not None and person.active:
            return person
    return None


def _group_chat(channel: str, chat: str | None) -> bool:
    """A Telegram group or channel chat (negative ids); other apps' ids do not tell."""
    return channel == "telegram" and (chat or "").startswith("-")


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    reason: str                 # linked | already | unknown | used | expired | taken | inactive
    person: Person | None = None
    unit: Unit | None = None
    other: Person | None = None     # `taken`: who the chat belongs to


def redeem(session: Session, code: str, chat_id: str, now: datetime, channel: str = "telegram") -> LinkResult:
    """Link `chat_id` (of `channel`) to the person whose invite `code` is; a bad code links nothing."""
    # Typed codes (Zalo) are upper case; a Telegram code is matched exactly.
    hashes = [_hash(code)] if channel == "telegram" else [_hash(code.upper())]
    invite = session.exec(select(TelegramInvite).where(TelegramInvite.code_hash.in_(hashes),
                                                       _on(TelegramInvite.channel, channel))).first()
    if invite is None:
        return LinkResult(False, "unknown")
    if invite.used_at is not None or invite.revoked_at is not None:
        return LinkResult(False, "used")
    if invite.expires_at <= now:
        return LinkResult(False, "expired")
    person = session.get(Person, invite.person_id)
    if person is None or not person.active:
        return LinkResult(False, "inactive")
    other = person_for_user(session, chat_id, channel=channel)
    if other is not None and other.id != person.id:
        return LinkResult(False, "taken", person, other=other)
    invite.used_at, invite.used_chat = now, str(chat_id)
    session.add(invite)
    reason = "already" if getattr(person, channel) == str(chat_id) else "linked"
    link(session, person, str(chat_id), now, invite.id, channel)
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    return LinkResult(True, reason, person, unit)


def link(session: Session, person: Person, chat_id: str, now: datetime, invite_id: int | None = None,
         channel: str = "telegram") -> None:
    """Make `chat_id` the person's chat on `channel`, ending any earlier link of theirs there."""
    old_chat = getattr(person, channel)
    for old in _active_links(session, person, channel):
        old.unlinked_at, old.unlink_reason = now, "relinked"
        session.add(old)
    session.add(TelegramLink(person_id=person.id, chat_id=chat_id, invite_id=invite_id, linked_at=now,
                             channel=channel))
    setattr(person, channel, chat_id)
    setattr(person, f"{channel}_broken", None)
    session.add(person)
    record(session, f"{channel}_linked", Actor.of(person, channel), now,
           data={"person": person.code, "chat": chat_id, "previous": old_chat or None, "invite": invite_id})


def unlink(session: Session, person: Person, now: datetime, reason: str = "user",
           actor: Actor | None = None, channel: str = "telegram") -> str | None:
    """Forget the person's chat on `channel`; returns the chat that was linked."""
    chat = getattr(person, channel)
    for old in _active_links(session, person, channel):
        old.unlinked_at, old.unlink_reason = now, reason
        session.add(old)
    setattr(person, channel, None)
    session.add(person)
    record(session, f"{channel}_unlinked", actor or Actor.of(person, channel), now,
           data={"person": person.code, "chat": chat, "reason": reason})
    return chat


def _active_links(session: Session, person: Person, channel: str) -> list[TelegramLink]:
    return list(session.exec(select(TelegramLink).where(TelegramLink.person_id == person.id,
                                                        _on(TelegramLink.channel, channel),
                                                        TelegramLink.unlinked_at == None)))  # noqa: E711


def reconcile(session: Session, now: datetime) -> int:
    """End the bot links a chat named in org.yaml has replaced; returns how many (load_org keeps the rest)."""
    changed = 0
    for entry in session.exec(select(TelegramLink).where(TelegramLink.unlinked_at == None)).all():  # noqa: E711
        person = session.get(Person, entry.person_id)
        channel = entry.channel or "telegram"
        if person is None or getattr(person, channel) == entry.chat_id:
            continue
        if _group_chat(channel, getattr(person, channel)) and not _group_chat(channel, entry.chat_id):
            continue   # messages go to a group; the person's own chat stays linked: who may act there
        entry.unlinked_at, entry.unlink_reason = now, "org_file"
        session.add(entry)
        record(session, f"{channel}_unlinked", Actor("system", channel), now,
               data={"person": person.code, "chat": entry.chat_id, "reason": "org_file",
                     "org_chat": getattr(person, channel)})
        changed += 1
    return changed

