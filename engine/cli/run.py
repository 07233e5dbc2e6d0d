"""The engine: run it (as a service or once), look into the outbox, check the whole setup."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func
from sqlmodel import select

from engine.cli.app import JsonOpt, app, ctx_of, emit, out, outbox_app
from engine.infra.db import transaction
from engine.infra import logs
from engine.infra.errors import DondocError
from engine.core.models import Notification, Task
from engine.core.vocabulary import NotificationStatus


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
        as_json: bool = JsonOpt,
        web: bool = typer.Option(False, "--web", help="Also serve the web page in this process (web.listen).")) -> None:
    """Chạy bộ máy nhắc việc (run the engine: sweep timers, send notifications)."""
    from engine.daemon import install_signal_handlers

    c = ctx_of(ctx)
    logs.set_level(logging.INFO)   # the engine says what it does; libraries only with --debug
    # With --json, stdout is for the summary: console messages go to stderr.
    daemon = _daemon(c, sys.stderr if as_json else None)
    announce_channels(c, daemon.notifiers, as_json)
    if once and c.settings.zalo_token is not None and c.settings.zalo.mode == "webhook":
        typer.echo("Cảnh báo: zalo.mode là webhook: `dondoc run --once` không nhận tin nhắn Zalo, tin chỉ đến "
                   "dịch vụ `dondoc run` đang chạy (warning: in webhook mode `run --once` receives no Zalo "
                   "messages; they arrive only to the running service)", err=True)
    if once:
        totals = asyncio.run(daemon.run_once())
        data = run_summary(totals)
        if data["sent"] == 0:
            data["why_nothing_sent"] = why_nothing_sent(c, data)
        if as_json:
            emit(data)
        else:
            print_summary(data)
        return

    if web:
        from engine.cli.web import announce, web_address
        from engine.web.serve import serve_web

        host, port = web_address(c)
        announce(c, host, port)

    async def serve() -> None:
        stop = asyncio.Event()
        install_signal_handlers(stop)
        if not web:
            await daemon.serve(stop)
            return
        await asyncio.gather(daemon.serve(stop), serve_web(c, host, port, stop))

    asyncio.run(serve())


@outbox_app.callback()
def outbox(ctx: typer.Context, status: Optional[str] = typer.Option(None, "--status", help="|".join(NotificationStatus)),
           limit: int = typer.Option(50, "--limit", help="At most this many, newest first."),
           as_json: bool = JsonOpt) -> None:
    """Hộp thư đi (list notifications and how their delivery went)."""
    if ctx.invoked_subcommand is not None:
        return
    c = ctx_of(ctx)
    if status and not NotificationStatus.has(status):
        raise DondocError(f"--status {status!r}: không hợp lệ, dùng một trong / use one of "
                          f"{NotificationStatus.listing()}")
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
        from engine.delivery.dispatch import requeue_failed
        retried = [n.id for n in requeue_failed(session, c.now(), ids)]
    if as_json:
        emit({"retried": retried})
    else:
        out.print(f"Đưa lại vào hàng đợi (requeued): {len(retried)}")


@app.command("check")
def check(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Kiểm tra cấu hình (settings, org, rules, templates, and each channel without sending)."""
    from engine.core.org import read_org
    from engine.reminders.rulestore import read_rules
    from notifiers.registry import build_notifiers, used as sent_on
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

    attempt("settings", lambda: f"database {c.settings.database_url}, time zone {c.settings.timezone}",
            "sửa thiết lập đã nêu trong config/dondoc.yaml hoặc biến DONDOC_* / fix the setting named")
    if not results[0]["ok"]:   # nothing else can be checked without settings
        report_checks(results, as_json)
    s = c.settings
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

    used = sent_on(rule_channels(c) or {"email", "telegram"}, notifiers)   # `chat`: the chat apps

    async def channels() -> None:
        from notifiers.registry import CHANNELS, SETTINGS_HINT

        for channel in CHANNELS:
            notifier = notifiers.get(channel)
            if notifier is None:
                if channel in used:
                    item(f"channel.{channel}", False, f"quy tắc gửi qua kênh {channel} nhưng kênh này chưa được "
                         f"cấu hình: không có gì được gửi qua kênh này (the rules use {channel}, which is not "
                         "configured: nothing is sent on it)", f"đặt / set {SETTINGS_HINT[channel]}")
                continue
            try:
                detail = f"{type(notifier).__name__}: {await notifier.check()}"
                if channel == "zalo" and s.zalo.mode == "webhook":
                    detail += await zalo_webhook_info(s, notifier)
                if channel == "console":
                    detail += (" — chế độ thử: tin nhắn chỉ in ra màn hình, không gửi tới ai "
                               "(demo: messages are only printed)")
                item(f"channel.{channel}", True, detail)
            except Exception as exc:
                item(f"channel.{channel}", False, str(exc), f"kiểm tra / check {SETTINGS_HINT[channel]}")
        for n in notifiers.values():
            await n.aclose()

    asyncio.run(channels())
    report_checks(results, as_json)


async def zalo_webhook_info(s, notifier) -> str:
    """Webhook mode: where Zalo posts updates now (getWebhookInfo), said against zalo.webhook_url."""
    url = str((await notifier.call("getWebhookInfo") or {}).get("url") or "")
    if url == s.zalo.webhook_url:
        return f"; webhook {url}"
    if not url:
        return (f"; webhook chưa đăng ký, `dondoc run` đăng ký {s.zalo.webhook_url} khi khởi động "
                f"(webhook not set yet: `dondoc run` sets it at start)")
    return (f"; webhook đang là {url}, `dondoc run` sẽ đổi thành {s.zalo.webhook_url} khi khởi động "
            f"(webhook is {url}: `dondoc run` sets it to zalo.webhook_url at start)")


def report_checks(results: list[dict], as_json: bool) -> None:
    """Print the checks (as JSON or one line each); exit 1 if any failed."""
    if as_json:
        emit(results)
    else:
        for r in results:
            mark = "[green]✓[/green]" if r["ok"] else "[red]✗[/red]"
            line = f"{r['id']}: {r['detail']}" + (f"  ({r['hint']})" if r["hint"] and not r["ok"] else "")
            out.print(f"{mark} {escape(logs.redact(line))}")
    raise typer.Exit(0 if all(r["ok"] for r in results) else 1)


# -- telling the truth about channels and what a run did -----------------------------------------

SUMMARY_STATUSES = ("sent", "skipped", "merged", "suppressed", "no_recipient", "no_contact", "not_configured",
                    "failed", "retrying", "requeued")
_STATUS_WORDS = {"sent": "đã gửi", "skipped": "bỏ qua", "merged": "gộp", "suppressed": "tạm dừng (đã xác nhận)",
                 "no_recipient": "không có người nhận", "no_contact": "không có liên lạc",
                 "not_configured": "kênh chưa cấu hình", "failed": "lỗi", "retrying": "chờ gửi lại",
                 "requeued": "chờ gửi lại (giới hạn tốc độ)"}


def rule_channels(c) -> set[str]:
    """The channels the active rules send on (empty without active rules)."""
    from engine.reminders.rulestore import active_ruleset

    with transaction(c.engine) as session:
        rs = active_ruleset(session)
    if rs is None:
        return set()
    return {ch for rule in rs.enabled for ch in (rule.channels or rs.defaults.channels)}


def announce_channels(c, notifiers: dict, as_json: bool = False) -> None:
    """At start: say loudly which channels the rules use but cannot send on, and the console demo."""
    from notifiers.registry import SETTINGS_HINT, missing

    warn = typer.echo
    gone = missing(notifiers, rule_channels(c))
    if "console" in notifiers:
        warn("*** CHẾ ĐỘ THỬ (console): tin nhắn chỉ được in ra đây, KHÔNG gửi tới ai *** "
             "(demo mode: messages are printed here, nobody receives them)", err=True)
    for channel in gone:
        fallback = "; in ra console thay thế (printed on the console instead)" if "console" in notifiers else ""
        warn(f"Cảnh báo: quy tắc gửi qua kênh {channel} nhưng kênh này chưa được cấu hình ({SETTINGS_HINT[channel]})"
             f"{fallback} (warning: the rules use channel {channel}, which is not configured)", err=True)


def run_summary(totals) -> dict:
    """What one `run --once` did, by outcome; the keys of --json."""
    data = {"notifications": totals.notifications, "messages": totals.messages}
    counts = {status: 0 for status in SUMMARY_STATUSES}
    for status, n in totals.created.items():
        if status != NotificationStatus.PENDING and status in counts:
            counts[status] += n
    for name in ("sent", "merged", "not_configured", "failed", "retrying", "requeued"):
        counts[name] += getattr(totals, name)
    return data | counts


def why_nothing_sent(c, summary: dict) -> str:
    """One sentence on why a run sent nothing (no rules, nobody loaded, nothing due, or what happened)."""
    from engine.core.models import Person, Timer
    from engine.reminders.rulestore import active_ruleset

    with transaction(c.engine) as session:
        if active_ruleset(session) is None:
            return "chưa có quy tắc nào được áp dụng: chạy `dondoc rules reload` (no rules are active)"
        if session.exec(select(func.count()).select_from(Person)).one() == 0:
            return "chưa nạp danh sách cán bộ: chạy `dondoc org load` (no people are loaded)"
        if session.exec(select(func.count()).select_from(Task)).one() == 0:
            return "chưa có nhiệm vụ nào: chạy `dondoc plan import` (no tasks are imported)"
        nxt = session.exec(select(func.min(Timer.fire_at))).one()
    held = {k: v for k, v in summary.items() if k in SUMMARY_STATUSES and k != "sent" and v}
    if held:
        parts = ", ".join(f"{_STATUS_WORDS[k]} {v}" for k, v in held.items())
        return f"không có thông báo nào được gửi: {parts} (nothing was sent: {', '.join(f'{k} {v}' for k, v in held.items())})"
    if nxt is None:
        return "không còn lịch nhắc nào (no reminder is scheduled)"
    when = nxt.astimezone(c.settings.tz)
    return f"chưa đến lúc nhắc: lần nhắc kế tiếp lúc {when:%H:%M %d/%m/%Y} (nothing is due yet; next at {when.isoformat()})"


def print_summary(data: dict) -> None:
    counts = ", ".join(f"{_STATUS_WORDS[k]} {data[k]}" for k in SUMMARY_STATUSES if data[k])
    out.print(f"Đã tạo {data['notifications']} thông báo, gửi {data['sent']} ({data['messages']} tin)"
              + (f"; {counts}" if counts else "") + " (notifications created, sent, by outcome)")
    if "why_nothing_sent" in data:
        out.print(f"Không gửi gì: {data['why_nothing_sent']}")
