"""Retries measured from the attempt, not from the moment (issue 17).

The engine swept on Tue 7/10/2025 07:31 and went down before sending; it comes back 26 hours
later (well inside `max_catch_up`) to a mail server that fails for a while. A transient error
then never fails a notification before its retry budget (`dispatch_max_age_hours`, counted from
the first attempt) is spent, and a message the server accepted ends `sent`. Real SQLite file,
the real SMTP fake on loopback, the daemon's own sweep and dispatch on a fixed clock.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from engine.cli.run import _daemon
from engine.context import AppContext
from engine.core.models import Notification
from engine.daemon import Totals
from tests.fakes.smtp import DisconnectingHandler, FailingHandler, smtp_server
from tests.support.paths import ROOT

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SWEPT = datetime(2025, 10, 7, 7, 31, tzinfo=TZ)      # the 7-day reminders of four reports come due
BACK = SWEPT + timedelta(hours=26)                   # the engine is back, 26 h after the moment
BUDGET = timedelta(hours=24)                         # dispatch_max_age_hours, the default
ADDRESSES = {"tu-phap@hoaphong.example.org", "tai-chinh@hoaphong.example.org",
             "van-hoa@hoaphong.example.org", "vp-thong-ke@hoaphong.example.org"}


class DropsFirst(DisconnectingHandler):
    """Takes the first `drops` messages and drops the connection before answering (the client
    cannot know they arrived), then answers normally."""

    def __init__(self, drops: int) -> None:
        super().__init__()
        self.drops, self._gate = drops, threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._gate:
            drop, self.drops = self.drops > 0, self.drops - 1
        if drop:
            return await super().handle_DATA(server, session, envelope)
        self.record(session, envelope)
        return "250 2.0.0 OK: queued"


@pytest.fixture
def late_engine(cli, monkeypatch):
    """A daemon whose sweep ran at SWEPT and whose clock then stands at BACK; `port` is the SMTP server's."""
    def build(port: int):
        monkeypatch.setenv("DONDOC_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("DONDOC_SMTP_PORT", str(port))
        monkeypatch.setenv("DONDOC_SMTP_FROM", "UBND xã Hòa Phong <dondoc@hoaphong.example.org>")
        imported = "2025-10-06T09:00+07:00"
        assert cli("org", "load").code == 0
        assert cli("--now", imported, "rules", "reload").code == 0
        assert cli("--now", imported, "plan", "import", ROOT / "config" / "plans" / "ngoc-lien-2025.yaml").code == 0
        daemon = _daemon(AppContext(now=SWEPT))
        created = daemon.sweep_statuses()
        assert (created["pending"], created["not_configured"]) == (4, 4)   # email waits; no Telegram here
        daemon.ctx.clock.set(BACK)
        return daemon
    return build


def emails(daemon) -> list[Notification]:
    with Session(daemon.ctx.engine) as s:
        return list(s.exec(select(Notification).where(Notification.channel == "email")
                           .order_by(Notification.id)).all())


async def dispatch(daemon) -> Totals:
    totals = Totals()
    await daemon.dispatch_until_idle(totals)
    return totals


async def test_a_transient_error_on_a_26_hour_old_moment_retries_and_is_sent_when_the_server_recovers(late_engine):
    with smtp_server(FailingHandler(failures=4)) as smtp:
        daemon = late_engine(smtp.port)
        first = await dispatch(daemon)
        # 451 for every message: retried later, not failed on the first error.
        assert (first.sent, first.failed, first.retrying) == (0, 0, 4)
        rows = emails(daemon)
        assert {(n.status, n.attempts) for n in rows} == {("pending", 1)}
        assert all(n.next_attempt_at > BACK and "451" in n.last_error for n in rows)
        assert {n.first_attempt_at for n in rows} == {BACK}
        daemon.ctx.clock.set(max(n.next_attempt_at for n in rows))
        later = await dispatch(daemon)
        assert (later.sent, later.failed) == (4, 0)
        assert {(n.status, n.attempts) for n in emails(daemon)} == {("sent", 2)}
        assert {m.rcpt_tos[0] for m in smtp.messages} == ADDRESSES and len(smtp.messages) == 4


async def test_a_message_the_server_took_before_the_connection_dropped_ends_sent(late_engine):
    with smtp_server(DropsFirst(drops=4)) as smtp:
        daemon = late_engine(smtp.port)
        first = await dispatch(daemon)
        # The server has all four, the client saw the connection drop: ambiguous, so retried.
        assert len(smtp.messages) == 4 and (first.sent, first.failed) == (0, 0)
        rows = emails(daemon)
        assert {n.status for n in rows} == {"pending"} and all("duplicate is possible" in n.last_error for n in rows)
        daemon.ctx.clock.set(max(n.next_attempt_at for n in rows))
        assert (await dispatch(daemon)).sent == 4
        rows = emails(daemon)
        assert {n.status for n in rows} == {"sent"}
        # Sent again with the same Message-ID, so the copy can be recognised.
        ids = [m.message["Message-ID"] for m in smtp.messages]
        assert len(ids) == 8 and len(set(ids)) == 4 and {n.provider_id for n in rows} == set(ids)


async def test_a_notification_fails_only_once_its_budget_from_the_first_attempt_is_spent(late_engine):
    with smtp_server(FailingHandler(failures=10**6)) as smtp:   # 451 for ever
        daemon = late_engine(smtp.port)
        first_attempt, attempts, now = BACK, 0, BACK
        while True:
            totals = await dispatch(daemon)
            attempts += 1
            rows = emails(daemon)
            if totals.failed:
                break
            assert (totals.retrying, {n.status for n in rows}) == (4, {"pending"})
            assert now - first_attempt <= BUDGET
            now = max(n.next_attempt_at for n in rows)
            daemon.ctx.clock.set(now)
            assert attempts < 100
        # Failed at the first attempt past the budget, counted from the first attempt (not the moment),
        # after many retries with backoff; the budget never counted the 26 h the engine was down.
        assert totals.failed == 4 and {n.status for n in rows} == {"failed"}
        assert now - first_attempt > BUDGET and attempts > 10
        assert {n.attempts for n in rows} == {attempts} and {n.first_attempt_at for n in rows} == {first_attempt}
        assert all("451" in n.last_error for n in rows)
