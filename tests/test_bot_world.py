"""The world the bot tests share (no tests here): the example org, the default rules, a small
plan of the Phòng Văn hóa - Xã hội, the fake Bot API, and `dondoc run --once` as the engine.

People (config/org.yaml) and their chats:
    Cao Văn Nghĩa   officer,    Phòng Văn hóa - Xã hội          100000012
    Lý Thị Mai      supervisor, head of Phòng Văn hóa - Xã hội  100000011
    Trần Văn An     chairman                                    100000001
    Trịnh Văn Nam   supervisor, head of Phòng Kinh tế           100000013
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from engine.infra.db import make_engine
from engine.core.models import Event, Notification, Person, Task
from tests.fakes.telegram_api import telegram_api

NGHIA, MAI, AN, NAM = 100000012, 100000011, 100000001, 100000013
IMPORTED = "2025-10-06T09:00+07:00"
PLAN = """\
plan: {title: Kế hoạch thử nghiệm năm 2025, issuer: UBND xã Hòa Phong, year: 2025}
tasks:
  - {ref: VH-1, title: Rà soát thủ tục hành chính lĩnh vực văn hóa, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, deadline: Trước 15/10/2025, due: 2025-10-14}
  - {ref: VH-2, title: Báo cáo công tác thông tin cơ sở, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, due: 2025-10-21}
  - {ref: VH-3, title: Tuyên truyền cải cách hành chính, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, deadline: Thường xuyên}
  - {ref: KT-1, title: Kiểm tra hộ kinh doanh trên địa bàn, lead: Phòng Kinh tế, due: 2025-10-08}
"""


class BotWorld:
    """The CLI, the fake Bot API and the database of one test."""

    def __init__(self, cli, tg, tmp_path):
        self.cli, self.tg, self.tmp = cli, tg, tmp_path
        self.engine = make_engine(os.environ["DONDOC_DATABASE_URL"])
        self.tz = ZoneInfo("Asia/Ho_Chi_Minh")

    def ok(self, now: str, *args):
        result = self.cli("--now", now, *args)
        assert result.code == 0, result.err
        return result

    def run(self, now: str) -> dict:
        """One `dondoc run --once`: the waiting updates, a sweep, dispatch."""
        return self.ok(now, "run", "--once", "--json").json()

    def invite(self, person: str, now: str = IMPORTED) -> dict:
        return self.ok(now, "people", "invite", person, "--json").json()

    @contextmanager
    def db(self):
        with Session(self.engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    def task(self, ref: str) -> Task:
        with self.db() as s:
            return s.exec(select(Task).where(Task.ref == ref)).one()

    def person(self, code: str) -> Person:
        with self.db() as s:
            return s.exec(select(Person).where(Person.code == code)).one()

    def show(self, ref: str) -> dict:
        return self.ok(IMPORTED, "task", "show", str(self.task(ref).id), "--json").json()

    def events(self, kind: str | None = None) -> list[Event]:
        with self.db() as s:
            query = select(Event).order_by(Event.id)
            if kind:
                query = query.where(Event.kind == kind)
            return s.exec(query).all()

    def notifications(self, **where) -> list[Notification]:
        with self.db() as s:
            rows = s.exec(select(Notification).order_by(Notification.id)).all()
        return [n for n in rows if all(getattr(n, k) == v for k, v in where.items())]

    def said(self, chat: int, text: str) -> dict:
        """The latest message to `chat` whose text contains `text`."""
        found = [m for m in self.tg.to(chat) if text in m["text"]]
        assert found, f"no message to {chat} with {text!r}: {[m['text'][:60] for m in self.tg.to(chat)]}"
        return found[-1]

    def act(self, chat: int, title: str, action: str) -> dict:
        """Press the `action` button (start, done, extend, ack, details) for the task called `title` on
        the latest message about it, whether it came alone or in a digest; returns that message."""
        from engine.chat.keyboards import LABELS

        message = self.said(chat, title)
        single, short = LABELS[action]
        labels = self.tg.labels(message)
        if single in labels:
            self.tg.press(chat, message["message_id"], single)
            return message
        number = next(line.split(".")[0] for line in message["text"].splitlines()
                      if line[:1].isdigit() and title in line)
        self.tg.press(chat, message["message_id"], f"{number} · {short}")
        return message

    def unlink_from_org(self, code: str) -> None:
        """Empty `telegram:` of one person in org.yaml (so links come from the bot only) and reload."""
        org = self.tmp / "config" / "org.yaml"
        lines = org.read_text(encoding="utf-8").splitlines()
        out = []
        for i, line in enumerate(lines):
            if f"id: {code}," in line:
                nxt = lines[i + 1]
                lines[i + 1] = nxt[:nxt.index("telegram:")].rstrip().rstrip(",") + "}"
            out.append(line)
        org.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.ok(IMPORTED, "org", "load")


@pytest.fixture
def world(cli, monkeypatch, tmp_path):
    """Org, default rules and the test plan imported on Mon 6/10/2025; Telegram is the fake."""
    with telegram_api(limits=False) as tg:
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", tg.token)
        monkeypatch.setenv("DONDOC_TELEGRAM_BASE_URL", tg.base_url)
        monkeypatch.setenv("DONDOC_TELEGRAM_BOT_USERNAME", tg.username)
        w = BotWorld(cli, tg, tmp_path)
        plan = tmp_path / "plan.yaml"
        plan.write_text(PLAN, encoding="utf-8")
        w.ok(IMPORTED, "org", "load")
        w.ok(IMPORTED, "rules", "reload")
        w.ok(IMPORTED, "plan", "import", str(plan))
        yield w
