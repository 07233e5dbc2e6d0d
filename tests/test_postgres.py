"""The same import and workflow on PostgreSQL, when DONDOC_TEST_POSTGRES_URL names a database."""

import os

import pytest
from sqlalchemy import text

from tests.support.db import db_snapshot
from tests.support.paths import FIXTURES

PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="DONDOC_TEST_POSTGRES_URL is not set")


@pytest.fixture
def pg(cli, monkeypatch):
    from engine.infra.db import make_engine
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS dondoc_test CASCADE"))
        conn.execute(text("CREATE SCHEMA dondoc_test"))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3Ddondoc_test"
    monkeypatch.setenv("DONDOC_DATABASE_URL", url)
    return cli, url


def test_plans_import_and_tasks_move_on_postgresql(pg, config_dir):
    cli, url = pg
    assert cli("org", "load").code == 0
    assert cli("plan", "import", *sorted((config_dir / "plans").glob("*.yaml"))).code == 0
    report = cli("--now", "2025-10-10T09:00+07:00", "status", "--json").json()
    assert report["total"]["total"] == 66 and report["total"]["open_overdue"] == 1
    task = next(t for t in cli("tasks", "--json").json() if t["ref"] == "BC-TPHT")
    assert cli("--now", "2025-10-13T16:30+07:00", "task", "done", str(task["id"]), "--by", "tp-hoang-van-em").code == 0
    shown = cli("task", "show", str(task["id"]), "--json").json()
    assert shown["done_at"] == "2025-10-13T16:30:00+07:00" and shown["state"] == "done_on_time"


def test_a_bad_plan_leaves_postgresql_untouched(pg):
    cli, url = pg
    cli("org", "load")
    before = db_snapshot(url)
    result = cli("plan", "import", FIXTURES / "plans" / "bad" / "duplicate_ref.yaml")
    assert result.code == 1
    assert db_snapshot(url) == before


def test_two_engines_on_postgresql_share_the_work_without_doing_anything_twice(pg, config_dir):
    """Two workers sweep and claim at the same moment: every timer and notification is taken once."""
    import threading
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sqlmodel import Session, select

    from engine.core.calendar import WorkCalendar
    from engine.infra.db import make_engine
    from engine.delivery.dispatch import DispatchConfig, claim
    from engine.core.models import Notification
    from engine.reminders.rulestore import active_ruleset, evaluator
    from engine.reminders.sweep import handle_one_batch

    cli, url = pg
    cli("org", "load")
    cli("--now", "2025-10-06T09:00+07:00", "rules", "reload")
    cli("--now", "2025-10-06T09:00+07:00", "plan", "import", *sorted((config_dir / "plans").glob("*.yaml")))
    engine = make_engine(url)
    now = datetime(2025, 10, 14, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    barrier = threading.Barrier(2)
    created: list[list[dict]] = [[], []]
    claimed: list[list[int]] = [[], []]

    def worker(i: int) -> None:
        with Session(engine) as s:
            ev = evaluator(s, active_ruleset(s), WorkCalendar())
            barrier.wait()
            while True:
                result = handle_one_batch(s, ev, now, limit=3)
                s.commit()
                created[i].extend(result.created)
                if not result.timers:
                    break
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            while rows := claim(s, now, DispatchConfig(batch=5, worker=f"w{i}")):
                claimed[i].extend(r.id for r in rows)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    keys = [(r["task_id"], r["rule_id"], r["nominal_at"], r["recipient"], r["channel"]) for r in created[0] + created[1]]
    assert keys and len(keys) == len(set(keys))
    with Session(engine) as s:
        pending = {n.id for n in s.exec(select(Notification).where(Notification.status == "pending"))}
    assert len(claimed[0]) + len(claimed[1]) == len(set(claimed[0]) | set(claimed[1])) == len(pending)
