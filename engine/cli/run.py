"""The engine: run it (as a service or once), look into the outbox, check the whole setup."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime
from typing import Optional

import typer
from rich.table import Table
from sqlalchemy import func
from sqlmodel import select

from engine.cli.app import JsonOpt, app, ctx_of, emit, out, outbox_app
from engine.infra.db import transaction
from engine.infra.errors import DondocError
from engine.core.models import NOTIFICATION_STATUSES, Notification, Task


def _daemon(c, console_stream=None):
    from engine.daemon import Daemon
    from notifiers.registry import build_notifiers
    from notifiers.render import Renderer

    renderer = Renderer(c.settings.config_dir / "templates", c.settings.locale)
    problems = renderer.check()
    if problems:
        raise DondocError("templates have problems; nothing was sent:\n" + "\n".join(problems))
    return Daemon(c, build_notifiers(c.settings, console_stream), renderer)


@app.command("run")
def run(ctx: typer.Context, once: bool = typer.Option(False, "--once", help="One sweep, dispatch until "
                                                                            "nothing is pending, exit (for cron)."),
        as_json: bool = JsonOpt) -> None:
    """Chạy bộ máy nhắc việc (run the engine: sweep timers, send notifications)."""
    from engine.daemon import install_signal_handlers

    c = ctx_of(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # With --json, stdout is for the summary: console messages go to stderr.
    daemon = _daemon(c, sys.stderr if as_json else None)
    if once:
        totals = asyncio.run(daemon.run_once())
        data = {"notifications": totals.notifications, "messages": totals.messages, "sent": totals.sent,
                "retrying": totals.retrying, "requeued": totals.requeued, "failed": totals.failed}
        if as_json:
            emit(data)
        else:
            out.print(f"Đã tạo {data['notifications']} thông báo, gửi {data['sent']} ({data['messages']} tin), "
                      f"chờ gửi lại {data['retrying'] + data['requeued']}, lỗi {data['failed']} "
                      "(notifications created, sent, to retry, failed)")
        return

    async def serve() -> None:
        stop = asyncio.Event()
        install_signal_handlers(stop)
        await daemon.serve(stop)

    asyncio.run(serve())


@outbox_app.callback()
def outbox(ctx: typer.Context, status: Optional[str] = typer.Option(None, "--status", help="|".join(NOTIFICATION_STATUSES)),
           limit: int = typer.Option(50, "--limit", help="At most this many, newest first."),
           as_json: bool = JsonOpt) -> None:
    """Hộp thư đi (list notifications and how their delivery went)."""
    if ctx.invoked_subcommand is not None:
        return
    c = ctx_of(ctx)
    if status and status not in NOTIFICATION_STATUSES:
        raise DondocError(f"--status {status!r}: use one of {', '.join(NOTIFICATION_STATUSES)}")
    tz = c.settings.tz
    with transaction(c.engine) as session:
        query = select(Notification, Task.ref).join(Task, Task.id == Notification.task_id)
        if status:
            query = query.where(Notification.status == status)
        rows = session.exec(query.order_by(Notification.id.desc()).limit(limit)).all()
        counts = dict(session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all())
    iso = lambda m: m.astimezone(tz).isoformat() if m else None  # noqa: E731
    items = [{"id": n.id, "task_id": n.task_id, "task_ref": ref, "rule": n.rule_id, "level": n.level,
              "recipient": n.recipient, "role": n.role, "channel": n.channel, "template": n.template,
              "status": n.status, "fire_at": iso(n.fire_at), "attempts": n.attempts,
              "next_attempt_at": iso(n.next_attempt_at), "sent_at": iso(n.sent_at), "message_key": n.message_key,
              "last_error": n.last_error, "ruleset_version": n.ruleset_version} for n, ref in rows]
    if as_json:
        emit({"counts": counts, "notifications": items})
        return
    out.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "Hộp thư đi trống (outbox empty)")
    table = Table("ID", "Nhiệm vụ", "Quy tắc", "Người nhận", "Kênh", "Trạng thái", "Lần", "Lỗi gần nhất")
    for i in items:
        table.add_row(str(i["id"]), i["task_ref"], i["rule"], i["recipient"], i["channel"], i["status"],
                      str(i["attempts"]), (i["last_error"] or "")[:60])
    out.print(table)


@outbox_app.command("retry")
def outbox_retry(ctx: typer.Context, ids: Optional[list[int]] = typer.Argument(None, help="Notification ids "
                                                                                "(default: every failed one)."),
                 as_json: bool = JsonOpt) -> None:
    """Gửi lại (put failed notifications back in the queue)."""
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        query = select(Notification).where(Notification.status == "failed")
        if ids:
            query = query.where(Notification.id.in_(ids))
        rows = session.exec(query).all()
        for n in rows:
            n.status, n.attempts, n.next_attempt_at, n.claimed_until = "pending", 0, c.now(), None
            # Sent late is better than not sent: the age limit counts from the retry.
            n.fire_at = c.now()
            session.add(n)
        retried = [n.id for n in rows]
    if as_json:
        emit({"retried": retried})
    else:
        out.print(f"Đưa lại vào hàng đợi (requeued): {len(retried)}")


@app.command("check")
def check(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Kiểm tra cấu hình (settings, org, rules, templates, and each channel without sending)."""
    from engine.core.org import read_org
    from engine.reminders.rulestore import read_rules
    from notifiers.registry import build_notifiers
    from notifiers.render import Renderer

    c = ctx_of(ctx)
    results: list[dict] = []

    def item(ident: str, ok: bool, detail: str, hint: str | None = None) -> None:
        results.append({"id": ident, "ok": ok, "detail": detail, "hint": hint})

    def attempt(ident: str, fn, hint: str | None = None) -> None:
        try:
            item(ident, True, fn())
        except Exception as exc:   # report every problem, do not stop at the first
            item(ident, False, str(exc), hint)

    s = c.settings
    attempt("settings", lambda: f"database {s.database_url}, time zone {s.timezone}")
    attempt("org", lambda: f"{len(read_org(s.org_file).people)} people in {s.org_file}",
            "fix config/org.yaml, then `dondoc org load`")
    def rules_summary() -> str:
        rs = read_rules(s)
        return f"{len(rs.rules)} rules, version {rs.version}"

    attempt("rules", rules_summary, "`dondoc rules check` shows each problem")
    problems = Renderer(s.config_dir / "templates", s.locale).check()
    item("templates", not problems, "; ".join(problems) or "every template renders", None if not problems else
         "fix the templates under config/templates/")
    notifiers = build_notifiers(s)

    async def channels() -> None:
        for channel in ("email", "telegram"):
            notifier = notifiers[channel]
            try:
                item(f"channel.{channel}", True, f"{type(notifier).__name__}: {await notifier.check()}")
            except Exception as exc:
                item(f"channel.{channel}", False, str(exc), f"check the DONDOC_{'SMTP' if channel == 'email' else 'TELEGRAM'}_* settings")
        for n in {id(n): n for n in notifiers.values()}.values():
            await n.aclose()

    asyncio.run(channels())
    if as_json:
        emit(results)
    else:
        for r in results:
            mark = "[green]✓[/green]" if r["ok"] else "[red]✗[/red]"
            out.print(f"{mark} {r['id']}: {r['detail']}" + (f"  ({r['hint']})" if r["hint"] and not r["ok"] else ""))
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)
