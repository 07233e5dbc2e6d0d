"""What a table cell fragment is: a deadline, a unit, funding; and turning cells into a task.

Shared by real tables (Word, Excel, CSV, PDF) and by tables flattened into text, where each
wrapped line of each cell became a line of its own.
"""

from __future__ import annotations

import re

from engine.core.deadlines import parse_deadline
from engine.plans.extract.model import PlanDraft, TaskDraft
from engine.plans.read.text import clean, title_text
from engine.plans.read.units import CELL_UNIT_START, PREPOSITIONS, split_units, starts_unit

# How a deadline cell begins, capitalised as table cells are.
DEADLINE_START = re.compile(
    r"(?:Trong (?:tháng|quý|năm)|Tháng|Quý|Năm \d|Năm$|Trước|Thường xuyên|Thường$|Hằng|Hàng (?:tháng|quý|năm)"
    r"|Định kỳ|Theo (?:Kế|KH|kế|lộ|tiến|Quyết|hướng)|Sau khi|Từ (?:tháng|ngày|quý)|Đến (?:tháng|ngày|quý)"
    r"|\d{1,2} tháng (?:đầu|cuối)|\d{1,2}/\d{4}|\d{1,2}/\d{1,2}/\d{4}|Cả năm|Liên tục)")
# A deadline phrase complete on one line, followed by another cell's text ("Quý IV/2025 Quyết định").
DEADLINE_FULL = re.compile(
    r"(?:(?:Trong|Trước|Hoàn thành trong)\s+)?(?:"
    r"tháng\s+\d{1,2}(?:\s*[-,]\s*\d{1,2})*(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"
    r"|quý\s+[IVX]+(?:\s*[-,]\s*[IVX]+)*(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"
    r"|\d{1,2}\s+tháng\s+(?:đầu|cuối)\s+năm\s+\d{4}|năm\s+\d{4}|(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?"
    r"|thường xuyên)", re.I)
FUNDING = re.compile(r"(?:Theo (?:dự|KH)|Ngân sách|Kinh phí|Nguồn|Lồng ghép)")
_CONNECTOR_END = re.compile(r"(?:[-–,]|\b(?:và|của|thuộc|các))\s*$")
_BARE_HEAD = re.compile(r"^(?:Văn phòng|Phòng|Ủy ban|Uỷ ban|Trung tâm|Bộ phận|Chủ tịch)$")


def deadline_start(text: str) -> bool:
    """Does a cell fragment begin a deadline phrase?"""
    return bool(DEADLINE_START.match(text.strip()))


def complete_deadline(text: str, year: int) -> bool:
    """Is a (partly joined) deadline phrase something dondoc can already read?"""
    return parse_deadline(text, year).kind != "unknown"


def unit_split(text: str, *, anywhere: bool = True) -> int | None:
    """Where a unit cell begins in a line ('Kiểm tra ... Phòng Văn hóa -' -> its 'Phòng'), or None."""
    for m in CELL_UNIT_START.finditer(text):
        before = text[:m.start()].split()
        if m.start() == 0:
            return 0
        # A unit cell's first line is short; a long tail is a sentence that mentions a unit.
        if anywhere and before and before[-1].lower().strip(",;:(") not in PREPOSITIONS \
                and not before[-1].endswith(",") and len(text) - m.start() <= 35:
            return m.start()
    return None


def group_units(lines: list[str]) -> list[str]:
    """Unit cells from wrapped fragments: a fragment starting like a unit begins a new name,
    unless the previous one is unfinished ('Văn hóa -', 'Văn phòng' + 'HĐND và')."""
    groups: list[str] = []
    for fragment in (clean(f) for f in lines):
        if not fragment:
            continue
        new = starts_unit(fragment, cell=True) and (
            not groups or not (_CONNECTOR_END.search(groups[-1]) or _BARE_HEAD.match(groups[-1])))
        if new or not groups:
            groups.append(fragment)
        else:
            groups[-1] = f"{groups[-1]} {fragment}"
    return [re.sub(r"\s+-\s*$", "", g) for g in groups]


def make_task(ref: str, domain: str, title: str, lead_text: str | None, support_text: str | None,
              deadline: str | None, product: str | None, lines: tuple[int, int], plan: PlanDraft,
              confidence: float = 0.9, notes: list[str] | None = None) -> TaskDraft:
    """A task from its cell texts, with confidence lowered for whatever is missing or unread."""
    notes = list(notes or [])
    leads = split_units(lead_text) if lead_text else []
    support = split_units(support_text) if support_text else []
    if len(leads) > 1:
        # "Tư pháp; Văn hóa" in the lead cell: the first leads, the others support.
        support = leads[1:] + support
        notes.append("ô chủ trì nêu nhiều đơn vị; lấy đơn vị đầu tiên làm chủ trì "
                     "(several units in the lead cell; the first is taken as lead)")
        confidence -= 0.1
    if not leads:
        notes.append("chưa có đơn vị chủ trì (no lead unit)")
        confidence -= 0.3
    deadline = clean(deadline) if deadline else None
    if not deadline:
        notes.append("chưa có thời hạn (no deadline)")
        confidence -= 0.2
    elif parse_deadline(deadline, plan.year, (plan.start, plan.end)).kind == "unknown":
        notes.append("chưa đọc được thời hạn (deadline phrase not understood)")
        confidence -= 0.2
    return TaskDraft(ref=ref, title=title_text(title), domain=domain, lead=leads[0] if leads else None,
                     support=support, deadline=deadline, product=title_text(product) if product else None,
                     lines=lines, confidence=round(max(confidence, 0.1), 2), notes=notes)
