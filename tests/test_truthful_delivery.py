"""Notifications that tell the truth (issue 11): overdue work escalates whatever the age of its
moment, nothing is "sent" on a channel that did not accept it, and a first run over a late plan
sends each person one digest. Through the real CLI, a real SMTP server and a real SQLite file."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import icalendar

from engine.context import AppContext
from engine.daemon import Daemon
from notifiers.console import ConsoleNotifier
from tests.fakes.smtp import smtp_server
from tests.support.paths import ROOT

PLANS = sorted((ROOT / "config" / "plans").glob("*.yaml"))


def _setup(cli, monkeypatch, smtp_port=None, imported="2025-07-01T09:00+07:00"):
    if smtp_port:
        monkeypatch.setenv("DONDOC_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_port))
    assert cli("org", "load").code == 0
    assert cli("--now", imported, "rules", "reload").code == 0
    assert cli("--now", imported, "plan", "import", *PLANS).code == 0


def _subject(received) -> str:
    return str(make_header(decode_header(received.message["Subject"])))


def test_a_first_run_over_a_late_plan_sends_each_person_one_digest_and_escalates_now(cli, monkeypatch):
    with smtp_server() as smtp:
        # Imported mid-2025, the engine first runs on 15/1/2026: every task of both plans is overdue.
        _setup(cli, monkeypatch, smtp.port)
        run = cli("--now", "2026-01-15T09:00+07:00", "run", "--once", "--json")
        assert run.code == 0, run.err
        summary = run.json()
        per_person = Counter(m.rcpt_tos[0] for m in smtp.messages)
        assert per_person and set(per_person.values()) == {1}            # one message each
        assert summary["messages"] == len(smtp.messages) and summary["sent"] >= len(smtp.messages)
        chairman = next(m for m in smtp.messages if m.rcpt_tos[0].startswith("chu-tich"))
        body = chairman.message.get_body(("plain",)).get_content()
        # Level 2 to the chairman, now, saying how long the work has been overdue, under its own heading.
        assert "CẢNH BÁO QUÁ HẠN – CẦN XÁC NHẬN" in body and "cảnh báo cấp 2" in body
        assert "Quá hạn" in body and "ngày" in body
        # One calendar with an event per task that has a due day.
        ics = next(p for p in chairman.message.iter_attachments() if p.get_content_type() == "text/calendar")
        assert len(icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")) >= 2
        # Reminders before the due day are not sent late: recorded as skipped, with the reason.
        outbox = cli("outbox", "--limit", "100000", "--json").json()
        assert outbox["counts"].get("skipped", 0) > 0
        assert summary["skipped"] == outbox["counts"]["skipped"]
        # A second run sends nothing more: the conditions were notified once.
        again = cli("--now", "2026-01-15T10:00+07:00", "run", "--once", "--json").json()
        assert again["sent"] == 0 and "why_nothing_sent" in again


def test_without_channel_settings_nothing_is_recorded_as_sent_and_check_fails(cli, monkeypatch):
    _setup(cli, monkeypatch)
    run = cli("--now", "2025-10-07T07:31+07:00", "run", "--once", "--json")
    assert run.code == 0, run.err
    summary = run.json()
    assert summary["sent"] == 0 and summary["not_configured"] > 0
    assert "kênh email chưa được cấu hình" not in run.out      # the reason is on the rows, the summary counts
    assert "chưa được cấu hình" in run.err                        # the warning at start names the channels
    outbox = cli("outbox", "--json").json()
    assert "sent" not in outbox["counts"] and outbox["counts"]["not_configured"] == summary["not_configured"]
    check = cli("check", "--json")
    assert check.code == 1
    failed = {c["id"] for c in check.json() if not c["ok"]}
    assert {"channel.email", "channel.telegram"} <= failed


def test_the_console_demo_says_so_and_records_messages_on_the_console_channel(cli, monkeypatch):
    monkeypatch.setenv("DONDOC_CONSOLE", "true")
    _setup(cli, monkeypatch)
    run = cli("--now", "2025-10-07T07:31+07:00", "run", "--once", "--json")
    assert run.code == 0, run.err
    assert "CHẾ ĐỘ THỬ" in run.err and "in ra console thay thế" in run.err
    outbox = cli("outbox", "--limit", "10000", "--json").json()
    assert {n["channel"] for n in outbox["notifications"]} == {"console"}   # never "sent" on email/telegram
    sent = [n for n in outbox["notifications"] if n["status"] == "sent"]
    assert sent and run.json()["sent"] == len(sent)
    # Email and Telegram both fell back to the console: one copy per person, not two.
    assert len({(n["recipient"], n["task_id"]) for n in sent}) == len(sent)


def test_a_run_with_nothing_to_do_says_why(cli):
    assert cli("init").code == 0
    result = cli("--now", "2025-10-07T07:31+07:00", "run", "--once")
    assert result.code == 0
    assert "dondoc rules reload" in result.out


def test_rules_explain_shows_an_overdue_condition_notified_now_and_skipped_reminders(cli, monkeypatch):
    _setup(cli, monkeypatch, imported="2026-01-15T09:00+07:00")
    tasks = cli("tasks", "--json").json()
    task = next(t for t in tasks if t["due"] and t["type"] == "task")
    result = cli("--now", "2026-01-15T09:00+07:00", "rules", "explain", task["id"], "--json")
    rules = {r["rule"]: r for r in result.json()["rules"]}
    assert rules["bao-chu-tich"]["now"]["status"] == "pending"
    assert rules["nhac-truoc-7-ngay"]["now"]["status"] == "skipped"
    assert "hạn đã qua" in rules["nhac-truoc-7-ngay"]["now"]["reason"]
    text = cli("--now", "2026-01-15T09:00+07:00", "rules", "explain", task["id"]).out
    assert "điều kiện đang đúng" in text and "already past" not in text


def test_the_service_says_when_late_notifications_will_go_out(cli, monkeypatch):
    monkeypatch.setenv("DONDOC_CONSOLE", "true")
    _setup(cli, monkeypatch)
    # 06:00 on a working day: the overdue escalations are created now and wait for the 07:30 window.
    early = datetime(2026, 1, 15, 6, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    daemon = Daemon(AppContext(now=early), {"console": ConsoleNotifier()}, None)
    assert daemon.sweep_now() > 0
    count, first = daemon.waiting()
    assert count > 0 and first.astimezone(early.tzinfo) == early.replace(hour=7, minute=30)
