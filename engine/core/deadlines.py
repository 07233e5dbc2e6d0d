"""Read the Vietnamese deadline phrases of commune reform plans into structured due dates."""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from dateutil.relativedelta import relativedelta

KINDS = ("date", "period", "recurring", "continuous", "external", "event", "unknown")
FREQS = ("monthly", "quarterly", "semiannual", "yearly")

# Years outside this window are almost always document numbers, and staying inside it
# keeps "one day before" arithmetic far away from date.min / date.max.
_MIN_YEAR, _MAX_YEAR = 1900, 2199


@dataclass(frozen=True)
class Recurrence:
    freq: str
    occurrences: tuple[date, ...]

    def to_json(self) -> dict:
        """JSON-ready form: {"freq", "occurrences": [ISO dates]}."""
        return {"freq": self.freq, "occurrences": [d.isoformat() for d in self.occurrences]}


@dataclass(frozen=True)
class DueSpec:
    text: str
    kind: str
    start: date | None = None
    due: date | None = None
    open_ended: bool = False
    recurrence: Recurrence | None = None
    event: str | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        """JSON-ready form with ISO dates and None for absent values."""
        return {
            "text": self.text,
            "kind": self.kind,
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat() if self.due else None,
            "open_ended": self.open_ended,
            "recurrence": self.recurrence.to_json() if self.recurrence else None,
            "event": self.event,
            "reason": self.reason,
        }


class _Invalid(ValueError):
    """A phrase names a date that cannot exist; the message is the reason shown to admins."""


# -- normalisation -------------------------------------------------------------------

_TONE = "\u0300\u0301\u0303\u0309\u0323"
# Old and new orthography disagree only on where the tone sits in oa/oe/uy (hoá/hóa,
# thuỷ/thủy); moving it to the second vowel makes both spellings compare equal.
_TONE_SHIFT = re.compile(f"([oO])([{_TONE}])([aAeE])|([uU])([{_TONE}])([yY])")


def _canon(text: str) -> str:
    nfd = unicodedata.normalize("NFD", text)
    nfd = _TONE_SHIFT.sub(lambda m: "".join(g for g in (m[1], m[3], m[2], m[4], m[6], m[5]) if g), nfd)
    folded = unicodedata.normalize("NFC", nfd).lower()
    # "quí"/"kì" are common older spellings of "quý"/"kỳ" (same length, so positions hold).
    return re.sub(r"(?<=k)ì", "ỳ", re.sub(r"(?<=qu)í", "ý", folded))


def _clean(text: str) -> str:
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


def _blank(s: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), s)


# -- time tokens -----------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_NUM = r"(?:[ivx]+|\d{1,2})(?!\w)"


@dataclass
class _Token:
    kind: str  # "day" (one calendar day), "span" (month/quarter/year...) or "dayonly"
    pos: int
    end: int
    make: Callable[[int], tuple[date, date]]
    year_given: bool
    parts: tuple[int, ...] = ()  # (day, month) of yearless days, or (day,) for "dayonly"
    qual: str | None = None  # "before" | "by" | None
    span: tuple[date, date] | None = None
    ranged: bool = False  # the token already is a range ("tháng 3 - 5/2024", "2021-2025")


def _day(y: int, m: int, d: int, shown: str) -> date:
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise _Invalid(f"year {y} is outside the supported range")
    try:
        return date(y, m, d)
    except ValueError:
        raise _Invalid(f"{shown} is not a valid date") from None


def _month_span(y: int, m1: int, m2: int | None = None) -> tuple[date, date]:
    for m in (m1, m2 if m2 is not None else m1):
        if not 1 <= m <= 12:
            raise _Invalid(f"month {m} does not exist")
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        raise _Invalid(f"year {y} is outside the supported range")
    lo, hi = sorted((m1, m2 if m2 is not None else m1))
    return date(y, lo, 1), date(y, hi, 1) + relativedelta(months=1, days=-1)


def _quarter(num: str) -> int:
    q = _ROMAN.get(num) if not num.isdigit() else int(num)
    if q is None or not 1 <= q <= 4:
        raise _Invalid(f"quarter {num.upper()} does not exist")
    return q


def _tok_full_date(m: re.Match[str]) -> _Token:
    d, mo, y = int(m["d"]), int(m["m"]), int(m["y"])
    shown = m.group().removeprefix("ngày").strip()
    _day(y, mo, d, shown)
    return _Token("day", 0, 0, lambda _y: (date(y, mo, d),) * 2, True)


def _tok_yearless_date(m: re.Match[str]) -> _Token:
    d, mo = int(m["d"]), int(m["m"])
    shown = m.group().removeprefix("ngày").strip()
    return _Token("day", 0, 0, lambda y: (_day(y, mo, d, f"{shown} in {y}"),) * 2, False, (d, mo))


def _tok_dayonly(m: re.Match[str]) -> _Token:
    d = int(m["d"])
    if not 1 <= d <= 31:
        raise _Invalid(f"day {d} does not exist")
    return _Token("dayonly", 0, 0, lambda y: (date(y, 1, 1), date(y, 12, 31)), False, (d,))


def _tok_part_year(m: re.Match[str]) -> _Token:
    n = {"ba": 3, "sáu": 6, "chín": 9}.get(m["n"]) or int(m["n"])
    if not 1 <= n <= 12:
        raise _Invalid(f"{n} months is not part of a year")
    first = m["side"] == "đầu"
    return _year_opt(m, lambda y: _month_span(y, 1, n) if first else _month_span(y, 13 - n, 12))


def _tok_quarters(m: re.Match[str]) -> _Token:
    qs = [_quarter(n) for n in re.findall(_NUM, m["qs"])]
    lo, hi = min(qs), max(qs)
    tok = _year_opt(m, lambda y: (_month_span(y, 3 * lo - 2)[0], _month_span(y, 3 * hi)[1]))
    tok.ranged = len(qs) > 1
    return tok


def _tok_months(m: re.Match[str]) -> _Token:
    ms = [int(n) for n in re.findall(r"\d{1,2}", m["ms"])]
    tok = _year_opt(m, lambda y: (_month_span(y, min(ms))[0], _month_span(y, max(ms))[1]))
    tok.ranged = len(ms) > 1
    return tok


def _tok_years(m: re.Match[str]) -> _Token:
    a, b = int(m["a"]), int(m["b"] or m["a"])
    lo, hi = sorted((a, b))
    return _Token("span", 0, 0, lambda _y: (date(lo, 1, 1), date(hi, 12, 31)), True, ranged=a != b)


def _year_opt(m: re.Match[str], make: Callable[[int], tuple[date, date]]) -> _Token:
    if m["y"]:
        y = int(m["y"])
        return _Token("span", 0, 0, lambda _y: make(y), True)
    return _Token("span", 0, 0, make, False)


_Y4 = r"(?P<y>\d{4})(?!\d)"
_YY = r"(?:19|20|21)\d\d"
_LIST = r"\s*(?:,|-|và)\s*"
# Order matters: earlier (more specific) forms claim their characters first.
_TOKEN_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], _Token]]] = [
    (re.compile(r"(?:ngày\s*)?(?<!\d)(?P<d>\d{1,2})\s*(?P<s>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=s)\s*" + _Y4),
     _tok_full_date),
    (re.compile(r"ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*(?:năm|/|,\s*năm)\s*" + _Y4),
     _tok_full_date),
    (re.compile(r"ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})(?!\d)"), _tok_yearless_date),
    (re.compile(r"(?:ngày\s*)?(?<![\d/.])(?P<d>\d{1,2})\s*/\s*(?P<m>\d{1,2})(?![\d/])"), _tok_yearless_date),
    (re.compile(r"ngày\s*(?P<d>\d{1,2})(?!\s*(?:[/.\-]\s*\d|tháng\s*\d)|\d)"), _tok_dayonly),
    (re.compile(r"(?P<n>\d{1,2}|ba|sáu|chín)\s*tháng\s*(?P<side>đầu|cuối)\s*năm(?:\s*" + _Y4 + ")?"),
     _tok_part_year),
    (re.compile(rf"quý\s*(?P<qs>{_NUM}(?:{_LIST}(?:quý\s*)?{_NUM})*)(?:\s*(?:/|năm)\s*{_Y4})?"),
     _tok_quarters),
    (re.compile(rf"tháng\s*(?P<ms>\d{{1,2}}(?!\d)(?:{_LIST}(?:tháng\s*)?\d{{1,2}}(?!\d))*)"
                rf"(?:\s*(?:/|năm)\s*{_Y4})?(?!\d)"), _tok_months),
    (re.compile(r"(?<![\d/.])(?P<ms>\d{1,2})\s*/\s*" + _Y4 + r"(?!/)"), _tok_months),
    (re.compile(rf"(?:giai đoạn\s*)?(?:năm\s*)?(?<![\d/:.])(?P<a>{_YY})\s*(?:-|đến)\s*"
                rf"(?:năm\s*)?(?P<b>{_YY})(?![\d/])"),
     _tok_years),
    (re.compile(rf"(?:năm\s*)?(?<![\d/:.])(?P<a>{_YY})(?![\d/])(?P<b>)"), _tok_years),
]

_QUALIFIER = re.compile(
    r"(?:^|[\s(,;:])(trước|chậm nhất|muộn nhất|hạn chót|không muộn hơn|không quá|đến|tới|hạn)"
    r"(?:\s*(?:là|vào|hết|ngày))*\s*$"
)
_JOINER = re.compile(r"^[\s,;()]*(?:và|hoặc)?[\s,;()]*$")


def _tokens(s: str, plan_year: int) -> list[_Token]:
    taken = [False] * len(s)
    found: list[_Token] = []
    for pattern, build in _TOKEN_FORMS:
        for m in pattern.finditer(s):
            if any(taken[m.start():m.end()]):
                continue
            tok = build(m)
            tok.pos, tok.end = m.start(), m.end()
            tok.span = tok.make(plan_year)  # validates yearless forms against the plan year
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            found.append(tok)
    found.sort(key=lambda t: t.pos)
    for i, tok in enumerate(found):
        q = _QUALIFIER.search(s[max(0, tok.pos - 40):tok.pos])
        if q:
            tok.qual = "before" if q[1] == "trước" else "by"
        elif i and _JOINER.match(s[found[i - 1].end:tok.pos]):
            tok.qual = found[i - 1].qual  # "trước ngày 15/6 và 15/12": one qualifier, two dates
    return found


def _preceded_by(s: str, tok: _Token, word: str) -> bool:
    return re.search(rf"(?:^|[\s(,;:]){word}\s*$", s[max(0, tok.pos - 20):tok.pos]) is not None


def _due(tok: _Token, exclusive: bool) -> date:
    lo, hi = tok.span
    if tok.qual == "before":
        return lo - timedelta(days=1) if exclusive else hi
    return hi


# -- phrase forms ------------------------------------------------------------------------

_EVENT = re.compile(r"(?:^|[\s(,;:])(?:sau khi|kể từ khi|cho đến khi|đến khi|tới khi)\s*")
_EXTERNAL = re.compile(
    r"(?:^|[\s(,;:])theo\s+"
    r"(?:kế hoạch|kh(?!\w)|lộ trình|tiến độ|hướng dẫn|chỉ đạo|lịch|thông báo|văn bản|yêu cầu của)"
)
_CONTINUOUS = re.compile(r"thường\s*xuyên|liên\s*tục|(?:hằng|hàng)\s*ngày")
_WEEKLY = re.compile(r"(?:hằng|hàng|mỗi)\s*tuần")
_ONWARD = re.compile(r"(?:và|cho|trong)\s*(?:các|những)\s*năm\s*(?:tiếp\s*theo|sau)")
_PERIODIC = re.compile(r"(?:định|thường)\s*kỳ")
_ADHOC = re.compile(r"đột\s*xuất")

_UNIT_GUARD = r"(?!\s*(?:\d|[ivx]+(?!\w)))"
_CADENCE = [
    ("monthly", re.compile(rf"(?:hằng|hàng|mỗi|định kỳ)\s*tháng{_UNIT_GUARD}")),
    ("quarterly", re.compile(rf"(?:hằng|hàng|mỗi|định kỳ)\s*quý{_UNIT_GUARD}")),
    ("semiannual", re.compile(r"(?:hằng|hàng|mỗi|định kỳ)\s*(?:6|sáu)\s*tháng(?!\s*(?:đầu|cuối))"
                              r"|(?:6|sáu)\s*tháng\s*(?:một|1)\s*lần")),
    ("yearly", re.compile(rf"(?:hằng|hàng|mỗi|định kỳ)\s*năm{_UNIT_GUARD}|thường niên")),
]
_UNIT = rf"(?:quý|(?:6|sáu)\s*tháng(?!\s*(?:đầu|cuối))|tháng|năm){_UNIT_GUARD}"
_CADENCE_LIST = re.compile(rf"(?:^|\s)theo\s*(?:định kỳ\s*)?({_UNIT}(?:\s*(?:,|và|/)\s*{_UNIT})*)")
_UNIT_FREQ = {"quý": "quarterly", "tháng": "monthly", "năm": "yearly"}


def _cadence(s: str) -> str | None:
    freqs = {freq for freq, pattern in _CADENCE if pattern.search(s)}
    for m in _CADENCE_LIST.finditer(s):
        for unit in re.findall(r"(?:6|sáu)\s*tháng|quý|tháng|năm", m[1]):
            freqs.add(_UNIT_FREQ.get(unit, "semiannual"))
    # A report cadence list ("theo quý, 6 tháng, năm") is driven by its shortest cycle.
    return min(freqs, key=FREQS.index) if freqs else None


_CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}


def _occurrences(
    freq: str, s: str, tokens: list[_Token], lo: date, hi: date, exclusive: bool
) -> tuple[date, ...]:
    days = [t for t in tokens if t.kind == "day"]
    out: set[date] = set()

    def shift(tok: _Token, day: date) -> date:
        return day - timedelta(days=1) if tok.qual == "before" and exclusive else day

    if days:
        for t in days:
            if t.year_given:
                out.add(shift(t, t.span[0]))
                continue
            d, m = t.parts
            for y in range(lo.year, hi.year + 1):
                if d <= calendar.monthrange(y, m)[1]:
                    out.add(shift(t, date(y, m, d)))
    else:
        dayonly = next((t for t in tokens if t.kind == "dayonly"), None)
        step = _CYCLE_MONTHS[freq]
        # "tháng đầu quý" anchors on the first month of the cycle; the default is its last.
        back = step - 1 if re.search(r"tháng\s*đầu", s) else 0
        for y in range(lo.year, hi.year + 1):
            for cycle_end in range(step, 13, step):
                month = cycle_end - back
                last = calendar.monthrange(y, month)[1]
                if dayonly is None:
                    out.add(date(y, month, last))
                else:
                    out.add(shift(dayonly, date(y, month, min(dayonly.parts[0], last))))
    return tuple(sorted(d for d in out if lo <= d <= hi))


def _narrowest_or_hull(spans: list[tuple[date, date]]) -> tuple[date, date]:
    inner = min(spans, key=lambda p: p[1] - p[0])
    if all(a <= inner[0] and inner[1] <= b for a, b in spans):
        return inner  # "Kế hoạch năm 2024, trong tháng 01/2024": the month is the deadline
    return min(a for a, _ in spans), max(b for _, b in spans)


def _range(s: str, tokens: list[_Token]) -> tuple[date, date] | None:
    spans = [t for t in tokens if t.kind != "dayonly"]
    for a, b in zip(spans, spans[1:]):
        if a.qual or not re.fullmatch(r"\s*(?:đến|tới|-)\s*(?:hết\s*)?", s[a.end:b.pos]):
            continue
        first = a.span
        if not a.year_given and b.year_given:
            first = a.make(b.span[1].year)
            if first[0] > b.span[1]:  # "từ tháng 12 đến tháng 2/2025" starts the year before
                first = a.make(b.span[1].year - 1)
        if first[0] > b.span[1]:
            raise _Invalid("range ends before it starts")
        return first[0], b.span[1]
    return None


def parse_deadline(
    text: str,
    plan_year: int,
    plan_period: tuple[date, date] | None = None,
    *,
    before_is_exclusive: bool = True,
) -> DueSpec:
    """Read a Vietnamese deadline phrase; never raises, unreadable -> kind "unknown" with a reason."""
    try:
        return _parse(text, plan_year, plan_period, before_is_exclusive)
    except _Invalid as exc:
        return DueSpec(text, "unknown", reason=str(exc))
    except Exception as exc:  # a single odd cell must never abort a whole plan import
        return DueSpec(text, "unknown", reason=f"internal error: {type(exc).__name__}: {exc}")


def _parse(text: str, plan_year: int, plan_period: tuple[date, date] | None, exclusive: bool) -> DueSpec:
    if not isinstance(text, str):
        return DueSpec(str(text), "unknown", reason="deadline is not text")
    if not _MIN_YEAR <= plan_year <= _MAX_YEAR:
        raise _Invalid(f"plan year {plan_year} is outside the supported range")
    lo, hi = plan_period or (date(plan_year, 1, 1), date(plan_year, 12, 31))
    if lo > hi:
        raise _Invalid("plan period ends before it starts")

    shown = _clean(text)
    s = _canon(shown)
    if len(s) != len(shown):
        shown = s  # exotic case folding changed lengths; event text falls back to folded form
    s = _blank(s, _CITATION)
    if not s.strip():
        raise _Invalid("empty deadline text")
    tokens = _tokens(s, plan_year)
    spec = functools.partial(DueSpec, text)
    from_tok = next((t for t in tokens if _preceded_by(s, t, "từ")), None)

    if ev := _EVENT.search(s):
        event = shown[ev.end():].strip(" ,.;:()") or None
        if event is None:
            raise _Invalid("event phrase names no event")
        start = from_tok.span[0] if from_tok and from_tok.pos < ev.start() else None
        return spec("event", start=start, event=event)
    if _EXTERNAL.search(s):
        dated = [t for t in tokens if t.kind == "day" or (t.qual and t.kind == "span")]
        due = _due(dated[0], exclusive) if len(dated) == 1 else None
        return spec("external", due=due, reason="set by an external plan or schedule")
    if _CONTINUOUS.search(s):
        return spec("continuous", start=from_tok.span[0] if from_tok else None)
    if _WEEKLY.search(s):
        raise _Invalid("weekly cadence is not supported")
    if _ONWARD.search(s):
        first = next((t for t in tokens if t.kind != "dayonly"), None)
        return spec("continuous", start=first.span[0] if first else None, open_ended=True)
    if freq := _cadence(s):
        occ = _occurrences(freq, s, tokens, lo, hi, exclusive)
        return spec("recurring", start=lo, due=occ[-1] if occ else None, recurrence=Recurrence(freq, occ))

    if rng := _range(s, tokens):
        return spec("period", start=rng[0], due=rng[1])
    if from_tok:
        if from_tok.ranged:
            return spec("period", start=from_tok.span[0], due=from_tok.span[1])
        return spec("continuous", start=from_tok.span[0])

    qualified = [t for t in tokens if t.qual and t.kind != "dayonly"]
    days = qualified or [t for t in tokens if t.kind == "day"]
    if days:
        dues = sorted({_due(t, exclusive) for t in days})
        if len(dues) > 1:
            raise _Invalid("several due dates without a cadence: " + ", ".join(d.isoformat() for d in dues))
        return spec("date", due=dues[0])
    if _PERIODIC.search(s):
        raise _Invalid("periodic, no cadence or date stated")
    spans = [t.span for t in tokens if t.kind == "span"]
    if spans:
        start, due = _narrowest_or_hull(spans)
        return spec("period", start=start, due=due)
    if tokens:
        raise _Invalid(f"day {tokens[0].parts[0]} stated without a month")
    if _ADHOC.search(s):
        raise _Invalid("ad hoc (đột xuất), no date stated")
    raise _Invalid("no date or time phrase recognised")
