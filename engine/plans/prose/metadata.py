"""Plan metadata from the document header: issuer, number, title, year and period, issue date.

A plan whose title (or the title of the decision issuing it) names a span of years ("giai đoạn
2026 - 2030") runs over those years: its year is the first of them, whatever its issue date.
Markdown emphasis and '|' lines of text scraped from portals are ignored.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from engine.plans.extract.model import PlanDraft, ReviewItem
from engine.plans.read.text import Line, clean, fold, lower_first

_ROMAN_HEADING = re.compile(r"^\s*[IVX]{1,4}\.\s*\S")
_TITLE_STOP = re.compile(
    r"^\s*(?:\(|Ban hành|Kèm theo|Thực hiện|Căn cứ|Theo |Trên cơ sở|Nhằm|Để |Số\s*:|[IVX]{1,4}\.|"
    r"UBND|Ủy ban|Uỷ ban|ỦY BAN|UỶ BAN|Nơi nhận|THỦ TƯỚNG|CHÍNH PHỦ|CHỦ TỊCH|BỘ TRƯỞNG|HỘI ĐỒNG|Điều \d)")
_CODE = re.compile(r"Số\s*:?\s*(\d[\w.]*\s*/\s*[A-ZĐ][\wĐ]*(?:\s*-\s*[A-ZĐ]+)*)")
_DECISION_CODE = re.compile(r"(?:kèm theo|Kèm theo)\s+Quyết định\s+số\s*:?\s*(\d[\w.]*/QĐ-[A-ZĐ]+)")
# "Hồng Lộc, ngày 12 tháng 01 năm 2024": a place name, then the date (a blank day means unknown).
_ISSUED = re.compile(r"[^\W\d_][^\d,/]{1,30},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_COMMUNE = re.compile(r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)"
                      r"\s+(?:xã|XÃ)\s+(\S.*)")
_PART_YEAR = re.compile(r"(\d{1,2}|sáu|ba|chín)\s*tháng\s*(đầu|cuối)\s*năm\s*(\d{4})", re.I)
_YEAR = re.compile(r"(?:năm|/)\s*((?:19|20)\d\d)(?!\d)")
# "giai đoạn 2026 - 2030", "năm 2026-2030", "2026 – 2030": a plan running over several years.
_YEARS = re.compile(r"(?<![\d/.])((?:19|20)\d\d)\s*(?:-|–|—|đến)\s*(?:năm\s*)?((?:19|20)\d\d)(?![\d/])")
_OWN_YEAR = re.compile(r"(?<!đến )(?<!nhìn )năm\s*(?:19|20)\d\d(?!\d)", re.I)
_MARKUP = re.compile(r"\*+|__|^\s*#{1,6}\s+")
_ISSUES_PLAN = re.compile(r"Điều 1\.\s*(?:Phê duyệt|Ban hành|Ban\s+hành)[^.]{0,40}?(?:Kế hoạch|Chương trình|Đề án)"
                          r"[^.;]{0,300}", re.I)


def header_lines(lines: list[Line]) -> list[Line]:
    """The lines before the plan body (its first 'I.' heading); the whole text when there is none."""
    start = _plan_start(lines)
    for i, line in enumerate(lines[start:], start):
        if _ROMAN_HEADING.match(line.text) and i > start:
            return lines[:i]
    return lines[:150]


def read_metadata(lines: list[Line], file: str, sha256: str, year: int | None,
                  review: list[ReviewItem], tables: list[list] | None = None) -> PlanDraft | None:
    """Issuer, code, title, year, period and issue date, as far as the header states them.
    The section rows of `tables` (rows of one repeated text) may state the plan's phases."""
    lines = [_plain(line) for line in lines if line.text.strip() != "|"]
    head = header_lines(lines)
    title, title_lines = _title(head) or _title(lines) or (None, (1, 1))
    sections = [Line(row.no, texts.pop()) for table in tables or [] for row in table
                if len(texts := {c.strip() for c in row.cells[1:] if c and c.strip()}) == 1]
    span = _span_of_years(title, head) or _annex_years(lines) or _phase_years(lines) or _phase_years(sections)
    if span is None and not (title and _YEAR.search(title.lower())):
        span = _milestone_years(lines)  # no period stated at all: the targets' own milestones span it
    if title is None:
        title = f"Kế hoạch (không rõ tiêu đề) - {file}"
        review.append(ReviewItem((1, 1), "", "không tìm thấy tiêu đề kế hoạch; tạm dùng tên tệp "
                                     "(plan title not found; the file name stands in for it)"))
    issuer = _issuer(head) or _issuer(lines)
    if issuer is None:
        issuer = "UBND xã (không rõ tên)"
        review.append(ReviewItem((1, 1), "", "không tìm thấy xã ban hành; điền plan.issuer "
                                     "(issuing commune not found; fill in plan.issuer)"))
    text = "\n".join(line.text for line in head)
    code = next((m[1] for m in (_CODE.search(text), _DECISION_CODE.search(text)) if m), None)
    found_year, part = _title_year(title)
    if span is not None and year in (None, span[0]):
        year, part = span[0], None
    if year is None:
        year = found_year or _common_year(lines)
    if year is None:
        return None  # the caller raises: no year anywhere and none given
    start, end, phrase = date(year, 1, 1), date(year, 12, 31), f"Năm {year}"
    if span is not None and year == span[0]:
        start, end, phrase = date(span[0], 1, 1), date(span[1], 12, 31), f"Giai đoạn {span[0]}-{span[1]}"
    elif part is not None:
        months, side = part
        if side == "đầu":
            start, end = date(year, 1, 1), date(year, months, calendar.monthrange(year, months)[1])
        else:
            start, end = date(year, 13 - months, 1), date(year, 12, 31)
        phrase = f"{months} tháng {side} năm {year}"
    code = re.sub(r"\s+", "", code) if code else None
    return PlanDraft(title=title, issuer=issuer, year=year, start=start, end=end, code=code,
                     issued=_issued(head), file=file, sha256=sha256, period_phrase=phrase)


def _body_after(parts: list[str], text: str) -> bool:
    """A title set in capitals ends where a line in running text begins."""
    return bool(parts) and all(p.isupper() for p in parts) and not text.isupper()


def _plain(line: Line) -> Line:
    """The line without markdown emphasis or heading marks."""
    return Line(line.no, _MARKUP.sub("", line.text)) if re.search(r"[*_#]", line.text) else line


def _span_of_years(title: str | None, head: list[Line]) -> tuple[int, int] | None:
    """The years a multi-year plan runs over, as its title or the decision issuing it states them."""
    decision = _decision_title(head)
    article = _ISSUES_PLAN.search(" ".join(line.s for line in head))
    for text in (title, decision[0] if decision else None, article[0] if article else None):
        if span := _years_in(text or ""):
            return span
    return None


def _annex_years(lines: list[Line]) -> tuple[int, int] | None:
    """The years an annex caption gives its tasks ("PHỤ LỤC / DANH MỤC ... (GIAI ĐOẠN 2025-2030)")."""
    for i, line in enumerate(lines):
        if not re.match(r"\s*PHỤ LỤC\b", line.text):
            continue
        caption = []
        for follow in lines[i + 1:i + 8]:
            if re.match(r"\s*\(?\s*(?:Kèm theo|Ban hành kèm)", follow.text) or len(caption) == 5:
                break
            caption.append(follow.s)
        if span := _years_in(" ".join(caption)):
            return span
    return None


def _phase_years(lines: list[Line]) -> tuple[int, int] | None:
    """Phases stated as headings of their own ("Giai đoạn 2025-2027", "Giai đoạn 2028-2030") that
    follow on from one another make up the plan's years."""
    phases = sorted({span for line in lines
                     if re.fullmatch(r"[-+•\s]*Giai đoạn\s+[\d\s\-–—]+:?\s*", line.text, re.I)
                     and (span := _years_in(line.text))})
    if len(phases) < 2 or any(b[0] != a[1] + 1 for a, b in zip(phases, phases[1:])):
        return None
    return phases[0][0], phases[-1][1]


_MILESTONE = re.compile(r"[-+•\s]*(?:[a-zđ]\)|\d{1,2}[.)])?\s*Đến\s+(?:hết\s+)?năm\s+(\d{4})\s*[:,]", re.I)


def _milestone_years(lines: list[Line]) -> tuple[int, int] | None:
    """Targets set as dated milestones of their own ("a) Đến hết năm 2025: ...", "b) Đến hết năm
    2030: ...") span the plan when nothing else states its period: first to last milestone."""
    years = sorted({int(m[1]) for line in lines if (m := _MILESTONE.match(line.text))})
    return (years[0], years[-1]) if len(years) >= 2 else None


def _years_in(text: str) -> tuple[int, int] | None:
    """The first span of years in `text`; a span inside a quoted name of another document counts
    only when the text names no year of its own ("Kế hoạch thực hiện Đề án “... 2021 - 2025” năm 2023")."""
    outside = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text)
    for part in (outside, None if _OWN_YEAR.search(_YEARS.sub(" ", outside)) else text):
        for m in _YEARS.finditer(part or ""):
            first, last = int(m[1]), int(m[2])
            if first < last <= first + 10:
                return first, last
    return None


def _decision_title(lines: list[Line]) -> tuple[str, tuple[int, int]] | None:
    """The title of the decision or resolution that issues the plan ("Quyết định phê duyệt ...")."""
    for i, line in enumerate(lines):
        name = fold(line.text)
        if name in ("quyet dinh", "nghi quyet") and line.s.isupper():
            parts, last = [], line.no
            for follow in lines[i + 1:]:
                if not follow.s:
                    continue
                if _TITLE_STOP.match(follow.text) or len(parts) == 5 or _body_after(parts, follow.s):
                    break
                parts.append(follow.s)
                last = follow.no
            if parts:
                kind = "Quyết định " if name == "quyet dinh" else "Nghị quyết "
                return clean(kind + " ".join(parts).lower()), (line.no, last)
    return None


def _plan_start(lines: list[Line]) -> int:
    """Where the plan itself begins (its 'KẾ HOẠCH' line), after any decision that issues it."""
    for i, line in enumerate(lines):
        if fold(line.text) == "ke hoach" and line.s.isupper():
            return i
    return 0


def _title(lines: list[Line]) -> tuple[str, tuple[int, int]] | None:
    for i, line in enumerate(lines):
        if fold(line.text) == "ke hoach" and line.s.isupper():
            parts, last = [], line.no
            for follow in lines[i + 1:]:
                if not follow.s:
                    continue
                if _TITLE_STOP.match(follow.text) or len(parts) == 4 or _body_after(parts, follow.s):
                    break
                parts.append(follow.s)
                last = follow.no
            if parts:
                return clean("Kế hoạch " + lower_first(" ".join(parts))), (line.no, last)
    for line in lines:
        if re.match(r"^\s*(?:KẾ HOẠCH|Kế hoạch)\s+\S", line.text) and len(line.s) < 250:
            text = line.s if not line.s.isupper() else line.s.capitalize()
            return clean(text), (line.no, line.no)
    return _decision_title(lines)


def _issuer(lines: list[Line]) -> str | None:
    joined = [clean(line.text) for line in lines if line.s]
    for i, text in enumerate(joined[:-1]):
        if fold(text) in ("uy ban nhan dan", "ubnd") and fold(joined[i + 1]).startswith("xa "):
            return "UBND xã " + joined[i + 1][3:].strip().title()
    for text in joined:
        if m := _COMMUNE.search(text):
            name = _capitalised_words(m[1])
            if name:
                return "UBND xã " + (name.title() if name.isupper() else name)
    return None


def _capitalised_words(text: str) -> str:
    words = []
    for word in re.findall(r"[^\W\d_]+", text):
        if not word[0].isupper():
            break
        words.append(word)
        if len(words) == 3:
            break
    return " ".join(words)


def _title_year(title: str) -> tuple[int | None, tuple[int, str] | None]:
    if m := _PART_YEAR.search(title):
        months = {"sáu": 6, "ba": 3, "chín": 9}.get(m[1].lower()) or int(m[1])
        if 1 <= months <= 11:
            return int(m[3]), (months, m[2].lower())
        return int(m[3]), None
    years = _YEAR.findall(title)
    return (int(years[-1]) if years else None), None


def _common_year(lines: list[Line]) -> int | None:
    counts: dict[int, int] = {}
    for line in lines:
        for y in _YEAR.findall(line.text):
            counts[int(y)] = counts.get(int(y), 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def _issued(lines: list[Line]) -> date | None:
    """The date of the place-and-date line ("Đắk Lắk, ngày 21 / tháng 11 năm 2025", maybe wrapped)."""
    texts = [line.text.replace("*", "") for line in lines]
    for text, after in zip(texts, texts[1:] + [""]):
        if m := _ISSUED.search(f"{text} {after}"):
            try:
                return date(int(m[3]), int(m[2]), int(m[1]))
            except ValueError:
                return None
    return None
