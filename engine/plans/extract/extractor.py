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
    plan = read_metadata(source.lines, source.file, source.sha256, year, review, source.tables)
    if plan is None:
        raise ExtractError(str(path), "the plan year is stated nowhere in the document",
                           "pass it with --year")
    tasks: list[TaskDraft] = []
    running = Running()  # a table broken over pages goes on under its last section
    table_notes: list[str] = []  # which columns were read as what, which tables were skipped
    read_spans = []  # the text lines of tables that gave tasks: not prose any more
    for i, table in enumerate(source.tables):
        found_here = table_tasks(table, plan, review, running, table_notes)
        tasks.extend(found_here)
        if found_here and i < len(source.spans):
            read_spans.append(source.spans[i])
    prose_lines = [ln for ln in source.lines if not any(a <= ln.no <= b for a, b in read_spans)]
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
        # who leads a domain matters only when the domain headings give the tasks
        tasks, candidates = prose_tasks(sections, leads, plan, review, lead_review)
    reports = find_reports(blocks, candidates, review, prose_lines)
    taken = {t.ref for t in tasks}
    for report in reports:
        while report.ref in taken:  # refs are unique across tasks and reports
            report.ref += "-BC"
    if not tasks and not reports:
        review.append(ReviewItem((1, max((ln.no for ln in source.lines), default=1)), "",
                                 "không nhận ra bảng nhiệm vụ, đề mục lĩnh vực hay báo cáo nào "
                                 "(no task table, domain headings or reports were recognised)"))
    if source.ocr:
        _doubt_ocr(tasks, reports)
    review.sort(key=lambda r: r.lines)
    return Extraction(plan, tasks, reports, review, kind=source.kind, encoding=source.encoding,
                      notes=list(source.notes) + table_notes)


_OCR_NOTE = "đọc bằng OCR từ ảnh quét: kiểm tra chữ và tên đơn vị (read by OCR from a scan: check spelling and units)"


def _doubt_ocr(tasks: list[TaskDraft], reports: list) -> None:
    """Text recognised from page images may be misread: every finding is less certain."""
    for item in [*tasks, *reports]:
        item.confidence = round(max(item.confidence - 0.2, 0.1), 2)
        item.notes.append(_OCR_NOTE)


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
