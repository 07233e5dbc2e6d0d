"""Reporting obligations in prose: who reports what to whom, and by when.

A clause is a report when it asks for a report ("báo cáo", or "gửi" a document) and says when:
a date ("trước 15/10/2025", "trước ngày 20 của tháng cuối Quý"), a cadence ("theo quý, 6 tháng,
năm", "hằng quý") or only that it is periodic ("Định kỳ báo cáo ... đúng thời gian quy định"), the
last kind kept but flagged because it has no date. A request to report with a recipient but no
time at all ("báo cáo Phòng Nội vụ theo quy định") is listed for review, not made a report.
The lead is the unit whose block the clause sits in, else the sentence's subject.
Given the document's prose lines, every other sentence is read as well (report_scan): a duty
found there without a date is kept as a report flagged for its deadline, and listed for review.
"""

from __future__ import annotations

import re

from engine.core.names import match_key, slug
from engine.plans.prose.assignment import Block
from engine.plans.read.topics import claimed_topics
from engine.plans.extract.model import ReportDraft, ReviewItem
from engine.plans.prose.items import ReportCandidate
from engine.plans.prose.report_scan import SUB_DAY, Duty, scan, scan_recipient, scan_subject, stated_phrases
from engine.plans.read.text import UPPER, Line, Span, clean, fold, sentence_case
from engine.plans.read.units import looks_like_unit, split_units, starts_unit

_CYCLE = r"(?:quý|tháng|năm|6 tháng|sáu tháng)"
_CADENCE = (rf"(?:định kỳ\s+)?(?:theo|hằng|hàng)\s+{_CYCLE}(?:\s*(?:,|và|/)\s*{_CYCLE})*"
            r"(?:\s*(?:,|và)\s*đột xuất(?:\s*\(nếu có\))?)?")
_DATE = (r"(?:báo cáo\s+(?:năm|quý|tháng|6 tháng|sáu tháng)\s+)?(?:gửi\s+)?"
         r"(?:trước|chậm nhất(?: là)?|không quá|hạn chót)\s+(?:ngày\s+)?"
         r"\d{1,2}(?:\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?|\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?)?(?![\d\s]*h)"
         r"(?:\s*(?:,|và)\s*(?:ngày\s+)?\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?)*"  # "01/6 và 15/11"
         r"(?:\s+(?:của\s+)?tháng\s+(?:cuối|đầu)\s+(?:quý|năm|kỳ))?(?:\s+(?:hằng|hàng)\s+năm)?"
         r"(?:\s+(?:của\s+)?năm\s+(?:tiếp\s+theo|sau))?")
_DEADLINE = re.compile(
    rf"(?P<dated>(?:{_CADENCE}\s+)?{_DATE})|(?P<cadence>{_CADENCE})|(?P<periodic>định kỳ|thường kỳ)", re.I)
_ASKS = re.compile(r"báo cáo|\bgửi\b", re.I)
_RECIPIENT_VERB = re.compile(r"(?<!\w)(?:về|báo cáo(?:\s+(?:với|lên|cho))?|gửi(?:\s+(?:về|đến|cho|lên))?)\s+",
                             re.I)
_RECIPIENT_STOP = re.compile(r"\s+(?:trước|theo|để|đúng|định kỳ|trong|khi|nếu|về|báo cáo|tham mưu)(?!\w)|[;.,]")
_VERB = re.compile(r"\s(?:chỉ đạo|thực hiện|gửi|báo cáo|tổng hợp|triển khai|có trách nhiệm|chịu trách nhiệm"
                   r"|tham mưu|xây dựng|chủ trì|định kỳ)(?!\w)")
_ASKER = re.compile(r"^.{0,60}?\b(?:yêu cầu|đề nghị)\s+", re.I)
_SENTENCE = re.compile(rf"(?<=[^\d\s])\.\s+(?=[{UPPER}])")


def find_reports(blocks: list[Block], candidates: list[ReportCandidate],
                 review: list[ReviewItem], lines: list[Line] | None = None) -> list[ReportDraft]:
    """Reports from the assignment blocks, report-like items of the tasks sections and, when the
    prose `lines` are given, every other sentence of the document."""
    found: list[ReportDraft] = []
    for block in blocks:
        for span in block.spans:
            if block.level == 0:  # the closing paragraph: nothing to assign, but say so
                _closing_review(span, review)
                continue
            found.extend(_from_span(span, block.unit, review))
    for candidate in candidates:
        found.extend(_from_span(candidate.span, candidate.lead, review, whole_item=True))
    if lines is not None:
        # What the blocks and items above already read (reports or review) is left as read.
        # (a review of tasks, "mục có dạng nhiệm vụ ...", says nothing of reports: it takes nothing)
        taken = [r.lines for r in found] + [r.lines for r in review
                                            if "báo cáo" in r.why and not r.why.startswith(_NO_LEAD)]
        duties = [d for d in scan(lines) if not any(_overlap(d.lines, t) for t in taken)]
        # Inside the blocks read above, a duty is added when it makes a report, or when it has
        # no date at all (it goes to review: no duty to report is dropped).
        read = [span.lines() for block in blocks for span in block.spans] + [c.span.lines() for c in candidates]
        duties = [d for d in duties if (d.lead and (d.deadline or d.cadence)) or not (d.deadline or d.cadence)
                  or not any(_overlap(d.lines, t) for t in read)]
        added = [r for duty in duties if (r := _from_duty(duty, review)) is not None]
        review[:] = [r for r in review if not (r.why.startswith(_NO_LEAD) and any(_overlap(r.lines, a.lines)
                                                                                 for a in added))]
        found.extend(added)
    reports = _dedupe(found, review)
    _tell_apart(reports)
    return reports


def _from_span(span: Span, unit: str | None, review: list[ReviewItem],
               whole_item: bool = False) -> list[ReportDraft]:
    out = []
    text = span.text
    for s_start, s_end in _pieces(text, _SENTENCE):
        sentence = text[s_start:s_end]
        # A sentence naming its own subject ("Chủ tịch UBND xã yêu cầu các ban, ngành ... báo cáo")
        # speaks for that subject even inside another unit's block.
        subject = _subject(sentence)
        clauses = [(s_start + a, s_start + b) for a, b in _pieces(sentence, re.compile(r";"))]
        recipients = [_recipient(text[a:b]) for a, b in clauses]
        shared = next((r for r in recipients if r), None)
        for (start, end), recipient in zip(clauses, recipients):
            clause = text[start:end]
            if not _ASKS.search(clause):
                continue
            deadline = _deadline(clause)
            leads = subject or [unit]
            if leads == [None] and (named := scan_subject(sentence)):
                leads, subject = [named], [named]
            phrases = [deadline] if deadline and deadline[1] == "dated" else \
                [(p, "dated") for p in stated_phrases(clause)] or [deadline]
            lines = span.lines(start, end)
            asks_report = bool(re.search("báo cáo", clause, re.I))
            deadline = phrases[0]
            # Sending a document ("gửi Kế hoạch ...") is an obligation only with a date.
            if deadline is None or (not asks_report and deadline[1] != "dated"):
                if asks_report and (recipient or "theo quy định" in clause):
                    review.append(ReviewItem(lines, clean(clause), _NO_DATE + "; chưa tạo báo cáo "
                                             "(reporting duty without a date or cadence; not made a report)"))
                continue
            if leads == [None]:
                review.append(ReviewItem(lines, clean(clause), _NO_LEAD +
                                         " (reporting obligation whose responsible unit is not stated)"))
                continue
            for lead in leads:
                for phrase, how in phrases:
                    draft = _draft(clause, phrase, how, lead, recipient or shared or scan_recipient(clause), lines,
                                   from_subject=bool(subject), whole=whole_item or how == "periodic")
                    draft.scope = claimed_topics(sentence)
                    out.append(draft)
    return out


_NO_DATE = "yêu cầu báo cáo không nêu ngày hay chu kỳ"
_NO_LEAD = "yêu cầu báo cáo không nêu đơn vị thực hiện"


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _from_duty(duty: Duty, review: list[ReviewItem]) -> ReportDraft | None:
    """A report from a sentence read outside the assignment blocks: one with neither a date nor a
    cadence goes to review; a periodic one without a date is kept, flagged."""
    phrase = duty.deadline
    if phrase is None and duty.cadence is None:
        review.append(ReviewItem(duty.lines, duty.text[:300], _NO_DATE + "; chưa tạo báo cáo "
                                 "(reporting duty without a date or cadence; not made a report)"))
        return None
    if duty.lead is None:
        review.append(ReviewItem(duty.lines, duty.text[:300], _NO_LEAD + "; "
                                 "chưa tạo báo cáo (reporting obligation whose responsible unit is not stated; "
                                 "not made a report)"))
        return None
    draft = _draft(duty.text, phrase or "", "dated" if phrase else "periodic", duty.lead, duty.recipient,
                   duty.lines, from_subject=duty.from_subject, whole=phrase is None)
    draft.deadline = draft.deadline or None
    draft.notes = [n for n in draft.notes if not n.startswith("định kỳ nhưng")]
    if phrase is None:
        stated = f"“{duty.cadence}” " if duty.cadence else ""
        draft.notes.append(f"báo cáo {stated}không nêu ngày; cần đặt thời hạn "
                           "(reporting duty without a date; set its deadline)")
        draft.confidence = 0.4
        review.append(ReviewItem(duty.lines, duty.text[:300],
                                 f"báo cáo định kỳ {stated}chưa có ngày; cần đặt thời hạn "
                                 "(recurring report without a date; set its deadline)"))
    return draft


def _draft(clause: str, phrase: str, how: str, lead: str, recipient: str | None, lines: tuple[int, int],
           *, from_subject: bool, whole: bool) -> ReportDraft:
    notes, confidence = [], 0.9
    if recipient is None:
        notes.append("chưa nêu nơi nhận (recipient not stated)")
        confidence -= 0.15
    if from_subject:
        notes.append("đơn vị thực hiện lấy từ chủ ngữ của câu (lead read from the sentence's subject)")
        confidence -= 0.1
    if how == "periodic":
        notes.append("định kỳ nhưng không nêu ngày hay chu kỳ (periodic, but no date or cadence is stated)")
        confidence = 0.5
    title = _title(clause, phrase, whole)
    if SUB_DAY.search(phrase):  # "02 lần/ngày (trước 9h00’ và 16h00’)", "trước 19h00’ hằng ngày"
        notes.append("báo cáo nhiều lần trong ngày được giữ là báo cáo hằng ngày (a sub-day cadence is kept as daily)"
                     if re.search(r"lần\s*/\s*ngày", phrase) else
                     "giờ trong ngày không được tính; giữ là báo cáo hằng ngày (the time of day is not kept; a daily report)")
        if not re.search(r"(?:hằng|hàng|mỗi)\s+ngày", phrase, re.I):
            phrase = f"hằng ngày ({phrase})"
    return ReportDraft(ref="", title=title, lead=lead, recipient=recipient, deadline=phrase,
                       lines=lines, confidence=round(confidence, 2), notes=notes)


def _deadline(clause: str) -> tuple[str, str] | None:
    matches = list(_DEADLINE.finditer(clause))
    for kind in ("dated", "cadence", "periodic"):
        for m in matches:
            if m[kind]:
                # "Hàng năm, trước ngày 25 tháng 12": a cadence stated apart still governs the date.
                apart = next((c["cadence"] for c in matches if kind == "dated" and c["cadence"]), None)
                return (f"{clean(apart)}, {clean(m[kind])}" if apart else clean(m[kind])), kind
    return None


def _recipient(clause: str) -> str | None:
    for m in _RECIPIENT_VERB.finditer(clause):
        rest = clause[m.end():]
        if not (starts_unit(rest) or rest.startswith("cấp trên")):
            continue
        stop = _RECIPIENT_STOP.search(rest)
        name = rest[:stop.start()] if stop else rest
        if stop and rest[stop.start():].lstrip().startswith("(qua"):
            close = rest.find(")", stop.start())
            name = rest[:close + 1] if close > 0 else name
        name = re.sub(r"\s*\(\s*(?:qua)", " (qua", clean(name)).strip(" ,;")
        if paren := re.search(r"\s\((?!qua)", name):  # "(báo cáo năm ...)" is not part of a name
            name = name[:paren.start()]
        return name or None
    return None


def _subject(sentence: str) -> list[str] | None:
    zone = sentence
    if asker := _ASKER.match(zone):
        zone = zone[asker.end():]
    verb = _VERB.search(zone)
    if verb is None:
        return None
    units = [u for u in split_units(zone[:verb.start()]) if looks_like_unit(u)]
    return units or None


def _title(clause: str, phrase: str, whole: bool) -> str:
    text = clean(clause)
    if not whole:
        text = text.replace(phrase, " ", 1)
        if verb := re.search(r"(?<!\w)(?:tổng hợp|gửi|báo cáo)(?!\w)", text, re.I):
            text = text[verb.start():]
        text = re.split(r"\s+để\s+", text)[0]
        text = re.sub(r"\s*\(\s*\)|\s+(?:theo\s+)?định kỳ(?!\w)|\s+theo quy định(?!\w)", "", text)
    text = re.sub(r"[\s;,.]+$", "", re.sub(r"\s*/\.$", "", clean(text)))
    return sentence_case(text)


_TOPIC_LABELS = {"direction": "chỉ đạo, điều hành", "institutions": "cải cách thể chế",
                 "procedures": "cải cách TTHC", "organization": "tổ chức bộ máy",
                 "civil_service": "chế độ công vụ", "public_finance": "tài chính công",
                 "digital_government": "chính quyền điện tử, chính quyền số", "propaganda": "tuyên truyền",
                 "iso": "ISO 9001"}


def _tell_apart(reports: list[ReportDraft]) -> None:
    """Reports with the same title (one per unit) get the domains their sentence covers."""
    titles = [fold(r.title) for r in reports]
    for report, title in zip(reports, titles):
        if titles.count(title) > 1 and report.scope:
            report.title += ": " + "; ".join(_TOPIC_LABELS[t] for t in report.scope)


def _pieces(text: str, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in separator.finditer(text):
        out.append((start, m.start() + (1 if m.group().startswith(".") else 0)))
        start = m.end()
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _closing_review(span: Span, review: list[ReviewItem]) -> None:
    text = span.text
    for start, end in _pieces(text, re.compile(r"[;.]\s+")):
        clause = text[start:end]
        if re.search("báo cáo", clause, re.I) and _deadline(clause):
            review.append(ReviewItem(span.lines(start, end), clean(clause),
                                     "đoạn cuối yêu cầu báo cáo nhưng không nêu đơn vị hay ngày "
                                     "(the closing paragraph asks for reports without naming a unit or date)"))


def _dedupe(reports: list[ReportDraft], review: list[ReviewItem]) -> list[ReportDraft]:
    kept: dict[tuple[str, str, str], ReportDraft] = {}
    used: set[str] = set()
    for report in reports:
        key = (match_key(report.lead or ""), fold(report.title), fold(report.deadline or ""))
        if key in kept:
            first = kept[key]
            review.append(ReviewItem(report.lines, report.title,
                                     f"báo cáo này được nêu lại; gộp vào {first.ref} "
                                     f"(the same report is stated again; merged into {first.ref})"))
            continue
        if any(n.startswith("định kỳ nhưng không nêu") for n in report.notes):
            review.append(ReviewItem(report.lines, report.title,
                                     f"báo cáo định kỳ của {report.lead} chưa có ngày; cần đặt thời hạn "
                                     f"(recurring report by {report.lead} without a date; set its deadline)"))
        base = "BC-" + ("".join(w[0] for w in slug(report.lead or "").split("-")).upper() or "X")
        ref, n = base, 2
        while ref in used:
            ref, n = f"{base}-{n}", n + 1
        used.add(ref)
        report.ref = ref
        kept[key] = report
    return list(kept.values())
