"""The dashboard's numbers for the viewer's scope: the 2x2 counts in total, by lead unit and by
domain (the shape of `dondoc status --json`), and the chart's series; `Rater` classifies rows."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from engine.core.cchc import DOMAINS
from engine.core.models import Plan, Task
from engine.core.queries import counted
from engine.core.vocabulary import ACTIVE, TaskStatus
from engine.core.workflow import STATES, Classification, classify
from engine.web.pages.common import units_of
from engine.web.svg import Series, series


class Rater:
    """workflow.classify as of one day, remembered per (status, due day, local day done): a province
    holds thousands of tasks but few distinct due days, and counting working days is the slow part."""

    def __init__(self, today: date, calendar, tz, soon_days: int):
        self.today, self.calendar, self.tz, self.soon = today, calendar, tz, soon_days
        self.known: dict[tuple, Classification] = {}

    def __call__(self, task: Task) -> Classification:
        key = (task.status, task.due, task.done_at.astimezone(self.tz).date() if task.done_at else None)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = classify(task, self.today, self.calendar, self.tz, self.soon)
        return found


def period(plans: list[Plan], dues: tuple[date, ...], today: date) -> tuple[date, date]:
    """The span the chart covers: the plans' periods, widened to their tasks' due days."""
    starts = [p.period_start for p in plans]
    ends = [p.period_end for p in plans]
    dues = [dues[0], dues[-1]] if dues else []
    start = min(starts + dues, default=date(today.year, 1, 1))
    end = max(ends + dues, default=date(today.year, 12, 31))
    return start, end


# -- the same numbers counted by the database, for scopes of any size ------------------------

def soon_limit(today: date, calendar, soon_days: int) -> date:
    """The last due day that is 'due soon' on `today` (working days left <= soon_days)."""
    last = today
    for step in range(1, 7 * (soon_days + 2) + 30):
        candidate = today + timedelta(days=step)
        if calendar.working_days_between(today, candidate) > soon_days:
            break
        last = candidate
    return last


def aggregate(session: Session, view, today: date, calendar, tz, soon_days: int,
              plan_id: int | None = None) -> tuple[dict[str, Any], list[Series]]:
    """Status counts (the shape of `dondoc status --json`) and the chart's series for the view.

    A bounded view (a commune, a unit) is read as narrow rows and classified here, through its
    scope's indexes; an unbounded one (an admin over a province) is counted by the database
    (GROUP BY unit, domain and the due day's bucket), only done work being read row by row."""
    rater = Rater(today, calendar, tz, soon_days)
    if view.scope.everything:
        groups, due, done = _counted_by_sql(session, view, today, calendar, soon_days, plan_id, rater)
    else:
        rows = counted(view.rows(session, plan_id=plan_id))
        groups, due, done = [], Counter(), []
        for row in rows:
            c = rater(row)
            groups.append((row.lead_unit_id, row.domain, "soon" if c.due_soon else c.state, 1))
            if row.due is not None:
                due[row.due] += 1
            if row.status == TaskStatus.DONE:
                done.append(row)
    by_unit: dict[int | None, Counter] = {}
    by_domain: dict[str, Counter] = {}
    total: Counter = Counter()
    for unit_id, domain, state, n in groups:
        for tally in (by_unit.setdefault(unit_id, Counter()), by_domain.setdefault(domain, Counter()), total):
            tally[state] += n
    units = units_of(session, set(by_unit))
    rows = [{"unit": units[u].name if u in units else None, "code": units[u].code if u in units else None,
             "verified": units[u].verified if u in units else None, **_tallied(t)} for u, t in by_unit.items()]
    rows.sort(key=lambda u: (u["unit"] is None, u["unit"] or ""))
    domains = [{"domain": d, "label": DOMAINS.get(d, d), **_tallied(by_domain[d])} for d in DOMAINS if d in by_domain]
    done_days = Counter(r.done_at.astimezone(tz).date() for r in done if r.done_at is not None)
    lines = [series("Đến hạn (cộng dồn)", "due", dict(due)), series("Đã hoàn thành (cộng dồn)", "done", dict(done_days))]
    return {"as_of": today.isoformat(), "total": _tallied(total), "by_unit": rows, "by_domain": domains}, lines


def _counted_by_sql(session: Session, view, today: date, calendar, soon_days: int, plan_id: int | None,
                    rater: Rater) -> tuple[list, dict[date, int], list]:
    base = [view.scope.clause(), Task.status != TaskStatus.CANCELLED,
            Task.id.not_in(select(Task.parent_id).where(Task.parent_id != None))]  # noqa: E711
    if plan_id is not None:
        base.append(Task.plan_id == plan_id)
    limit = soon_limit(today, calendar, soon_days)
    bucket = case((Task.due == None, "no_deadline"), (Task.due < today, "open_overdue"),  # noqa: E711
                  (Task.due <= limit, "soon"), else_="open_in_time")
    groups = list(session.exec(
        select(Task.lead_unit_id, Task.domain, bucket, func.count()).where(*base, Task.status.in_(ACTIVE))
        .group_by(Task.lead_unit_id, Task.domain, bucket)).all())
    done = session.exec(select(Task.lead_unit_id, Task.domain, Task.status, Task.due, Task.done_at)
                        .where(*base, Task.status == TaskStatus.DONE)).all()
    groups += [(row.lead_unit_id, row.domain, rater(row).state, 1) for row in done]
    due = dict(session.exec(select(Task.due, func.count()).where(*base, Task.due != None)  # noqa: E711
                            .group_by(Task.due)).all())
    return groups, due, done


def _tallied(tally: Counter) -> dict[str, int]:
    """A bucket tally as the report's counts ('soon' is in time and due soon)."""
    out = {state: tally.get(state, 0) for state in STATES}
    out["open_in_time"] += tally.get("soon", 0)
    out["due_soon"] = tally.get("soon", 0)
    out["total"] = sum(tally.values())
    return out
