"""An appendix table flattened into text, one wrapped cell line per line (TT | content | lead |
support | deadline | product), as PDF-to-text tools leave it.

Rows start at their TT number when it survived ("1", or "4 Kiểm tra ..." on the content line);
a long line after a row's deadline and product starts the next row when the number was lost, and
the row then gets the next number with lower confidence. Within a row the cells come in column
order: content until a fragment that starts like a unit, the units until a deadline phrase, the
product after it. Lone numbers out of sequence are page numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.tables.cells import (DEADLINE_FULL, complete_deadline, deadline_start, group_units,
                                        make_task, unit_split)
from engine.plans.read.topics import domain_of, heading_topic
from engine.plans.extract.model import PlanDraft, ReviewItem, TaskDraft
from engine.plans.read.text import Line, Span, clean, fold, is_noise

_SECTION = re.compile(r"^\s*(?P<roman>[IVX]{1,4})\.?\s+(?P<rest>\S.*)$")
_TT = re.compile(r"^\s*(?P<n>\d{1,3})\.?(?:\s+(?P<rest>\S.*))?$")
_NOT_TT = re.compile(r"(?:tháng|năm|quý|ngày|%|/)", re.I)
_END = re.compile(r"^\s*(?:Danh mục gồm|Tổng cộng|Ghi chú|Nơi nhận)", re.I)
_NEW_ROW_LENGTH = 40  # content lines are long; unit, deadline and product cells are narrow


@dataclass
class _Row:
    ref: str
    domain: str
    inferred: bool
    first: int
    content: Span = field(default_factory=Span)
    units: list[str] = field(default_factory=list)
    deadline: str = ""
    product: Span = field(default_factory=Span)
    last: int = 0
    state: str = "content"


def find_appendix(lines: list[Line]) -> tuple[int, int, str] | None:
    """(index where the appendix begins, index of the first table row, header text) or None."""
    for i, line in enumerate(lines):
        if line.s not in ("TT", "STT", "Số TT"):
            continue
        window = [ln for ln in lines[i + 1:i + 40] if ln.s][:25]
        header = " ".join(fold(ln.s) for ln in window)
        hits = {w for w in ("noi dung", "nhiem vu", "chu tri", "phoi hop", "thoi gian", "san pham",
                            "kinh phi", "hoat dong") if w in header}
        if len(hits) < 3:
            continue
        body = next((j for j in range(i + 1, min(len(lines), i + 60))
                     if _SECTION.match(lines[j].text) or _TT.match(lines[j].text)), None)
        if body is None:
            continue
        header_text = " ".join(ln.s for ln in lines[i:body] if ln.s)
        start = i
        for j in range(i - 1, max(-1, i - 30), -1):
            s = lines[j].s
            if re.match(r"(?:PHỤ LỤC|DANH MỤC|KHUNG NHIỆM VỤ|Phụ lục)", s) or (len(s) >= 15 and s.isupper()):
                start = j
        return start, body, header_text
    return None


def narrow_tasks(lines: list[Line], plan: PlanDraft, review: list[ReviewItem]) -> list[TaskDraft]:
    """Tasks from a flattened table whose rows are numbered (TT) and hold one task each."""
    rows: list[_Row] = []
    row: _Row | None = None
    domain, expected = "other", 1
    announced: int | None = None
    for i, line in enumerate(lines):
        s = line.s
        if not s:
            continue
        if _END.match(s):
            if m := re.search(r"gồm\s+(\d+)", s):
                announced = int(m[1])
            break
        section = _SECTION.match(s)
        if section and heading_topic(section["rest"]) is not None:
            row = None
            domain = domain_of(heading_topic(section["rest"]))
            continue
        tt = _TT.match(s)
        if tt and int(tt["n"]) == expected and not (tt["rest"] and _NOT_TT.match(tt["rest"])):
            row = _Row(tt["n"], domain, False, line.no, last=line.no)
            rows.append(row)
            expected += 1
            if tt["rest"]:
                _feed(row, Line(line.no, tt["rest"]), plan.year, _next(lines, i))
            continue
        if is_noise(s):
            continue
        if row is not None and row.state == "product" and len(s) > _NEW_ROW_LENGTH and not deadline_start(s):
            row = _Row(str(expected), domain, True, line.no, last=line.no)
            rows.append(row)
            expected += 1
        if row is None:
            continue
        _feed(row, line, plan.year, _next(lines, i))
    if announced is not None and announced != len(rows):
        review.append(ReviewItem((rows[0].first, rows[-1].last) if rows else (1, 1), f"{len(rows)} rows",
                                 f"phụ lục ghi có {announced} nhiệm vụ nhưng đọc được {len(rows)} dòng "
                                 f"(the appendix says it lists {announced} tasks but {len(rows)} rows were read)"))
    return [_task(r, plan) for r in rows]


def _next(lines: list[Line], i: int) -> str:
    return next((ln.s for ln in lines[i + 1:] if ln.s and not is_noise(ln.s)), "")


def _feed(row: _Row, line: Line, year: int, following: str) -> None:
    s = line.s
    row.last = line.no
    if row.state == "content":
        at = unit_split(s)
        if at == 0 and (not row.content.text or len(s) > 40 or re.search(r"\d", s)):
            at = None  # content that merely starts with a body's name ("UBND xã năm 2025")
        if at is not None:
            if at:
                row.content.add(line.no, s[:at])
            row.units.append(s[at:])
            row.state = "units"
        elif row.content.text and deadline_start(s) and len(s) <= 30:
            row.state = "deadline"
            _deadline(row, s, year, following)
        else:
            row.content.add(line.no, s)
    elif row.state == "units":
        if deadline_start(s):
            row.state = "deadline"
            _deadline(row, s, year, following)
        else:
            row.units.append(s)
    elif row.state == "deadline":
        _deadline(row, s, year, following)
    else:
        row.product.add(line.no, s)


def _deadline(row: _Row, s: str, year: int, following: str) -> None:
    if row.deadline and not re.match(r"(?:\d|năm\b|/|[a-zđ])", s):
        row.state = "product"
        row.product.add(row.last, s)
        return
    m = DEADLINE_FULL.match(s) if not row.deadline else None
    if m and s[m.end():].strip():
        row.deadline = m.group()
        row.product.add(row.last, s[m.end():])
        row.state = "product"
        return
    row.deadline = clean(f"{row.deadline} {s}")
    continues = re.match(r"(?:\d|năm\b|/|[a-zđ])", following)
    if complete_deadline(row.deadline, year) and not continues:
        row.state = "product"


def _task(row: _Row, plan: PlanDraft) -> TaskDraft:
    groups = group_units(row.units)
    notes, confidence = [], 0.9
    if row.inferred:
        notes.append(f"mất số thứ tự của dòng; đánh số {row.ref} theo vị trí "
                     f"(row number lost in the text; numbered {row.ref} by position)")
        confidence -= 0.15
    return make_task(row.ref, row.domain, row.content.text, groups[0] if groups else None,
                     "; ".join(groups[1:]) or None, row.deadline or None, row.product.text or None,
                     (row.first, row.last), plan, confidence, notes)
