"""The time words inside a Vietnamese deadline phrase: folded text -> dated tokens.

A token is one stretch of a phrase that names a day ("15/01/2024", "ngày 20 tháng 3"), a span
("Quý II/2024", "đầu năm", "tuần cuối tháng 10", "tháng 6, tháng 12") or a day of an unstated
month ("ngày 20"). engine.core.deadlines decides what the tokens of a phrase mean together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from dateutil.relativedelta import relativedelta

# Years outside this window are almost always document numbers, and staying inside it
# keeps "one day before" arithmetic far away from date.min / date.max.
MIN_YEAR, MAX_YEAR = 1900, 2199

Span = tuple[date, date]


class Invalid(ValueError):
    """A phrase names a date that cannot exist; the message (Vietnamese, then English) is shown to admins."""

    def __init__(self, vi: str, en: str):
        super().__init__(f"{vi} ({en})")


def check_year(y: int, what: str = "năm", what_en: str = "year") -> None:
    """Refuse years outside the supported window."""
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise Invalid(f"{what} {y} nằm ngoài khoảng hỗ trợ {MIN_YEAR}–{MAX_YEAR}",
                      f"{what_en} {y} is outside the supported range")


# -- normalisation -------------------------------------------------------------------

_TONE = "\u0300\u0301\u0303\u0309\u0323"
# Old and new orthography disagree only on where the tone sits in oa/oe/uy (hoá/hóa,
# thuỷ/thủy); moving it to the second vowel makes both spellings compare equal.
_TONE_SHIFT = re.compile(f"([oO])([{_TONE}])([aAeE])|([uU])([{_TONE}])([yY])")


def canon(text: str) -> str:
    """Lower case NFC with one tone placement and one spelling of quý/kỳ."""
    nfd = unicodedata.normalize("NFD", text)
    nfd = _TONE_SHIFT.sub(lambda m: "".join(g for g in (m[1], m[3], m[2], m[4], m[6], m[5]) if g), nfd)
    folded = unicodedata.normalize("NFC", nfd).lower()
    # "quí"/"kì" are common older spellings of "quý"/"kỳ" (same length, so positions hold).
    return re.sub(r"(?<=k)ì", "ỳ", re.sub(r"(?<=qu)í", "ý", folded))


def clean(text: str) -> str:
    """NFC, one kind of dash, single spaces, no Markdown emphasis or list marks around the phrase."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\*\*|__", " ", text)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^[\s\-+•*]+", "", text)
    return re.sub(r"[\s.;,:/]+$", "", text)


# Document references ("Kế hoạch 3580/KH-UBND ngày 09/12/2022") carry issue dates that are
# not deadlines; they are blanked with spaces so positions still map onto the original.
_CITATION = re.compile(
    r"(?:số\s*|(?<![\w/]))\d+(?:[/\-][0-9a-zđ]+)*/[a-zđ][0-9a-zđ\-]*"
    r"(?:\s+(?:của\s+[^\d,;()]{1,40}?\s+)?ngày\s+"
    r"\d{1,2}\s*(?:[/.\-]|tháng)\s*\d{1,2}\s*(?:[/.\-]|năm)\s*\d{4})?"
)


def blank_citations(s: str) -> str:
    """`s` with every cited document number (and its issue date) replaced by spaces."""
    return _CITATION.sub(lambda m: " " * len(m.group()), s)


# -- tokens ----------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_NUM = r"(?:[ivx]+|\d{1,2})(?!\w)"


@dataclass
class Token:
    kind: str  # "day" (one calendar day), "span" (month/quarter/year...) or "dayonly"
    pos: int
    end: int
    make: Callable[[int], Span]
    year_given: bool
    parts: tuple[int, ...] = ()  # (day, month) of yearless days, or (day,) for "dayonly"
    qual: str | None = None  # "before" | "by" | None
    span: Span | None = None
    ranged: bool = False  # the token already is a range ("tháng 3 - 5/2024", "2021-2025")
    # A list with gaps in one token ("tháng 6, tháng 12"): one maker per item; empty otherwise.
    items: tuple[Callable[[int], Span], ...] = ()
    pieces: tuple[Span, ...] = ()  # the items' spans in the plan year, or (span,)


def _day(y: int, m: int, d: int, shown: str, yearless: bool = False) -> date:
    check_year(y)
    try:
        return date(y, m, d)
    except ValueError:
        vi, en = (f"{shown} năm {y}", f"{shown} in {y}") if yearless else (shown, shown)
        raise Invalid(f"ngày {vi} không tồn tại", f"{en} is not a valid date") from None


def month_span(y: int, m1: int, m2: int | None = None) -> Span:
    """First day of month m1 to last day of month m2 (default m1) in year y."""
    for m in (m1, m2 if m2 is not None else m1):
        if not 1 <= m <= 12:
            raise Invalid(f"không có tháng {m}", f"month {m} does not exist")
    check_year(y)
    lo, hi = sorted((m1, m2 if m2 is not None else m1))
    return date(y, lo, 1), date(y, hi, 1) + relativedelta(months=1, days=-1)


def _quarter(num: str) -> int:
    q = _ROMAN.get(num) if not num.isdigit() else int(num)
    if q is None or not 1 <= q <= 4:
        raise Invalid(f"không có quý {num.upper()}", f"quarter {num.upper()} does not exist")
    return q


def _groups(text: str, number: str, value: Callable[[str], int]) -> list[tuple[int, int]]:
    """'6, tháng 12' -> [(6, 6), (12, 12)]; '1 - 3' -> [(1, 3)]: a dash is a range, a comma or
    "và" lists items; items that follow on ('Quý II, III') merge into one stretch."""
    groups = sorted((min(ns), max(ns)) for part in re.split(r"\s*(?:,|và)\s*", text)
                    if (ns := [value(n) for n in re.findall(number, part)]))
    merged = [groups[0]]
    for lo, hi in groups[1:]:
        if lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _in_year(m: re.Match[str], make: Callable[[int], Span]) -> Callable[[int], Span]:
    """`make` for the year the match states, else for the year it is given."""
    if m["y"]:
        y = int(m["y"])
        return lambda _y: make(y)
    return make


def _year_opt(m: re.Match[str], make: Callable[[int], Span]) -> Token:
    return Token("span", 0, 0, _in_year(m, make), bool(m["y"]))


def _listed(m: re.Match[str], groups: list[tuple[int, int]], span: Callable[[int, int, int], Span],
            count: int) -> Token:
    lo, hi = groups[0][0], groups[-1][1]
    tok = _year_opt(m, lambda y: (span(y, lo, lo)[0], span(y, hi, hi)[1]))
    tok.ranged = count > 1
    if len(groups) > 1:
        tok.items = tuple(_in_year(m, lambda y, a=a, b=b: (span(y, a, a)[0], span(y, b, b)[1]))
                          for a, b in groups)
    return tok


def _tok_full_date(m: re.Match[str]) -> Token:
    d, mo, y = int(m["d"]), int(m["m"]), int(m["y"])
    shown = m.group().removeprefix("ngày").strip()
    _day(y, mo, d, shown)
    return Token("day", 0, 0, lambda _y: (date(y, mo, d),) * 2, True)


def _tok_yearless_date(m: re.Match[str]) -> Token:
    d, mo = int(m["d"]), int(m["m"])
    shown = m.group().removeprefix("ngày").strip()
    return Token("day", 0, 0, lambda y: (_day(y, mo, d, shown, yearless=True),) * 2, False, (d, mo))


def _tok_dayonly(m: re.Match[str]) -> Token:
    d = int(m["d"])
    if not 1 <= d <= 31:
        raise Invalid(f"không có ngày {d}", f"day {d} does not exist")
    return Token("dayonly", 0, 0, lambda y: (date(y, 1, 1), date(y, 12, 31)), False, (d,))


def _tok_part_year(m: re.Match[str]) -> Token:
    n = {"ba": 3, "sáu": 6, "chín": 9}.get(m["n"]) or int(m["n"])
    if not 1 <= n <= 12:
        raise Invalid(f"{n} tháng không phải là một phần của năm", f"{n} months is not part of a year")
    first = m["side"] == "đầu"
    return _year_opt(m, lambda y: month_span(y, 1, n) if first else month_span(y, 13 - n, 12))


# Đầu / giữa / cuối năm: the first quarter, the two middle quarters, the last quarter.
_YEAR_PARTS = {"đầu": (1, 3), "giữa": (4, 9), "cuối": (10, 12)}


def _tok_year_part(m: re.Match[str]) -> Token:
    first, last = _YEAR_PARTS[m["side"]]
    return _year_opt(m, lambda y: month_span(y, first, last))


# Đầu (thượng tuần) / giữa (trung tuần) / cuối (hạ tuần) tháng: days 1-10, 11-20, 21-end.
_MONTH_THIRDS = {"đầu": 0, "thượng": 0, "giữa": 1, "trung": 1, "cuối": 2, "hạ": 2}


def _tok_month_third(m: re.Match[str]) -> Token:
    third, month = _MONTH_THIRDS[m["side"] or m["ten"]], int(m["m"])

    def make(y: int) -> Span:
        first, last = month_span(y, month)
        return first.replace(day=1 + 10 * third), last if third == 2 else first.replace(day=10 + 10 * third)

    return _year_opt(m, make)


def _tok_month_week(m: re.Match[str]) -> Token:
    first_week, month = m["side"] == "đầu", int(m["m"])

    def make(y: int) -> Span:
        first, last = month_span(y, month)
        return (first, first + timedelta(days=6)) if first_week else (last - timedelta(days=6), last)

    return _year_opt(m, make)


def _tok_quarters(m: re.Match[str]) -> Token:
    numbers = re.findall(_NUM, m["qs"])
    groups = _groups(m["qs"], _NUM, _quarter)
    return _listed(m, groups, lambda y, a, b: (month_span(y, 3 * a - 2)[0], month_span(y, 3 * b)[1]),
                   len(numbers))


def _tok_months(m: re.Match[str]) -> Token:
    numbers = re.findall(r"\d{1,2}", m["ms"])
    return _listed(m, _groups(m["ms"], r"\d{1,2}", int), month_span, len(numbers))


def _tok_years(m: re.Match[str]) -> Token:
    a, b = int(m["a"]), int(m["b"] or m["a"])
    lo, hi = sorted((a, b))
    return Token("span", 0, 0, lambda _y: (date(lo, 1, 1), date(hi, 12, 31)), True, ranged=a != b)


_Y4 = r"(?P<y>\d{4})(?!\d)"
_OF_YEAR = rf"(?:\s*(?:/|-|năm)\s*{_Y4})?"
_MONTH_N = r"(?:của\s*)?tháng\s*(?P<m>\d{1,2})(?!\d)" + _OF_YEAR
_YY = r"(?:19|20|21)\d\d"
_LIST = r"\s*(?:,|-|và)\s*"
_NOT_START = r"(?<!bắt )"  # "bắt đầu" is "to begin", not "the start of"
# Order matters: earlier (more specific) forms claim their characters first.
_TOKEN_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Token]]] = [
    (re.compile(r"(?:ngày\s*)?(?<!\d)(?P<d>\d{1,2})\s*(?P<s>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=s)\s*" + _Y4),
     _tok_full_date),
    (re.compile(r"ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*(?:năm|/|,\s*năm)\s*" + _Y4),
     _tok_full_date),
    (re.compile(r"ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})(?!\d)"), _tok_yearless_date),
    (re.compile(r"(?:ngày\s*)?(?<![\d/.])(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})(?![\d/])"), _tok_yearless_date),
    (re.compile(r"ngày\s*(?P<d>\d{1,2})(?!\s*(?:[/.\-]\s*\d|tháng\s*\d)|\d)"), _tok_dayonly),
    (re.compile(r"(?P<n>\d{1,2}|ba|sáu|chín)\s*tháng\s*(?P<side>đầu|cuối)\s*năm(?:\s*" + _Y4 + ")?"),
     _tok_part_year),
    (re.compile(r"tuần\s*(?P<side>đầu|cuối)(?:\s*tiên|\s*cùng)?\s*" + _MONTH_N), _tok_month_week),
    (re.compile(_NOT_START + r"(?:(?P<side>đầu|giữa|cuối)|(?P<ten>thượng|trung|hạ)\s*tuần)\s*" + _MONTH_N),
     _tok_month_third),
    (re.compile(_NOT_START + r"(?P<side>đầu|giữa|cuối)\s*năm(?!\s*học)" + rf"(?:\s*{_Y4})?"), _tok_year_part),
    (re.compile(rf"quý\s*(?P<qs>{_NUM}(?:{_LIST}(?:quý\s*)?{_NUM})*){_OF_YEAR}"), _tok_quarters),
    (re.compile(rf"tháng\s*(?P<ms>\d{{1,2}}(?!\d)(?:{_LIST}(?:tháng\s*)?\d{{1,2}}(?!\d))*){_OF_YEAR}(?!\d)"),
     _tok_months),
    (re.compile(r"(?<![\d/.])(?P<ms>\d{1,2})\s*/\s*" + _Y4 + r"(?!/)"), _tok_months),
    (re.compile(rf"(?:giai đoạn\s*)?(?:năm\s*)?(?<![\d/:.])(?P<a>{_YY})\s*(?:-|đến)\s*"
                rf"(?:năm\s*)?(?P<b>{_YY})(?![\d/])"),
     _tok_years),
    (re.compile(rf"(?:năm\s*)?(?<![\d/:.])(?P<a>{_YY})(?![\d/])(?P<b>)"), _tok_years),
]

_BY = (r"(trước|chậm nhất|muộn nhất|hạn chót|không muộn hơn|không quá|đến|tới|hạn)"
       r"(?:\s*(?:là|vào|hết|ngày))*\s*")
_QUALIFIER = re.compile(rf"(?:^|[\s(,;:]){_BY}$")
_JOINER = re.compile(r"^[\s,;()]*(?:và|hoặc)?[\s,;()]*$")
# Between two items of a list: a comma or "và", maybe the next item's own "trước".
_LIST_GAP = re.compile(rf"\s*(?:(?:[,;]\s*(?:và\s*)?|và\s*)(?:{_BY})?)?")


def tokens(s: str, plan_year: int) -> list[Token]:
    """Every time token of folded text `s`, in order, each checked against the plan year."""
    taken = [False] * len(s)
    found: list[Token] = []
    for pattern, build in _TOKEN_FORMS:
        for m in pattern.finditer(s):
            if any(taken[m.start():m.end()]):
                continue
            tok = build(m)
            tok.pos, tok.end = m.start(), m.end()
            try:
                _date(tok, plan_year)  # validates yearless forms against the plan year
            except Invalid:
                if tok.year_given:
                    raise
                tok.span = None  # "29/2 và 1/3/2024" may still be read in the list's own year
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            found.append(tok)
    found.sort(key=lambda t: t.pos)
    _share_years(s, found)
    for i, tok in enumerate(found):
        if tok.span is None:
            _date(tok, plan_year)  # raises the reason
        q = _QUALIFIER.search(s[max(0, tok.pos - 40):tok.pos])
        if q:
            tok.qual = "before" if q[1] == "trước" else "by"
        elif i and _JOINER.match(without_label(s[found[i - 1].end:tok.pos])):
            tok.qual = found[i - 1].qual  # "trước ngày 15/6 và 15/12": one qualifier, two dates
    return found


def _date(tok: Token, year: int) -> None:
    tok.span = tok.make(year)
    tok.pieces = tuple(item(year) for item in tok.items) or (tok.span,)


def joined(s: str, a: Token, b: Token) -> bool:
    """Are two tokens items of one list: only a comma or "và" (and a label) between them?"""
    return _LIST_GAP.fullmatch(without_label(s[a.end:b.pos])) is not None


def _share_years(s: str, found: list[Token]) -> None:
    """Items of one list share the year only one of them states: "đầu năm, cuối năm 2025"."""
    year = {i: t.span[1].year for i, t in enumerate(found)
            if t.year_given and t.span and t.span[0].year == t.span[1].year}
    # Right to left first (the year usually closes the list), then left to right.
    for step, order in ((1, range(len(found) - 1, -1, -1)), (-1, range(len(found)))):
        for i in order:
            j = i + step
            if i in year or j not in year or found[i].kind == "dayonly":
                continue
            if joined(s, found[min(i, j)], found[max(i, j)]):
                year[i] = year[j]
                _date(found[i], year[i])


def preceded_by(s: str, tok: Token, word: str) -> bool:
    """Does `word` stand right before the token?"""
    return re.search(rf"(?:^|[\s(,;:]){word}\s*$", s[max(0, tok.pos - 20):tok.pos]) is not None


def due_of(tok: Token, span: Span, exclusive: bool) -> date:
    """The last day allowed by a token's (or one of its items') span and qualifier."""
    lo, hi = span
    if tok.qual == "before":
        return lo - timedelta(days=1) if exclusive else hi
    return hi


_LABEL = re.compile(r"\s*\(([^()]{1,80})\)")


def label_after(shown: str, tok: Token, found: list[Token]) -> str | None:
    """The words in parentheses right after a token ("(báo cáo năm)"), unless they hold a date."""
    m = _LABEL.match(shown, tok.end)
    if m is None or any(tok.end < t.pos < m.end() for t in found):
        return None
    label = m[1].strip(" ,;:")
    return label if re.search(r"[^\W\d_]", label) else None


def without_label(text: str) -> str:
    """`text` with its first parenthesised label removed."""
    return _LABEL.sub("", text, count=1)
