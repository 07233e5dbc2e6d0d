"""The engine daemon: APScheduler 3 is only the alarm clock; the database holds the schedule.

A few module-level jobs with fixed ids: the sweep (at the next timer's moment, and every few
minutes as a safety net), dispatch (whenever notifications are pending), the rules-file watcher
and a daily re-check of every timer. SIGTERM/SIGINT only set a flag; in-flight sends finish
and their outcomes are recorded before the process exits.

With a Telegram token the bot (engine/chat/) runs beside them: long polling in `serve`, one pass
over the waiting updates at the start of `run_once` (so cron users get buttons and commands too,
answered at the next run). Either way updates are handled before the sweep, so an action taken
on a phone stops the reminders it makes pointless.

APScheduler is pinned below 4: version 4 is a different design (data stores, async-first API).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session

from engine.chat.callbacks import Signer
from engine.context import AppContext
from engine.infra.db import transaction
from engine.delivery.dispatch import DispatchConfig, dispatch_once
from engine.delivery.pacing import TelegramPacer
from engine.reminders.rulestore import active_ruleset, evaluator, reload_rules, rules_file
from engine.reminders.sweep import sweep
from engine.reminders.timers import next_fire_at, sync_all

log = logging.getLogger("dondoc")
SAFETY_INTERVAL = timedelta(minutes=5)


@dataclass
class Totals:
    notifications: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    requeued: int = 0
    messages: int = 0


class Daemon:
    """Sweep and dispatch on the context's clock, once or as a long-running service."""

    def __init__(self, ctx: AppContext, notifiers: dict, renderer, cfg: DispatchConfig | None = None):
        self.ctx, self.notifiers, self.renderer = ctx, notifiers, renderer
        s = ctx.settings
        self.cfg = cfg or DispatchConfig(lease=timedelta(seconds=s.dispatch_lease_seconds),
                                         max_age=timedelta(hours=s.dispatch_max_age_hours))
        self.pacer = TelegramPacer()
        self._rules_mtime: float | None = None
        self.signer = Signer.from_settings(s) if s.telegram_token else None
        self._bot = None

    @property
    def bot(self):
        """The Telegram bot (engine.chat.app.TelegramBot), built on first use; None without a token."""
        if self._bot is None and self.ctx.settings.telegram_token is not None:
            from engine.chat.app import TelegramBot
            self._bot = TelegramBot(self.ctx)
        return self._bot

    def sweep_now(self) -> int:
        """Create the notifications of every timer due now; returns how many."""
        now = self.ctx.now()
        with transaction(self.ctx.engine) as session:
            rs = active_ruleset(session)
            if rs is None:
                return 0
            return len(sweep(session, evaluator(session, rs, self.ctx.calendar), now))

    async def dispatch_until_idle(self, totals: Totals, stop: asyncio.Event | None = None) -> None:
        """Send batches until nothing is due now (or a stop is asked for between batches)."""
        while stop is None or not stop.is_set():
            result = await dispatch_once(self.ctx.engine, self.notifiers, self.renderer, self.ctx.calendar,
                                         self.ctx.now(), self.cfg, self.pacer, signer=self.signer)
            for name in ("sent", "failed", "retrying", "requeued", "messages"):
                setattr(totals, name, getattr(totals, name) + getattr(result, name))
            # What was just claimed is recorded with a later attempt time if it is to be retried,
            # so an empty claim means nothing more is due now.
            if result.claimed == 0:
                return

    async def run_once(self) -> Totals:
        """One sweep, then dispatch until nothing is pending now (for cron users)."""
        totals = Totals()
        if self.bot is not None:
            try:
                await self.bot.poll_once()
            finally:
                await self.bot.aclose()
        totals.notifications = self.sweep_now()
        await self.dispatch_until_idle(totals)
        return totals

    # -- the service ---------------------------------------------------------------------

    def watch_rules(self) -> None:
        """Reload config/rules.yaml when it changes; a broken file keeps the running rules."""
        path: Path = rules_file(self.ctx.settings)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return
        if mtime == self._rules_mtime:
            return
        self._rules_mtime = mtime
        with transaction(self.ctx.engine) as session:
            result = reload_rules(session, self.ctx.settings, self.ctx.calendar, self.ctx.now())
        if result.ok and result.changed:
            log.info("rules %s loaded; timers %s", result.ruleset.version, result.timers)

    def daily(self) -> None:
        """Recompute every timer once a day (calendar overrides or org changes may move them)."""
        with transaction(self.ctx.engine) as session:
            rs = active_ruleset(session)
            if rs is not None:
                sync_all(session, evaluator(session, rs, self.ctx.calendar), self.ctx.now())

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; in-flight work finishes first."""
        tz = self.ctx.settings.tz
        sched = AsyncIOScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                            "misfire_grace_time": 300})
        busy: set[asyncio.Task] = set()

        async def guarded(name: str, coro_fn) -> None:
            task = asyncio.current_task()
            busy.add(task)
            try:
                await coro_fn()
            except Exception:
                log.exception("%s failed; it runs again at its next moment", name)
            finally:
                busy.discard(task)

        async def sweep_job() -> None:
            created = await asyncio.to_thread(self.sweep_now)
            if created:
                log.info("sweep: %d notifications", created)
                sched.modify_job("dispatch", next_run_time=datetime.now(tz))
            with Session(self.ctx.engine) as session:
                nxt = next_fire_at(session)
            wake = datetime.now(timezone.utc) + SAFETY_INTERVAL
            if nxt is not None and nxt < wake:
                wake = max(nxt, datetime.now(timezone.utc) + timedelta(seconds=1))
            sched.modify_job("sweep", next_run_time=wake)

        async def dispatch_job() -> None:
            totals = Totals()
            await self.dispatch_until_idle(totals, stop)
            if totals.messages:
                log.info("dispatch: %d sent, %d retrying, %d failed", totals.sent, totals.retrying, totals.failed)

        now = datetime.now(tz)
        sched.add_job(guarded, "interval", args=["sweep", sweep_job], minutes=5, id="sweep",
                      replace_existing=True, next_run_time=now)
        sched.add_job(guarded, "interval", args=["dispatch", dispatch_job], seconds=30, id="dispatch",
                      replace_existing=True, next_run_time=now)
        sched.add_job(guarded, "interval", args=["rules", lambda: asyncio.to_thread(self.watch_rules)],
                      seconds=30, id="rules-watch", replace_existing=True, next_run_time=now)
        sched.add_job(guarded, "cron", args=["daily", lambda: asyncio.to_thread(self.daily)], hour=0,
                      minute=5, id="daily", replace_existing=True)
        sched.start()
        log.info("dondoc engine running; channels: %s", {k: type(v).__name__ for k, v in self.notifiers.items()})
        bot_task = asyncio.create_task(self.bot.run(stop), name="telegram-bot") if self.bot is not None else None
        try:
            await stop.wait()
        finally:
            if bot_task is not None:
                if not stop.is_set():
                    bot_task.cancel()   # serve itself failed: nothing to confirm
                try:
                    # Stopping confirms the fetched updates to Telegram; never hang the shutdown on it.
                    await asyncio.wait_for(bot_task, 30)
                except (Exception, asyncio.CancelledError):
                    log.exception("the Telegram bot did not stop cleanly")
            # APScheduler's asyncio executor cancels running jobs on shutdown: stop new runs
            # first, let the ones in flight finish and record their outcomes, then shut down.
            sched.pause()
            if busy:
                log.info("finishing %d job(s) in flight", len(busy))
                await asyncio.gather(*busy, return_exceptions=True)
            sched.shutdown(wait=False)
            for notifier in {id(n): n for n in self.notifiers.values()}.values():
                await notifier.aclose()
            log.info("dondoc engine stopped")


def install_signal_handlers(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT ask the loop to stop; they never interrupt a send."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
