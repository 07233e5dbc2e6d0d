"""What each column of a real table holds: read from its header words, and from its cells when
the header is unknown or missing; and whether the table is a task table at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.core.deadlines import parse_deadline
from engine.plans.read.text import clean, fold
from engine.plans.tables.cells import unit_cell

# Column roles, tried in this order on each folded header cell. "Thời gian thực hiện" is a deadline
# before "thực hiện" makes a lead; "Mục tiêu/Chỉ tiêu/nội dung" is the objective, not the content.
_ROLES = [
    ("objective", r"muc tieu"),
    ("support", r"phoi hop"),
    ("budget", r"kinh phi|nguon luc|nguon von|du toan"),
    ("deadline", r"thoi gian|thoi han|tien do|thoi diem|moc hoan thanh|han hoan thanh"),
    ("measure", r"^(?:dvt|don vi tinh|don vi)$"),
    ("lead", r"chu tri|thuc hien|trach nhiem|phan cong|dam nhiem|phu trach|^(?:co quan|don vi|bo phan)\b"
             r"|nguoi thuc|giao cho"),
    ("ref", r"^(?:s?tt|so tt|stt|so thu tu)$"),
    ("indicator", r"^chi tieu"),
    ("group", r"\bnhom\b|linh vuc"),
    ("task", r"nhiem vu|giai phap|de an|du an|cong viec|^ten\b"),
    ("activity", r"hoat dong"),
    ("title", r"noi dung"),
    ("product", r"san pham|ket qua"),
    ("status", r"tinh trang|ghi chu"),
]
_TITLED = ("task", "title", "activity")
ROLE_NAMES = {
    "ref": "số thứ tự (number)", "task": "nhiệm vụ (task)", "title": "nội dung (content)",
    "activity": "hoạt động (activity)", "lead": "đơn vị chủ trì (lead)", "support": "đơn vị phối hợp (support)",
    "deadline": "thời hạn (deadline)", "product": "sản phẩm, kết quả (product)", "group": "nhóm nhiệm vụ (group)",
    "indicator": "chỉ tiêu (indicator)", "objective": "mục tiêu (objective)", "budget": "kinh phí (funding)",
    "status": "tình trạng, ghi chú (status)", "measure": "đơn vị tính (unit of measure)",
    "data": "số liệu (figures)",
}


def header_word(cell: str) -> str:
    """A header cell folded, without its column number, footnote marks and bold asterisks."""
    text = fold(clean(re.sub(r"\[\d+\]|\*+|\(\d+\)$", " ", cell)))
    text = re.sub(r"^\(?\d+\)?\s*[-.)]\s*", "", text)
    return re.sub(r"(?<=[a-z])\d+$", "", text).strip(" :")


def word_roles(cells: list[str]) -> dict[str, int]:
    """Column index of each role its header words name (the first column wins a role)."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(cells):
        folded = header_word(cell)
        if not folded or len(folded) > 80:
            continue
        for role, pattern in _ROLES:
            if re.search(pattern, folded):
                roles.setdefault(role, index)
                if roles[role] == index:
                    break
    return roles


def header_roles(cells: list[str]) -> dict[str, int] | None:
    """Column index of each role when `cells` is a header row, else None."""
    roles = word_roles(cells)
    titled = any(r in roles for r in _TITLED)
    return roles if titled and len(roles) >= 3 and ("lead" in roles or "deadline" in roles) else None


def looks_like_header(cells: list[str]) -> bool:
    """A row of column names: at least two cells name a role, none reads like a task row."""
    roles = word_roles(cells)
    return len(set(roles.values())) >= 2 and not any(re.fullmatch(r"\d{1,3}\.?", clean(c)) for c in cells)


@dataclass
class Columns:
    """Where the header sits and what each column was read as, with why."""
    start: int  # index of the first header row
    end: int  # index of the first body row
    roles: dict[str, int]
    notes: list[str] = field(default_factory=list)
    skip: str | None = None  # why this is not a task table
    worded: bool = True  # its header names columns (else a skipped table is not worth a note)


def find_header(rows_cells: list[list[str]]) -> tuple[int, int] | None:
    """The header rows of a table: the first header-like row and the header-like rows under it."""
    for i, cells in enumerate(rows_cells[:30]):
        if looks_like_header(cells):
            end = i + 1
            while end < len(rows_cells) and end - i < 3 and _header_continues(rows_cells[end]):
                end += 1
            return i, end
    # No header words: a first row of short, distinct labels over the body is a header all the same.
    first = [clean(c) for c in rows_cells[0] if clean(c)] if rows_cells else []
    if len(rows_cells) >= 3 and len(first) >= 3 and len(set(first)) == len(first) \
            and all(len(c) <= 40 and not re.match(r"\d", c) for c in first):
        return 0, 1
    return None


def _header_continues(cells: list[str]) -> bool:
    filled = [clean(c) for c in cells if clean(c)]
    if not filled:
        return False
    if all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in filled):
        return True  # the "(1) (2) (3)" column-number row
    return looks_like_header(cells) or (len(filled) >= 2 and all(len(c) <= 40 and not re.match(r"\d", c)
                                                                 for c in filled)
                                       and bool(word_roles(cells)) and not unit_cell(filled[0]))


def merged_header(rows_cells: list[list[str]], start: int, end: int) -> list[str]:
    """One text per column from 1-3 header rows (a merged top cell repeats over its columns)."""
    width = max(len(c) for c in rows_cells[start:end])
    out = []
    for col in range(width):
        parts: list[str] = []
        for cells in rows_cells[start:end]:
            text = clean(cells[col]) if col < len(cells) else ""
            if text and text not in parts and not re.fullmatch(r"\(?\d{1,2}\)?", text):
                parts.append(text)
        out.append(" / ".join(parts))
    return out


def read_columns(rows_cells: list[list[str]], year: int, *, headerless: bool = False) -> Columns | None:
    """The columns of a table, or None when it has no header-like row at all (`headerless`:
    read every column from its cells instead)."""
    found = find_header(rows_cells) if not headerless else (0, 0)
    if found is None or not rows_cells:
        return None
    start, end = found
    header = merged_header(rows_cells, start, end) if end > start else [""] * max(map(len, rows_cells))
    roles, notes = {}, []
    # The lowest header row names the columns under a merged top cell ("Năm 2026" under "Giai đoạn").
    for depth in range(end - 1, start - 1, -1):
        for role, col in word_roles(rows_cells[depth]).items():
            if role not in roles and col not in roles.values():
                roles[role] = col
    for role, col in sorted(roles.items(), key=lambda rc: rc[1]):
        notes.append(f"cột {col + 1} «{header[col][:40]}» là {ROLE_NAMES[role]} theo tiêu đề")
    body = [cells for cells in rows_cells[end:] if any(clean(c) for c in cells)]
    _by_content(header, body, roles, notes, year)
    columns = Columns(start, end, roles, notes)
    columns.skip = _not_tasks(header, roles)
    columns.worded = any(word_roles(cells) for cells in rows_cells[start:end])
    return columns


def cell_kind(text: str, year: int) -> str:
    text = clean(text)
    if not text:
        return ""
    if re.fullmatch(r"\d{1,3}\.?|[IVX]{1,4}\.?|[A-Z]\.", text):
        return "number"
    if re.fullmatch(r"[\d.,%\s+-]+|[\d.,]+\s*%?", text):
        return "figure"
    if unit_cell(text):
        return "unit"
    first = re.split(r"(?<=[.;])\s+", text)[0]  # "Ban hành trong năm 2026. Thực hiện rà soát ..."
    if len(first) <= 100 and parse_deadline(first, year).kind != "unknown" and not _starts_verb_phrase(first):
        return "deadline"
    if len(text) >= 25 and len(text.split()) >= 5:
        return "text"
    return "short"


def _starts_verb_phrase(text: str) -> bool:
    # "Xây dựng trung tâm dữ liệu năm 2026" has a year but is a task; deadlines lead with time words.
    words = text.split()
    return len(words) > 8 and not re.match(r"(?:Trong|Trước|Năm|Giai|Quý|Tháng|Từ|Đến|Hoàn|Hằng|Hàng|Định|\d)",
                                            text)


def _by_content(header: list[str], body: list[list[str]], roles: dict[str, int], notes: list[str],
                year: int) -> None:
    """Give a role to each column its header leaves unknown, from what its cells hold."""
    sample = [cells for cells in body if len({clean(c) for c in cells if clean(c)}) > 1][:40]
    if not sample:
        return
    width = max(len(header), max(len(c) for c in sample))
    known = set(roles.values())
    for col in range(width):
        if col in known:
            continue
        kinds = [cell_kind(cells[col], year) for cells in sample if col < len(cells)]
        kinds = [k for k in kinds if k]
        if len(kinds) < max(2, len(sample) // 3):
            continue
        top = max(set(kinds), key=kinds.count)
        share = kinds.count(top) / len(kinds)
        if share < 0.6:
            continue
        if top == "number" and "ref" not in roles and col == 0:
            role, why = "ref", "các ô là số thứ tự"
        elif top == "deadline" and "deadline" not in roles:
            role, why = "deadline", "các ô đọc được như thời hạn"
        elif top == "unit" and "lead" not in roles:
            role, why = "lead", "các ô là tên đơn vị, cột đơn vị đầu tiên"
        elif top == "unit" and "support" not in roles:
            role, why = "support", "các ô là tên đơn vị, sau cột chủ trì"
        elif top == "text" and not any(r in roles for r in _TITLED) and "indicator" not in roles:
            role, why = "task", "các ô là đoạn văn dài"
        elif top == "figure":
            role, why = "data", "các ô là số liệu"
        else:
            continue
        roles[role if role != "data" else f"data{col}"] = col
        known.add(col)
        name = ROLE_NAMES["data" if role == "data" else role]
        label = f" «{header[col][:40]}»" if col < len(header) and header[col] else ""
        notes.append(f"cột {col + 1}{label} là {name} theo nội dung ({why})")
    if roles.get("lead", -1) > roles.get("support", 99):
        roles["lead"], roles["support"] = roles["support"], roles["lead"]


def _not_tasks(header: list[str], roles: dict[str, int]) -> str | None:
    """Why a table is not a task table (indicators, figures by year, a plain list), else None."""
    titled = any(r in roles for r in _TITLED)
    data = sum(1 for r in roles if r.startswith("data"))
    years = sum(1 for h in header if re.search(r"(?:19|20)\d\d", h) and len(h) <= 60)
    if not titled and "indicator" in roles:
        return "bảng chỉ tiêu (cột «Chỉ tiêu»), không có cột nhiệm vụ (an indicator table, no task column)"
    if years >= 2 and (data or "measure" in roles) and not ("lead" in roles or "support" in roles):
        return "bảng số liệu theo năm (a table of figures by year)"
    if not titled:
        return "không có cột nhiệm vụ hay nội dung (no task or content column)"
    if "lead" not in roles and "deadline" not in roles:
        return ("không có cột đơn vị chủ trì hay thời hạn; là danh sách, không phải bảng nhiệm vụ "
                "(no lead or deadline column: a list, not a task table)")
    return None
