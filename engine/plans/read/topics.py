"""Which CCHC domain a heading or an assignment sentence speaks of.

A *topic* is finer than a domain: "tuyên truyền" (propaganda) and ISO 9001 have their own lead
unit in some plans, but belong to a domain (direction, digital_government) in the plan file.
"""

from __future__ import annotations

import re

from engine.plans.read.text import fold

# Domain words as headings write them, matched on folded text (no diacritics, lower case).
_HEADING_WORDS: list[tuple[str, str]] = [
    ("direction", r"chi dao,? (?:va )?dieu hanh"),
    ("institutions", r"the che"),
    ("procedures", r"thu tuc hanh chinh|\btthc\b|mot cua"),
    ("organization", r"to chuc bo may|\bbo may\b"),
    ("civil_service", r"cong vu"),
    ("public_finance", r"tai chinh cong"),
    ("digital_government", r"chinh quyen dien tu|chinh quyen so|chinh phu dien tu|chuyen doi so"
                           r"|hien dai hoa hanh chinh"),
    ("propaganda", r"tuyen truyen"),
    ("iso", r"\biso\b"),
]
# Assignment sentences name a domain by its subject matter too ("văn bản quy phạm pháp luật").
_CLAIM_WORDS: list[tuple[str, str]] = _HEADING_WORDS + [
    ("institutions", r"van ban quy pham phap luat|\bvb ?qppl\b"),
    ("civil_service", r"chat luong doi ngu can bo|doi ngu cbcc"),
]
TOPIC_DOMAIN = {"propaganda": "direction", "iso": "digital_government"}
# Short ref prefixes per domain, as the hand-converted example plans use them.
REF_PREFIX = {"direction": "CD", "institutions": "TC", "procedures": "TTHC", "organization": "BM",
              "civil_service": "CV", "public_finance": "TCC", "digital_government": "CQS",
              "other": "K"}


def domain_of(topic: str) -> str:
    """The plan-file domain of a topic."""
    return TOPIC_DOMAIN.get(topic, topic)


def heading_topic(text: str) -> str | None:
    """The topic a heading names: the domain word that comes first in it, or None."""
    folded = fold(text)
    found = [(m.start(), topic) for topic, pattern in _HEADING_WORDS
             if (m := re.search(pattern, folded))]
    return min(found)[1] if found else None


def claimed_topics(text: str) -> list[str]:
    """Every topic a sentence mentions, in order of first mention."""
    folded = fold(text)
    found = sorted((m.start(), topic) for topic, pattern in _CLAIM_WORDS
                   if (m := re.search(pattern, folded)))
    return list(dict.fromkeys(topic for _, topic in found))
