"""Sign-in without passwords: one-time login links and revocable browser sessions, in the database.

A login token is shown once (a link) and kept only as its sha256; it expires in 15 minutes and is
used once. A session cookie holds another random token (its hash in `web_session`), lives 30 days
from its last use and is revoked by `dondoc web logout-all`. Nothing here knows HTTP.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from engine.core.models import Person, WebLoginToken, WebSession
from engine.core.workflow import Actor, record
from engine.infra.errors import DondocError

LOGIN_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=30)
# A session's expiry is pushed forward at most this often (not on every request).
SLIDE_EVERY = timedelta(hours=1)


class LoginError(DondocError):
    """A login link that cannot sign anyone in (unknown, used, expired, person gone)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LoginLink:
    person: Person
    token: str
    expires: datetime

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/login/{self.token}"


def issue_login(session: Session, person: Person, now: datetime, sent_on: str | None = None) -> LoginLink:
    """A new one-time login token for `person` (earlier unused ones stay valid until they expire)."""
    if not person.active:
        raise DondocError(f"{person.code!r} không còn làm việc / person {person.code!r} is not active")
    token = secrets.token_urlsafe(32)
    expires = now + LOGIN_LIFETIME
    session.add(WebLoginToken(person_id=person.id, token_hash=digest(token), created_at=now,
                              expires_at=expires, sent_on=sent_on))
    return LoginLink(person, token, expires)


def check_login(session: Session, token: str, now: datetime) -> tuple[WebLoginToken, Person]:
    """The token's row and person if it can still sign in; LoginError (Vietnamese, English) if not."""
    row = session.exec(select(WebLoginToken).where(WebLoginToken.token_hash == digest(token))).first()
    if row is None:
        raise LoginError("Liên kết đăng nhập không đúng. (Unknown login link.)")
    if row.used_at is not None:
        raise LoginError("Liên kết đăng nhập này đã được dùng; đề nghị xin liên kết mới. "
                         "(This login link was already used.)")
    if row.expires_at <= now:
        raise LoginError("Liên kết đăng nhập đã hết hạn (15 phút); đề nghị xin liên kết mới. "
                         "(This login link has expired.)")
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        raise LoginError("Người dùng không còn hoạt động. (The person is no longer active.)")
    return row, person


def redeem_login(session: Session, token: str, now: datetime, channel: str = "web") -> tuple[Person, str]:
    """Use a login token once: (the person, a new session's cookie token)."""
    row, person = check_login(session, token, now)
    row.used_at = now
    session.add(row)
    cookie = start_session(session, person, now)
    record(session, "signed_in", Actor.of(person, channel), now, data={"via": "login_link"})
    return person, cookie


def start_session(session: Session, person: Person, now: datetime) -> str:
    """A new browser session for `person`; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(person_id=person.id, token_hash=digest(token), csrf_token=secrets.token_urlsafe(24),
                           created_at=now, seen_at=now, expires_at=now + SESSION_LIFETIME))
    return token


def find_session(session: Session, token: str | None, now: datetime,
                 slide: bool = True) -> tuple[WebSession, Person] | None:
    """The live session a cookie names and its (active) person; its expiry slides forward."""
    if not token:
        return None
    row = session.exec(select(WebSession).where(WebSession.token_hash == digest(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    if slide and now - row.seen_at >= SLIDE_EVERY:
        row.seen_at, row.expires_at = now, now + SESSION_LIFETIME
        session.add(row)
    return row, person


def end_session(session: Session, row: WebSession, now: datetime) -> None:
    """Sign out this browser."""
    row.revoked_at = now
    session.add(row)


def revoke_all(session: Session, person: Person, now: datetime, actor: Actor | None = None) -> int:
    """Sign `person` out everywhere (their live sessions and unused login links); how many sessions."""
    rows = session.exec(select(WebSession).where(WebSession.person_id == person.id,
                                                 WebSession.revoked_at == None,  # noqa: E711
                                                 WebSession.expires_at > now)).all()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    for link in session.exec(select(WebLoginToken).where(WebLoginToken.person_id == person.id,
                                                         WebLoginToken.used_at == None,  # noqa: E711
                                                         WebLoginToken.expires_at > now)):
        link.expires_at = now
        session.add(link)
    record(session, "signed_out_everywhere", actor or Actor("system"), now, data={"person": person.code,
                                                                                   "sessions": len(rows)})
    return len(rows)
