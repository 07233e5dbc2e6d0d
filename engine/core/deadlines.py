"""Read the Vietnamese deadline phrases of commune reform plans into structured due dates.

A phrase is first cut into time tokens (engine.core.deadline_tokens); then each phrase family
below, in order, may claim it: an event, an external schedule, continuous work, a cadence, a
range, one date or a list of dates, a span or a list of spans. Unreadable phrases become kind
"unknown" with a reason for the admin, Vietnamese first.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from engine.core.deadline_cadence import CYCLE_MONTHS, FREQS, cadence, next_year
from engine.core.deadline_tokens import (
    Invalid, Span, Token, blank_citations, canon, check_year, clean, due_of, joined, label_after, preceded_by,
    tokens,
)
from engine.core.vocabulary import DueKind

KINDS = tuple(DueKind)


@dataclass(frozen=True)
class Recurrence:
    """When a duty falls due, occurrence by occurrence.

    `starts` and `labels`, when not empty, run alongside `occurrences`: the first day of an item
    listed as a span ("tháng 6") and the words written beside an item ("(báo cáo năm)").
    """

    freq: str
    occurrences: tuple[date, ...]
    starts: tuple[date | None, ...] = ()
    labels: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        for extra in (self.starts, self.labels):
            if extra and len(extra) != len(self.occurrences):
                raise ValueError("starts and labels must run alongside occurrences")

    def items(self) -> list[tuple[date, date | None, str | None]]:
        """(due day, first day or None, label or None) of each occurrence."""
        n = len(self.occurrences)
        return list(zip(self.occurrences, self.starts or (None,) * n, self.labels or (None,) * n))

    def to_json(self) -> dict:
        """JSON-ready form: {"freq", "occurrences", "starts", "labels"} (the last two may be empty)."""
        return {"freq": self.freq, "occurrences": [d.isoformat() for d in self.occurrences],
                "starts": [d.isoformat() if d else None for d in self.starts], "labels": list(self.labels)}


@dataclass(frozen=True)
class DueSpec:
    text: str
    kind: str
    start: date | None = None
    due: date | None = None
    open_ended: bool = False  # continuous work: no end, or also going on after `due`
    recurrence: Recurrence | None = None
    event: str | None = None
    reason: str | None = None

    def since(self, issued: date | None) -> DueSpec:
        """The same spec without the occurrences due before the plan was issued (none can be)."""
        rec = self.recurrence
        if issued is None or rec is None or all(d >= issued for d in rec.occurrences):
            return self
        keep = [i for i, d in enumerate(rec.occurrences) if d >= issued]
        rec = Recurrence(rec.freq, tuple(rec.occurrences[i] for i in keep),
                         tuple(rec.starts[i] for i in keep) if rec.starts else (),
                         tuple(rec.labels[i] for i in keep) if rec.labels else ())
        return dataclasses.replace(self, recurrence=rec, due=rec.occurrences[-1] if keep else None)

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


# -- phrase words ------------------------------------------------------------------------

_EVENT = re.compile(r"(?:^|[\s(,;:])(?:sau khi|kể từ khi|cho đến khi|đến khi|tới khi)\s*")
_EXTERNAL = re.compile(
    r"(?:^|[\s(,;:])theo\s+"
    r"(?:kế hoạch|kh(?!\w)|lộ trình|tiến độ|hướng dẫn|chỉ đạo|lịch|thông báo|văn bản|yêu cầu của)"
)
_CONTINUOUS = re.compile(r"thường\s*xuyên|liên\s*tục")
_WEEKLY = re.compile(r"(?:hằng|hàng|mỗi)\s*tuần")
_ONWARD = re.compile(r"(?:và|cho|trong)\s*(?:các|những)\s*năm\s*(?:tiếp\s*theo|sau)")
_PERIODIC = re.compile(r"(?:định|thường)\s*kỳ")
_ADHOC = re.compile(r"đột\s*xuất")
_SENTENCE_END = re.compile(r"\.\s+(?=\S)")

# -- one phrase being read ---------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    text: str           # as given
    shown: str          # cleaned, case kept: event names and labels are cut from it
    s: str              # folded, citations blanked; the same length as `shown`
    tokens: list[Token]
    lo: date            # the plan period
    hi: date
    exclusive: bool     # "trước 15/10" ends on 14/10
    from_tok: Token | None
    next_year: bool = False  # "trước ngày 30/01 của năm tiếp theo": due the year after each plan year

    def spec(self, kind: str, **fields) -> DueSpec:
        return DueSpec(self.text, kind, **fields)

    def label(self, tok: Token) -> str | None:
        return label_after(self.shown, tok, self.tokens)


def _read(text: str, plan_year: int, plan_period: Span | None, exclusive: bool) -> _Phrase:
    check_year(plan_year, "năm kế hoạch", "plan year")
    lo, hi = plan_period or (date(plan_year, 1, 1), date(plan_year, 12, 31))
    if lo > hi:
        raise Invalid("kỳ kế hoạch kết thúc trước khi bắt đầu", "plan period ends before it starts")
    shown = clean(text)
    s = canon(shown)
    if len(s) != len(shown):
        shown = s  # exotic case folding changed lengths; event text falls back to folded form
    s = blank_citations(s)
    if not s.strip():
        raise Invalid("thời hạn để trống", "empty deadline text")
    found = tokens(s, plan_year)
    # "Ban hành trong quý I năm 2026. Thực hiện rà soát ...": the first dated sentence counts.
    cut = next((m.start() for m in _SENTENCE_END.finditer(shown) if shown[m.end()].isupper()), None)
    if cut is not None and any(t.end <= cut for t in found) and any(t.pos > cut for t in found):
        shown, s = shown[:cut], s[:cut]
        found = tokens(s, plan_year)
    from_tok = next((t for t in found if preceded_by(s, t, "từ")), None)
    later = next_year(s) and not any(t.year_given for t in found if t.kind == "day")
    return _Phrase(text, shown, s, found, lo, hi, exclusive, from_tok, later)


# -- phrase families, tried in order -----------------------------------------------------


def _event(p: _Phrase) -> DueSpec | None:
    ev = _EVENT.search(p.s)
    if ev is None:
        return None
    event = p.shown[ev.end():].strip(" ,.;:()") or None
    if event is None:
        raise Invalid("cụm “sau khi/đến khi” không nêu sự việc nào", "event phrase names no event")
    start = p.from_tok.span[0] if p.from_tok and p.from_tok.pos < ev.start() else None
    return p.spec("event", start=start, event=event)


def _external(p: _Phrase) -> DueSpec | None:
    if not _EXTERNAL.search(p.s):
        return None
    dated = [t for t in p.tokens if t.kind == "day" or (t.qual and t.kind == "span")]
    due = due_of(dated[0], dated[0].span, p.exclusive) if len(dated) == 1 else None
    return p.spec("external", due=due, reason="thời hạn theo kế hoạch, lộ trình hoặc hướng dẫn của nơi khác "
                                              "(set by an external plan or schedule)")


def _continuous(p: _Phrase) -> DueSpec | None:
    """Ongoing work; a date stated beside it ("trước 15/10/2025 và thường xuyên") is kept as well."""
    if not _CONTINUOUS.search(p.s):
        return None
    start = p.from_tok.span[0] if p.from_tok else None
    if any(t is not p.from_tok and (t.kind == "day" or t.qual or t.year_given) for t in p.tokens):
        for family in (_recurring, _range_period, _dated, _spans):
            if (spec := family(p)) is not None:
                if spec.kind == "date" and start is not None and start <= spec.due:
                    spec = dataclasses.replace(spec, kind="period", start=start)
                return dataclasses.replace(spec, open_ended=True)
    return p.spec("continuous", start=start)


def _weekly(p: _Phrase) -> DueSpec | None:
    if _WEEKLY.search(p.s):
        raise Invalid("chưa hỗ trợ chu kỳ hằng tuần", "weekly cadence is not supported")
    return None


def _onward(p: _Phrase) -> DueSpec | None:
    if not _ONWARD.search(p.s):
        return None
    first = next((t for t in p.tokens if t.kind != "dayonly"), None)
    return p.spec("continuous", start=first.span[0] if first else None, open_ended=True)


def _recurring(p: _Phrase) -> DueSpec | None:
    freq = cadence(p.s) or ("yearly" if p.next_year and any(t.kind == "day" for t in p.tokens) else None)
    if freq is None:
        return None
    due_days = _cycle_days(freq, p)
    occ = tuple(sorted(due_days))
    labels = tuple(due_days[d] for d in occ) if any(due_days.values()) else ()
    return p.spec("recurring", start=p.lo, due=occ[-1] if occ else None,
                  recurrence=Recurrence(freq, occ, labels=labels))


def _cycle_days(freq: str, p: _Phrase) -> dict[date, str | None]:
    """Due days (with their labels) of a cadence inside the plan period."""
    days = [t for t in p.tokens if t.kind == "day"]
    out: dict[date, str | None] = {}
    later = int(p.next_year and freq == "yearly")  # each year's duty falls due in the next (if in the period)
    if freq == "daily":  # one due day a day; a time of day ("trước 19h00") falls on that same day
        return {p.lo + timedelta(days=i): None for i in range((p.hi - p.lo).days + 1)}

    def shift(tok: Token, day: date) -> date:
        return day - timedelta(days=1) if tok.qual == "before" and p.exclusive else day

    for t in days:
        if t.year_given:
            out.setdefault(shift(t, t.span[0]), p.label(t))
            continue
        d, m = t.parts
        for y in range(p.lo.year + later, p.hi.year + 1 + later):
            if d <= calendar.monthrange(y, m)[1]:
                out.setdefault(shift(t, date(y, m, d)), p.label(t))
    if not days:
        dayonly = next((t for t in p.tokens if t.kind == "dayonly"), None)
        step = CYCLE_MONTHS[freq]
        # "tháng đầu quý" anchors on the first month of the cycle; the default is its last.
        back = step - 1 if re.search(r"tháng\s*đầu", p.s) else 0
        for y in range(p.lo.year, p.hi.year + 1):
            for cycle_end in range(step, 13, step):
                month = cycle_end - back
                last = calendar.monthrange(y, month)[1]
                day = date(y, month, last) if dayonly is None else \
                    shift(dayonly, date(y, month, min(dayonly.parts[0], last)))
                out.setdefault(day, None)
    return {d: label for d, label in out.items() if p.lo <= d <= p.hi}


def _range_period(p: _Phrase) -> DueSpec | None:
    rng = _range(p.s, p.tokens)
    return p.spec("period", start=rng[0], due=rng[1]) if rng else None


def _range_or_from(p: _Phrase) -> DueSpec | None:
    if spec := _range_period(p):
        return spec
    if p.from_tok is None:
        return None
    if p.from_tok.ranged:
        return p.spec("period", start=p.from_tok.span[0], due=p.from_tok.span[1])
    return p.spec("continuous", start=p.from_tok.span[0])


def _range(s: str, found: list[Token]) -> Span | None:
    spans = [t for t in found if t.kind != "dayonly"]
    for a, b in zip(spans, spans[1:]):
        if a.qual or not re.fullmatch(r"\s*(?:đến|tới|-)\s*(?:hết\s*)?", s[a.end:b.pos]):
            continue
        first = a.span
        if not a.year_given and b.year_given:
            first = a.make(b.span[1].year)
            if first[0] > b.span[1]:  # "từ tháng 12 đến tháng 2/2025" starts the year before
                first = a.make(b.span[1].year - 1)
        if first[0] > b.span[1]:
            raise Invalid("khoảng thời gian kết thúc trước khi bắt đầu", "range ends before it starts")
        return first[0], b.span[1]
    return None


def _dated(p: _Phrase) -> DueSpec | None:
    """One due day, or one occurrence per due day listed ("trước 18/6 (...) và trước 18/12 (...)")."""
    qualified = [t for t in p.tokens if t.qual and t.kind != "dayonly"]
    days = qualified or [t for t in p.tokens if t.kind == "day"]
    if not days:
        return None
    items = [(None, due_of(t, piece, p.exclusive), p.label(t)) for t in days for piece in t.pieces]
    if len({due for _, due, _ in items}) == 1:
        return p.spec("date", due=items[0][1])
    return _listed(p, items)


def _periodic_unstated(p: _Phrase) -> DueSpec | None:
    if _PERIODIC.search(p.s):
        raise Invalid("định kỳ nhưng không nêu chu kỳ hay ngày", "periodic, no cadence or date stated")
    return None


def _spans(p: _Phrase) -> DueSpec | None:
    """One span, the narrowest that the others contain, or one occurrence per span listed."""
    spans = [t for t in p.tokens if t.kind == "span"]
    if not spans:
        return None
    inner = min(spans, key=lambda t: t.span[1] - t.span[0])
    if all(t.span[0] <= inner.span[0] and inner.span[1] <= t.span[1] for t in spans):
        chosen = [inner]  # "Kế hoạch năm 2024, trong tháng 01/2024": the month is the deadline
    elif all(joined(p.s, a, b) for a, b in zip(spans, spans[1:])):
        chosen = spans  # "Quý I/2024 và Quý III/2024"
    else:
        return p.spec("period", start=min(t.span[0] for t in spans), due=max(t.span[1] for t in spans))
    items = _merged([(piece, p.label(t) if len(t.pieces) == 1 else None) for t in chosen for piece in t.pieces])
    if len(items) == 1:
        return p.spec("period", start=items[0][0][0], due=items[0][0][1])
    return _listed(p, [(start, due, label) for (start, due), label in items])


def _merged(items: list[tuple[Span, str | None]]) -> list[tuple[Span, str | None]]:
    """Spans sorted, those that touch or overlap joined: "Quý I và Quý II" is one half-year."""
    out: list[tuple[Span, str | None]] = []
    for (lo, hi), label in sorted(items, key=lambda item: item[0]):
        if out and lo <= out[-1][0][1] + timedelta(days=1):
            (first, last), _ = out[-1]
            out[-1] = ((first, max(last, hi)), None)
        else:
            out.append(((lo, hi), label))
    return out


def _listed(p: _Phrase, items: list[tuple[date | None, date, str | None]]) -> DueSpec:
    """A recurring spec whose occurrences are the items a phrase lists, as stated."""
    by_due: dict[date, tuple[date | None, str | None]] = {}
    for start, due, label in items:
        by_due.setdefault(due, (start, label))
    occ = tuple(sorted(by_due))
    starts = tuple(by_due[d][0] for d in occ)
    labels = tuple(by_due[d][1] for d in occ)
    first = min([p.lo, *occ, *(d for d in starts if d)])
    rec = Recurrence("listed", occ, starts if any(starts) else (), labels if any(labels) else ())
    return p.spec("recurring", start=first, due=occ[-1], recurrence=rec)


def _dayonly(p: _Phrase) -> DueSpec | None:
    if p.tokens:  # only "ngày 20"-like tokens are left by now
        day = p.tokens[0].parts[0]
        raise Invalid(f"có ngày {day} nhưng không nêu tháng", f"day {day} stated without a month")
    return None


def _adhoc(p: _Phrase) -> DueSpec | None:
    if _ADHOC.search(p.s):
        raise Invalid("đột xuất, không nêu ngày", "ad hoc, no date stated")
    return None


_FAMILIES: tuple[Callable[[_Phrase], DueSpec | None], ...] = (
    _event, _external, _continuous, _weekly, _onward, _recurring, _range_or_from, _dated,
    _periodic_unstated, _spans, _dayonly, _adhoc,
)


# A plan's deadlines fall within this many years of its period; a year further off is a misreading.
YEAR_WINDOW = 50


def _within_window(spec: DueSpec, p: _Phrase) -> DueSpec:
    first, last = p.lo.year - YEAR_WINDOW, p.hi.year + YEAR_WINDOW
    rec = spec.recurrence
    days = [spec.start, spec.due, *(rec.occurrences if rec else ()), *(rec.starts if rec else ())]
    off = next((d for d in days if d is not None and not first <= d.year <= last), None)
    if off is None:
        return spec
    raise Invalid(f"năm {off.year} cách kỳ kế hoạch quá {YEAR_WINDOW} năm ({first}–{last})",
                  f"year {off.year} is more than {YEAR_WINDOW} years from the plan period ({first}-{last})")


def parse_deadline(
    text: str,
    plan_year: int,
    plan_period: tuple[date, date] | None = None,
    *,
    before_is_exclusive: bool = True,
) -> DueSpec:
    """Read a Vietnamese deadline phrase; never raises, unreadable -> kind "unknown" with a reason."""
    if not isinstance(text, str):
        return DueSpec(str(text), "unknown", reason="thời hạn không phải là văn bản (deadline is not text)")
    try:
        phrase = _read(text, plan_year, plan_period, before_is_exclusive)
        for family in _FAMILIES:
            if (spec := family(phrase)) is not None:
                return _within_window(spec, phrase)
        raise Invalid("không nhận ra ngày hay khoảng thời gian nào", "no date or time phrase recognised")
    except Invalid as exc:
        return DueSpec(text, "unknown", reason=str(exc))
    except Exception as exc:  # a single odd cell must never abort a whole plan import
        detail = f"{type(exc).__name__}: {exc}"
        return DueSpec(text, "unknown", reason=f"lỗi nội bộ khi đọc thời hạn: {detail} (internal error: {detail})")
