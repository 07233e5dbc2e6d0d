"""Rules engine benchmarks (issue 5): timers for a province, an idle sweep, a burst, a simulation.

    .venv/bin/python bench/bench_rules.py [--communes 3300]

Each line prints the figure, its target and the ratio figure/target (<= 1.0 meets the target).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, update  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bench.province import build  # noqa: E402
from engine.core.calendar import WorkCalendar  # noqa: E402
from engine.core.models import Notification, Task, Timer  # noqa: E402
from engine.reminders.rulestore import evaluator  # noqa: E402
from engine.reminders.simulate import simulate  # noqa: E402
from engine.reminders.sweep import handle_one_batch, sweep  # noqa: E402
from engine.reminders.timers import next_fire_at, sync_all, sync_timers  # noqa: E402
from rules.loader import load_rules  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def report(name: str, figure: float, target: float, unit: str, extra: str = "") -> bool:
    ratio = figure / target
    print(f"{name}: {figure:.3f} {unit} (target <= {target:g} {unit}) ratio {ratio:.2f}"
          f"{' OK' if ratio <= 1 else ' MISSED'}{'  ' + extra if extra else ''}", flush=True)
    return ratio <= 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=3300)
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench" / "province.db")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    engine = build(args.db, args.communes)
    print(f"province: {args.communes} communes x 60 tasks ready in {time.perf_counter() - t:.1f} s", flush=True)
    rs = load_rules(ROOT / "config" / "rules.yaml")
    cal = WorkCalendar()
    # The day before the burst: every plan deadline is from March on, so nothing else is due then.
    now = datetime(2025, 2, 2, 12, 0, tzinfo=TZ)
    ok = True

    with Session(engine) as s:
        s.exec(Timer.__table__.delete())
        s.exec(Notification.__table__.delete())
        s.commit()
        ev = evaluator(s, rs, cal)
        t = time.perf_counter()
        counts = sync_all(s, ev, now)
        s.commit()
        elapsed = time.perf_counter() - t
        total = s.exec(select(func.count()).select_from(Timer)).one()
    ok &= report("compute all timers", elapsed, 60.0, "s", f"{total} timers for {args.communes * 60} tasks")

    with Session(engine) as s:
        ev = evaluator(s, rs, cal)
        # Just before the earliest timer: the sweep finds nothing due (new timers start at a
        # rule's first moment, so "some days ago" may already have due ones).
        idle_at = next_fire_at(s) - timedelta(seconds=1)
        samples = []
        for _ in range(50):
            t = time.perf_counter()
            result = handle_one_batch(s, ev, idle_at)
            samples.append(time.perf_counter() - t)
            assert not result.created
        s.rollback()
    ok &= report("sweep with nothing due", statistics.median(samples) * 1000, 5.0, "ms", "median of 50")

    # A burst: 10,000 tasks due Mon 3/2/2025, their on-due reminders all firing at 07:30.
    day = date(2025, 2, 3)
    with Session(engine) as s:
        ids = s.exec(select(Task.id).where(Task.due_kind == "date").order_by(Task.id).limit(10000)).all()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            s.exec(update(Task).where(Task.id.in_(chunk)).values(due=day, due_planned=day))
            s.exec(Timer.__table__.delete().where(Timer.__table__.c.task_id.in_(chunk)))
        s.commit()
        ev = evaluator(s, rs, cal)
        tasks = [t for start in range(0, len(ids), 500)
                 for t in s.exec(select(Task).where(Task.id.in_(ids[start:start + 500])))]
        sync_timers(s, ev, tasks, now, floor=now)   # imported the day before: earlier reminders never due
        s.commit()
        moment = datetime.combine(day, rs.defaults.send_window.start, TZ)
        due = s.exec(select(func.count()).select_from(Timer).where(Timer.fire_at <= moment)).one()
        t = time.perf_counter()
        created = sweep(s, ev, moment)
        s.commit()
        elapsed = time.perf_counter() - t
    ok &= report("burst of due timers -> notifications", elapsed, 3.0, "s",
                 f"{due} timers due, {len(created)} notifications written")

    t = time.perf_counter()
    rows = simulate(engine, rs, cal, datetime(2025, 1, 1, tzinfo=TZ), datetime(2025, 12, 31, 23, 59, tzinfo=TZ), 1)
    ok &= report("simulate one commune's plan for a year", time.perf_counter() - t, 2.0, "s",
                 f"{len(rows)} notifications")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
