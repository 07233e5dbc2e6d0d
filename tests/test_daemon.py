"""The daemon's alarm clock: one clock for what is due, named module-level jobs, a quiet INFO log."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest

from engine.context import AppContext
from engine.daemon import JOBS, MIN_DELAY, SAFETY_INTERVAL, Daemon, Service, sweep_delay
from engine.infra.clock import FixedClock
from engine.infra.logs import FORMAT
from tests.fakes.telegram_api import telegram_api
from tests.support.paths import DONDOC

FROZEN = datetime(2025, 10, 15, 8, 0, tzinfo=timezone(timedelta(hours=7)))
PLAN = """\
plan: {title: Kế hoạch thử nghiệm, issuer: UBND xã Hòa Phong, year: 2025}
tasks:
  - {ref: VH-1, title: Rà soát thủ tục hành chính, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, due: 2025-10-14}
  - {ref: VH-2, title: Báo cáo công tác thông tin cơ sở, lead: Phòng Văn hóa - Xã hội,
     assignee: pvhxh-cao-van-nghia, due: 2025-10-21}
"""


class WallAt:
    """The wall clock at one instant: a clock that moves, seen at the moment it is asked."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.mark.parametrize("ahead", [timedelta(seconds=10), timedelta(hours=2), timedelta(seconds=-30), None])
def test_a_frozen_clock_wakes_the_sweep_at_the_safety_interval_never_every_second(ahead):
    next_fire = FROZEN + ahead if ahead is not None else None
    assert sweep_delay(FixedClock(FROZEN), next_fire) == SAFETY_INTERVAL


@pytest.mark.parametrize("ahead, delay", [(timedelta(minutes=2), timedelta(minutes=2)),
                                          (timedelta(milliseconds=1), MIN_DELAY),
                                          (timedelta(seconds=-30), MIN_DELAY),
                                          (timedelta(days=3), SAFETY_INTERVAL)])
def test_a_moving_clock_wakes_the_sweep_at_the_next_timer_within_bounds(ahead, delay):
    assert sweep_delay(WallAt(FROZEN), FROZEN + ahead) == delay


def _loaded(cli, tmp_path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    for args in (("org", "load"), ("rules", "reload"), ("plan", "import", plan)):
        assert cli("--now", FROZEN.isoformat(), *args).code == 0


def test_the_daemon_compares_its_timers_with_the_context_clock(cli, tmp_path):
    _loaded(cli, tmp_path)
    frozen = Daemon(AppContext(now=FROZEN), {}, None)
    # The wall clock is past every timer of 2025; on the frozen clock the next one is ahead.
    assert frozen.next_sweep_delay() == SAFETY_INTERVAL
    wall = Daemon(AppContext(), {}, None)
    assert wall.next_sweep_delay() == MIN_DELAY   # the wall is far past them: sweep them now


async def test_the_jobs_are_module_level_with_readable_ids_and_explicit_limits(cli, tmp_path):
    _loaded(cli, tmp_path)
    service = Service(Daemon(AppContext(now=FROZEN), {}, None), asyncio.Event())
    service.start()
    try:
        jobs = {job.id: job for job in service.sched.get_jobs()}
        assert set(jobs) == {j.id for j in JOBS} == {"sweep", "dispatch", "rules-watch", "daily"}
        for job in jobs.values():
            assert job.name == job.id and "<locals>" not in job.func.__qualname__
            assert job.func.__module__ == "engine.daemon"
            assert (job.coalesce, job.max_instances) == (True, 1) and job.misfire_grace_time > 0
    finally:
        await service.drain()


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+): ")
OWN = ("dondoc", "engine.", "notifiers.", "rules.")


@pytest.mark.slow
def test_an_info_log_shows_only_dondocs_own_messages(cli, env, tmp_path):
    assert FORMAT.startswith("%(asctime)s %(levelname)s %(name)s: ")   # what LOG_LINE reads
    _loaded(cli, tmp_path)
    with telegram_api(limits=False) as tg:
        run_env = {**os.environ, "DONDOC_TELEGRAM_TOKEN": tg.token, "DONDOC_TELEGRAM_BASE_URL": tg.base_url}
        proc = subprocess.Popen([*DONDOC, "--now", FROZEN.isoformat(), "run"], env=run_env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 45
        try:
            # Reminders sent, and the bot back at its long poll: every job and httpx have spoken.
            while (not tg.sent() or len(tg.calls("getUpdates")) < 3) and time.monotonic() < deadline:
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=45)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0 and tg.sent(), err[-3000:]
    records = [LOG_LINE.match(line) for line in err.splitlines()]
    loggers = {m.group(2) for m in records if m}
    assert "dondoc" in loggers and all(name.startswith(OWN) for name in loggers), loggers
    for chatter in ("HTTP Request", "Running job", "executed successfully", "Added job", "Scheduler started"):
        assert chatter not in err
    assert "dondoc engine running" in err and "dondoc engine stopped" in err
