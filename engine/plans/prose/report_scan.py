"""Every reporting duty of a document's prose, sentence by sentence, with the unit it falls to.

The prose is read as an outline (markdown emphasis and headings removed, table regions of
scraped text skipped). A numbered or lettered item whose heading is a unit ("1. Bộ Xây dựng",
"**2. Sở Công Thương:**") makes that unit the lead of everything under it; elsewhere the lead is
the sentence's subject ("Thanh tra tỉnh tổng hợp ..., báo cáo ...", "Giao Công an tỉnh ...").
A clause obliges someone to report when it says so ("báo cáo" as a verb, "gửi báo cáo", "gửi
kết quả ... về"); its time words ("định kỳ hằng năm", "trước ngày 15 tháng 12", "vào cuối năm
2027") make the deadline phrase. A schedule listed item by item ("hàng tháng (trước ngày 16 hàng
tháng), 6 tháng (trước ngày 16/6), tổng kết năm (...)") is one duty per item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.plans.prose.outline import Item, build_items, build_sections
from engine.plans.read.text import UPPER, Line, Span, clean

# Names of bodies a report falls to or goes to, at any level of government.
_BODY = (r"(?:Các\s+|các\s+)?(?:Bộ|bộ|bộ trưởng|Bộ trưởng|Thủ tướng|Chính phủ|Chủ tịch|Giám đốc|Thủ trưởng|Người đứng đầu"
         r"|UBND|Ủy ban|Uỷ ban|HĐND|Hội đồng|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Huyện ủy|Đảng ủy|Sở|Phòng|Văn phòng|Thanh tra"
         r"|Công an|Ban|Trung tâm|Cơ quan|cơ quan|Đài|Mặt trận|Công ty|Tập đoàn|Ngân hàng|Viện|Tòa án|Kiểm toán"
         r"|Quân sự|Bộ Chỉ huy|Cục|Tổng cục|Vụ|Đoàn|Hội|Liên đoàn|Kho bạc|Bảo hiểm|Công chức|Cán bộ|Tổ"
         r"|sở|ngành|đơn vị|địa phương|tổ chức|ban|phòng)(?![\wÀ-ỹ])")
_BODY_START = re.compile(rf"^(?:Đề nghị\s+|Giao\s+|giao\s+)?{_BODY}")
_DUTY_VERB = re.compile(r"(?<![\wÀ-ỹ])(?:chủ trì|phối hợp|thực hiện|tổ chức(?!\s*,)|triển khai|chỉ đạo|tham mưu|xây dựng"
                        r"|có trách nhiệm|chịu trách nhiệm|tổng hợp|báo cáo|gửi|định kỳ|rà soát|theo dõi"
                        r"|kiểm tra|hướng dẫn|ban hành|căn cứ|khẩn trương|chủ động|thường xuyên|hằng năm|hàng năm"
                        r"|huy động|cập nhật|trình|làm|bảo đảm|đảm bảo)(?![\wÀ-ỹ])", re.I)
# "báo cáo" as a duty, not as a noun ("chế độ báo cáo", "Hệ thống thông tin báo cáo", "(để báo cáo)").
_REPORT = re.compile(r"(?<![\wÀ-ỹ])(?:gửi\s+)?báo\s+cáo(?![\wÀ-ỹ])(?!\s+(?:chỉ số|nhanh|thực hiện\s*$))"
                     r"|gửi\s+kết\s+quả", re.I)
_NOUN_BEFORE = re.compile(r"(?:chế độ|hệ thống|thông tin|xây dựng|lập|dự thảo|công bố|mẫu|đề cương|các|công tác|việc"
                          r"|\d\s*%|:)\s*$", re.I)
# "chịu trách nhiệm tham mưu, đôn đốc, tổng hợp, báo cáo;": "báo cáo" closing a list of functions,
# with nothing reported and no one to report to, is a role, not a duty.
_LISTED = re.compile(r",\s*$")
_ROLE_END = re.compile(rf"[\s.;:]*$|\s+và\s+{_BODY}")
# A submission for approval ("báo cáo cấp có thẩm quyền phê duyệt") is part of a task, not a report.
_APPROVAL = re.compile(r"báo cáo\s+[^,;.]{0,40}?(?:phê duyệt|khen thưởng)|báo cáo\s+[^,;.]{0,30}ban hành", re.I)
_QUAL = r"(?:trước|chậm nhất(?:\s+là)?(?:\s+vào)?|muộn nhất|không quá|hạn chót|đến hết|vào|trong)"
_DAY = (r"(?:ngày\s+)?\d{1,2}\s*(?:[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{4})?|\s+tháng\s+\d{1,2}(?:\s*(?:,\s*)?năm\s+\d{4})?)"
        r"|ngày\s+\d{1,2}(?:\s+(?:của\s+)?tháng\s+(?:cuối|đầu)\s+(?:quý|năm|kỳ))?"
        r"|\d{1,2}h(?:\d{2})?\s*[’']?"
        r"|(?:(?:cuối|đầu|giữa)\s+)?(?:quý\s+[IVX\d]+|tháng\s+\d{1,2})(?:\s*(?:/|năm|-)\s*\d{4})?"
        r"|(?:(?:cuối|đầu|giữa)\s+)?năm\s+\d{4}|(?:cuối|đầu|giữa)\s+(?:quý|năm|tháng)")
_TAIL = r"(?:\s+(?:hằng|hàng)\s+(?:tháng|năm|quý))?(?:\s+(?:của\s+)?năm\s+(?:tiếp\s+theo|sau))?"
_MORE = r"(?:\s*(?:,|và)\s*(?:ngày\s+)?\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?)*"  # "trước ngày 01/6 và 15/11"
_DATE = re.compile(rf"(?<![\wÀ-ỹ]){_QUAL}\s+(?:{_DAY}){_MORE}{_TAIL}(?![\wÀ-ỹ\d/])", re.I)
_CADENCE = re.compile(
    r"(?<![\wÀ-ỹ])(?:(?:định|thường)\s+kỳ(?:\s+(?:hằng|hàng|mỗi)\s+(?:ngày|tuần|tháng|quý|năm)|\s+\d{1,2}\s*tháng)?"
    r"|(?:hằng|hàng|mỗi)\s+(?:ngày|tuần|tháng|quý|năm)(?:\s*(?:,|và)\s*(?:hằng|hàng)\s+(?:tháng|quý|năm))*"
    r"|theo\s+(?:định kỳ\s+)?(?:quý|tháng|năm|6 tháng|sáu tháng)(?:\s*(?:,|và|/)\s*(?:quý|tháng|năm|6 tháng|sáu tháng))*"
    r"|\d{1,2}\s*lần\s*/\s*(?:ngày|tuần|tháng|quý|năm)|thường niên)(?![\wÀ-ỹ])", re.I)
# One item of a listed schedule: "6 tháng (trước ngày 16/6)", "tổng kết năm (trước ngày 20/11 hàng năm)".
_SCHEDULE_ITEM = re.compile(r"(?P<label>[^,;()]{1,40}?)\s*\(\s*(?P<date>[^()]{4,60})\)")
_SENTENCE = re.compile(rf"(?<=[^\d\s])\.\s+(?=[{UPPER}])|\./\.\s*")
_TERM = re.compile(r"^\s*Thời\s+(?:gian|hạn)(?:\s+(?:hoàn thành|thực hiện))?\s*:\s*(?P<phrase>[^.;]{4,80})")
_CITED = re.compile(rf"^\s*Căn cứ\s+[{UPPER}]")
SUB_DAY = re.compile(r"\d\s*lần\s*/\s*ngày|\d{1,2}h(?:\d{2})?(?![\wÀ-ỹ])", re.I)


@dataclass
class Duty:
    """One reporting duty: the clause, its lines, who, to whom, and the deadline phrase."""
    text: str
    lines: tuple[int, int]
    lead: str | None
    from_subject: bool
    deadline: str | None
    cadence: str | None = None  # the cadence a clause states without any date
    recipient: str | None = None


def plain_lines(lines: list[Line]) -> list[Line]:
    """Prose lines without markdown emphasis or heading marks, table regions of scraped text left out."""
    bars = [i for i, line in enumerate(lines) if line.s == "|"]
    skip: set[int] = set()
    for a, b in zip(bars, bars[1:]):
        if b - a <= 40:
            skip.update(range(a, b + 1))
    out = []
    for i, line in enumerate(lines):
        if i in skip:
            continue
        out.append(Line(line.no, re.sub(r"^\s*#{1,6}\s+", "", line.text)))
    return out


def scan(lines: list[Line]) -> list[Duty]:
    """The reporting duties of every sentence of the prose, in order."""
    duties: list[Duty] = []
    for section in build_sections(build_items(plain_lines(lines))):
        if section.kind in ("purpose", "targets"):  # aims and targets name no one's duty
            continue
        units: list[tuple[int, str]] = []
        cited = False
        for item, after in zip(section.items, section.items[1:] + [None]):
            if item.kind in ("closing", "roman"):  # headings; "Trên đây là ...", "Nơi nhận" and signatures
                units = []
                continue
            cited = bool(_CITED.match(item.text)) or (cited and item.text.rstrip().endswith(";"))
            if cited:
                continue
            if item.kind not in ("para", "bullet", "sub"):
                units = [(level, unit) for level, unit in units if level < item.level]
            unit, rest = _unit_head(item)
            if unit is not None:
                units.append((item.level, unit))
            # "Thời hạn hoàn thành: Trước ngày 31/3/2026." in the paragraph after an item is its deadline
            term = _TERM.match(after.text) if after is not None and after.kind == "para" else None
            duties.extend(_duties(item.span, rest, units[-1][1] if units else None,
                                  clean(term["phrase"]) if term else None))
    return duties


def _unit_head(item: Item) -> tuple[str | None, int]:
    """A unit heading ("1. Công an tỉnh", "2. Sở Nông nghiệp và Môi trường: ...") and where its text starts."""
    if item.kind in ("para", "bullet", "sub", "closing"):
        return None, 0
    text = item.text
    colon = text.find(":")
    head, rest = (text[:colon], colon + 1) if 0 < colon <= 200 else (text, len(text))
    if rest == len(text) and (len(text) > 200 or re.search(r"[.;]\s*$", text)):
        return None, 0  # a heading without a colon is short and ends without a full stop
    owner = re.match(r"^(?:Trách nhiệm|Nhiệm vụ) của\s+", head)  # "Trách nhiệm của X:" names X, whatever X is
    head = clean(re.sub(r"^(?:Đề nghị|đề nghị|(?:Trách nhiệm|Nhiệm vụ) của)\s+", "", head)).rstrip(" .")
    # a capitalised verb inside a heading that names a body is part of a name ("Ban Chỉ đạo")
    verb = any(m[0][0].islower() for m in _DUTY_VERB.finditer(head))
    if re.search(r"[.;]\s", head) or not owner and (not _BODY_START.match(head) or verb):
        return None, 0
    return head, rest


def _duties(span: Span, start: int, unit: str | None, term: str | None = None) -> list[Duty]:
    out = []
    text = span.text
    sentences = _pieces(text, _SENTENCE, start)
    # "... gửi Bộ Tài chính. Thời gian hoàn thành: Trước ngày 31/5/2026.": the item's own term
    term = next((clean(m["phrase"]) for a, b in sentences if (m := _TERM.match(text[a:b]))), term)
    for a, b in sentences:
        sentence = text[a:b]
        subject = scan_subject(sentence)
        for c, d in _pieces(sentence, re.compile(r";"), 0):
            clause = sentence[c:d]
            if re.match(r"\s*\d+\s*%", clause):  # a target ("100% báo cáo định kỳ ... được thực hiện")
                continue
            m = next((m for m in _REPORT.finditer(clause) if not _NOUN_BEFORE.search(clause[:m.start()])
                      and not (_LISTED.search(clause[:m.start()]) and _ROLE_END.match(clause[m.end():]))), None)
            if m is None or _APPROVAL.search(clause[m.start():]) or _heading(clause):
                continue
            lead, from_subject = (unit, False) if unit else (subject, subject is not None)
            lines = span.lines(a + c, a + d)
            cadence = _CADENCE.search(clause)
            for phrase in stated_phrases(clause) or stated_phrases(term or "") or [None]:
                out.append(Duty(clean(clause), lines, lead, from_subject, phrase,
                                clean(cadence[0]) if cadence and phrase is None else None, scan_recipient(clause)))
    return out


def _heading(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) < 120 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def stated_phrases(clause: str) -> list[str]:
    """The deadline phrase of each duty a clause states (several for a listed schedule)."""
    dates = list(_DATE.finditer(clause))
    cadences = [m for m in _CADENCE.finditer(clause) if not any(d.start() <= m.start() < d.end() for d in dates)]
    items = [m for m in _SCHEDULE_ITEM.finditer(clause) if _DATE.fullmatch(m["date"].strip())]
    if len(items) >= 2:
        out = []
        for m in items:
            label = clean(m["label"])
            own = _CADENCE.search(label)
            label = own[0] if own else "định kỳ " + " ".join(label.split()[-3:])
            out.append(f"{label} ({clean(m['date'])})")
        return out
    if not dates:
        return []  # a cadence alone ("định kỳ hằng năm") gives no due day
    groups: list[list[re.Match[str]]] = [[dates[0]]]
    for prev, nxt in zip(dates, dates[1:]):
        gap = clause[prev.end():nxt.start()]
        if re.fullmatch(r"[\s,()]*(?:và|hoặc)?[\s,()]*", gap):
            groups[-1].append(nxt)
        else:
            groups.append([nxt])
    cadence = next((clean(m[0]) for m in cadences if m.start() < groups[0][0].start()), None)
    after = next((clean(m[0]) for m in cadences if m.start() >= groups[-1][-1].end()), None)
    out = []
    for group in groups:
        phrase = clean(clause[group[0].start():group[-1].end()])
        if cadence := cadence or after:
            phrase = f"{cadence} ({phrase})" if SUB_DAY.search(cadence) else f"{cadence}, {phrase}"
        out.append(phrase)
    return out


_TO = re.compile(r"(?<![\wÀ-ỹ])(?:về|báo cáo(?:\s+(?:với|lên|cho))?|gửi(?:\s+(?:về|đến|cho|lên))?)\s+", re.I)
_TO_STOP = re.compile(r"\s+(?:trước|theo|để|đúng|định kỳ|trong|khi|nếu|về|kết quả|tình hình|tổng hợp|xem xét|tham mưu"
                      r"|công tác|chậm nhất)(?![\wÀ-ỹ])|\s+và\s+(?=[a-zà-ỹ])|[;.]|,\s*(?![A-ZĐÂÊÔƠƯ])")


def scan_recipient(clause: str) -> str | None:
    """Who the report goes to: the body named after "về", "gửi" or "báo cáo"."""
    for m in _TO.finditer(clause):
        rest = clause[m.end():]
        if not _BODY_START.match(rest) or rest[:1].islower():
            continue
        stop = _TO_STOP.search(rest)
        name = clean(rest[:stop.start()] if stop else rest)
        if stop and rest[stop.start():].lstrip().startswith("(qua"):
            name = clean(rest[:rest.find(")", stop.start()) + 1] or name)
        return name.strip(" ,") or None
    return None


def scan_subject(sentence: str) -> str | None:
    """The unit a sentence is about: its opening words up to the first duty verb, when they name one."""
    zone = re.sub(r"^\s*[-+•]?\s*", "", sentence)
    zone = re.sub(r"^(?:Căn cứ|Trên cơ sở|Theo)\s+[^,]{0,60},\s*", "", zone)
    for _ in range(3):
        zone = re.sub(rf"^(?:{_QUAL}\s+(?:{_DAY}){_TAIL}|(?:Hằng|Hàng)\s+năm|Định kỳ[^,]{{0,20}}),\s*", "", zone, flags=re.I)
    zone = re.sub(r"^(?:Giao|giao|Đề nghị|đề nghị|Yêu cầu|yêu cầu)\s+", "", zone)
    if not _BODY_START.match(zone):
        return None
    verb = _DUTY_VERB.search(zone)
    name = clean(zone[:verb.start()] if verb else "").strip(" ,:;")
    return name if 2 < len(name) <= 200 else None


def _pieces(text: str, separator: re.Pattern[str], start: int) -> list[tuple[int, int]]:
    out, at = [], start
    for m in separator.finditer(text, start):
        out.append((at, m.start() + (1 if m.group().startswith(".") else 0)))
        at = m.end()
    out.append((at, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]
