"""The same import and workflow on PostgreSQL, when DONDOC_TEST_POSTGRES_URL names a database."""

import os

import pytest
from sqlalchemy import text

from tests.conftest import FIXTURES, db_snapshot

PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="DONDOC_TEST_POSTGRES_URL is not set")


@pytest.fixture
def pg(cli, monkeypatch):
    from engine.db import make_engine
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
