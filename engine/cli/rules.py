"""Rules: check a file, make it active, simulate it over a date range, explain it for a task."""

from __future__ import annotations

import sys
from datetime import datetime, time
from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress
from rich.markup import escape
from rich.table import Table

from engine.cli.app import JsonOpt, ctx_of, emit, err, out, parse_moment, rules_app
from engine.infra.db import transaction
from engine.infra.errors import DondocError, FileError, FileErrors
from engine.core.queries import find_plan, get_task
from engine.core.vocabulary import NotificationStatus
from engine.reminders.rulestore import read_rules, reload_rules, rules_file
from rules.evaluate import Org

RulesOpt = typer.Option(None, "--rules", help="Rules file to use instead of config/rules.yaml.")


def _problems(exc: Exception) -> list[str]:
    return [str(e) for e in exc.errors] if isinstance(exc, FileErrors) else [str(exc)]


@rules_app.command("check")
def rules_check(ctx: typer.Context, file: Optional[Path] = typer.Argument(None, help="Default: config/rules.yaml")) -> None:
    """Kiểm tra tệp quy tắc (validate a rules file; one line per problem, exit 1 if any)."""
    c = ctx_of(ctx)
    path = file or rules_file(c.settings)
    from notifiers.render import Renderer

    try:
        rs = read_rules(c.settings, path)
    except (FileErrors, FileError) as exc:
        for line in _problems(exc):
            sys.stderr.write(line + "\n")
        raise typer.Exit(1)
    # The templates the rules name must render: an error is caught here, never at send time.
    problems = Renderer(c.settings.config_dir / "templates", c.settings.locale).check()
    if problems:
        for line in problems:
            sys.stderr.write(line + "\n")
        raise typer.Exit(1)
    out.print(f"{path}: hợp lệ (valid), {len(rs.rules)} quy tắc, phiên bản (version) {rs.version}")


@rules_app.command("reload")
def rules_reload(ctx: typer.Context, file: Optional[Path] = typer.Argument(None, help="Default: config/rules.yaml")) -> None:
    """Áp dụng tệp quy tắc (make the rules file active and recompute every timer; a broken file keeps the old rules)."""
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        result = reload_rules(session, c.settings, c.calendar, c.now(), file)
    if not result.ok:
        kept = result.ruleset.version if result.ruleset else "không có (none)"
        for line in result.errors:
            sys.stderr.write(line + "\n")
        sys.stderr.write(f"dondoc: chưa áp dụng tệp quy tắc, giữ quy tắc đang chạy / "
                         f"rules not loaded; the active rules stay: {kept}\n")
        raise typer.Exit(1)
    if result.changed:
        t = result.timers
        out.print(f"Đã áp dụng quy tắc (rules active) {result.ruleset.version}: {len(result.ruleset.rules)} quy tắc; "
                  f"hẹn giờ (timers) +{t['inserted']} ~{t['updated']} -{t['deleted']}")
    else:
        out.print(f"Quy tắc không đổi (rules unchanged) {result.ruleset.version}")


def _moment(moment: datetime) -> str:
    """'Thứ Hai 05/06/2023 07:30': the weekday in Vietnamese, as the messages name it."""
    from notifiers.words import weekday_name

    return f"{weekday_name(moment.date())} {moment:%d/%m/%Y %H:%M}"


def _bound(value: str, option: str, tz, end: bool) -> datetime:
    """A --from/--to value: a day means its start (or, for --to, its end); a naive moment is local."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DondocError(f"{option} {value!r}: không phải ngày (YYYY-MM-DD) hay thời điểm ISO / "
                          "is not a date (YYYY-MM-DD) or ISO moment") from None
    if len(value) <= 10:
        return datetime.combine(moment.date(), time(23, 59, 59) if end else time(0), tz)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


@rules_app.command("simulate")
def rules_simulate(ctx: typer.Context,
                   start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD) or moment."),
                   end: str = typer.Option(..., "--to", help="Last day (inclusive) or moment."),
                   plan: Optional[str] = typer.Option(None, "--plan", help="Only this plan (id or code)."),
                   rules: Optional[Path] = RulesOpt, as_json: bool = JsonOpt) -> None:
    """Chạy thử quy tắc (list every notification the rules would create; nothing is sent or written)."""
    from engine.reminders.simulate import simulate, weekly

    c = ctx_of(ctx)
    tz = c.settings.tz
    first, last = _bound(start, "--from", tz, False), _bound(end, "--to", tz, True)
    if last < first:
        raise DondocError(f"--to {end} trước --from {start} / --to {end} is before --from {start}")
    rs = read_rules(c.settings, rules)
    with transaction(c.engine) as session:
        plan_id = find_plan(session, plan).id if plan else None
    span = max((last - first).total_seconds(), 1)
    with Progress(console=err, transient=True, disable=as_json or span < 40 * 86400) as bar:
        job = bar.add_task("Đang chạy thử (simulating)", total=span)
        rows = simulate(c.engine, rs, c.calendar, first, last, plan_id,
                        progress=lambda m: bar.update(job, completed=(m - first).total_seconds()))
    if as_json:
        emit(rows)
        return
    table = Table("Lúc (at)", "Quy tắc", "Cấp", "Nhiệm vụ", "Người nhận", "Kênh", "Trạng thái")
    grouped: dict[tuple, list[str]] = {}
    for r in rows:   # one line per message, its channels together
        grouped.setdefault((r["at"], r["rule"], r["level"], r["task_ref"], r["task_title"], r["recipient"],
                            r["role"], r["status"]), []).append(r["channel"])
    for (at, rule, level, ref, title, who, role, status), channels in grouped.items():
        table.add_row(f"{datetime.fromisoformat(at):%d/%m/%Y %H:%M}", rule, str(level), f"{ref}: {title[:50]}",
                      f"{who} ({role})", ", ".join(channels), status)
    out.print(table)
    summary = Table("Tuần (week of)", "Tổng", "Cấp 0", "Cấp 1", "Cấp 2+", title="Theo tuần (per week)",
                    title_justify="left")
    for w in weekly(rows):
        lv = w["levels"]
        summary.add_row(w["week"], str(w["total"]), str(lv.get(0, 0)), str(lv.get(1, 0)),
                        str(sum(v for k, v in lv.items() if k >= 2)))
    out.print(summary)
    out.print(f"{len(rows)} thông báo (notifications), quy tắc {rs.version}, {first:%d/%m/%Y} → {last:%d/%m/%Y}")


@rules_app.command("explain")
def rules_explain(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="TASK"),
                  at: Optional[str] = typer.Option(None, "--at", help="As of this moment (default: now)."),
                  rules: Optional[Path] = RulesOpt, as_json: bool = JsonOpt) -> None:
    """Giải thích quy tắc cho một nhiệm vụ (which rules match, when they fire next, and why not)."""
    from engine.reminders.simulate import explain

    c = ctx_of(ctx)
    moment = parse_moment(at, "--at") or c.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=c.settings.tz)
    rs = read_rules(c.settings, rules)
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        items = explain(session, rs, c.calendar, task, moment)
        title, due = task.title, task.due
        nobody = Org.load(session).reach.nobody_to_tell(task)
    if as_json:
        emit({"task_id": task_id, "at": moment.isoformat(), "ruleset": rs.version, "nobody_to_tell": nobody,
              "rules": items})
        return
    out.print(f"[bold]#{task_id}[/bold] {title} — hạn (due) {due:%d/%m/%Y}" if due else f"[bold]#{task_id}[/bold] {title}")
    if nobody:
        out.print(f"  [bold red]✗[/bold red] không có ai để báo (nobody to tell): {escape(nobody)}")
    for item in items:
        now_line = _explain_now(item)
        if now_line:
            out.print(now_line)
        if item.get("nobody"):
            when = ", ".join(_moment(datetime.fromisoformat(n)) for n in item["next"])
            out.print(f"  [red]✗[/red] {item['rule']} (cấp {item['level']}): {escape(item['nobody'])}"
                      + (f" — {when}" if when else ""))
        elif item["matches"] and item["next"]:
            when = ", ".join(_moment(datetime.fromisoformat(n)) for n in item["next"])
            held = " [yellow](đang tạm dừng do đã xác nhận / held back by an acknowledgement)[/yellow]" if item["held_back"] else ""
            out.print(f"  [green]✓[/green] {item['rule']} (cấp {item['level']}): {when}{held}")
        elif item["why_not"]:   # a matching rule whose only moment is now: its line above says it all
            out.print(f"  [dim]✗ {item['rule']}: {item['why_not']}[/dim]")


def _explain_now(item: dict) -> str | None:
    """The line saying what the sweep does with a rule's late moment right now, if it has one."""
    late = item.get("now")
    if not late:
        return None
    if late["status"] == NotificationStatus.PENDING and not item["held_back"]:
        when = datetime.fromisoformat(late["fire_at"])
        return (f"  [bold red]![/bold red] {item['rule']} (cấp {item['level']}): điều kiện đang đúng, "
                f"báo một lần lúc {when:%H:%M %d/%m/%Y} (the condition holds: notified once, then)")
    if late["status"] == NotificationStatus.PENDING:
        return (f"  [yellow]–[/yellow] {item['rule']} (cấp {item['level']}): đã được xác nhận, tạm dừng "
                "(acknowledged: held back)")
    return f"  [dim]– {item['rule']}: {late['reason']}[/dim]"
