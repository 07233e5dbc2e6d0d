"""Notifications that arrive: dispatch end to end against a real SMTP server and the fake Bot API."""

import os
import signal
import subprocess
import time
from email.header import decode_header, make_header

import icalendar
import pytest
from sqlmodel import select

from engine.infra.db import make_engine, transaction
from engine.core.models import Event, Notification, Person
from tests.support.paths import DONDOC, FIXTURES, ROOT
from tests.fakes.smtp import RejectingHandler, SlowHandler, SMTPServer, free_port, smtp_server
from tests.fakes.telegram_api import telegram_api

NGOC_LIEN = ROOT / "config" / "plans" / "ngoc-lien-2025.yaml"


@pytest.fixture
def setup(cli, monkeypatch):
    """Org, default rules and the Ngọc Liên plan, imported on Mon 6/10/2025."""
    def configure(smtp_port=None, telegram=None):
        if smtp_port:
            monkeypatch.setenv("DONDOC_SMTP_HOST", "127.0.0.1")
            monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_port))
            monkeypatch.setenv("DONDOC_SMTP_FROM", "UBND xã Hòa Phong <dondoc@hoaphong.example.org>")
        if telegram:
            monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", telegram.token)
            monkeypatch.setenv("DONDOC_TELEGRAM_BASE_URL", telegram.base_url)
        now = "2025-10-06T09:00+07:00"
        assert cli("org", "load").code == 0
        assert cli("--now", now, "rules", "reload").code == 0
        assert cli("--now", now, "plan", "import", NGOC_LIEN).code == 0
    return configure


def run_once(cli, now):
    result = cli("--now", now, "run", "--once", "--json")
    assert result.code == 0, result.err
    return result.json()


def subject(received) -> str:
    return str(make_header(decode_header(received.message["Subject"])))


def test_officers_get_their_reminders_by_email_and_telegram(cli, setup, pacer_time):
    with smtp_server() as smtp, telegram_api(clock=pacer_time.monotonic) as tg:
        setup(smtp.port, tg)
        # Tue 7/10 07:30 is 7 days before the four reports' due day (Tue 14/10).
        summary = run_once(cli, "2025-10-07T07:31+07:00")
        assert summary["sent"] == 8 and summary["failed"] == 0     # 4 people x (email + telegram)
        mails = {m.rcpt_tos[0]: m for m in smtp.messages}
        assert set(mails) == {"tu-phap@hoaphong.example.org", "tai-chinh@hoaphong.example.org",
                              "van-hoa@hoaphong.example.org", "vp-thong-ke@hoaphong.example.org"}
        mail = mails["tu-phap@hoaphong.example.org"].message
        assert "Hoàng Văn Em" in str(make_header(decode_header(mail["To"])))
        assert "cải cách thể chế" in subject(mails["tu-phap@hoaphong.example.org"])
        body = mail.get_body(("plain",)).get_content()
        assert "Thứ Ba, 14/10/2025" in body and "trước 15/10/2025" in body
        ics = next(p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar")
        event = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
        assert str(event["DTSTART"].dt) == "2025-10-14" and event.walk("VALARM")
        sent = {str(r.params["chat_id"]): r.params for r in tg.sent()}
        assert set(sent) == {"100000004", "100000006", "100000007", "100000008"}
        assert sent["100000006"]["parse_mode"] == "HTML" and "14/10/2025" in sent["100000006"]["text"]
        # Nothing new is due: a second run sends nothing.
        assert run_once(cli, "2025-10-07T07:40+07:00")["sent"] == 0
        assert len(smtp.messages) == 4 and len(tg.sent()) == 4


def test_several_reminders_due_together_arrive_as_one_digest(cli, setup, monkeypatch):
    with smtp_server() as smtp:
        setup(smtp.port)
        # The engine was off for a week: on Mon 13/10 the 7-day, 3- and 1-working-day reminders of
        # each report come due at once, and each officer gets one digest per channel.
        summary = run_once(cli, "2025-10-13T08:00+07:00")
        # Each officer's three reminders of one report are one entry: the most urgent (1 working day
        # before) is sent, the other two recorded as merged into it. Telegram has no token here, so its
        # twelve are not_configured, never "sent".
        assert (summary["notifications"], summary["messages"], summary["sent"]) == (24, 4, 4)
        assert (summary["merged"], summary["not_configured"]) == (8, 12)
        assert len(smtp.messages) == 4
        body = smtp.messages[0].message.get_body(("plain",)).get_content()
        # One task left after merging: the single-task reminder, with its .ics, not a digest.
        assert body.startswith("Nhắc việc – còn 1 ngày làm việc (hạn Thứ Ba, 14/10/2025)")
        assert not subject(smtp.messages[0]).startswith("Tổng hợp nhắc việc")
        assert any(p.get_content_type() == "text/calendar" for p in smtp.messages[0].message.iter_attachments())
        with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
            rows = s.exec(select(Notification).where(Notification.channel == "email")).all()
            kept = {n.id: n for n in rows if n.status == "sent"}
            merged = [n for n in rows if n.status == "merged"]
            assert len(kept) == 4 and {kept[n.merged_into].task_id for n in merged} == {n.task_id for n in merged}
            assert {kept[n.merged_into].rule_id for n in merged} == {"nhac-truoc-1-ngay-lam-viec"}
            assert {n.status for n in s.exec(select(Notification).where(Notification.channel == "telegram"))} == {
                "not_configured"}


def test_mail_server_down_then_up_delivers_everything_once(cli, setup):
    port = free_port()
    setup(port)
    first = run_once(cli, "2025-10-07T07:31+07:00")
    # Email waits for the server; Telegram has no token: not_configured, not "sent" on a console.
    assert (first["sent"], first["retrying"], first["not_configured"]) == (0, 4, 4)
    with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
        waiting = s.exec(select(Notification).where(Notification.channel == "email")).all()
        assert {n.status for n in waiting} == {"pending"} and all(n.next_attempt_at for n in waiting)
    with SMTPServer(port=port) as smtp:
        later = run_once(cli, "2025-10-07T09:00+07:00")
        assert later["sent"] == 4
        assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
            {"tu-phap@hoaphong.example.org", "tai-chinh@hoaphong.example.org",
             "van-hoa@hoaphong.example.org", "vp-thong-ke@hoaphong.example.org"})
        assert run_once(cli, "2025-10-07T10:00+07:00")["sent"] == 0


def test_a_rejected_address_fails_marks_the_contact_and_can_be_retried(cli, setup):
    with smtp_server(RejectingHandler()) as smtp:
        setup(smtp.port)
        summary = run_once(cli, "2025-10-07T07:31+07:00")
        assert summary["failed"] == 4
        failed = cli("outbox", "--status", "failed", "--json").json()["notifications"]
        assert len(failed) == 4 and all("550" in n["last_error"] for n in failed)
        check = cli("org", "check", "--json").json()
        assert {(p["code"], p["channel"]) for p in check["broken_contacts"]} >= {("tp-hoang-van-em", "email")}
        engine = make_engine(os.environ["DONDOC_DATABASE_URL"])
        with transaction(engine) as s:
            assert len(s.exec(select(Event).where(Event.kind == "contact_broken")).all()) == 4
    with smtp_server(port=smtp.port) as fixed:
        retried = cli("--now", "2025-10-07T08:00+07:00", "outbox", "retry", "--json").json()["retried"]
        assert len(retried) == 4
        assert run_once(cli, "2025-10-07T08:01+07:00")["sent"] == 4
        assert len(fixed.messages) == 4


def test_a_blocked_bot_marks_telegram_broken_and_later_reminders_skip_it(cli, setup, pacer_time):
    with telegram_api(clock=pacer_time.monotonic) as tg:
        tg.blocked.add(100000006)
        setup(None, tg)
        summary = run_once(cli, "2025-10-07T07:31+07:00")
        assert summary["failed"] == 1
        with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
            person = s.exec(select(Person).where(Person.code == "tp-hoang-van-em")).one()
            assert "blocked" in person.telegram_broken
        run_once(cli, "2025-10-09T07:31+07:00")          # 3 working days before: telegram skipped
        with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
            later = s.exec(select(Notification).where(Notification.recipient == "tp-hoang-van-em",
                                                      Notification.rule_id == "nhac-truoc-3-ngay-lam-viec")).all()
            assert [n.channel for n in later] == ["email"]


def test_a_429_flood_loses_nothing_and_sends_nothing_early(cli, setup, pacer_time):
    with telegram_api(clock=pacer_time.monotonic) as tg:
        tg.script("sendMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
        setup(None, tg)
        first = run_once(cli, "2025-10-07T07:31+07:00")
        assert (first["sent"], first["requeued"], first["not_configured"]) == (3, 1, 4)   # no SMTP here
        later = run_once(cli, "2025-10-07T07:32+07:00")
        assert later["sent"] == 1
        assert len(tg.sent()) == 4 and tg.early == []
        assert len(tg.calls("sendMessage")) == 5                 # four delivered, one refused with 429
        with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
            telegram = s.exec(select(Notification).where(Notification.channel == "telegram")).all()
            # The refused attempt was not counted against the message.
            assert {(n.status, n.attempts) for n in telegram} == {("sent", 1)}


def test_a_group_that_became_a_supergroup_gets_the_message_at_its_new_id(cli, setup, config_dir, pacer_time):
    org = config_dir / "org.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace('telegram: "100000006"', 'telegram: "-100006"'),
                   encoding="utf-8")
    with telegram_api(clock=pacer_time.monotonic) as tg:
        tg.migrated[-100006] = -1001000006
        tg.groups.add(-1001000006)
        setup(None, tg)
        summary = run_once(cli, "2025-10-07T07:31+07:00")
        assert summary["failed"] == 0
        assert "-1001000006" in {str(r.params["chat_id"]) for r in tg.sent()}
        with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
            assert s.exec(select(Person).where(Person.code == "tp-hoang-van-em")).one().telegram == "-1001000006"


def _big_org(path, people: int) -> None:
    lines = ["units:"]
    for i in range(people):
        lines.append(f"  - {{id: u{i}, name: Đơn vị {i}, head: p{i}}}")
    lines.append("people:")
    for i in range(people):
        lines.append(f"  - {{id: p{i}, name: Cán bộ {i}, unit: u{i}, email: p{i}@example.org}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_a_killed_daemon_restarts_and_delivers_everything_with_at_most_one_batch_twice(cli, env, config_dir,
                                                                                        tmp_path):
    people = 260
    _big_org(config_dir / "org.yaml", people)
    (config_dir / "rules.yaml").write_text(
        "defaults: {channels: [email]}\nrules:\n  - {id: r0, on_due: true, notify: [assignee]}\n", encoding="utf-8")
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: {title: Kế hoạch, issuer: UBND xã, year: 2025}\ntasks:\n" + "".join(
        f"  - {{ref: t{i}, title: Việc {i}, lead: Đơn vị {i}, due: 2025-10-14}}\n" for i in range(people)),
        encoding="utf-8")
    cli("org", "load")
    cli("--now", "2025-10-13T09:00+07:00", "rules", "reload")
    cli("--now", "2025-10-13T09:00+07:00", "plan", "import", plan)
    with smtp_server(SlowHandler(0.02)) as smtp:
        run_env = {**os.environ, "DONDOC_SMTP_HOST": "127.0.0.1", "DONDOC_SMTP_PORT": str(smtp.port)}
        proc = subprocess.Popen([*DONDOC, "--now", "2025-10-14T07:31+07:00",
                                 "run", "--once"], env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(smtp.messages) < 40 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before_restart = len(smtp.messages)
        assert 0 < before_restart < people
        # Restarted after the lease (120 s) ran out: the killed batch is claimed again.
        restart = subprocess.run([*DONDOC, "--now", "2025-10-14T07:40+07:00",
                                  "run", "--once", "--json"], env=run_env, capture_output=True, text=True)
        assert restart.returncode == 0, restart.stderr
        ids = [m.message["Message-ID"] for m in smtp.messages]
        assert len(set(ids)) == people                       # everyone got theirs
        assert len(ids) - people <= 200                       # duplicates: at most one lease batch
    with transaction(make_engine(os.environ["DONDOC_DATABASE_URL"])) as s:
        assert {n.status for n in s.exec(select(Notification))} == {"sent"}
