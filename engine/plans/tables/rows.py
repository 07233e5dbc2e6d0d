"""Tasks from real tables (Word, Excel, CSV, PDF): find the header row, map its columns by the
names plans give them, then read one task per row, section rows ("I. Cải cách thể chế") giving
the domain. Rows continuing a merged task cell (same TT and task, another activity) are joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.plans.tables.cells import make_task
from engine.plans.read.topics import domain_of, heading_topic
from engine.plans.extract.model import PlanDraft, ReviewItem, TaskDraft
from engine.plans.read.text import clean, fold

# Column roles, tried in this order on each folded header cell ("Mục tiêu/Chỉ tiêu/nội dung"
# is the objective, not the content; "Kết quả, sản phẩm" the product).
_ROLES = [
    ("objective", r"muc tieu"),
    ("support", r"phoi hop"),
    ("lead", r"chu tri"),
    ("ref", r"^(?:s?tt|so tt|stt)$"),
    ("task", r"nhiem vu"),
    ("activity", r"hoat dong"),
    ("title", r"noi dung"),
    ("deadline", r"thoi gian|thoi han|tien do"),
    ("product", r"san pham|ket qua"),
    ("budget", r"kinh phi"),
]
_ROMAN = re.compile(r"^\s*(?P<roman>[IVX]{1,4})[.\s]\s*(?P<rest>\S.*)?$")


@dataclass
class TableRow:
    no: int  # the row's source line: its row number (xlsx/csv), block number (docx), text line (pdf)
    cells: list[str]
    last: int = 0


def header_roles(cells: list[str]) -> dict[str, int] | None:
    """Column index of each role when `cells` is a header row, else None."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(cells):
        folded = re.sub(r"^\(?\d+\)?\s*[-.)]\s*", "", fold(clean(cell)))
        if not folded:
            continue
        for role, pattern in _ROLES:
            if re.search(pattern, folded) and role not in roles:
                roles[role] = index
                break
    titled = any(r in roles for r in ("task", "title", "activity"))
    return roles if titled and len(roles) >= 3 and ("lead" in roles or "deadline" in roles) else None


@dataclass
class Running:
    """What carries over from a table to its continuation on the next page."""
    domain: str = "other"
    expected: int = 1


def table_tasks(rows: list[TableRow], plan: PlanDraft, review: list[ReviewItem],
                running: Running | None = None) -> list[TaskDraft]:
    """The tasks of one table; an empty list when it has no recognisable header."""
    running = running or Running()
    start = next((i for i, row in enumerate(rows) if header_roles(row.cells)), None)
    if start is None:
        return []
    roles = header_roles(rows[start].cells)
    title_col = roles.get("task", roles.get("title", roles.get("activity")))
    tasks: list[TaskDraft] = []
    domain, expected = running.domain, running.expected
    previous: tuple[str, str] | None = None
    for row in rows[start + 1:]:
        cells = [clean(c) for c in row.cells]
        get = lambda role: cells[roles[role]] if role in roles and roles[role] < len(cells) else ""  # noqa: E731
        filled = [c for c in cells if c]
        if not filled or all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in filled):
            continue  # empty, or the "(1) (2) (3)" column-number row
        section = _section(filled, get("ref"), get("title") if "title" in roles else "")
        if section is not None:
            domain, previous = section, None
            continue
        title, ref = get("task") if "task" in roles else cells[title_col], get("ref")
        if not title:
            if any(filled):
                review.append(ReviewItem((row.no, row.last or row.no), " | ".join(filled)[:300],
                                         "dòng bảng không có nội dung nhiệm vụ (table row without a task text)"))
            continue
        if previous is not None and (title, ref or previous[1]) == previous:
            continue  # the same merged task cell, one more activity row
        notes, confidence = [], 0.95
        if ref and re.fullmatch(r"\d{1,3}", ref):
            expected = int(ref) + 1
        else:
            ref = str(expected)
            expected += 1
            notes.append(f"dòng không có số TT; đánh số {ref} theo vị trí "
                         f"(row has no TT number; numbered {ref} by position)")
            confidence -= 0.15
        previous = (title, ref)
        tasks.append(make_task(ref, domain, title, get("lead") or None, get("support") or None,
                               get("deadline") or None, get("product") or None,
                               (row.no, row.last or row.no), plan, confidence, notes))
    running.domain, running.expected = domain, expected
    return tasks


def _section(filled: list[str], ref: str, title: str) -> str | None:
    """The domain of a section row ('I. Chỉ đạo điều hành', merged across the row), else None."""
    text = filled[0] if len(set(filled)) == 1 else (f"{ref} {title}" if ref and _ROMAN.match(ref) else "")
    m = _ROMAN.match(text)
    if not m or not m["rest"]:
        return None
    topic = heading_topic(m["rest"])
    return domain_of(topic) if topic else "other"
