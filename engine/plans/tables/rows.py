"""Tasks from real tables (Word, Excel, CSV, PDF, text tables): find the header row(s), read what
each column holds (by header words, else by content), skip tables that list no tasks, then read one
task per row. Section rows give the domain or the section title; continuation rows (merged cells
repeated, or missing from a short text-table row) add to the task above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.extract.model import PlanDraft, ReviewItem, TaskDraft
from engine.plans.read.text import clean
from engine.plans.tables.cells import embedded_product, make_task, unit_cell
from engine.plans.tables.columns import Columns, cell_kind, header_roles, read_columns  # noqa: F401
from engine.plans.tables.sections import (SECTION_NO, Outline, Section, make_section, restarts, section_of,
                                          sub_number)

_MERGED = ("ref", "lead", "support", "group", "task", "deadline")  # cells a short row inherits


@dataclass
class TableRow:
    no: int  # the row's source line: its row number (xlsx/csv), block number (docx), text line (pdf)
    cells: list[str]
    last: int = 0
    # Cells may be missing anywhere (a text table leaves out merged cells): align by content.
    short: bool = False


@dataclass
class Running:
    """What carries over from a table to its continuation on the next page."""
    domain: str = "other"
    expected: int = 1
    columns: Columns | None = None
    width: int = 0
    taken: set[str] = field(default_factory=set)  # refs of earlier tables
    tables: int = 0  # task tables read so far
    last: int = 0  # the last source line of the last task table


@dataclass
class _Item:
    row: TableRow
    cells: dict[str, str]
    last: int
    notes: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)


def table_tasks(rows: list[TableRow], plan: PlanDraft, review: list[ReviewItem],
                running: Running | None = None, notes: list[str] | None = None) -> list[TaskDraft]:
    """The tasks of one table; none when it has no header or is not a task table (said in `notes`)."""
    running = running or Running()
    notes = notes if notes is not None else []
    texts = [[clean(c) for c in row.cells] for row in rows]
    if not rows:
        return []
    columns = read_columns(texts, plan.year)
    body_start = columns.end if columns else 0
    if columns is None:
        width = max(len(t) for t in texts)
        ref_col = running.columns.roles.get("ref") if running.columns else None
        numbered = sum(1 for t in texts if ref_col is not None and ref_col < len(t)
                       and re.fullmatch(r"\d{1,3}\.?|[IVXA-H]{1,4}\.?", t[ref_col]))
        if (running.columns is None or running.columns.skip or width != running.width
                or rows[0].no - running.last > 15 or numbered * 2 < len(rows)):
            columns = read_columns(texts, plan.year, headerless=True)  # no header: cells say it all
            if columns is None or columns.skip or len(rows) < 2 or width < 3:
                return []
        else:
            columns = running.columns  # the table goes on from the previous page, without a header
    where = f"bảng ở dòng {rows[0].no} (table at line {rows[0].no})"
    if columns.skip:
        if columns.worded:
            notes.append(f"{where}: bỏ qua, {columns.skip}")
        running.columns = None
        return []
    if body_start or columns is not running.columns:
        notes.append(f"{where}: " + "; ".join(columns.notes)
                     + " (columns read by header words, or by their cells where the header says nothing)")
    running.columns, running.width = columns, max(len(t) for t in texts)
    running.last = rows[-1].last or rows[-1].no
    items = _read_rows(rows[body_start:], texts[body_start:], columns.roles, plan.year, review)
    outline = Outline()
    numbers = [(isinstance(it, Section), it.cells.get("ref", "") if isinstance(it, _Item) else "")
               for it in items]
    outline.multilevel = restarts([(s, n) for s, n in numbers if s or re.fullmatch(r"\d{1,3}\.?", n)])
    if not any(isinstance(it, Section) for it in items):
        outline.expected = running.expected
    tasks: list[TaskDraft] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, Section):
            outline.open(item)
            continue
        if _heads_group(item, items[i + 1] if i + 1 < len(items) else None):
            outline.open_group(item.cells.get("ref", ""), _title(item.cells))
            continue
        task = _task(item, outline, plan, running.domain)
        if task.ref in seen:  # a number repeated with another task: keep both, told apart
            base, n = task.ref, 2
            while f"{base}-{n}" in seen:
                n += 1
            task.ref = f"{base}-{n}"
            task.notes.append(f"số thứ tự {base} lặp lại; đặt là {task.ref} (number {base} repeats; "
                              f"numbered {task.ref})")
            task.confidence = round(max(task.confidence - 0.1, 0.1), 2)
        seen.add(task.ref)
        tasks.append(task)
    running.tables += 1
    if any(t.ref in running.taken for t in tasks):
        # A second table numbered like the first ("I.1" in both appendices): refs name the table.
        notes.append(f"{where}: số thứ tự trùng với bảng trước; thêm «B{running.tables}.» vào số của "
                     f"nhiệm vụ (numbers repeat an earlier table; refs prefixed B{running.tables}.)")
        for task in tasks:
            task.ref = f"B{running.tables}.{task.ref}"
    running.taken.update(t.ref for t in tasks)
    if outline.path:
        running.domain = outline.domain or "other"
    running.expected = outline.expected
    return tasks


def _read_rows(rows: list[TableRow], texts: list[list[str]], roles: dict[str, int], year: int,
               review: list[ReviewItem]) -> list:
    """Sections and task rows in order; continuation rows folded into the task above."""
    width = max([len(t) for t in texts] + [max(roles.values()) + 1])
    items: list = []
    previous: list[str] | None = None
    for row, cells in zip(rows, texts):
        filled = [c for c in cells if c]
        if not filled or all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in filled) and len(filled) > 2:
            continue  # empty, or the "(1) (2) (3)" column-number row
        inherited: set[str] = set()
        if len(cells) < width:
            if (section := _short_section(cells)) is not None:
                items.append(section)
                previous = None
                continue
            cells, inherited = _align(cells, roles, width, year, previous)
        section = section_of(cells, roles) if not inherited else None
        if section is not None:
            items.append(section)
            previous = None
            continue
        get = {role: cells[col] for role, col in roles.items() if col < len(cells)}
        if "ref" in get:  # "III.1. 1" as a PDF text layer spaces it
            get["ref"] = re.sub(r"(?<=\w)\s*\.\s*(?=\d)", ".", get["ref"])
        last = items[-1] if items and isinstance(items[-1], _Item) else None
        if last is not None and _continues(get, inherited, last.cells):
            _join(last, get, row)
        elif not _title(get):
            review.append(ReviewItem((row.no, row.last or row.no), " | ".join(filled)[:300],
                                     "dòng bảng không có nội dung nhiệm vụ (table row without a task text)"))
        else:
            items.append(_Item(row, get, row.last or row.no))
        previous = cells
    return items


def _title(get: dict[str, str]) -> str:
    return get.get("task") or get.get("title") or get.get("activity") or ""


def _continues(get: dict[str, str], inherited: set[str], above: dict[str, str]) -> bool:
    """A row going on with the task above: its number and task cells repeat it, or are missing."""
    if {"ref", "task"} & inherited and ("task" in inherited or not get.get("task")):
        return True
    if "group" in get and not (get.get("ref") or get.get("lead")) and not get["group"][:1].isupper():
        # Number, lead and group merged from above and left blank, or the group cell's wrapped
        # tail after a page break (PDF).
        return True
    same_task = _title(get) == _title(above)
    if (same_task or _same_group(get, above)) and get.get("ref", "") == above.get("ref", ""):
        return True
    return not _title(get) and not get.get("ref") and any(get.values())


def _join(item: _Item, get: dict[str, str], row: TableRow) -> None:
    """Add a continuation row to its task: a second lead goes to support, other values to notes."""
    item.last = row.last or row.no
    lead = get.get("lead", "")
    if lead and lead != item.cells.get("lead"):
        item.support.append(lead)
    support = get.get("support", "")
    if support and support != item.cells.get("support") and support not in item.support:
        item.support.append(support)
    for role in ("product", "indicator"):
        value = get.get(role, "")
        if value and value != item.cells.get(role) and value not in item.products:
            item.products.append(value)
    deadline = get.get("deadline", "")
    if deadline and deadline != item.cells.get("deadline"):
        item.notes.append(f"dòng {row.no} nêu thêm thời hạn «{deadline[:80]}» (row {row.no} adds a deadline)")
    content = get.get("title", "") if "task" in item.cells else ""
    if content and content != item.cells.get("title"):
        item.notes.append(f"nội dung thêm: {content[:120]} (more content)")


def _heads_group(item: _Item, following) -> bool:
    """A numbered row without lead or deadline whose next row is its sub-item ("a)", "-")."""
    cells = item.cells
    if not re.fullmatch(r"\d{1,3}\.?", cells.get("ref", "")) or cells.get("lead") or cells.get("deadline"):
        return False
    return isinstance(following, _Item) and sub_number(following.cells.get("ref", "")) is not None


def _same_group(cells: dict[str, str], above: dict[str, str]) -> bool:
    """A row under the number of the row above with its own content line: the number (or, when
    blank, the task group) and the lead are merged down from it."""
    if not (cells.get("ref") or cells.get("group")):
        return False
    return all(cells.get(r, "") == above.get(r, "") for r in ("group", "lead"))


def _task(item: _Item, outline: Outline, plan: PlanDraft, domain: str) -> TaskDraft:
    cells = item.cells
    title = _title(cells)
    product = cells.get("product") or (cells.get("indicator") if "task" in cells else None) or None
    if not product:
        _, product = embedded_product(cells.get("title", "") if "task" in cells else "")
        if not product:
            title, product = embedded_product(title)
    if item.products:
        product = "; ".join([product, *item.products] if product else item.products)
    ref, guessed = outline.ref(cells.get("ref", ""))
    notes = list(item.notes)
    confidence = 0.95 - (0.1 if any("thêm thời hạn" in n for n in notes) else 0)
    if guessed:
        notes.append(f"dòng không có số TT; đánh số {ref} theo vị trí (row has no TT number; numbered {ref} "
                     "by position)")
        confidence -= 0.15
    support_text = "; ".join([s for s in [cells.get("support", "")] + item.support if s]) or None
    lead = cells.get("lead") or None
    if lead is None and outline.path and unit_cell(heading := outline.path[-1].title):
        lead = heading
        notes.append("đơn vị chủ trì lấy từ tiêu đề mục (lead taken from the section heading)")
        confidence -= 0.1
    task = make_task(ref, (outline.domain or domain) if outline.path else domain, title, lead, support_text,
                     cells.get("deadline") or None, product, (item.row.no, item.last), plan, confidence, notes,
                     together=True)
    task.section = outline.title
    return task


def _short_section(cells: list[str]) -> Section | None:
    """A short text-table row opening a section: "A. | BỘ XÂY DỰNG", or a lone numbered heading."""
    filled = [c for c in cells if c]
    if len(filled) == 2 and SECTION_NO.match(filled[0]) and not cell_kind(filled[1], 2000) == "deadline":
        return make_section(filled[0], filled[1])
    if len(filled) == 1:
        section = section_of(filled, {})
        if section is not None and section.no:
            return section
    return None


_FITS = {
    ("deadline", "deadline"): 3, ("unit", "lead"): 3, ("unit", "support"): 3, ("number", "ref"): 4,
}


def _fit(kind: str, role: str) -> float:
    if (kind, role) in _FITS:
        return _FITS[(kind, role)]
    if kind == "number" or role == "ref":
        return -4
    if kind == "deadline" and role in ("lead", "support") or kind == "unit" and role == "deadline":
        return -3
    if kind == "text" and role in ("lead", "support"):
        return -2
    return 0


def _align(cells: list[str], roles: dict[str, int], width: int, year: int,
           previous: list[str] | None) -> tuple[list[str], set[str]]:
    """Place the cells of a short row in their columns by what they hold (by default the last k
    columns); the missing cells are the merged ones above, inherited from the previous row."""
    by_col = {col: role for role, col in roles.items()}
    kinds = ["number" if re.fullmatch(r"\d{1,3}\.?", c) else cell_kind(c, year) for c in cells]
    k = len(cells)
    # Best placement of cells[i:] into columns [j:], keeping order; later columns win ties.
    best: dict[tuple[int, int], tuple[float, list[int]]] = {}
    for i in range(k, -1, -1):
        for j in range(width, -1, -1):
            if i == k:
                best[(i, j)] = (0.0, [])
            elif width - j < k - i:
                best[(i, j)] = (float("-inf"), [])
            else:
                here = _fit(kinds[i], by_col.get(j, "")) + 0.01 * j
                take = best[(i + 1, j + 1)]
                skip = best[(i, j + 1)] if j + 1 <= width else (float("-inf"), [])
                best[(i, j)] = max((here + take[0], [j] + take[1]), skip, key=lambda t: t[0])
    placed = best[(0, 0)][1]
    full = [""] * width
    for cell, col in zip(cells, placed):
        full[col] = cell
    inherited = set()
    for role in _MERGED:
        col = roles.get(role)
        if col is not None and not full[col] and previous is not None and col < len(previous) and previous[col]:
            full[col] = previous[col]
            inherited.add(role)
    return full, inherited
