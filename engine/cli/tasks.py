"""Tasks: listing, acting on one, and the status report."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import typer
from rich.table import Table

from engine.cli.app import JsonOpt, app, ctx_of, emit, out, sync_task_timers, task_app
from engine.cli.task_view import STATUS_LABELS, task_lines
from engine.infra.db import transaction
from engine.infra.errors import DondocError
from engine.core.queries import find_person, get_task, status_report, task_detail, task_rows
from engine.core.vocabulary import TaskStatus
from engine.core.workflow import STATE_LABELS, STATE_SHORT, STATES, Actor, extend, transition


@app.command()
def tasks(ctx: typer.Context,
          plan: Optional[str] = typer.Option(None, "--plan", help="Plan id or code."),
          unit: Optional[str] = typer.Option(None, "--unit", help="Lead unit: id, name or alias."),
          status: Optional[str] = typer.Option(None, "--status", help="|".join(TaskStatus)),
          state: Optional[str] = typer.Option(None, "--state", help="|".join(STATES)),
          due_before: Optional[datetime] = typer.Option(None, "--due-before", formats=["%Y-%m-%d"],
                                                        help="Only tasks due before this day."),
          as_json: bool = JsonOpt) -> None:
    """Danh sách nhiệm vụ (list tasks with their state as of now)."""
    c = ctx_of(ctx)
    if status and not TaskStatus.has(status):
        raise DondocError(f"--status {status!r}: không hợp lệ, dùng một trong / use one of "
                          f"{TaskStatus.listing()}")
    if state and state not in STATES:
        raise DondocError(f"--state {state!r}: không hợp lệ, dùng một trong / use one of "
                          f"{', '.join(STATES)}")
    today, tz = c.today(), c.settings.tz
    with transaction(c.engine) as session:
        rows = task_rows(session, today, c.calendar, tz, c.settings.status.due_soon_working_days, plan=plan,
                         unit=unit, status=status, state=state, due_before=due_before.date() if due_before else None)
    if as_json:
        emit(rows)
        return
    table = Table("ID", "Ref", "Nhiệm vụ", "Chủ trì", "Thời hạn", "Hạn", "Tình trạng")
    for r in rows:
        label = STATE_LABELS.get(r["state"], "Đã hủy") + (" ⚠ sắp đến hạn" if r["due_soon"] else "")
        table.add_row(str(r["id"]), r["ref"], r["title"][:60], r["lead"] or "—", r["deadline"] or "—",
                      r["due"] or "—", label)
    out.print(table)
    out.print(f"{len(rows)} nhiệm vụ (tasks), tính đến (as of) {today.isoformat()}")


@task_app.command("show")
def task_show(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), as_json: bool = JsonOpt) -> None:
    """Chi tiết nhiệm vụ và lịch sử (a task with its events)."""
    c = ctx_of(ctx)
    tz = c.settings.tz
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        data = task_detail(session, task, c.today(), c.calendar, tz, c.settings.status.due_soon_working_days)
    if as_json:
        emit(data)
        return
    for line in task_lines(data):
        out.print(line, markup=False, soft_wrap=True)


def _act(ctx: typer.Context, task_id: int, by: str, to: str, note: Optional[str]) -> None:
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        person = find_person(session, by)
        transition(session, task, to, Actor.of(person), c.now(), note=note)
        sync_task_timers(c, session, [task])
    out.print(f"Nhiệm vụ #{task_id}: {STATUS_LABELS.get(to, to)} ({to}), người cập nhật (by) {by}")


ByOpt = typer.Option(..., "--by", help="Person id from org.yaml.")
NoteOpt = typer.Option(None, "--note", help="A note kept in the event.")


@task_app.command("start")
def task_start(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
               note: Optional[str] = NoteOpt) -> None:
    """Bắt đầu thực hiện (mark in progress)."""
    _act(ctx, task_id, by, TaskStatus.IN_PROGRESS, note)


@task_app.command("done")
def task_done(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
              note: Optional[str] = NoteOpt) -> None:
    """Đã hoàn thành (mark done)."""
    _act(ctx, task_id, by, TaskStatus.DONE, note)


@task_app.command("cancel")
def task_cancel(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
                note: Optional[str] = NoteOpt) -> None:
    """Hủy nhiệm vụ (cancel)."""
    _act(ctx, task_id, by, TaskStatus.CANCELLED, note)


@task_app.command("extend")
def task_extend(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"),
                to: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="New due day."),
                by: str = ByOpt, reason: str = typer.Option(..., "--reason", help="Why (kept in the event).")) -> None:
    """Gia hạn (extend the deadline; old and new due days are kept in the event)."""
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        old = task.due
        extend(session, task, to.date(), Actor.of(find_person(session, by)), c.now(), reason,
               calendar=c.calendar)
        sync_task_timers(c, session, [task])
    out.print(f"Nhiệm vụ #{task_id}: gia hạn {old.isoformat() if old else '—'} → {to.date().isoformat()}")


@task_app.command("ack")
def task_ack(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
             note: Optional[str] = NoteOpt) -> None:
    """Xác nhận đã nhận báo cáo vượt cấp (acknowledge the task's escalations)."""
    from engine.reminders.escalation import acknowledge
    from engine.reminders.rulestore import evaluator, require_ruleset

    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        person = find_person(session, by)
        ev = evaluator(session, require_ruleset(session), c.calendar)
        ack = acknowledge(session, ev, task, person, c.now(), note)
    out.print(f"Nhiệm vụ #{task_id}: {by} đã xác nhận cấp {ack.level} (acknowledged level {ack.level}), "
              f"hiệu lực đến {ack.expires_at.astimezone(c.settings.tz):%d/%m/%Y %H:%M}")


@app.command()
def status(ctx: typer.Context, plan: Optional[str] = typer.Option(None, "--plan", help="Plan id or code."),
           as_json: bool = JsonOpt) -> None:
    """Tình hình thực hiện (counts by state: total, by unit, by domain)."""
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        report = status_report(session, c.today(), c.calendar, c.settings.tz,
                               c.settings.status.due_soon_working_days, plan)
    if as_json:
        emit(report)
        return
    out.print(f"[bold]Tình hình thực hiện nhiệm vụ[/bold] (status) tính đến {report['as_of']}")
    out.print(" · ".join(f"{STATE_SHORT[s]} = {STATE_LABELS[s]}" for s in STATES), style="dim")
    for title, rows, name in (("Theo đơn vị chủ trì (by lead unit)", report["by_unit"], "unit"),
                              ("Theo lĩnh vực (by domain)", report["by_domain"], "label")):
        table = Table("", *[STATE_SHORT[s] for s in STATES], "Sắp hạn", "Tổng", title=title,
                      title_justify="left")
        for r in rows:
            table.add_row((r[name] or "—") + ("" if r.get("verified", True) is not False else " (?)"),
                          *[str(r[s]) for s in STATES], str(r["due_soon"]), str(r["total"]))
        t = report["total"]
        table.add_row("[bold]Tổng cộng[/bold]", *[str(t[s]) for s in STATES], str(t["due_soon"]), str(t["total"]))
        out.print(table)


