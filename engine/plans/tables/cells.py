"""What a table cell fragment is: a deadline, a unit, funding; and turning cells into a task.

Shared by real tables (Word, Excel, CSV, PDF) and by tables flattened into text, where each
wrapped line of each cell became a line of its own.
"""

from __future__ import annotations

import re

from engine.core.deadlines import parse_deadline
from engine.plans.extract.model import PlanDraft, TaskDraft
from engine.plans.read.text import clean, fold, sentence_case, title_text
from engine.plans.read.units import CELL_UNIT_START, PREPOSITIONS, UNIT_START, split_units, starts_unit

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
# How a whole table cell naming units begins, beyond the commune's own units: ministries, provinces,
# agencies ("Bộ Xây dựng", "Các bộ, ngành", "Cơ quan ...", "Trung ương Mặt trận ...").
_UNIT_NOUNS = (r"bộ|ngành|sở|cơ quan|đơn vị|địa phương|tỉnh|thành phố|xã|phường|huyện|quận|ban|phòng"
               r"|tổ chức|doanh nghiệp|trường|viện|hội,|hội đoàn|đoàn thể|cấp|lực lượng|trung tâm|công chức"
               r"|cán bộ|[A-ZĐ]")
_TABLE_UNIT = re.compile(
    rf"(?:Các\s+(?:{_UNIT_NOUNS})(?![\wÀ-ỹ])|(?:Cơ quan|Trung ương|Người đứng đầu|Lực lượng)(?![\wÀ-ỹ])"
    r"|(?:Bộ|Viện|Ngân hàng|Đài|Tổng cục|Cục|Chi cục|Thông tấn|Đại học|Thanh tra|Kiểm toán|Tòa án|Toà án"
    r"|Liên đoàn|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Thành uỷ|Hội|Đoàn|Ban|Tổ)(?:\s+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈÍÌÓÒÚÙÝ]|\s*,|\s+ngành))")
_BULLET = re.compile(r"(?:^|(?<=[;.:])\s*)[-–•+]\s+(?=\S)")
_DUTY_WORDS = re.compile(r"(?<!\w)(?:tham mưu|triển khai|báo cáo|tổ chức thực hiện|xây dựng|hoàn thiện|rà soát)"
                         r"(?!\w)")
_EMBEDDED_PRODUCT = re.compile(r"(?:^|\s)[-–•+]?\s*(?:Sản phẩm|Kết quả)(?: dự kiến| đầu ra)?\s*:\s*(?P<product>\S.*)$")


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


def unit_cell(text: str) -> bool:
    """Does a whole table cell name one or more units ("- Bộ Xây dựng; - UBND các tỉnh")?"""
    text = _BULLET.sub(" ", clean(text)).strip()
    if not text or len(text) > 250 or re.match(r"\d", text):
        return False
    text = text.title() if text.isupper() else sentence_case(text)  # "BỘ XÂY DỰNG" heading
    head = text.split(",")[0].split(";")[0]
    return bool(UNIT_START.match(text) or _TABLE_UNIT.match(text)) and not _DUTY_WORDS.search(head[:60]) \
        and not re.search(r"[.!?]\s+[A-ZĐ]", text.split(";")[0])


def cell_units(text: str) -> str:
    """A units cell as written, its bullet lines joined: "- Bộ A; - Bộ B" -> "Bộ A; Bộ B"."""
    parts = [p.strip(" ;,.") for p in _BULLET.split(clean(text))]
    return sentence_case("; ".join(p for p in parts if p))


def lead_cell(text: str) -> tuple[str | None, list[str]]:
    """The lead cell kept together as written; units after "phối hợp" in it are support."""
    text = cell_units(text)
    m = re.search(r"[,;]?\s*(?:chủ trì\s*[,;]?\s*)?(?:và\s+)?phối hợp(?:\s+với)?\s*", text, re.I)
    if m and m.start() > 0:
        lead = re.sub(r"\s*\bchủ trì\b\s*$", "", text[:m.start()]).strip(" ,;")
        return lead or None, split_units(text[m.end():]) if text[m.end():].strip() else []
    lead = re.sub(r"\s*\(?chủ trì\)?\s*$", "", text).strip(" ,;")
    return lead or None, []


def embedded_product(text: str) -> tuple[str, str | None]:
    """A content cell split from its "- Sản phẩm: ..." line, if it has one."""
    m = _EMBEDDED_PRODUCT.search(text)
    if not m or m.start() == 0 and fold(text).startswith("ket qua"):
        return text, None
    return text[:m.start()].strip(), m["product"].strip()


def make_task(ref: str, domain: str, title: str, lead_text: str | None, support_text: str | None,
              deadline: str | None, product: str | None, lines: tuple[int, int], plan: PlanDraft,
              confidence: float = 0.9, notes: list[str] | None = None, *,
              together: bool = False) -> TaskDraft:
    """A task from its cell texts, with confidence lowered for whatever is missing or unread.

    `together`: the lead cell is kept whole as written (real tables) instead of its first unit."""
    notes = list(notes or [])
    support = split_units(support_text) if support_text else []
    if together:
        lead, more = lead_cell(lead_text) if lead_text else (None, [])
        leads, support = ([lead] if lead else []), more + support
    else:
        leads = split_units(lead_text) if lead_text else []
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
