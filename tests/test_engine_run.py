"""The engine as a process: `dondoc check` before going live, SIGTERM drains in-flight sends."""

import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from engine.infra.db import make_engine, transaction
from engine.core.models import Notification
from tests.support.paths import DONDOC
from tests.fakes.smtp import SlowHandler, smtp_server
from tests.fakes.telegram_api import telegram_api


def test_check_tries_each_channel_without_sending(cli, monkeypatch):
    with smtp_server() as smtp, telegram_api() as tg:
        monkeypatch.setenv("DONDOC_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", tg.token)
        monkeypatch.setenv("DONDOC_TELEGRAM_BASE_URL", tg.base_url)
        result = cli("check", "--json")
        assert result.code == 0, result.out
        checks = {c["id"]: c for c in result.json()}
        assert set(checks) == {"settings", "org", "rules", "templates", "channel.email", "channel.telegram"}
        assert all(c["ok"] for c in checks.values())
        assert "@dondoc_test_bot" in checks["channel.telegram"]["detail"]
        assert smtp.messages == [] and tg.sent() == []
        assert tg.token not in result.out                       # a secret is never printed
        monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", "123:wrong")
        bad = cli("check", "--json")
        assert bad.code == 1
        failed = [c for c in bad.json() if not c["ok"]]
        assert [c["id"] for c in failed] == ["channel.telegram"]
        assert "123:wrong" not in bad.out


def test_check_reports_a_broken_template_with_its_line(cli, config_dir):
    template = config_dir / "templates" / "vi" / "overdue.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("{% block subject %}", "{% block subject %}{{ nope }}", 1),
                        encoding="utf-8")
    result = cli("check", "--json")
    assert result.code == 1
    templates = next(c for c in result.json() if c["id"] == "templates")
    assert "overdue.j2:" in templates["detail"] and "nope" in templates["detail"]
    rules = cli("rules", "check")
    assert rules.code == 1 and "overdue.j2:" in rules.err


@pytest.mark.slow
def test_sigterm_lets_the_batch_in_flight_finish_and_be_recorded(cli, env, config_dir, tmp_path):
    people = 30
    (config_dir / "org.yaml").write_text("units:\n" + "".join(
        f"  - {{id: u{i}, name: Đơn vị {i}, head: p{i}}}\n" for i in range(people)) + "people:\n" + "".join(
        f"  - {{id: p{i}, name: Cán bộ {i}, unit: u{i}, email: p{i}@example.org}}\n" for i in range(people)),
        encoding="utf-8")
    (config_dir / "rules.yaml").write_text(
        "defaults: {channels: [email]}\nrules:\n  - {id: gap, after_due: 1h, urgent: true, notify: [assignee]}\n",
        encoding="utf-8")
    yesterday = (datetime.now(timezone.utc) + timedelta(hours=7) - timedelta(days=1)).date()
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"plan: {{title: Kế hoạch, issuer: UBND xã, year: {yesterday.year}}}\ntasks:\n" + "".join(
        f"  - {{ref: t{i}, title: Việc {i}, lead: Đơn vị {i}, due: {yesterday.isoformat()}}}\n" for i in range(people)),
        encoding="utf-8")
    assert cli("org", "load").code == 0 and cli("rules", "reload").code == 0
    assert cli("plan", "import", plan).code == 0
    with smtp_server(SlowHandler(0.15)) as smtp:
        run_env = {**os.environ, "DONDOC_SMTP_HOST": "127.0.0.1", "DONDOC_SMTP_PORT": str(smtp.port),
                   "DONDOC_SMTP_CONCURRENCY": "2"}
        proc = subprocess.Popen([*DONDOC, "run"], env=run_env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output
        assert "finishing" in output and "dondoc engine stopped" in output
        delivered = len(smtp.messages)
    assert delivered == people          # the whole claimed batch went out before the exit
    with transaction(make_engine(env["DONDOC_DATABASE_URL"])) as s:
        rows = s.exec(select(Notification)).all()
        assert len(rows) == people and {(n.status, n.claimed_by) for n in rows} == {("sent", None)}
