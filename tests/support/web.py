"""The web page's test world: the example org, the default rules and a small plan whose tasks
each stand for one case of who sees what, served by the real app through FastAPI's TestClient
on a fixed clock that a test may move.

    ref    lead unit                      assignee  domain       seen by (besides admins and the chairman)
    VH-1   Phòng Văn hóa - Xã hội         Nghĩa     other        Nghĩa, Mai (head), Bích (oversees the unit)
    VH-2   Phòng Văn hóa - Xã hội         Mai       other        Nghĩa (his unit's), Mai, Bích
    KT-1   Phòng Kinh tế                  Nam       other        Nam (head)
    TP-1   Tư pháp - Hộ tịch              Em        procedures   Bích (oversees the domain)
    ALL-1  Các cơ quan, đơn vị (a group)  —         other        everyone of the commune
    X-1    —                              —         other        the chairman only
    X-2    —                              —         procedures   the chairman, Bích

An import assigns a task to its lead unit's head when the plan names nobody (Mai, Nam, Em).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from engine.context import AppContext
from engine.core.models import Event, Person, Task
from engine.infra.db import make_engine
from engine.web.app import create_app
from engine.web.signin import issue_login
from tests.support.world import TZ

NOW = datetime(2025, 10, 7, 9, 0, tzinfo=TZ)
IMPORTED = "2025-10-06T09:00+07:00"
WEB_PLAN = """\
plan: {title: Kế hoạch thử trang web năm 2025, issuer: UBND xã Hòa Phong, year: 2025}
tasks:
  - {ref: VH-1, title: Rà soát thủ tục hành chính lĩnh vực văn hóa, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, due: 2025-10-14}
  - {ref: VH-2, title: Báo cáo công tác thông tin cơ sở, lead: Phòng Văn hóa - Xã hội, due: 2025-10-21}
  - {ref: KT-1, title: Kiểm tra hộ kinh doanh trên địa bàn, lead: Phòng Kinh tế, due: 2025-10-08}
  - {ref: TP-1, title: Công khai thủ tục hộ tịch, lead: Tư pháp - Hộ tịch, domain: procedures, due: 2025-10-30}
  - {ref: ALL-1, title: Tự kiểm tra công tác cải cách hành chính, lead: "Các cơ quan, đơn vị thuộc UBND xã",
     due: 2025-11-14}
  - {ref: X-1, title: Việc chưa rõ đơn vị chủ trì, due: 2025-11-20}
  - {ref: X-2, title: Số hóa hồ sơ thủ tục, domain: procedures, due: 2025-11-21}
"""
REFS = ("VH-1", "VH-2", "KT-1", "TP-1", "ALL-1", "X-1", "X-2")
NGHIA, MAI, NAM, BICH, AN, DUNG = ("pvhxh-cao-van-nghia", "pvhxh-ly-thi-mai", "pkt-trinh-van-nam",
                                   "pct-nguyen-thi-bich", "ct-tran-van-an", "nv-do-thi-dung")
ADMIN = "tp-hoang-van-em"
# Who sees which tasks (the module docstring's table).
SEES = {
    NGHIA: {"VH-1", "VH-2", "ALL-1"},
    MAI: {"VH-1", "VH-2", "ALL-1"},
    NAM: {"KT-1", "ALL-1"},
    BICH: {"VH-1", "VH-2", "TP-1", "ALL-1", "X-2"},
    DUNG: {"ALL-1"},
    AN: set(REFS),
    ADMIN: set(REFS),
}


def build_web_world(cli, tmp_path) -> None:
    """init, the example org, the default rules, the plan above: real commands."""
    def ok(*args):
        result = cli("--now", IMPORTED, *args)
        assert result.code == 0, result.err
    ok("init")
    ok("org", "load")
    ok("rules", "reload")
    plan = tmp_path / "web-plan.yaml"
    plan.write_text(WEB_PLAN, encoding="utf-8")
    ok("plan", "import", plan)


class Web:
    """The app on a fixed clock, a TestClient per person, and the database."""

    def __init__(self, database_url: str, now: datetime = NOW):
        self.ctx = AppContext(now=now)
        self.app = create_app(self.ctx)
        self.engine = make_engine(database_url)

    def client(self, **kw) -> TestClient:
        return TestClient(self.app, follow_redirects=False, **kw)

    def move(self, moment: datetime) -> None:
        self.ctx.clock.set(moment)

    def db(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def task(self, ref: str) -> Task:
        with self.db() as s:
            return s.exec(select(Task).where(Task.ref == ref)).one()

    def ids(self) -> dict[str, int]:
        with self.db() as s:
            return {t.ref: t.id for t in s.exec(select(Task))}

    def person(self, code: str) -> Person:
        with self.db() as s:
            return s.exec(select(Person).where(Person.code == code)).one()

    def events(self, kind: str | None = None, task_ref: str | None = None) -> list[Event]:
        with self.db() as s:
            query = select(Event).order_by(Event.id)
            if kind:
                query = query.where(Event.kind == kind)
            if task_ref:
                query = query.where(Event.task_id == self.task(task_ref).id)
            return list(s.exec(query))

    def login_token(self, code: str) -> str:
        with self.db() as s:
            link = issue_login(s, s.exec(select(Person).where(Person.code == code)).one(), self.ctx.now())
            s.commit()
        return link.token

    def signed_in(self, code: str) -> TestClient:
        """A client signed in as `code` through the real flow: GET the link, POST its form."""
        client = self.client()
        token = self.login_token(code)
        page = client.get(f"/login/{token}")
        assert page.status_code == 200, page.text
        answer = client.post(f"/login/{token}", data={"csrf_token": csrf_of(page.text), "next": "/"})
        assert answer.status_code == 303, answer.text
        return client


def session_csrf(client: TestClient) -> str:
    """The CSRF token of the client's session (every page's <meta name="csrf-token">)."""
    page = client.get("/login")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
def web(cli, env, config_dir, tmp_path, snapshots) -> Web:
    """The world above, built once per test session by real commands and copied."""
    snapshots.build_or_copy("web", tmp_path, config_dir, lambda: build_web_world(cli, tmp_path),
                            files=["web-plan.yaml"])
    return Web(env["DONDOC_DATABASE_URL"])


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)
