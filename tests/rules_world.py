"""A small commune world for rule tests: the example org, given rules, one plan, a clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from engine.core.calendar import WorkCalendar
from engine.infra.db import make_engine, transaction
from engine.core.models import Notification, Task, Timer
from engine.reminders.rulestore import active_ruleset, evaluator
from engine.reminders.sweep import sweep

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, h=7, mi=30) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=TZ)


class World:
    def __init__(self, cli, env, config_dir: Path, tmp_path: Path):
        self.cli, self.config_dir, self.tmp = cli, config_dir, tmp_path
        self.engine = make_engine(env["DONDOC_DATABASE_URL"])
        self.cal = WorkCalendar()

    def run(self, now: datetime, *args) -> "object":
        result = self.cli("--now", now.isoformat(), *args)
        assert result.code == 0, result.err
        return result

    def rules(self, text: str, now: datetime) -> None:
        (self.config_dir / "rules.yaml").write_text(text, encoding="utf-8")
        self.run(now, "rules", "reload")

    def plan(self, tasks_yaml: str, now: datetime, year: int = 2025) -> dict[str, int]:
        path = self.tmp / "plan.yaml"
        path.write_text(f"plan:\n  title: Kế hoạch thử\n  issuer: UBND xã Hòa Phong\n  year: {year}\n"
                        f"tasks:\n{tasks_yaml}", encoding="utf-8")
        self.run(now, "plan", "import", path)
        with transaction(self.engine) as s:
            return {t.ref: t.id for t in s.exec(select(Task))}

    def sweep(self, now: datetime) -> list[dict]:
        with transaction(self.engine) as s:
            ev = evaluator(s, active_ruleset(s), self.cal)
            return sweep(s, ev, now)

    def run_until(self, end: datetime) -> list[dict]:
        """Sweep at every timer moment up to `end`, like the daemon would."""
        out = []
        while True:
            with transaction(self.engine) as s:
                nxt = min((t.fire_at for t in s.exec(select(Timer))), default=None)
            if nxt is None or nxt > end:
                return out
            out.extend(self.sweep(nxt))

    def notifications(self) -> list[Notification]:
        with transaction(self.engine) as s:
            return s.exec(select(Notification).order_by(Notification.id)).all()

    def timers(self) -> list[Timer]:
        with transaction(self.engine) as s:
            return s.exec(select(Timer).order_by(Timer.id)).all()


def fired(rows, channel="email") -> list[tuple[str, str, str]]:
    """(rule, local fire time, recipient) of the rows on one channel, in order."""
    return [(r["rule_id"], r["fire_at"].astimezone(TZ).strftime("%a %d/%m/%Y %H:%M"), r["recipient"])
            for r in rows if r["channel"] == channel]
