"""Delivery benchmarks (issue 6): email throughput, Telegram sustained rate, timer-to-inbox latency.

    .venv/bin/python bench/bench_delivery.py [--emails 2000] [--telegram 300] [--latency 40]

Each line prints the figure, its target and the ratio (for "at least" targets, target/figure, so
<= 1.0 always means the target is met).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.delivery.pacing import TelegramPacer  # noqa: E402
from notifiers.base import Message, NotifierError, Recipient  # noqa: E402
from notifiers.email import EmailNotifier  # noqa: E402
from notifiers.telegram import TelegramNotifier  # noqa: E402
from tests.fakes.smtp import RecordingHandler, smtp_server  # noqa: E402
from tests.fakes.telegram_api import telegram_api  # noqa: E402


def report(name: str, figure: float, target: float, unit: str, at_least: bool, extra: str = "") -> bool:
    ratio = target / figure if at_least else figure / target
    bound = ">=" if at_least else "<="
    print(f"{name}: {figure:.1f} {unit} (target {bound} {target:g} {unit}) ratio {ratio:.2f}"
          f"{' OK' if ratio <= 1 else ' MISSED'}{'  ' + extra if extra else ''}", flush=True)
    return ratio <= 1


def message(i: int, channel: str, chat: str | None = None) -> Message:
    person = Recipient(f"p{i}", f"Cán bộ Nguyễn Văn {i}", f"p{i}@example.org", chat or str(100000000 + i))
    return Message(key=f"dd-{i}-bench", notification_ids=(i,), channel=channel, recipient=person,
                   subject=f"Nhắc việc – còn 3 ngày làm việc: Báo cáo số {i}",
                   text="Nhiệm vụ: Báo cáo kết quả thực hiện CCHC quý IV.\nHạn: Thứ Ba, 14/10/2025.",
                   html=("<p><b>Báo cáo kết quả thực hiện CCHC quý IV</b><br>Hạn: Thứ Ba, 14/10/2025</p>"
                         if channel == "email" else
                         "<b>Báo cáo kết quả thực hiện CCHC quý IV</b>\nHạn: Thứ Ba, 14/10/2025"),
                   thread=f"task-{i}", task_title=f"Báo cáo số {i}", due=date(2025, 10, 14))


async def bench_email(n: int) -> bool:
    # The sink is its own process, as a mail server would be: it must not share our GIL.
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        notifier = EmailNotifier("127.0.0.1", port, concurrency=8)
        batch = [message(i, "email") for i in range(n)]
        t = time.perf_counter()
        results = await notifier.send_batch(batch)
        elapsed = time.perf_counter() - t
        await notifier.aclose()
    finally:
        server.terminate()
        server.wait()
    errors = sum(isinstance(r, NotifierError) for r in results)
    return report("email to a local SMTP sink", n / elapsed, 400, "msg/s", True,
                  f"{n} messages built and sent over 8 connections, {errors} errors")


async def bench_telegram(n: int) -> bool:
    with telegram_api() as tg:
        notifier = TelegramNotifier(tg.token, tg.base_url)
        pacer = TelegramPacer()
        t = time.perf_counter()
        for i in range(n):
            await pacer.wait(str(100000000 + i))
            try:
                await notifier.send(message(i, "telegram"))
            except NotifierError as exc:
                if exc.retry_after:
                    pacer.pause(exc.retry_after)
        elapsed = time.perf_counter() - t
        await notifier.aclose()
        refused = sum(1 for r in tg.calls("sendMessage") if r.status == 429)
        delivered = len(tg.sent())
    ok = report("Telegram sustained to the rate-limited fake", delivered / elapsed, 27, "msg/s", True,
                f"{delivered}/{n} delivered, {refused} answered 429")
    return ok and refused == 0


def bench_latency(count: int) -> bool:
    """Timers due a few seconds from now; the running daemon wakes, sweeps, dispatches by SMTP."""
    import os

    from sqlmodel import Session, select

    sink_times: dict[str, float] = {}

    class Clocked(RecordingHandler):
        async def handle_DATA(self, server, session, envelope) -> str:
            sink_times[envelope.rcpt_tos[0]] = time.time()
            return "250 OK"

    with tempfile.TemporaryDirectory() as tmp, smtp_server(Clocked()) as srv:
        tmp = Path(tmp)
        (tmp / "config").mkdir()
        (tmp / "config" / "org.yaml").write_text("units:\n" + "".join(
            f"  - {{id: u{i}, name: Đơn vị {i}, head: p{i}}}\n" for i in range(count)) + "people:\n" + "".join(
            f"  - {{id: p{i}, name: Cán bộ {i}, unit: u{i}, email: p{i}@example.org}}\n" for i in range(count)),
            encoding="utf-8")
        # Overdue work, urgent: the rule's moment is past, so each timer fires when it is scheduled to.
        (tmp / "config" / "rules.yaml").write_text(
            "defaults: {channels: [email]}\nrules:\n  - {id: gap, after_due: 1h, urgent: true, notify: [assignee]}\n",
            encoding="utf-8")
        yesterday = (datetime.now(timezone.utc) + timedelta(hours=7) - timedelta(days=1)).date()
        (tmp / "plan.yaml").write_text("plan: {title: Kế hoạch, issuer: UBND xã, year: %d}\ntasks:\n" % yesterday.year
                                       + "".join(f"  - {{ref: t{i}, title: Việc {i}, lead: Đơn vị {i}, "
                                                 f"due: {yesterday.isoformat()}}}\n" for i in range(count)),
                                       encoding="utf-8")
        os.environ.update({"DONDOC_CONFIG_DIR": str(tmp / "config"), "DONDOC_DATABASE_URL": f"sqlite:///{tmp / 'd.db'}",
                           "DONDOC_SMTP_HOST": "127.0.0.1", "DONDOC_SMTP_PORT": str(srv.port)})
        from engine.context import AppContext
        from engine.infra.db import transaction
        from engine.core.models import Timer
        from engine.core.org import load_org, read_org
        from engine.plans.importer import import_plan
        from engine.reminders.rulestore import reload_rules
        from engine.daemon import Daemon
        from notifiers.registry import build_notifiers
        from notifiers.render import Renderer

        ctx = AppContext()
        with transaction(ctx.engine) as s:
            load_org(s, read_org(tmp / "config" / "org.yaml"), ctx.now())
            reload_rules(s, ctx.settings, ctx.calendar, ctx.now())
        import_plan(ctx.engine, tmp / "plan.yaml", ctx.now())
        start = datetime.now(timezone.utc) + timedelta(seconds=3)
        due_at: dict[str, float] = {}
        with Session(ctx.engine) as s:
            from engine.core.models import Task
            from engine.reminders.rulestore import active_ruleset, evaluator
            from engine.reminders.timers import sync_timers
            tasks = s.exec(select(Task)).all()
            sync_timers(s, evaluator(s, active_ruleset(s), ctx.calendar), tasks, ctx.now(),
                        floor=ctx.now() - timedelta(days=3))
            for i, timer in enumerate(s.exec(select(Timer).order_by(Timer.id)).all()):
                timer.fire_at = start + timedelta(milliseconds=150 * i)
                due_at[f"p{i}@example.org"] = timer.fire_at.timestamp()
                s.add(timer)
            s.commit()
        daemon = Daemon(ctx, build_notifiers(ctx.settings), Renderer(tmp / "config" / "templates"))
        # No templates in this temporary config: use the shipped ones.
        daemon.renderer = Renderer(ROOT / "config" / "templates")

        async def serve() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(daemon.serve(stop))
            deadline = time.time() + 30 + count * 0.2
            while len(sink_times) < count and time.time() < deadline:
                await asyncio.sleep(0.05)
            stop.set()
            await task

        asyncio.run(serve())
    lat = sorted(sink_times[k] - due_at[k] for k in sink_times)
    if len(lat) < count:
        print(f"latency: only {len(lat)} of {count} delivered", flush=True)
        return False
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return report("timer moment -> SMTP acceptance, p99", p99, 2.0, "s", False,
                  f"{count} timers, median {statistics.median(lat):.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--telegram", type=int, default=300)
    parser.add_argument("--latency", type=int, default=40)
    args = parser.parse_args()
    ok = asyncio.run(bench_email(args.emails))
    ok &= asyncio.run(bench_telegram(args.telegram))
    ok &= bench_latency(args.latency)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
