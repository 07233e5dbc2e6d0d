"""A synthetic province for benchmarks: N communes, each with an org and a 60-task plan."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from engine.infra.db import init_db, make_engine
from engine.core.models import Person, Plan, Task, Unit

T0 = datetime(2024, 12, 20, tzinfo=timezone.utc)
KINDS = ["date"] * 30 + ["period"] * 18 + ["continuous"] * 6 + ["external"] * 3 + ["event"] * 3


def build(path: Path, communes: int, seed: int = 7) -> Engine:
    """Create (or reuse) a province database with `communes` communes."""
    marker = path.with_suffix(f".{communes}.ok")
    engine = make_engine(f"sqlite:///{path}")
    if marker.exists() and path.exists():
        return engine
    for p in (path, marker, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        p.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    rnd = random.Random(seed)
    with engine.begin() as conn:
        units, people, plans, tasks = [], [], [], []
        uid = pid = tid = 0
        for c in range(1, communes + 1):
            plans.append({"id": c, "key": f"xa-{c}|kh-2025", "code": f"{c}/KH-UBND", "title": f"Kế hoạch CCHC 2025 xã {c}",
                          "issuer": f"UBND xã {c}", "year": 2025, "period_start": date(2025, 1, 1),
                          "period_end": date(2025, 12, 31), "file_path": "synthetic", "file_sha256": "-",
                          "status": "active", "imported_at": T0})
            head_ids = []
            for u in range(5):
                uid += 1
                pid += 1
                roles = ["chairman", "supervisor"] if u == 0 else (["officer", "admin"] if u == 1 else ["officer"])
                people.append({"id": pid, "code": f"p{pid}", "name": f"Cán bộ {pid}", "unit_id": uid, "roles": roles,
                               "email": f"p{pid}@example.org", "telegram": str(100000000 + pid), "locale": "vi",
                               "active": True})
                units.append({"id": uid, "code": f"u{uid}", "name": f"Đơn vị {u} xã {c}", "aliases": [],
                              "head_id": pid, "parent_id": uid - u if u else None, "kind": "office", "verified": True})
                head_ids.append((uid, pid))
            for n in range(60):
                tid += 1
                kind = KINDS[n]
                unit, head = head_ids[1 + n % 4]
                due = date(2025, 3, 1) + timedelta(days=rnd.randrange(280)) if kind in ("date", "period") else None
                start = due - timedelta(days=60) if kind == "period" else None
                tasks.append({"id": tid, "plan_id": c, "ref": str(n + 1), "kind": "task", "domain": "direction",
                              "title": f"Nhiệm vụ {n + 1}", "lead_unit_id": unit, "support_unit_ids": [],
                              "assignee_id": head, "deadline": "-", "due_kind": kind, "start": start, "due": due,
                              "due_planned": due, "open_ended": False, "status": "open", "tags": [],
                              "removed_from_plan": False, "created_at": T0, "updated_at": T0})
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for table, rows in ((Plan, plans), (Unit, units), (Person, people), (Task, tasks)):
            for start in range(0, len(rows), 20000):
                conn.execute(insert(table.__table__), rows[start:start + 20000])
    marker.touch()
    return engine
