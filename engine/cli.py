"""The `dondoc` command. Every listing has --json with the shape documented in README."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from engine import org as orgfile
from engine.context import AppContext
from engine.db import transaction
from engine.errors import DondocError
from sqlmodel import select

from engine.models import TASK_STATUSES, Event
from engine.plans.importer import ImportReport, import_plan
from engine.queries import (Lookup, event_json, find_person, get_task, select_tasks, status_report,
                            task_json)
from engine.workflow import STATE_LABELS, STATE_SHORT, STATES, Actor, classify, extend, transition

app = typer.Typer(help="dondoc: đôn đốc thực hiện kế hoạch CCHC (reminders for commune plans).",
                  no_args_is_help=True, add_completion=False)
org_app = typer.Typer(help="Đơn vị và cán bộ (units and people: config/org.yaml).", no_args_is_help=True)
plan_app = typer.Typer(help="Kế hoạch (plans): import and list.", no_args_is_help=True)
task_app = typer.Typer(help="Một nhiệm vụ (one task): show it, act on it.", no_args_is_help=True)
deadline_app = typer.Typer(help="Thời hạn (deadline phrases).", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(plan_app, name="plan")
app.add_typer(task_app, name="task")
app.add_typer(deadline_app, name="deadline")

out = Console(highlight=False, width=max(Console().width, 120))
JsonOpt = typer.Option(False, "--json", help="Machine-readable output (shape in README).")


def _ctx(ctx: typer.Context) -> AppContext:
    return ctx.find_root().obj


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _parse_now(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO timestamp (e.g. 2025-10-01T08:00+07:00)")


@app.callback()
def _root(ctx: typer.Context,
          now: Optional[str] = typer.Option(None, "--now", help="Pretend it is this moment (ISO); "
                                            "overrides DONDOC_NOW.")) -> None:
    ctx.obj = AppContext(now=_parse_now(now))


@app.command()
def init(ctx: typer.Context) -> None:
    """Tạo cơ sở dữ liệu (create the database and its tables; safe to repeat)."""
    c = _ctx(ctx)
    c.engine  # building it creates the tables
    out.print(f"Cơ sở dữ liệu sẵn sàng (database ready): {c.settings.database_url}")


@org_app.command("load")
def org_load(ctx: typer.Context, file: Optional[Path] = typer.Argument(None, help="Default: config/org.yaml")) -> None:
    """Nạp tệp tổ chức (load units and people from the org file)."""
    c = _ctx(ctx)
    path = file or c.settings.org_file
    org = orgfile.read_org(path)
    with transaction(c.engine) as session:
        report = orgfile.load_org(session, org, c.now(), actor=str(path))
    out.print(f"{path}: {len(org.units)} đơn vị (units), {len(org.people)} người (people); "
              f"mới {len(report.units_created) + len(report.people_created)}, "
              f"cập nhật {len(report.units_updated) + len(report.people_updated)}, "
              f"ngừng {len(report.people_deactivated)}")


@org_app.command("check")
def org_check(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Kiểm tra tổ chức (unverified units, people without contact, unreadable deadlines)."""
    c = _ctx(ctx)
    with transaction(c.engine) as session:
        problems = orgfile.check_org(session)
    if as_json:
        _emit(vars(problems))
        return
    sections = [
        ("Đơn vị chưa xác minh (units plans name that org.yaml does not know)",
         [f"{u['name']}  [{u['code']}], chủ trì {u['lead_of_tasks']} nhiệm vụ" for u in problems.unverified_units]),
        ("Người chưa có liên hệ (people without email or Telegram)",
         [f"{p['name']}  [{p['code']}]" for p in problems.people_without_contact]),
        ("Đơn vị chưa có trưởng (offices without a head)",
         [f"{u['name']}  [{u['code']}]" for u in problems.units_without_head]),
        ("Nhiệm vụ chưa đọc được thời hạn (tasks whose deadline needs a date)",
         [f"#{t['id']} {t['ref']}: {t['deadline'] or '—'} ({t['reason']})" for t in problems.tasks_without_deadline]),
    ]
    for title, lines in sections:
        out.print(f"[bold]{title}[/bold]: {len(lines)}")
        for line in lines:
            out.print(f"  - {line}", markup=False)
    if problems.no_chairman:
        out.print("[bold]Chưa có Chủ tịch[/bold] (no active person has the role chairman)")


@plan_app.command("import")
def plan_import(ctx: typer.Context, files: list[Path] = typer.Argument(..., help="Plan YAML files."),
                dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; write nothing."),
                as_json: bool = JsonOpt) -> None:
    """Nhập kế hoạch (import plan files; each all or nothing, re-import updates in place)."""
    c = _ctx(ctx)
    reports = [import_plan(c.engine, f, c.now(), dry_run=dry_run,
                           before_is_exclusive=c.settings.deadlines.before_is_exclusive) for f in files]
    if as_json:
        _emit([r.to_json() for r in reports])
        return
    for r in reports:
        _print_import(r)


def _print_import(r: ImportReport) -> None:
    verb = "sẽ" if r.dry_run else "đã"
    head = "kế hoạch mới" if r.plan_created else "cập nhật"
    out.print(f"[bold]{r.file}[/bold] ({head}{', chạy thử / dry run' if r.dry_run else ''}): "
              f"{verb} tạo {len(r.created)}, sửa {len(r.updated)}, hủy {len(r.cancelled)}, "
              f"khôi phục {len(r.restored)}, không đổi {r.unchanged}")
    for ref, changes in r.updated.items():
        out.print(f"  ~ {ref}: " + "; ".join(f"{k}: {v[0]!r} → {v[1]!r}" for k, v in changes.items()),
                  markup=False)
    for ref in r.cancelled:
        out.print(f"  - {ref}: không còn trong kế hoạch → hủy (removed from plan)", markup=False)
    for name in r.new_units:
        out.print(f"  ? đơn vị chưa có trong org.yaml (unverified unit): {name}", markup=False)
    for item in r.unknown_deadlines:
        out.print(f"  ? {item['ref']}: chưa đọc được thời hạn {item['deadline']!r} ({item['reason']})",
                  markup=False)


@plan_app.command("list")
def plan_list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Danh sách kế hoạch (list imported plans)."""
    c = _ctx(ctx)
    with transaction(c.engine) as session:
        look = Lookup.load(session)
        counts: dict[int, int] = {}
        for task in select_tasks(session):
            counts[task.plan_id] = counts.get(task.plan_id, 0) + 1
    rows = [{"id": p.id, "key": p.key, "code": p.code, "title": p.title, "issuer": p.issuer,
             "year": p.year, "period": [p.period_start.isoformat(), p.period_end.isoformat()],
             "status": p.status, "tasks": counts.get(p.id, 0), "file": p.file_path,
             "imported_at": p.imported_at.astimezone(c.settings.tz).isoformat()}
            for p in sorted(look.plans.values(), key=lambda p: p.id)]
    if as_json:
        _emit(rows)
        return
    table = Table("ID", "Số hiệu", "Kế hoạch", "Cơ quan", "Thời gian", "Nhiệm vụ")
    for r in rows:
        table.add_row(str(r["id"]), r["code"] or "—", r["title"], r["issuer"],
                      f"{r['period'][0]} → {r['period'][1]}", str(r["tasks"]))
    out.print(table)


@app.command()
def tasks(ctx: typer.Context,
          plan: Optional[str] = typer.Option(None, "--plan", help="Plan id or code."),
          unit: Optional[str] = typer.Option(None, "--unit", help="Lead unit: id, name or alias."),
          status: Optional[str] = typer.Option(None, "--status", help="open|in_progress|done|cancelled"),
          state: Optional[str] = typer.Option(None, "--state", help="|".join(STATES)),
          due_before: Optional[datetime] = typer.Option(None, "--due-before", formats=["%Y-%m-%d"],
                                                        help="Only tasks due before this day."),
          as_json: bool = JsonOpt) -> None:
    """Danh sách nhiệm vụ (list tasks with their state as of now)."""
    c = _ctx(ctx)
    if status and status not in TASK_STATUSES:
        raise DondocError(f"--status {status!r}: use one of {', '.join(TASK_STATUSES)}")
    if state and state not in STATES:
        raise DondocError(f"--state {state!r}: use one of {', '.join(STATES)}")
    today, tz = c.today(), c.settings.tz
    with transaction(c.engine) as session:
        look = Lookup.load(session)
        found = select_tasks(session, plan=plan, unit=unit, status=status,
                             due_before=due_before.date() if due_before else None)
        rows = [task_json(t, classify(t, today, c.calendar, tz, c.settings.status.due_soon_working_days),
                          look, tz) for t in found]
    if state:
        rows = [r for r in rows if r["state"] == state]
    if as_json:
        _emit(rows)
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
    c = _ctx(ctx)
    tz = c.settings.tz
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        data = task_json(task, classify(task, c.today(), c.calendar, tz,
                                        c.settings.status.due_soon_working_days), Lookup.load(session), tz)
        events = session.exec(select(Event).where(Event.task_id == task.id).order_by(Event.id)).all()
        data["events"] = [event_json(e, tz) for e in events]
    if as_json:
        _emit(data)
        return
    for key in ("id", "ref", "plan", "title", "product", "lead", "support", "assignee_name", "status",
                "deadline", "kind", "start", "due", "state", "due_soon", "done_at", "source"):
        out.print(f"[bold]{key}[/bold]: {data[key]}")
    out.print("[bold]events[/bold]:")
    for e in data["events"]:
        out.print(f"  {e['at']}  {e['kind']}  {e['actor']} ({e['channel']})  {e['data']}", markup=False)


def _act(ctx: typer.Context, task_id: int, by: str, to: str, note: Optional[str]) -> None:
    c = _ctx(ctx)
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        person = find_person(session, by)
        transition(session, task, to, Actor.of(person), c.now(), note=note)
    out.print(f"Nhiệm vụ #{task_id}: {to} (by {by})")


ByOpt = typer.Option(..., "--by", help="Person id from org.yaml.")
NoteOpt = typer.Option(None, "--note", help="A note kept in the event.")


@task_app.command("start")
def task_start(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
               note: Optional[str] = NoteOpt) -> None:
    """Bắt đầu thực hiện (mark in progress)."""
    _act(ctx, task_id, by, "in_progress", note)


@task_app.command("done")
def task_done(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
              note: Optional[str] = NoteOpt) -> None:
    """Đã hoàn thành (mark done)."""
    _act(ctx, task_id, by, "done", note)


@task_app.command("cancel")
def task_cancel(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"), by: str = ByOpt,
                note: Optional[str] = NoteOpt) -> None:
    """Hủy nhiệm vụ (cancel)."""
    _act(ctx, task_id, by, "cancelled", note)


@task_app.command("extend")
def task_extend(ctx: typer.Context, task_id: int = typer.Argument(..., metavar="ID"),
                to: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="New due day."),
                by: str = ByOpt, reason: str = typer.Option(..., "--reason", help="Why (kept in the event).")) -> None:
    """Gia hạn (extend the deadline; old and new due days are kept in the event)."""
    c = _ctx(ctx)
    with transaction(c.engine) as session:
        task = get_task(session, task_id)
        old = task.due
        extend(session, task, to.date(), Actor.of(find_person(session, by)), c.now(), reason)
    out.print(f"Nhiệm vụ #{task_id}: gia hạn {old.isoformat() if old else '—'} → {to.date().isoformat()}")


@app.command()
def status(ctx: typer.Context, plan: Optional[str] = typer.Option(None, "--plan", help="Plan id or code."),
           as_json: bool = JsonOpt) -> None:
    """Tình hình thực hiện (counts by state: total, by unit, by domain)."""
    c = _ctx(ctx)
    with transaction(c.engine) as session:
        report = status_report(session, c.today(), c.calendar, c.settings.tz,
                               c.settings.status.due_soon_working_days, plan)
    if as_json:
        _emit(report)
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


@deadline_app.command("parse")
def deadline_parse(ctx: typer.Context, text: str = typer.Argument(..., help="The phrase, e.g. 'Quý II, III/2024'."),
                   year: Optional[int] = typer.Option(None, "--year", help="Plan year (default: this year)."),
                   as_json: bool = JsonOpt) -> None:
    """Đọc thời hạn (read a Vietnamese deadline phrase into dates)."""
    from engine.deadlines import parse_deadline
    c = _ctx(ctx)
    spec = parse_deadline(text, year or c.today().year,
                          before_is_exclusive=c.settings.deadlines.before_is_exclusive).to_json()
    if as_json:
        _emit(spec)
        return
    for key, value in spec.items():
        out.print(f"[bold]{key}[/bold]: {value}")


@app.command("calendar")
def calendar_cmd(ctx: typer.Context, year: int = typer.Argument(..., help="e.g. 2025"), as_json: bool = JsonOpt) -> None:
    """Lịch làm việc (weekdays off and weekend days worked in YEAR)."""
    cal = _ctx(ctx).calendar
    off = [{"date": d.isoformat(), "weekday": d.isoweekday(), "name": n} for d, n in cal.non_working_weekdays(year)]
    worked = [{"date": d.isoformat(), "weekday": d.isoweekday(), "name": n} for d, n in cal.worked_weekend_days(year)]
    if as_json:
        _emit({"year": year, "days_off": off, "days_worked": worked})
        return
    table = Table("Ngày", "Thứ", "Ngày nghỉ (weekdays off)", title=f"Lịch {year}", title_justify="left")
    for d in off:
        table.add_row(d["date"], WEEKDAYS[d["weekday"]], d["name"])
    out.print(table)
    table = Table("Ngày", "Thứ", "Làm việc bù (weekend days worked)")
    for d in worked:
        table.add_row(d["date"], WEEKDAYS[d["weekday"]], d["name"])
    out.print(table)


WEEKDAYS = {1: "Thứ Hai", 2: "Thứ Ba", 3: "Thứ Tư", 4: "Thứ Năm", 5: "Thứ Sáu", 6: "Thứ Bảy", 7: "Chủ Nhật"}


def main() -> None:
    """Console entry point: user errors become a message and exit code 1, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except DondocError as exc:
        sys.stderr.write(f"dondoc: {exc}\n")
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.TyperException as exc:
        if not hasattr(exc, "show"):
            raise
        exc.show()   # usage errors: typer's own message and exit code 2
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
