"""Which CCHC domain a heading or an assignment sentence speaks of.

A *topic* is finer than a domain: "tuyên truyền" (propaganda) and ISO 9001 have their own lead
unit in some plans, but belong to a domain (direction, digital_government) in the plan file.
"""

from __future__ import annotations

import re

from engine.core.cchc import DOMAINS, HEADING_WORDS, SENTENCE_WORDS
from engine.plans.read.text import fold

# Topics finer than a domain, matched on folded text like the domains' own words (engine.core.cchc).
TOPIC_DOMAIN = {"propaganda": "direction", "iso": "digital_government"}
_TOPIC_WORDS = {"propaganda": r"tuyen truyen", "iso": r"\biso\b"}
_HEADING_WORDS: list[tuple[str, str]] = [*HEADING_WORDS.items(), *_TOPIC_WORDS.items()]
# Assignment sentences name a domain by its subject matter too ("văn bản quy phạm pháp luật").
_CLAIM_WORDS: list[tuple[str, str]] = [*SENTENCE_WORDS.items(), *_TOPIC_WORDS.items()]


_TOPIC_LABELS = {"propaganda": "công tác tuyên truyền", "iso": "việc áp dụng ISO 9001"}


def topic_label(topic: str) -> str:
    """The Vietnamese name of a topic, for messages to admins: 'lĩnh vực Cải cách thể chế'."""
    if topic in _TOPIC_LABELS:
        return _TOPIC_LABELS[topic]
    return f"lĩnh vực {DOMAINS[topic]}" if topic in DOMAINS else topic


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
