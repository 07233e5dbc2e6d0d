"""The active rule set, kept in the database so every process evaluates the same rules.

Reloading validates the file first; a broken file leaves the active rules in place and is
recorded as a `rules_rejected` event for admins. A valid, changed file becomes active and every
timer is recomputed from it (notifications already created stay as they were).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

from sqlmodel import Session, select

from engine.core.calendar import WorkCalendar
from engine.infra.errors import DondocError, FileError, FileErrors
from engine.core.models import Person, Plan, RuleSetRecord, Task, Unit
from engine.core.org import read_org
from engine.infra.settings import Settings
from engine.reminders.timers import sync_all, sync_timers
from engine.core.workflow import Actor, record
from rules.evaluate import Evaluator, Org
from rules.loader import OrgNames, RuleSet, load_rules, parse_rules

log = logging.getLogger(__name__)
SYSTEM = Actor("system", "system")
_parsed: dict[str, RuleSet] = {}


def rules_file(settings: Settings) -> Path:
    return settings.config_dir / "rules.yaml"


def read_rules(settings: Settings, path: Path | None = None) -> RuleSet:
    """Load and fully check a rules file against config/org.yaml and config/templates/."""
    org = OrgNames.from_org(read_org(settings.org_file)) if settings.org_file.exists() else None
    return load_rules(path or rules_file(settings), org, settings.config_dir / "templates")


def active_ruleset(session: Session) -> RuleSet | None:
    """The rule set in force, or None before any was loaded."""
    rec = session.exec(select(RuleSetRecord).where(RuleSetRecord.active == True)).first()  # noqa: E712
    if rec is None:
        return None
    if rec.version not in _parsed:
        _parsed[rec.version] = parse_rules(rec.text, rec.source)
    return _parsed[rec.version]


def evaluator(session: Session, rs: RuleSet, cal: WorkCalendar, channels: set[str] | None = None) -> Evaluator:
    """An evaluator over the org as it is in the database now (`channels`: those set up here)."""
    org = Org({p.id: p for p in session.exec(select(Plan))}, {u.id: u for u in session.exec(select(Unit))},
              {p.id: p for p in session.exec(select(Person))})
    return Evaluator(rs, cal, org, channels)


def sync_with_active_rules(session: Session, cal: WorkCalendar, tasks: Iterable[Task] | None,
                           now: datetime) -> None:
    """Recompute the timers of changed tasks (None: of every task) with the rules in force, if any."""
    rs = active_ruleset(session)
    if rs is None:
        return
    session.flush()
    ev = evaluator(session, rs, cal)
    if tasks is None:
        sync_all(session, ev, now)
    else:
        sync_timers(session, ev, tasks, now)


@dataclass
class Reload:
    ok: bool
    changed: bool = False
    ruleset: RuleSet | None = None
    errors: list[str] = field(default_factory=list)
    timers: dict[str, int] = field(default_factory=dict)


def reload_rules(session: Session, settings: Settings, cal: WorkCalendar, now: datetime,
                 path: Path | None = None) -> Reload:
    """Validate the rules file and make it active if it changed; keep the old rules if it is broken."""
    try:
        rs = read_rules(settings, path)
    except (FileErrors, FileError) as exc:
        errors = [str(e) for e in exc.errors] if isinstance(exc, FileErrors) else [str(exc)]
        current = active_ruleset(session)
        record(session, "rules_rejected", SYSTEM, now,
               data={"file": str(path or rules_file(settings)), "errors": errors,
                     "kept": current.version if current else None})
        log.error("rules file rejected, keeping %s: %s", current.version if current else "no rules",
                  "; ".join(errors))
        return Reload(False, errors=errors, ruleset=current)
    current = active_ruleset(session)
    if current is not None and current.version == rs.version:
        return Reload(True, False, current)
    for rec in session.exec(select(RuleSetRecord).where(RuleSetRecord.active == True)):  # noqa: E712
        rec.active = False
        session.add(rec)
    session.add(RuleSetRecord(version=rs.version, source=rs.source, text=rs.text, loaded_at=now, active=True))
    session.flush()
    _parsed[rs.version] = rs
    counts = sync_all(session, evaluator(session, rs, cal), now)
    record(session, "rules_loaded", SYSTEM, now,
           data={"version": rs.version, "previous": current.version if current else None,
                 "rules": len(rs.rules), "timers": counts})
    return Reload(True, True, rs, timers=counts)


def require_ruleset(session: Session) -> RuleSet:
    rs = active_ruleset(session)
    if rs is None:
        raise DondocError("chưa có quy tắc nào được áp dụng / no rules are active yet: run `dondoc rules reload`")
    return rs
