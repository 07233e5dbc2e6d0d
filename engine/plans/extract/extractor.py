"""From a document to an Extraction: metadata, appendix table or prose tasks, reports, review."""

from __future__ import annotations

from pathlib import Path

from engine.plans.prose.assignment import topic_leads, unit_blocks
from engine.plans.extract.extraction import Extraction
from engine.plans.tables.flat import find_appendix, narrow_tasks
from engine.plans.prose.metadata import read_metadata
from engine.plans.extract.model import ExtractError, ReviewItem, TaskDraft
from engine.plans.prose.outline import build_items, build_sections
from engine.plans.prose.items import prose_tasks, skipped_prose
from engine.plans.read.readers import read_source
from engine.plans.prose.reports import find_reports
from engine.plans.tables.rows import Running, table_tasks
from engine.plans.tables.wide import is_wide, wide_tasks

_APPENDIX_WINS = ("kế hoạch liệt kê nhiệm vụ trong bảng phụ lục; các mục văn xuôi của phần này không được lấy "
                  "làm nhiệm vụ để khỏi tính hai lần (the plan lists its tasks in the appendix table; the prose "
                  "items of this section were not taken as tasks, to avoid counting them twice)")


def extract_plan(path: str | Path, year: int | None = None) -> Extraction:
    """Extract a reviewable draft plan from a .txt, .docx, .xlsx, .csv or .pdf document."""
    source = read_source(path)
    review: list[ReviewItem] = []
    plan = read_metadata(source.lines, source.file, source.sha256, year, review)
    if plan is None:
        raise ExtractError(str(path), "the plan year is stated nowhere in the document",
                           "pass it with --year")
    tasks: list[TaskDraft] = []
    running = Running()  # a table broken over pages goes on under its last section
    for table in source.tables:
        tasks.extend(table_tasks(table, plan, review, running))
    prose_lines = source.lines
    if not tasks and (found := find_appendix(source.lines)):
        start, body, header = found
        prose_lines, rows = source.lines[:start], source.lines[body:]
        tasks = wide_tasks(rows, plan, review) if is_wide(header, rows) else narrow_tasks(rows, plan, review)
    tasks = _drop_duplicates(tasks, review)

    sections = build_sections(build_items(prose_lines))
    blocks = unit_blocks(sections)
    lead_review: list[ReviewItem] = []
    leads = topic_leads(sections, blocks, lead_review)
    candidates = []
    if tasks:
        review.extend(skipped_prose(sections, _APPENDIX_WINS))
    else:
        review.extend(lead_review)  # who leads a domain matters only when prose gives the tasks
        tasks, candidates = prose_tasks(sections, leads, plan, review)
    reports = find_reports(blocks, candidates, review)
    taken = {t.ref for t in tasks}
    for report in reports:
        while report.ref in taken:  # refs are unique across tasks and reports
            report.ref += "-BC"
    if not tasks and not reports:
        review.append(ReviewItem((1, max((ln.no for ln in source.lines), default=1)), "",
                                 "không nhận ra bảng nhiệm vụ, đề mục lĩnh vực hay báo cáo nào "
                                 "(no task table, domain headings or reports were recognised)"))
    review.sort(key=lambda r: r.lines)
    return Extraction(plan, tasks, reports, review, kind=source.kind, encoding=source.encoding,
                      notes=list(source.notes))


def _drop_duplicates(tasks: list[TaskDraft], review: list[ReviewItem]) -> list[TaskDraft]:
    """Identical rows are kept once; the repeat is listed for review (precision first)."""
    seen: dict[tuple, TaskDraft] = {}
    kept = []
    for task in tasks:
        key = (task.title, task.lead, tuple(task.support), task.deadline, task.product)
        if key in seen:
            first = seen[key]
            a, b = first.lines
            review.append(ReviewItem(task.lines, f"{task.ref}. {task.title}"[:300],
                                     f"trùng với nhiệm vụ {first.ref} (dòng {a}-{b}); không giữ thành nhiệm vụ "
                                     f"thứ hai (identical to task {first.ref}, lines {a}-{b}; not kept as a "
                                     "second task)"))
            continue
        seen[key] = task
        kept.append(task)
    return kept
