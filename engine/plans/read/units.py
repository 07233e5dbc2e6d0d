"""Recognising and cleaning the names of units (lead, support, recipient) as plans write them."""

from __future__ import annotations

import re

from engine.core.names import dashes
from engine.plans.read.text import clean, fold

# Words a unit name starts with. Case matters for the first letter: "Tư pháp" is a unit,
# "tư pháp" inside a sentence is subject matter.
_HEADS = (
    r"Công chức|Cán bộ|Thủ trưởng|Phòng|Văn phòng|Trung tâm|Bộ phận|Tư pháp|Tài chính|Văn ho[áa]"
    r"|VHTT|Địa chính|Đài|Công an|Quân sự|Kế toán|Mặt trận|Ủy ban Mặt trận|Uỷ ban Mặt trận"
    r"|Ban (?:[Cc]hỉ đạo|[Tt]hường vụ|[Tt]uyên giáo|[Qq]uản lý)|Tổ (?:công tác|kiểm tra|chuyên trách|giúp việc)"
    r"|Hội (?:Nông dân|Phụ nữ|Cựu chiến binh|Liên hiệp)|Đoàn Thanh niên"
    r"|Các (?:ban|cơ quan|đơn vị|ngành|phòng|bộ phận|công chức|tổ chức đoàn thể)"
)
# Bodies that also appear as plain words inside activity text; they start a unit in prose
# subjects and recipients but not a new cell in a flattened table.
_AUTHORITIES = r"UBND|Ủy ban|Uỷ ban|HĐND|Hội đồng nhân dân|Chủ tịch|Sở|Lãnh đạo|Huyện ủy|Huyện uỷ|Đảng ủy|Đảng uỷ"
UNIT_START = re.compile(rf"(?:{_HEADS}|{_AUTHORITIES})(?![\wÀ-ỹ])")
CELL_UNIT_START = re.compile(rf"(?:{_HEADS})(?![\wÀ-ỹ])")
# A word after which a capitalised unit name is the object of the phrase, not a new cell.
PREPOSITIONS = {"của", "với", "tại", "cho", "và", "đến", "từ", "về", "qua", "trên", "giữa", "thuộc",
                "trình", "các", "giúp", "lên", "gửi", "vào", "ở"}
# Words of a duty, not of a name: "Thủ trưởng các cơ quan chỉ đạo thực hiện ..." is a sentence.
_VERBS = re.compile(r"(?<!\w)(?:chỉ đạo|thực hiện|tham mưu|triển khai|báo cáo|chịu trách nhiệm"
                    r"|có trách nhiệm|tổ chức thực hiện)(?!\w)")
_NOT_XA = {"cấp", "của", "ubnd", "hđnd", "dân", "ủy", "uỷ", "thuộc"}


def starts_unit(text: str, *, cell: bool = False) -> bool:
    """Does `text` begin with a unit name?"""
    pattern = CELL_UNIT_START if cell else UNIT_START
    return bool(pattern.match(text.strip()))


def looks_like_unit(text: str) -> bool:
    """A plausible unit name: starts like one, short, and without figures or sentence marks."""
    text = clean(text)
    return (bool(text) and len(text) <= 90 and starts_unit(text[:1].upper() + text[1:])
            and not re.search(r"\d|[.!?]\s|%", text) and not _VERBS.search(text))


def clean_unit(name: str) -> str:
    """A unit name as the plan writes it, tidied: no title prefix, no trailing 'xã' or remarks."""
    name = dashes(clean(name))
    name = re.sub(r"\s*-\s*(?=\S)", " - ", name)
    name = re.sub(r"^(?:Đề nghị|đề nghị)\s+", "", name)
    name = re.sub(r"^(?:[Cc]ông chức|[Cc]án bộ)\s+", "", name)
    name = re.sub(r"^[Tt]hủ trưởng\s+(?=các\s)", "", name)
    name = re.sub(r"\s+(?:phụ trách|chịu trách nhiệm|có trách nhiệm)\b.*$", "", name)
    name = name.strip(" .:;,-")
    words = name.split()
    if (len(words) > 2 and words[-1] == "xã" and words[-2].lower() not in _NOT_XA
            and not name.lower().startswith("các ")):
        name = " ".join(words[:-1])
    return name[:1].upper() + name[1:]


def split_units(text: str) -> list[str]:
    """Several unit names in one cell or phrase: split on ';', and on ',' before a capital."""
    names: list[str] = []
    for chunk in re.split(r"\s*;\s*|\n", clean(text)):
        parts = [p.strip() for p in chunk.split(",")]
        merged: list[str] = []
        for part in parts:
            # "Các cơ quan, đơn vị thuộc UBND" is one name; "Tư pháp, Văn phòng" is two.
            if merged and not (part[:1].isupper() or part.startswith("các ")):
                merged[-1] = f"{merged[-1]}, {part}"
            elif part:
                merged.append(part)
        names.extend(merged)
    return [clean_unit(n) for n in names if clean_unit(n)]


def is_group(name: str) -> bool:
    """A collective ('Các ban, ngành cấp xã'), which is rarely the lead of a specific domain."""
    return fold(name).startswith("cac ")


def is_authority(name: str) -> bool:
    """The commune's own leadership (UBND xã, its chairman), not an office under it."""
    return bool(re.match(r"(?:ubnd|uy ban nhan dan|chu tich)(?: ubnd| uy ban nhan dan)? xa\b", fold(name)))
