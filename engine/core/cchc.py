"""The CCHC domains (lĩnh vực cải cách hành chính): their labels and every way plans write them.

One table serves every reader: the plan file (an admin writes a domain as its id, its label or
a short name: `domain_named`), the extractor (how a document's headings and assignment sentences
name a domain, as patterns on folded text: engine.plans.read.topics) and the reports (labels).
The labels follow the order of the provincial plan template.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.core.names import match_key


class Domain(StrEnum):
    """Task.domain."""

    DIRECTION = "direction"
    INSTITUTIONS = "institutions"
    PROCEDURES = "procedures"
    ORGANIZATION = "organization"
    CIVIL_SERVICE = "civil_service"
    PUBLIC_FINANCE = "public_finance"
    DIGITAL_GOVERNMENT = "digital_government"
    OTHER = "other"


@dataclass(frozen=True)
class Spellings:
    label: str                    # the heading as the plan template writes it
    ref_prefix: str               # short ref prefix, as the hand-converted example plans use
    names: tuple[str, ...] = ()   # further names a plan file may give (compared by match_key)
    heading: str | None = None    # regex on folded text (no diacritics, lower case): a heading
    subject: str | None = None    # regex on folded text: its subject matter in an assignment sentence


_TABLE: dict[Domain, Spellings] = {
    Domain.DIRECTION: Spellings(
        "Công tác chỉ đạo, điều hành", "CD", ("chỉ đạo điều hành",),
        heading=r"chi dao,? (?:va )?dieu hanh"),
    Domain.INSTITUTIONS: Spellings(
        "Cải cách thể chế", "TC", ("thể chế",),
        heading=r"the che", subject=r"van ban quy pham phap luat|\bvb ?qppl\b"),
    Domain.PROCEDURES: Spellings(
        "Cải cách thủ tục hành chính", "TTHC", ("thủ tục hành chính", "TTHC"),
        heading=r"thu tuc hanh chinh|\btthc\b|mot cua"),
    Domain.ORGANIZATION: Spellings(
        "Cải cách tổ chức bộ máy", "BM", ("tổ chức bộ máy",),
        heading=r"to chuc bo may|\bbo may\b"),
    Domain.CIVIL_SERVICE: Spellings(
        "Cải cách chế độ công vụ", "CV", ("công vụ", "chế độ công vụ"),
        heading=r"cong vu", subject=r"chat luong doi ngu can bo|doi ngu cbcc"),
    Domain.PUBLIC_FINANCE: Spellings(
        "Cải cách tài chính công", "TCC", ("tài chính công",),
        heading=r"tai chinh cong"),
    Domain.DIGITAL_GOVERNMENT: Spellings(
        "Xây dựng chính quyền điện tử, chính quyền số", "CQS", ("chính quyền điện tử", "chính quyền số"),
        heading=r"chinh quyen dien tu|chinh quyen so|chinh phu dien tu|chuyen doi so|hien dai hoa hanh chinh"),
    Domain.OTHER: Spellings("Khác", "K"),
}

# Plain words as keys and values (not members): extracted drafts are written out as YAML.
DOMAINS: dict[str, str] = {domain.value: s.label for domain, s in _TABLE.items()}
REF_PREFIX: dict[str, str] = {domain.value: s.ref_prefix for domain, s in _TABLE.items()}
HEADING_WORDS: dict[str, str] = {domain.value: s.heading for domain, s in _TABLE.items() if s.heading}
# Assignment sentences name a domain by its heading words, or by its subject matter.
SENTENCE_WORDS: dict[str, str] = {domain.value: "|".join(p for p in (s.heading, s.subject) if p)
                                  for domain, s in _TABLE.items() if s.heading}

_NAMED: dict[str, str] = {match_key(word): domain.value for domain, s in _TABLE.items()
                          for word in (domain.value, s.label, *s.names)}


def domain_named(text: str) -> str | None:
    """The domain a plan file's `domain:` value names (its id, label or a short name), or None."""
    return _NAMED.get(match_key(text))
