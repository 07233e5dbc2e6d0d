"""Setting up: database, org, plans; and the deadline and calendar helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from sqlmodel import select

from engine.core import org as orgfile
from engine.cli.app import JsonOpt, app, ctx_of, deadline_app, emit, err, org_app, out, plan_app, sync_task_timers
from engine.infra.db import transaction
from engine.infra.errors import DondocError
from engine.plans.importer import ImportReport, import_plan
from engine.core.queries import Lookup, select_tasks
from engine.core.models import Task
from rules.evaluate import Org


# Years the calendar and the deadline parser cover (holiday data and plans are all in it).
YEARS = (1900, 2199)


@app.command()
def init(ctx: typer.Context) -> None:
    """Tạo cơ sở dữ liệu (create the database and its tables; safe to repeat)."""
    c = ctx_of(ctx)
    c.engine  # building it creates the tables
    out.print(f"Cơ sở dữ liệu sẵn sàng (database ready): {c.settings.database_url}")


@org_app.command("load")
def org_load(ctx: typer.Context, file: Optional[Path] = typer.Argument(None, help="Default: config/org.yaml")) -> None:
    """Nạp tệp tổ chức (load units and people from the org file)."""
    c = ctx_of(ctx)
    path = file or c.settings.org_file
    org = orgfile.read_org(path)
    with transaction(c.engine) as session:
        report = orgfile.load_org(session, org, c.now(), actor=str(path))
        if report.changed():   # rules may match on units, and recipients may have changed
            sync_task_timers(c, session, None)
    out.print(f"{path}: {len(org.units)} đơn vị (units), {len(org.people)} người (people); "
              f"mới {len(report.units_created) + len(report.people_created)}, "
              f"cập nhật {len(report.units_updated) + len(report.people_updated)}, "
              f"ngừng {len(report.people_deactivated)}")


@org_app.command("check")
def org_check(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Kiểm tra tổ chức (unverified units, people without contact, unreadable deadlines)."""
    c = ctx_of(ctx)
    with transaction(c.engine) as session:
        problems = orgfile.check_org(session)
        nobody = Org.load(session).reach.unreachable(session.exec(select(Task)))
    if as_json:
        emit(vars(problems) | {"tasks_nobody_to_tell": nobody})
        return
    sections = [
        ("Đơn vị chưa xác minh (units plans name that org.yaml does not know)",
         [f"{u['name']}  [{u['code']}], chủ trì {u['lead_of_tasks']} nhiệm vụ" for u in problems.unverified_units]),
        ("Người chưa có liên hệ (people without email or Telegram)",
         [f"{p['name']}  [{p['code']}]" for p in problems.people_without_contact]),
        ("Liên hệ bị từ chối (contacts a channel refused for good)",
         [f"{p['name']}  [{p['code']}] {p['channel']}: {p['error']}" for p in problems.broken_contacts]),
        ("Đơn vị chưa có trưởng (offices without a head)",
         [f"{u['name']}  [{u['code']}]" for u in problems.units_without_head]),
        ("Nhiệm vụ chưa đọc được thời hạn (tasks whose deadline needs a date)",
         [f"#{t['id']} {t['ref']}: {t['deadline'] or '—'} ({t['reason']})" for t in problems.tasks_without_deadline]),
        (NOBODY_TITLE, [f"#{t['id']} {t['ref']}: {t['reason']}" for t in nobody]),
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
    c = ctx_of(ctx)
    reports, nobody = [], []
    for f in files:
        found: list[dict] = []

        def on_tasks(session, tasks, found=found) -> None:
            sync_task_timers(c, session, tasks)
            found.extend(Org.load(session).reach.unreachable(tasks))

        reports.append(import_plan(c.engine, f, c.now(), dry_run=dry_run,
                                   before_is_exclusive=c.settings.deadlines.before_is_exclusive, on_tasks=on_tasks))
        nobody.append(found)
    if as_json:
        emit([r.to_json() | {"nobody_to_tell": n} for r, n in zip(reports, nobody)])
        return
    for r, n in zip(reports, nobody):
        _print_import(r, n)


NOBODY_TITLE = ("Nhiệm vụ không có ai để báo, thông báo gửi quản trị viên để phân công "
                "(tasks with nobody to tell: their notifications go to the admins)")


def _print_import(r: ImportReport, nobody: list[dict]) -> None:
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
    if nobody:
        out.print(f"  {NOBODY_TITLE}: {len(nobody)}", markup=False)
    for item in nobody:
        out.print(f"  ✗ {item['ref']}: {item['reason']}", markup=False)


@plan_app.command("extract")
def plan_extract(ctx: typer.Context, file: Path = typer.Argument(..., help="A plan document: .txt .docx .xlsx .csv .pdf"),
                 output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the draft plan YAML here "
                                                       "(default: print it)."),
                 year: Optional[int] = typer.Option(None, "--year", help="Plan year, when the document does not say."),
                 as_json: bool = JsonOpt) -> None:
    """Trích xuất kế hoạch từ văn bản (draft a reviewable plan file from a document; nothing is imported)."""
    import sys

    from engine.plans.extract import extract_plan, plan_yaml, summary

    extraction = extract_plan(file, year)
    if as_json:
        emit(extraction.to_json())
        return
    if output is not None:
        output.write_text(plan_yaml(extraction), encoding="utf-8")
        out.print(f"Đã ghi bản nháp (draft written): {output}")
    else:
        sys.stdout.write(plan_yaml(extraction))
    # The summary goes to stderr when the YAML goes to stdout, so `> plan.yaml` stays clean.
    (out if output is not None else err).print(summary(extraction), markup=False)


@plan_app.command("list")
def plan_list(ctx: typer.Context, as_json: bool = JsonOpt) -> None:
    """Danh sách kế hoạch (list imported plans)."""
    c = ctx_of(ctx)
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
        emit(rows)
        return
    table = Table("ID", "Số hiệu", "Kế hoạch", "Cơ quan", "Thời gian", "Nhiệm vụ")
    for r in rows:
        table.add_row(str(r["id"]), r["code"] or "—", r["title"], r["issuer"],
                      f"{r['period'][0]} → {r['period'][1]}", str(r["tasks"]))
    out.print(table)


@deadline_app.command("parse")
def deadline_parse(ctx: typer.Context, text: str = typer.Argument(..., help="The phrase, e.g. 'Quý II, III/2024'."),
                   year: Optional[int] = typer.Option(None, "--year", help="Plan year (default: this year)."),
                   as_json: bool = JsonOpt) -> None:
    """Đọc thời hạn (read a Vietnamese deadline phrase into dates)."""
    from engine.core.deadlines import parse_deadline
    c = ctx_of(ctx)
    spec = parse_deadline(text, year or c.today().year,
                          before_is_exclusive=c.settings.deadlines.before_is_exclusive).to_json()
    if as_json:
        emit(spec)
        return
    for key, value in spec.items():
        out.print(f"[bold]{key}[/bold]: {value}")


@app.command("calendar")
def calendar_cmd(ctx: typer.Context, year: int = typer.Argument(..., help="e.g. 2025"), as_json: bool = JsonOpt) -> None:
    """Lịch làm việc (weekdays off and weekend days worked in YEAR)."""
    from notifiers.words import weekday_name

    first, last = YEARS
    if not first <= year <= last:
        raise DondocError(f"năm {year} nằm ngoài khoảng lịch hỗ trợ {first}–{last} / "
                          f"year {year} is outside the supported range {first}–{last}")
    cal = ctx_of(ctx).calendar
    off, worked = cal.non_working_weekdays(year), cal.worked_weekend_days(year)
    if as_json:
        rows = lambda days: [{"date": d.isoformat(), "weekday": d.isoweekday(), "name": n} for d, n in days]  # noqa: E731
        emit({"year": year, "days_off": rows(off), "days_worked": rows(worked)})
        return
    for days, heading, title in ((off, "Ngày nghỉ (weekdays off)", f"Lịch {year}"),
                                 (worked, "Làm việc bù (weekend days worked)", None)):
        table = Table("Ngày", "Thứ", heading, title=title, title_justify="left")
        for d, name in days:
            table.add_row(d.isoformat(), weekday_name(d), name)
        out.print(table)




