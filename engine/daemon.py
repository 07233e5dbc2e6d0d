"""The engine daemon: APScheduler 3 is only the alarm clock; the database holds the schedule.

A few module-level jobs with fixed ids: the sweep (at the next timer's moment, and every few
minutes as a safety net), dispatch (whenever notifications are pending), the rules-file watcher
and a daily re-check of every timer. SIGTERM/SIGINT only set a flag; in-flight sends finish
and their outcomes are recorded before the process exits. What is due is always decided on the
context's clock (engine.infra.clock); APScheduler's real-time alarm only says when to look again.

With a Telegram token the bot (engine/chat/telegram/), and with a Zalo token the Zalo receiver
(engine/chat/zalo/), run beside them: long polling (Zalo: or its webhook server) in `serve`, one pass
over the waiting updates at the start of `run_once` (so cron users get buttons and commands too,
answered at the next run). Either way updates are handled before the sweep, so an action taken
on a phone stops the reminders it makes pointless.

APScheduler is pinned below 4: version 4 is a different design (data stores, async-first API).
"""

from __future__ import annotations

import asyncio
from collections import Counter
import functools
import logging
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func
from sqlmodel import Session, select

from engine.chat.telegram.callbacks import Signer
from engine.context import AppContext
from engine.core.models import Notification
from engine.core.vocabulary import NotificationStatus
from engine.infra.clock import Clock, FixedClock
from engine.infra.db import transaction
from engine.delivery.dispatch import Delivery, DispatchConfig, dispatch_once
from engine.delivery.pacing import TelegramPacer, ZaloPacer
from engine.reminders.rulestore import active_ruleset, evaluator, reload_rules, rules_file
from engine.reminders.sweep import sweep
from engine.reminders.timers import next_fire_at, sync_all

log = logging.getLogger("dondoc")
SAFETY_INTERVAL = timedelta(minutes=5)   # the sweep runs at least this often
MIN_DELAY = timedelta(seconds=1)         # and never more often than this


@dataclass
class Totals:
    notifications: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    requeued: int = 0
    merged: int = 0
    not_configured: int = 0
    messages: int = 0
    created: Counter = field(default_factory=Counter)   # the sweep's notifications, by status


class Daemon:
    """Sweep and dispatch on the context's clock, once or as a long-running service."""

    def __init__(self, ctx: AppContext, notifiers: dict, renderer, cfg: DispatchConfig | None = None,
                 pacer: TelegramPacer | None = None):
        self.ctx, self.notifiers, self.renderer = ctx, notifiers, renderer
        s = ctx.settings
        self.cfg = cfg or DispatchConfig(lease=timedelta(seconds=s.dispatch_lease_seconds),
                                         max_age=timedelta(hours=s.dispatch_max_age_hours))
        self.pacer = pacer or TelegramPacer.on(ctx.pacer_clock)
        self.zalo_pacer = ZaloPacer.on(ctx.pacer_clock, per_second=s.zalo.per_second, chat_gap=s.zalo.chat_gap)
        self._rules_mtime: float | None = None
        self.signer = Signer.from_settings(s) if s.telegram_token else None
        self._bot = None
        self._zalo = None

    @functools.cached_property
    def delivery(self) -> Delivery:
        """The channels dispatch sends on, with what each chat adapter adds to them (Telegram:
        buttons; Zalo: numbered answers) and remembers of what was sent. Built once: every
        dispatch round uses the same notifiers, pacers and hooks."""
        from engine.chat.telegram.outbox import button_maker, remember_sent
        from engine.chat.zalo import outbox as zalo

        hooks = {"buttons": {"zalo": zalo.hints, **({"telegram": button_maker(self.signer)} if self.signer else {})},
                 "on_sent": {"telegram": remember_sent, "zalo": zalo.remember_sent}}
        if self.ctx.settings.web.email_links:
            from engine.web.links import email_buttons
            hooks["buttons"]["email"] = email_buttons(self.ctx.settings, self.ctx.clock)
        pacers = {"telegram": self.pacer, "zalo": self.zalo_pacer}
        return Delivery(self.notifiers, self.renderer, self.ctx.calendar, pacers, **hooks)

    @property
    def bot(self):
        """The Telegram bot (engine.chat.telegram.bot.TelegramBot), built on first use; None without a token."""
        if self._bot is None and self.ctx.settings.telegram_token is not None:
            from engine.chat.telegram.bot import TelegramBot
            self._bot = TelegramBot(self.ctx)
        return self._bot

    @property
    def zalo(self):
        """The Zalo receiver, built on first use; None without a token. Polling mode: getUpdates
        (engine.chat.zalo.receive.ZaloReceiver); webhook mode: its own small server around it
        (engine.chat.zalo.webhook.ZaloWebhook), whose `poll_once` fetches nothing. Never both."""
        s = self.ctx.settings
        if self._zalo is None and s.zalo_token is not None:
            from engine.chat.zalo.receive import ZaloReceiver
            self._zalo = ZaloReceiver(self.ctx)
            if s.zalo.mode == "webhook":
                from engine.chat.zalo.webhook import ZaloWebhook
                self._zalo = ZaloWebhook(self._zalo, s.zalo)
        return self._zalo

    def sweep_now(self) -> int:
        """Create the notifications of every timer due now; returns how many."""
        return sum(self.sweep_statuses().values())

    def sweep_statuses(self) -> Counter:
        """Create the notifications of every timer due now; how many of each status."""
        now = self.ctx.now()
        with transaction(self.ctx.engine) as session:
            rs = active_ruleset(session)
            if rs is None:
                return Counter()
            created = sweep(session, evaluator(session, rs, self.ctx.calendar, set(self.notifiers)), now)
            return Counter(row["status"] for row in created)

    async def dispatch_until_idle(self, totals: Totals, stop: asyncio.Event | None = None) -> None:
        """Send batches until nothing is due now (or a stop is asked for between batches)."""
        while stop is None or not stop.is_set():
            result = await dispatch_once(self.ctx.engine, self.delivery, self.ctx.now(), self.cfg)
            for name in ("sent", "failed", "retrying", "requeued", "merged", "not_configured", "messages"):
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
        if self.zalo is not None:
            try:
                await self.zalo.poll_once()
            finally:
                await self.zalo.aclose()
        totals.created = self.sweep_statuses()
        totals.notifications = sum(totals.created.values())
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
        service = Service(self, stop)
        service.start()
        log.info("dondoc engine running; channels: %s", {k: type(v).__name__ for k, v in self.notifiers.items()})
        bot_task = asyncio.create_task(self.bot.run(stop), name="telegram-bot") if self.bot is not None else None
        zalo_task = asyncio.create_task(self.zalo.run(stop), name="zalo-bot") if self.zalo is not None else None
        try:
            await stop.wait()
        finally:
            await _stop_bot(bot_task, stop)
            await _stop_bot(zalo_task, stop)
            await service.drain()
            await self.close_notifiers()
            log.info("dondoc engine stopped")

    def waiting(self) -> tuple[int, datetime] | None:
        """(how many, the earliest) pending notifications whose moment to go out has not come."""
        n = Notification
        with Session(self.ctx.engine) as session:
            count, first = session.exec(select(func.count(), func.min(n.fire_at)).where(
                n.status == NotificationStatus.PENDING, n.fire_at > self.ctx.now())).one()
        return (count, first) if count else None

    def next_sweep_delay(self) -> timedelta:
        """How long the sweep sleeps before its next run (see `sweep_delay`)."""
        with Session(self.ctx.engine) as session:
            return sweep_delay(self.ctx.clock, next_fire_at(session))

    async def close_notifiers(self) -> None:
        """Close each notifier once (one may serve several channels)."""
        for notifier in {id(n): n for n in self.notifiers.values()}.values():
            await notifier.aclose()


def sweep_delay(clock: Clock, next_fire: datetime | None) -> timedelta:
    """How long the sweep sleeps (in real time) before it runs again.

    Times are compared on the context's clock, the one the sweep uses: until the next timer,
    at least a second, at most the safety interval. A fixed clock (--now, DONDOC_NOW) never
    reaches the next timer however long the daemon sleeps, so it only wakes at the safety
    interval (to pick up new tasks and rules).
    """
    if next_fire is None or isinstance(clock, FixedClock):
        return SAFETY_INTERVAL
    return min(SAFETY_INTERVAL, max(next_fire - clock.now(), MIN_DELAY))


async def _stop_bot(bot_task: asyncio.Task | None, stop: asyncio.Event) -> None:
    if bot_task is None:
        return
    if not stop.is_set():
        bot_task.cancel()   # serve itself failed: nothing to confirm
    try:
        # Stopping confirms the fetched updates to Telegram; never hang the shutdown on it.
        await asyncio.wait_for(bot_task, 30)
    except (Exception, asyncio.CancelledError):
        log.exception("the Telegram bot did not stop cleanly")


# -- the jobs ------------------------------------------------------------------------------
# APScheduler sleeps on the real clock: `_alarm_now` is its "now", used only to say "run this
# job now" or "in so long"; every decision about what is due is taken on the context's clock.


def _alarm_now(service: Service) -> datetime:
    return datetime.now(service.daemon.ctx.settings.tz)


def _tracked(job: Callable[[Service], Awaitable[None]]) -> Callable[[Service], Awaitable[None]]:
    """A job that the drain waits for, and whose failure is logged instead of stopping it for good."""

    @functools.wraps(job)
    async def run(service: Service) -> None:
        task = asyncio.current_task()
        service.busy.add(task)
        try:
            await job(service)
        except Exception:
            log.exception("%s failed; it runs again at its next moment", job.__name__)
        finally:
            service.busy.discard(task)

    return run


@_tracked
async def sweep_job(service: Service) -> None:
    """Create due notifications, wake dispatch if there are any, sleep until the next timer."""
    created = await asyncio.to_thread(service.daemon.sweep_now)
    if created:
        log.info("sweep: %d notifications", created)
        service.sched.modify_job("dispatch", next_run_time=_alarm_now(service))
        waiting = await asyncio.to_thread(service.daemon.waiting)
        if waiting:
            log.info("%d thông báo chờ đến giờ gửi, sớm nhất lúc %s (waiting for the send window)",
                     waiting[0], waiting[1].astimezone(service.daemon.ctx.settings.tz).strftime("%H:%M %d/%m/%Y"))
    delay = await asyncio.to_thread(service.daemon.next_sweep_delay)
    service.sched.modify_job("sweep", next_run_time=_alarm_now(service) + delay)


@_tracked
async def dispatch_job(service: Service) -> None:
    """Send what is due until nothing is (or a stop is asked for)."""
    totals = Totals()
    await service.daemon.dispatch_until_idle(totals, service.stop)
    if totals.messages:
        log.info("dispatch: %d sent, %d retrying, %d failed", totals.sent, totals.retrying, totals.failed)


@_tracked
async def rules_watch_job(service: Service) -> None:
    await asyncio.to_thread(service.daemon.watch_rules)


@_tracked
async def daily_job(service: Service) -> None:
    await asyncio.to_thread(service.daemon.daily)


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[Service], Awaitable[None]]
    trigger: str
    when: dict[str, int]   # the trigger's fields
    misfire_grace: int    # seconds late a run may start; later runs are skipped (coalesced)
    at_start: bool = True


JOBS = (
    Job("sweep", sweep_job, "interval", {"seconds": int(SAFETY_INTERVAL.total_seconds())}, 300),
    Job("dispatch", dispatch_job, "interval", {"seconds": 30}, 30),
    Job("rules-watch", rules_watch_job, "interval", {"seconds": 30}, 30),
    # A machine asleep at 00:05 still re-checks the timers when it wakes the same morning.
    Job("daily", daily_job, "cron", {"hour": 0, "minute": 5}, 6 * 3600, at_start=False),
)


@dataclass
class Service:
    """One run of `Daemon.serve`: the scheduler, its jobs, and the runs in flight."""

    daemon: Daemon
    stop: asyncio.Event
    sched: AsyncIOScheduler = field(init=False)
    busy: set[asyncio.Task] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.sched = AsyncIOScheduler(timezone=self.daemon.ctx.settings.tz)

    def start(self) -> None:
        now = _alarm_now(self)
        for job in JOBS:
            self.sched.add_job(job.func, job.trigger, args=[self], id=job.id, name=job.id,
                               replace_existing=True, coalesce=True, max_instances=1,
                               misfire_grace_time=job.misfire_grace,
                               **({"next_run_time": now} if job.at_start else {}), **job.when)
        self.sched.start()

    async def drain(self) -> None:
        """Stop new runs, let the ones in flight finish and record their outcomes, shut down."""
        # APScheduler's asyncio executor cancels running jobs on shutdown, hence the order.
        self.sched.pause()
        if self.busy:
            log.info("finishing %d job(s) in flight", len(self.busy))
            await asyncio.gather(*self.busy, return_exceptions=True)
        self.sched.shutdown(wait=False)


def install_signal_handlers(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT ask the loop to stop; they never interrupt a send."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
