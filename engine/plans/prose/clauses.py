"""Who does a prose task and by when, as the sentence itself says it.

Three forms name the lead: a label line ("- Cơ quan chủ trì: Bộ Công an", "- Chủ trì thực hiện:
Sở Nội vụ"), a unit heading over a group ("**1. Công an tỉnh**", "2. Sở Y tế:"), and a clause
("Giao Sở Nội vụ triển khai ...", "Bộ Tài chính chủ trì, phối hợp với ... ban hành ...",
"Trước ngày 10/4/2025, Bộ Công an chủ trì ..."). A unit phrase runs from a unit's first word to
the first duty verb ("chủ trì", "tham mưu", "ban hành" ...); it is kept as written, all its units
together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from engine.plans.read.text import UPPER, clean, fold
from engine.plans.read.units import UNIT_START

# First words of a body or office at any level (ministries, departments, firms, posts).
_HEADS = re.compile(
    rf"(?:(?:Bộ|Cục|Vụ|Sở|Viện|Báo|Ban|Hội|Đoàn|Đài|Cổng)(?= [{UPPER}]| và |,)|Tổng cục|Thanh tra|Kho bạc|Ngân hàng"
    r"|Tòa án|Toà án|(?:Phó )?Trưởng [Bb]an|Công ty|Tổng công ty|Tập đoàn|Liên minh|Liên đoàn|Hiệp hội|Người (?:đứng đầu|có|được)|Giám đốc"
    r"|Bộ trưởng|Thủ tướng|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Thành uỷ|Ủy ban|Uỷ ban|UBND|HĐND|Thông tấn|Văn phòng"
    r"|Trung tâm|Chủ tịch|Thủ trưởng|Lãnh đạo|Lực lượng|Hội đồng|Kiểm toán|Bảo hiểm|Chi cục|Điện lực"
    r"|Các (?:bộ|sở|địa phương|cơ quan|tổ chức|doanh nghiệp|lực lượng|đơn vị|ban|ngành|phòng|Bộ|Sở))"
    r"(?![\wÀ-ỹ])")
# Duty verbs: where a unit phrase ends and the duty begins (lower case: capitalised words are names).
_VERBS = (
    r"chủ trì|phối hợp|chịu trách nhiệm|có trách nhiệm|tham mưu|thực hiện|triển khai|tổ chức"
    r"|xây dựng|ban hành|rà soát|hướng dẫn|trình|gửi|báo cáo|tổng hợp|lập|thẩm định|kiểm tra|theo dõi|đôn đốc"
    r"|khẩn trương|tăng cường|chủ động|nghiên cứu|cập nhật|bố trí|bảo đảm|đảm bảo|tiếp tục|tiến hành|phê duyệt"
    r"|hoàn thành|hoàn thiện|đề xuất|tiếp nhận|phân bổ|huy động|cung cấp|công bố|thông báo|giám sát|chỉ đạo"
    r"|tuyên truyền|phổ biến|quán triệt|đẩy mạnh|nâng cao|thẩm tra|xem xét|quyết định|thông qua|lựa chọn"
    r"|sửa đổi|thực thi|giải quyết|tập trung|duy trì|hỗ trợ|sắp xếp|kiện toàn|biên soạn|vận động|điều phối"
    r"|cấp phát|chuẩn bị|là cơ quan|giúp|theo chức năng|căn cứ|phải|cần|được giao")
_VERB = re.compile(rf"(?<![\wÀ-ỹ])(?:{_VERBS})(?![\wÀ-ỹ])")
_CAP_VERB = re.compile(rf"^\s*(?:{_VERBS}|cấp|bổ sung|khắc phục|củng cố|đào tạo"
                       rf"|phát triển|thu hút|tháo gỡ|tổng kết|sơ kết|xác định"
                       rf"|thường xuyên|kịp thời|hằng năm|hàng năm|định kỳ)"
                       rf"(?![\wÀ-ỹ])", re.I)
# A unit heading's role after a dash ("Sở Tài chính - Cơ quan thường trực Ban Chỉ đạo").
_ROLE_SUFFIX = re.compile(r"\s+[-–]\s+(?:(?:Cơ quan|cơ quan|Đơn vị|đơn vị)\s+(?:thường trực|chủ trì|đầu mối|tham mưu"
                          r"|giúp việc)|Thường trực|thường trực)(?![\wÀ-ỹ]).*$")
# A heading over a unit's duties ("Trách nhiệm của đối tượng thực hiện kiểm kê:").
_DUTIES_OF = re.compile(r"^(?:Trách nhiệm|Nhiệm vụ)(?: cụ thể)? của\s+(?P<unit>.+)$")
# Verbs that make a heading a sentence even when it is emphasised as a whole.
_ASSIGNING = re.compile(r"(?<![\wÀ-ỹ])(?:chủ trì|phối hợp|chịu trách nhiệm|có trách nhiệm|được giao|giao)(?![\wÀ-ỹ])")
# "X căn cứ ... để <duty>": the duty is what follows "để".
_GROUNDS = re.compile(r"^căn cứ\s[^;.]{0,200}?\s(?:để|nhằm)\s+(?=\S)")
# The document's own responsibility ("chịu trách nhiệm về việc ... Kế hoạch này"), not a duty.
_ANSWERS_FOR = re.compile(r"^(?:chịu|có) trách nhiệm (?:về|trước)\s[^.;]{0,120}?(?:Quyết định|Kế hoạch|Nghị quyết"
                          r"|Chỉ thị|Chương trình) này\s*[.;]\s+")
# A condition on raising obstacles ("nếu có khó khăn, vướng mắc, ... phản ánh về ...").
_OBSTACLES = re.compile(r"(?<![\wÀ-ỹ])(?:nếu|khi) có (?:khó khăn|vướng mắc)", re.I)
_RAISE = re.compile(r"^(?:kịp thời\s+)?(?:phản ánh|phản hồi|kiến nghị)(?![\wÀ-ỹ])", re.I)
# Words of a sentence, never of a unit's name.
_NOT_NAME = re.compile(r"(?<![\wÀ-ỹ])(?:là|để|nhằm|khi|đã|sẽ|nếu|được|nhận thức|đầy đủ|cần|phải|đến|bị)(?![\wÀ-ỹ])")
# "Trước ngày 10/4/2025, ..." at the head of a sentence.
_DATE = (r"(?:ngày\s+)?\d{1,2}(?:/|\s+tháng\s+)\d{1,2}(?:(?:/|\s+năm\s+)\d{4})?"
         r"|tháng\s+\d{1,2}(?:(?:/|\s+năm\s+)\d{4})?|quý\s+[IVX]+(?:(?:/|\s+năm\s+)\d{4})?|năm\s+\d{4}")
_LEADING_DATE = re.compile(rf"^\s*(?P<d>(?:trước|chậm nhất(?: là)?|trong)\s+(?:{_DATE}))\s*,\s*", re.I)
# A deadline inside a sentence.
INLINE_DEADLINE = re.compile(
    rf"(?:(?:thời gian |thời hạn )?hoàn thành\s+)?(?:trước|chậm nhất(?: là)?|xong trước)\s+(?:{_DATE})"
    rf"|(?:hoàn thành\s+)?trong\s+(?:tháng\s+\d{{1,2}}(?:(?:/|\s+năm\s+)\d{{4}})?|quý\s+[IVX]+"
    rf"(?:(?:/|\s+năm\s+)\d{{4}})?|năm\s+\d{{4}})", re.I)
_LEAD_IN_START = re.compile(r"^(?:Theo|Về|Căn cứ|Trong|Đồng thời|Ngoài ra|Trên cơ sở|Để|Trước|Chậm nhất|Sau khi"
                            r"|Kế hoạch|Đối với)(?![\wÀ-ỹ])")
_ASSIGN = re.compile(r"^(?:[^.;:]{0,60}?\s)?(?:[Gg]iao|[Đđ]ề nghị|[Yy]êu cầu)\s+(?=\S)")
_LEAD_IN = re.compile(r"^\s*(?:[Tt]heo (?:Kế hoạch|kế hoạch|đó)|Đồng thời|Trong đó|Ngoài ra|Căn cứ [^,;]{0,60}"
                      r"|[Kk]ế hoạch nêu rõ)\s*,\s*")
_SUPPORT = re.compile(r"^\s*,?\s*(?:và\s+)?phối hợp(?: chặt chẽ)?(?: với)?\s+", re.I)
# Boilerplate: "... chịu trách nhiệm thi hành Quyết định này" obliges nobody to anything new.
_BOILERPLATE = re.compile(r"^(?:chịu|có) trách nhiệm (?:tổ chức )?(?:thi hành|thực hiện|triển khai)"
                          r"[^;.]{0,30}?(?:Quyết định|Kế hoạch|Nghị quyết|Chỉ thị) này", re.I)
_REPORT_BODY = re.compile(r"^(?:định kỳ[^,;.]{0,40}?,?\s*)?(?:báo cáo|gửi báo cáo|tổng hợp"
                          r"[^;.]{0,120}?,\s*báo cáo|tổng hợp,? báo cáo|thực hiện (?:nghiêm )?chế độ báo cáo)",
                          re.I)
_LABEL = re.compile(
    r"^\s*(?P<name>(?:cơ quan|đơn vị)\s+(?:chủ trì|thực hiện|phối hợp)(?:\s+thực hiện)?"
    r"|chủ trì(?:\s+thực hiện)?|phối hợp(?:\s+thực hiện)?|trách nhiệm thực hiện|người thực hiện"
    r"|(?:thời gian|thời hạn|tiến độ)(?:\s+(?:hoàn thành|thực hiện|ban hành|triển khai|trình))?"
    r"|nội dung|sản phẩm(?:\s+đầu ra)?|kết quả(?:\s+dự kiến)?)\s*:\s*", re.I)


@dataclass
class Clause:
    lead: str
    support: str | None
    deadline: str | None
    body: str  # the duty after the unit phrase
    assigned: bool  # "Giao X ...", "Đề nghị X ...": the issuer assigns it outright
    requested: bool  # "Đề nghị X ...": addressed to a body outside the issuer
    strong: bool = True  # "giao", "chủ trì" or "phối hợp" says it; a bare "X ban hành ..." is weaker
    duty: str = ""  # the sentence from its first duty verb on
    grounds: bool = False  # "X căn cứ ... để <duty>": the duty comes after its grounds

    def title(self, text: str) -> str:
        """The task's title: the sentence, or its duty when a long list of units or grounds head it."""
        return self.duty if (len(self.lead.split()) >= 12 or self.grounds) and self.duty else text


def starts_unit(text: str) -> bool:
    """Does the text begin with the name of a body or office?"""
    text = text.strip()
    return bool(_HEADS.match(text) or UNIT_START.match(text))


def unit_phrase(text: str) -> tuple[str, int] | None:
    """The unit phrase a sentence begins with and where its duty starts, or None."""
    if not starts_unit(text):
        return None
    verb = next((v for v in _VERB.finditer(text) if not _listed(text, v)), None)
    if verb is None or verb.start() == 0:
        return None
    unit = text[:verb.start()].strip(" ,;:-–")
    if not unit or len(unit) > 400 or re.search(r"[.!?]\s|:", unit) or _NOT_NAME.search(unit):
        return None
    return unit, verb.start()


def _listed(text: str, verb: re.Match) -> bool:
    """A verb used as a noun in a list of names ("các cơ quan, tổ chức, cá nhân")."""
    before = re.search(r"(?:,|các|và)\s*$", text[:verb.start()])
    return bool(before and (re.match(r"\s*,", text[verb.end():]) or verb.group() == "tổ chức"))


def heading_unit(text: str) -> str | None:
    """A heading that is only a unit name ("Công an tỉnh", "Đề nghị Công ty Điện lực:"), or None."""
    head = clean(text).strip(" .:;")
    head = re.sub(r"^(?:Đề nghị|đề nghị)\s+", "", head)
    head = re.sub(r"\s+(?:có|chịu) trách nhiệm(?: thực hiện)?$", "", head)
    head = _ROLE_SUFFIX.sub("", head)
    if (m := _DUTIES_OF.match(head)) and not re.search(r"[.!?;]\s", head) and len(head) <= 250:
        return m["unit"].strip(" .:")
    head = head[:1].upper() + head[1:]
    if not head or len(head) > 400 or not starts_unit(head) or any(not _listed(head, v) for v in _VERB.finditer(head)):
        return None
    if re.search(r"[.!?]\s", head):
        return None
    return head


def emphasised_unit(text: str) -> str | None:
    """A heading set apart as a whole and naming a unit: a verb inside the name ("Các cơ quan tham
    mưu quản lý ngành") does not make it a sentence; "chủ trì", "phối hợp", "giao" do."""
    head = _ROLE_SUFFIX.sub("", clean(text).strip(" .:;"))
    bare = re.sub(r"\([^)]*\)", "", head)
    if not starts_unit(head) or len(head) > 250 or _ASSIGNING.search(bare) or re.search(r"[.!?;]\s", bare):
        return None
    return head


def read_clause(text: str) -> Clause | None:
    """The lead, support and deadline a duty sentence states at its head, or None.

    Lead-in phrases before the unit ("Theo Kế hoạch, trước ngày 18/4/2025, Bộ Nội vụ ...",
    "Căn cứ chức năng, nhiệm vụ được giao, bộ, ngành ...") are skipped; a date among them is the
    deadline. A phrase with "nếu"/"khi" is a condition, not a lead-in.
    """
    text = clean(text)
    if _OBSTACLES.search(text[:240]):
        return None  # "nếu có khó khăn, vướng mắc, ... phản ánh về ...": no task
    if (found := _read_at(text, None)) is not None or not _LEAD_IN_START.match(text):
        return found
    for comma in list(re.finditer(r",\s*", text[:240]))[:6]:
        prefix = text[:comma.start()]
        if re.search(r"(?<![\wÀ-ỹ])(?:nếu|khi)(?![\wÀ-ỹ])", prefix):
            return None
        if (found := _read_at(text[comma.end():], inline_deadline(prefix))) is not None:
            return found
    return None


def _read_at(text: str, deadline: str | None) -> Clause | None:
    rest = _LEAD_IN.sub("", text)
    if m := _LEADING_DATE.match(rest):
        deadline, rest = m["d"], rest[m.end():]
        rest = _LEAD_IN.sub("", rest)
    rest = rest[:1].upper() + rest[1:]
    assigned = requested = False
    if (m := _ASSIGN.match(rest)) and starts_unit(rest[m.end():][:1].upper() + rest[m.end() + 1:]):
        assigned = True
        requested = fold(m.group()).strip().endswith("de nghi")
        rest = rest[m.end():][:1].upper() + rest[m.end() + 1:]
    found = unit_phrase(rest)
    if found is None:
        return None
    unit, at = found
    if _RAISE.match(rest[at:]):
        return None
    grounds = bool(m := _GROUNDS.match(rest[at:]))
    if grounds:
        at += m.end()  # "X căn cứ nội dung Kế hoạch ... để thành lập ...": the duty starts after "để"
    body = rest[at:]
    support = None
    if re.match(r"chủ trì", body, re.I):
        body = body[len("chủ trì"):]
        if m := _SUPPORT.match(body):
            after = body[m.end():]
            verb = _VERB.search(after)
            support = (after[:verb.start()] if verb else after).strip(" ,;:")
            body = after[verb.start():] if verb else ""
        body = body.strip(" ,;:")
        strong = True
    elif m := re.match(r"phối hợp(?: với)?\s+", body, re.I):
        after = body[m.end():]
        verb = _VERB.search(after)
        support = (after[:verb.start()] if verb else after).strip(" ,;:")
        body = after[verb.start():] if verb else ""
        strong = True
    elif assigned:
        strong = True
    elif grounds:
        strong = False  # a duty after "căn cứ ... để"
    elif re.match(r"(?:chịu|có) trách nhiệm|tham mưu|ban hành|trình|thực hiện|triển khai|tổ chức|xây dựng"
                  r"|hướng dẫn|rà soát|lập|thẩm định|tổng hợp|gửi|báo cáo|chủ động|đề xuất", body):
        strong = False
    else:
        return None  # "X giám sát ...": too weak without "giao" or "chủ trì"
    if _BOILERPLATE.match(rest[at:]):
        return None
    return Clause(unit, support or None, deadline, body, assigned, requested, strong, rest[at:], grounds)


def clause_pieces(text: str) -> list[tuple[Clause, int, int]]:
    """The clauses of a paragraph that each name their own unit ("...; Bộ Văn hóa ... ban hành ...")."""
    text = clean(text)
    first = read_clause(text)
    if first is None:
        return []
    start = 0
    if (m := _ANSWERS_FOR.match(first.duty)) and starts_with_verb(after := first.duty[m.end():]):
        # "X chịu trách nhiệm về ... Kế hoạch này. Tham mưu ...": the task is the second sentence
        first = replace(first, body=after, duty=after)
        start = len(text) - len(after)
    pieces = [(first, start)]
    for m in re.finditer(rf"(?:;|\.)\s+(?=\S)", text):
        found = read_clause(text[m.end():])
        if found is not None:
            if found.deadline is None and not inline_deadline(text[m.end():]):
                found.deadline = first.deadline
            pieces.append((found, m.end()))
    ends = [start for _, start in pieces[1:]] + [len(text)]
    return [(clause, start, end) for (clause, start), end in zip(pieces, ends)]


def role_heading(text: str) -> tuple[str, str | None] | None:
    """A sub-heading saying the group's unit leads or supports ("a) Chủ trì, phối hợp với ...")."""
    text = clean(text)
    m = re.match(r"^(chủ trì|phối hợp)\b,?\s*(?:phối hợp\s+)?(?:với\s+)?", text, re.I)
    if not m:
        return None
    others = text[m.end():].strip(" :;.")
    return fold(m[1]).replace(" ", "_"), others or None


def label_of(text: str) -> tuple[str, str] | None:
    """A label line's role (lead, lead_do, support, deadline, content, product) and value."""
    m = _LABEL.match(text)
    if not m:
        return None
    name = fold(m["name"])
    value = text[m.end():].strip()
    if name.startswith(("thoi", "tien do")):
        role = "deadline"
    elif "chu tri" in name or "trach nhiem" in name or "nguoi thuc hien" in name:
        role = "lead"
    elif "phoi hop" in name:
        role = "support"
    elif "thuc hien" in name:
        role = "lead_do"  # "Cơ quan/Đơn vị thực hiện": the lead unless a "chủ trì" line says otherwise
    elif name.startswith("noi dung"):
        role = "content"
    else:
        role = "product"
    return role, value


def lead_of_value(value: str) -> str | None:
    """The lead named by a label's value: the unit phrase, cut before any duty it goes on to."""
    value = clean(value).strip(" .;")
    if not value:
        return None
    found = unit_phrase(value)
    if found:
        return found[0]
    return value if starts_unit(value[:1].upper() + value[1:]) and len(value) <= 250 else None


def is_report(body: str) -> bool:
    """A duty that is only to report (reports.py reads those)."""
    return bool(_REPORT_BODY.match(clean(body)))


def starts_with_verb(text: str) -> bool:
    """A sentence opening with a duty verb ("Tổ chức ...", "Hướng dẫn ..."), as tasks do."""
    return bool(_CAP_VERB.match(clean(text)))


def inline_deadline(text: str) -> str | None:
    """A deadline phrase stated inside a sentence, or None."""
    m = INLINE_DEADLINE.search(text)
    return re.sub(r"^(?:(?:thời gian|thời hạn)\s+)?hoàn thành\s+", "", m.group().strip(), flags=re.I) if m else None


def deadline_sentence(text: str) -> str | None:
    """A sentence that only states a deadline ("Thời gian hoàn thành trước ngày 10/4/2025.")."""
    text = clean(text).strip(" .;")
    m = re.match(r"^(?:thời gian|thời hạn)(?:\s+(?:hoàn thành|thực hiện))?\s*:?\s*(?P<d>.+)$", text, re.I)
    if m and len(text) <= 120 and inline_deadline(m["d"]) is not None:
        return m["d"].strip()
    return None
