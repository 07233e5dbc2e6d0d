"""Seeing what rules will do: a simulated run over a date range, and a rule-by-rule explanation.

The simulation runs the real timer computation and the real sweep on a simulated clock, against
an in-memory copy of the data it needs, so nothing is sent and nothing in the live database
changes.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import create_engine, select as core_select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, select

from engine.core.calendar import WorkCalendar
from engine.reminders.escalation import held_levels, suppressed
from engine.core.orgtree import tree_root
from engine.infra.db import init_db
from engine.core.models import Ack, Notification, Person, Plan, Task, Unit
from engine.core.vocabulary import NotificationStatus
from engine.reminders.rulestore import evaluator
from engine.reminders.sweep import lateness, sweep
from engine.reminders.timers import next_fire_at, sync_timers
from rules.loader import RuleSet
from rules.reach import NEEDS_ASSIGNMENT


@contextmanager
def scratch_copy(engine: Engine, plan_id: int | None = None) -> Iterator[Session]:
    """A session over an in-memory copy of what a simulation reads: the org, the plan(s), their tasks.

    Only the rows needed are copied, so simulating one commune's plan in a province-sized
    database stays fast, and the live database (SQLite or PostgreSQL) is only read.
    """
    copy = create_engine("sqlite://", poolclass=StaticPool)
    init_db(copy)
    with engine.connect() as src, copy.begin() as dst:
        task_query = core_select(Task.__table__)
        plan_query = core_select(Plan.__table__)
        if plan_id is not None:
            task_query = task_query.where(Task.__table__.c.plan_id == plan_id)
            plan_query = plan_query.where(Plan.__table__.c.id == plan_id)
        tasks = [dict(r._mapping) for r in src.execute(task_query)]
        ids = [t["id"] for t in tasks]
        units, people = _org_rows(src, tasks if plan_id is not None else None)
        acks = [dict(r._mapping) for start in range(0, len(ids), 500) for r in src.execute(
            core_select(Ack.__table__).where(Ack.__table__.c.task_id.in_(ids[start:start + 500])))]
        for table, rows in ((Plan.__table__, [dict(r._mapping) for r in src.execute(plan_query)]),
                            (Unit.__table__, units), (Person.__table__, people),
                            (Task.__table__, tasks), (Ack.__table__, acks)):
            if rows:
                dst.execute(table.insert(), rows)
    try:
        with Session(copy) as session:
            yield session
    finally:
        copy.dispose()


def _org_rows(src, tasks: list[dict] | None) -> tuple[list[dict], list[dict]]:
    """Units and people a simulation needs: all of them, or for some tasks only their commune's
    unit trees plus whoever holds a role nobody in those trees holds (the rules' fallback)."""
    unit_t, person_t = Unit.__table__, Person.__table__
    if tasks is None:
        return ([dict(r._mapping) for r in src.execute(core_select(unit_t))],
                [dict(r._mapping) for r in src.execute(core_select(person_t))])
    parent = dict(src.execute(core_select(unit_t.c.id, unit_t.c.parent_id)).all())
    root = lambda uid: tree_root(parent, uid)  # noqa: E731
    wanted = {u for t in tasks for u in [t["lead_unit_id"], *t["support_unit_ids"]] if u is not None}
    roots = {root(u) for u in wanted}
    unit_ids = {u for u in parent if root(u) in roots}
    roles = dict(src.execute(core_select(person_t.c.id, person_t.c.roles)).all())
    person_units = dict(src.execute(core_select(person_t.c.id, person_t.c.unit_id)).all())
    person_ids = {p for p, u in person_units.items() if u in unit_ids}
    held = {r for p in person_ids for r in roles[p]}
    person_ids |= {p for p, rs in roles.items() if set(rs) - held}
    unit_ids |= {person_units[p] for p in person_ids if person_units[p] is not None}
    fetch = lambda table, ids: [dict(r._mapping) for start in range(0, len(ids), 500)  # noqa: E731
                                for r in src.execute(core_select(table).where(table.c.id.in_(ids[start:start + 500])))]
    return fetch(unit_t, sorted(unit_ids)), fetch(person_t, sorted(person_ids))


def simulate(engine: Engine, rs: RuleSet, cal: WorkCalendar, start: datetime, end: datetime,
             plan_id: int | None = None, progress: Callable[[datetime], None] | None = None) -> list[dict]:
    """Every notification the rules would create between `start` and `end`, in order."""
    out: list[dict] = []
    with scratch_copy(engine, plan_id) as session:
        tasks = {t.id: t for t in session.exec(select(Task))}
        ev = evaluator(session, rs, cal)
        sync_timers(session, ev, tasks.values(), start)
        while True:
            moment = next_fire_at(session)
            if moment is None or moment > end:
                break
            # Moments before the start are judged at the start, as a real first run would.
            moment = max(moment, start)
            if progress:
                progress(moment)
            for row in sweep(session, ev, moment):
                if row["status"] == NotificationStatus.SKIPPED and row["nominal_at"] < start:
                    continue   # the past, judged at the start: not something the window would send
                task = tasks[row["task_id"]]
                out.append({"at": row["fire_at"].astimezone(cal.tz).isoformat(), "rule": row["rule_id"],
                            "level": row["level"], "task_id": task.id, "task_ref": task.ref,
                            "task_title": task.title, "recipient": row["recipient"], "role": row["role"],
                            "channel": row["channel"], "status": row["status"]})
    return out


def weekly(rows: list[dict]) -> list[dict]:
    """Counts per ISO week (Monday), by escalation level."""
    weeks: dict[date, dict] = {}
    for row in rows:
        day = datetime.fromisoformat(row["at"]).date()
        monday = day - timedelta(days=day.weekday())
        week = weeks.setdefault(monday, {"week": monday.isoformat(), "total": 0, "levels": {}})
        week["total"] += 1
        week["levels"][row["level"]] = week["levels"].get(row["level"], 0) + 1
    return [weeks[k] for k in sorted(weeks)]


def explain(session: Session, rs: RuleSet, cal: WorkCalendar, task: Task, at: datetime,
            count: int = 3) -> list[dict]:
    """For each rule: does it match the task, and when does it fire next (or why not)."""
    ev = evaluator(session, rs, cal)
    held = held_levels(session, {task.id: task}, at).get(task.id, 0)
    handled = {n.rule_id: n.nominal_at for n in session.exec(
        select(Notification).where(Notification.task_id == task.id).order_by(Notification.nominal_at))}
    out = []
    for rule in rs.rules:
        why = ev.mismatch(rule, task)
        item = {"rule": rule.id, "description": rule.description, "level": rule.level,
                "trigger": rule.trigger, "matches": why is None, "why_not": why, "next": [],
                "last_handled": handled[rule.id].astimezone(cal.tz).isoformat() if rule.id in handled else None,
                "held_back": suppressed(rule.level, held)}
        if why is None:
            last = handled[rule.id].astimezone(cal.tz) if rule.id in handled else None
            item["now"], item["next"] = _moments_around(ev, rule, task, at, last, count)
            item["recipients"], item["nobody"] = _reached(ev, rule, task)
            if item["now"] is None and not item["next"]:
                item["why_not"] = ("mọi thời điểm của quy tắc đã qua và đã được xử lý "
                                   "(every moment of this rule is past and was handled)")
        out.append(item)
    return out


NOBODY_ABOVE = "không có ai ở cấp trên người được giao để báo / nobody above the assignee to tell"
NOBODY_HOLDS = "không có ai giữ vai trò mà quy tắc nêu / nobody holds the roles the rule names"
TO_ADMINS = "quản trị viên nhận «cần phân công» / the admins are asked to assign it"


def _reached(ev, rule, task: Task) -> tuple[list[dict], str | None]:
    """Whom the rule reaches for the task (by their true relationship), and, when it reaches
    nobody it was meant for, why (Vietnamese / English)."""
    found = ev.recipients(rule, task)
    reached = [{"role": role, "person": p.code if p else None} for role, p in found]
    if any(role == NEEDS_ASSIGNMENT for role, _ in found):
        return reached, f"{ev.org.reach.nobody_to_tell(task)}; {TO_ADMINS}"
    if all(p is None for _, p in found):
        return reached, ev.org.reach.nobody_to_tell(task) or (NOBODY_ABOVE if rule.level else NOBODY_HOLDS)
    return reached, None


def _moments_around(ev, rule, task: Task, at: datetime, last: datetime | None,
                    count: int) -> tuple[dict | None, list[str]]:
    """What the sweep would do with this rule at `at` (the latest unhandled moment due by then,
    judged as the sweep judges it), and the next `count` moments after `at`."""
    late, upcoming = None, []
    for moment in ev.moments(rule, task):
        if moment.fire > at:
            upcoming.append(moment.fire.isoformat())
            if len(upcoming) == count:
                break
        elif last is None or moment.nominal > last:
            late = moment
    if late is None:
        return None, upcoming
    status, reason, fire = lateness(ev, rule, task, late, at, ev.catch_up_floor(at))
    return {"status": status, "reason": reason, "moment": late.nominal.isoformat(),
            "fire_at": fire.isoformat()}, upcoming
