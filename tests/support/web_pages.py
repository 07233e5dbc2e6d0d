"""The web pages' test world: the chat world (tests/support/world.py) a week and a half after its
plan was imported, escalations sent, and a signed-in TestClient for anyone in config/org.yaml.

    Cao Văn Nghĩa  officer of Phòng Văn hóa - Xã hội, assignee of VH-1..3
    Lý Thị Mai     head of Phòng Văn hóa - Xã hội: VH-1's level-1 escalation (overdue since 14/10)
    Trịnh Văn Nam  head of Phòng Kinh tế: KT-1's level-1 escalation (overdue since 8/10)
    Trần Văn An    chairman: KT-1's level-2 escalation
    Hoàng Văn Em   admin (officer of Tư pháp - Hộ tịch, no task of the plan)
"""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from engine.context import AppContext
from engine.core.models import Person, WebSession
from engine.web.app import create_app
from engine.web.auth import SESSION_COOKIE
from engine.web.signin import start_session
from tests.support.world import World, at

NGHIA, MAI, NAM, AN, EM = ("pvhxh-cao-van-nghia", "pvhxh-ly-thi-mai", "pkt-trinh-van-nam", "ct-tran-van-an",
                           "tp-hoang-van-em")
BICH = "pct-nguyen-thi-bich"
SENT = at(2025, 10, 17, 9, 0)      # the run that sends the escalations
NOW = at(2025, 10, 17, 10, 0)      # when the pages are looked at
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def escalate(world: World) -> None:
    """One engine run on Fri 17/10/2025: reminders and the escalations of VH-1 and KT-1 go out."""
    world.run(SENT)


def app_at(now: datetime = NOW):
    return create_app(AppContext(now=now))


def signed_in(world: World, code: str, app=None, now: datetime = NOW) -> TestClient:
    """A client with a live session for person `code` (the cookie a login link would set)."""
    client = TestClient(app or app_at(now), follow_redirects=False)
    with world.db() as s:
        person = s.exec(select(Person).where(Person.code == code)).one()
        cookie = start_session(s, person, now)
    client.cookies.set(SESSION_COOKIE, cookie)
    return client


def csrf(world: World, client: TestClient) -> str:
    """The CSRF token of the client's session."""
    from engine.web.signin import digest

    with world.db() as s:
        row = s.exec(select(WebSession).where(WebSession.token_hash == digest(client.cookies[SESSION_COOKIE]))).one()
        return row.csrf_token


def page_csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)
