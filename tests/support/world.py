"""The one world the tests share: a copy of config/, a real SQLite file, the `dondoc` CLI run
in-process at chosen moments, and, for the conversation tests, the fake Bot API (Telegram) or
the fake Zalo Bot API (the `zalo_world` fixture, `world.zl`).

The `world` fixture (tests/conftest.py) builds it. Marked `@pytest.mark.chat`, a test gets the
example org, the default rules and the small plan below imported on Mon 6/10/2025, with the fake
Bot API in `world.tg`. People of config/org.yaml the conversation tests talk to, and their chats:
    Cao Văn Nghĩa   officer,    Phòng Văn hóa - Xã hội          100000012
    Lý Thị Mai      supervisor, head of Phòng Văn hóa - Xã hội  100000011
    Trần Văn An     chairman                                    100000001
    Trịnh Văn Nam   supervisor, head of Phòng Kinh tế           100000013
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from engine.chat.telegram.callbacks import Signer
from engine.chat.commands import Chat
from engine.chat.replies import BotEnv, Outcome
from engine.chat.telegram.words import TELEGRAM
from engine.context import AppContext
from engine.core.calendar import WorkCalendar
from engine.core.models import Event, Notification, Person, Task, Timer
from engine.infra.db import make_engine, transaction
from engine.reminders.rulestore import active_ruleset, evaluator
from engine.reminders.sweep import sweep
from tests.fakes.telegram_api import visible_text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NGHIA, MAI, AN, NAM = 100000012, 100000011, 100000001, 100000013
IMPORTED = "2025-10-06T09:00+07:00"
CHAT_PLAN = """\
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


def at(y, m, d, h=7, mi=30) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


def fired(rows, channel="email") -> list[tuple[str, str, str]]:
    """(rule, local fire time, recipient) of the rows on one channel, in order."""
    return [(r["rule_id"], r["fire_at"].astimezone(TZ).strftime("%a %d/%m/%Y %H:%M"), r["recipient"])
            for r in rows if r["channel"] == channel]


class World:
    """The CLI, the database (and the fake Bot API, when there is one) of one test."""

    def __init__(self, cli, database_url: str, config_dir: Path, tmp_path: Path, tg=None):
        self.cli, self.config_dir, self.tmp, self.tg = cli, config_dir, tmp_path, tg
        self.zl = None
        self.engine = make_engine(database_url)
        self.cal = WorkCalendar()
        self.tz = TZ

    # -- the CLI -------------------------------------------------------------------------

    def ok(self, now: datetime | str, *args):
        """`dondoc --now NOW ARGS...`, which must succeed."""
        result = self.cli("--now", now if isinstance(now, str) else now.isoformat(), *args)
        assert result.code == 0, result.err
        return result

    def run(self, now: datetime | str) -> dict:
        """One `dondoc run --once`: the waiting updates, a sweep, dispatch; returns its summary."""
        return self.ok(now, "run", "--once", "--json").json()

    def rules(self, text: str, now: datetime) -> None:
        (self.config_dir / "rules.yaml").write_text(text, encoding="utf-8")
        self.ok(now, "rules", "reload")

    def plan(self, tasks_yaml: str, now: datetime, year: int = 2025) -> dict[str, int]:
        """Import a plan of these tasks; returns task ids by ref."""
        path = self.tmp / "plan.yaml"
        path.write_text(f"plan:\n  title: Kế hoạch thử\n  issuer: UBND xã Hòa Phong\n  year: {year}\n"
                        f"tasks:\n{tasks_yaml}", encoding="utf-8")
        self.ok(now, "plan", "import", path)
        with self.db() as s:
            return {t.ref: t.id for t in s.exec(select(Task))}

    def invite(self, person: str, now: str = IMPORTED) -> dict:
        return self.ok(now, "people", "invite", person, "--json").json()

    def show(self, ref: str) -> dict:
        return self.ok(IMPORTED, "task", "show", str(self.task(ref).id), "--json").json()

    # -- the reminder pipeline without the CLI -------------------------------------------

    def sweep(self, now: datetime) -> list[dict]:
        with self.db() as s:
            return sweep(s, evaluator(s, active_ruleset(s), self.cal), now)

    def run_until(self, end: datetime) -> list[dict]:
        """Sweep at every timer moment up to `end`, like the daemon would."""
        out = []
        while True:
            with self.db() as s:
                nxt = min((t.fire_at for t in s.exec(select(Timer))), default=None)
            if nxt is None or nxt > end:
                return out
            out.extend(self.sweep(nxt))

    # -- the database ------------------------------------------------------------------

    @contextmanager
    def db(self) -> Iterator[Session]:
        with transaction(self.engine) as session:
            yield session

    def task(self, ref: str) -> Task:
        with self.db() as s:
            return s.exec(select(Task).where(Task.ref == ref)).one()

    def person(self, code: str) -> Person:
        with self.db() as s:
            return s.exec(select(Person).where(Person.code == code)).one()

    def events(self, kind: str | None = None) -> list[Event]:
        with self.db() as s:
            query = select(Event).order_by(Event.id)
            if kind:
                query = query.where(Event.kind == kind)
            return s.exec(query).all()

    def notifications(self, **where: Any) -> list[Notification]:
        """Every notification, oldest first; keyword arguments keep those with these values."""
        with self.db() as s:
            rows = s.exec(select(Notification).order_by(Notification.id)).all()
        return [n for n in rows if all(getattr(n, k) == v for k, v in where.items())]

    def timers(self) -> list[Timer]:
        with self.db() as s:
            return s.exec(select(Timer).order_by(Timer.id)).all()

    # -- the conversation ----------------------------------------------------------------

    def handle(self, handler, chat: int | Chat, *args, now: str = IMPORTED) -> Outcome:
        """One pure handler of engine/chat/ in one transaction, as the bot runs it, without Telegram
        (`chat` a private chat's id, or a Chat)."""
        ctx = AppContext(now=datetime.fromisoformat(now))
        env = BotEnv(ctx, Signer.from_settings(ctx.settings) or Signer(b"no bot token"), TELEGRAM)
        with transaction(ctx.engine) as session:
            return handler(session, env, chat if isinstance(chat, Chat) else Chat(str(chat)), *args, ctx.now())

    def says(self, handler, chat: int | Chat, *args, now: str = IMPORTED) -> list[str]:
        """What the chat would read of a pure handler's replies to it, in order."""
        outcome = self.handle(handler, chat, *args, now=now)
        to = chat.chat_id if isinstance(chat, Chat) else str(chat)
        return [visible_text(send.html) for send in outcome.sends if send.chat_id == to]


    def said(self, chat: int, text: str) -> dict:
        """The latest message to `chat` whose text contains `text`."""
        found = [m for m in self.tg.to(chat) if text in m["text"]]
        assert found, f"no message to {chat} with {text!r}: {[m['text'][:60] for m in self.tg.to(chat)]}"
        return found[-1]

    def act(self, chat: int, title: str, action: str) -> dict:
        """Press the `action` button (start, done, extend, ack, details) for the task called `title` on
        the latest message about it, whether it came alone or in a digest; returns that message."""
        from engine.chat.telegram.keyboards import LABELS

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

    # -- the conversation on Zalo (the zalo_world fixture) --------------------------------

    def zalo_says(self, chat: str, text: str, now: datetime | str) -> list[str]:
        """`chat` writes `text` to the Zalo bot, then one `dondoc run --once` at `now`; returns what
        the bot sent to `chat` in that run."""
        before = len(self.zl.to(chat))
        self.zl.user_says(chat, text)
        self.run(now)
        return self.zl.to(chat)[before:]

    def link_zalo(self, person: str, chat: str, now: str = IMPORTED) -> list[str]:
        """Link `chat` to `person` the way an officer does: an invite code sent to the bot."""
        code = self.ok(now, "people", "invite", person, "--channel", "zalo", "--json").json()["code"]
        return self.zalo_says(chat, code, now)

    def unlink_from_org(self, code: str) -> None:
        """Empty `telegram:` of one person in org.yaml (so links come from the bot only) and reload."""
        org = self.config_dir / "org.yaml"
        lines = org.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if f"id: {code}," in line:
                nxt = lines[i + 1]
                lines[i + 1] = nxt[:nxt.index("telegram:")].rstrip().rstrip(",") + "}"
        org.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.ok(IMPORTED, "org", "load")

    def import_chat_plan(self) -> None:
        """The example org, the default rules and CHAT_PLAN, on the import day."""
        plan = self.tmp / "plan.yaml"
        plan.write_text(CHAT_PLAN, encoding="utf-8")
        self.ok(IMPORTED, "org", "load")
        self.ok(IMPORTED, "rules", "reload")
        self.ok(IMPORTED, "plan", "import", str(plan))
