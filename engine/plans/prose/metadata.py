"""Plan metadata from the document header: issuer, number, title, year and period, issue date."""

from __future__ import annotations

import calendar
import re
from datetime import date

from engine.plans.extract.model import PlanDraft, ReviewItem
from engine.plans.read.text import Line, clean, fold, lower_first

_ROMAN_HEADING = re.compile(r"^\s*[IVX]{1,4}\.\s*\S")
_TITLE_STOP = re.compile(
    r"^\s*(?:\(|Ban hành|Kèm theo|Thực hiện|Căn cứ|Theo |Trên cơ sở|Nhằm|Để |Số\s*:|[IVX]{1,4}\.|"
    r"UBND|Ủy ban|Uỷ ban|ỦY BAN|Nơi nhận)")
_CODE = re.compile(r"Số\s*:?\s*(\d[\w.]*\s*/\s*[A-ZĐ][\wĐ]*(?:\s*-\s*[A-ZĐ]+)*)")
_DECISION_CODE = re.compile(r"(?:kèm theo|Kèm theo)\s+Quyết định\s+số\s*:?\s*(\d[\w.]*/QĐ-[A-ZĐ]+)")
# "Hồng Lộc, ngày 12 tháng 01 năm 2024": a place name, then the date (a blank day means unknown).
_ISSUED = re.compile(r"[^\W\d_][^\d,/]{1,30},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_COMMUNE = re.compile(r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)"
                      r"\s+(?:xã|XÃ)\s+(\S.*)")
_PART_YEAR = re.compile(r"(\d{1,2}|sáu|ba|chín)\s*tháng\s*(đầu|cuối)\s*năm\s*(\d{4})", re.I)
_YEAR = re.compile(r"(?:năm|/)\s*((?:19|20)\d\d)(?!\d)")


def header_lines(lines: list[Line]) -> list[Line]:
    """The lines before the plan body (its first 'I.' heading); the whole text when there is none."""
    start = _plan_start(lines)
    for i, line in enumerate(lines[start:], start):
        if _ROMAN_HEADING.match(line.text) and i > start:
            return lines[:i]
    return lines[:150]


def read_metadata(lines: list[Line], file: str, sha256: str, year: int | None,
                  review: list[ReviewItem]) -> PlanDraft | None:
    """Issuer, code, title, year, period and issue date, as far as the header states them."""
    head = header_lines(lines)
    title, title_lines = _title(head) or _title(lines) or (None, (1, 1))
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
    if year is None:
        year = found_year or _common_year(lines)
    if year is None:
        return None  # the caller raises: no year anywhere and none given
    start, end, phrase = date(year, 1, 1), date(year, 12, 31), f"Năm {year}"
    if part is not None:
        months, side = part
        if side == "đầu":
            start, end = date(year, 1, 1), date(year, months, calendar.monthrange(year, months)[1])
        else:
            start, end = date(year, 13 - months, 1), date(year, 12, 31)
        phrase = f"{months} tháng {side} năm {year}"
    code = re.sub(r"\s+", "", code) if code else None
    return PlanDraft(title=title, issuer=issuer, year=year, start=start, end=end, code=code,
                     issued=_issued(head), file=file, sha256=sha256, period_phrase=phrase)


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
                if _TITLE_STOP.match(follow.text) or len(parts) == 4:
                    break
                parts.append(follow.s)
                last = follow.no
            if parts:
                return clean("Kế hoạch " + lower_first(" ".join(parts))), (line.no, last)
    for line in lines:
        if re.match(r"^\s*(?:KẾ HOẠCH|Kế hoạch)\s+\S", line.text) and len(line.s) < 250:
            text = line.s if not line.s.isupper() else line.s.capitalize()
            return clean(text), (line.no, line.no)
    return None


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
    for line in lines:
        if m := _ISSUED.search(line.text):
            try:
                return date(int(m[3]), int(m[2]), int(m[1]))
            except ValueError:
                return None
    return None
