"""Who leads each domain, from the plan's assignment section (Tổ chức thực hiện).

Two forms occur. A mapping line names a domain and its unit outright:
"- Cải cách thể chế: Phụ lục số 01 – Công chức Tư pháp-Hộ tịch chịu trách nhiệm ..." (strongest).
A unit block lists a unit's duties under its name ("3. Công chức Tư pháp - hộ tịch." followed by
"- Chủ trì hướng dẫn ... cải cách thể chế"): each duty naming a domain is a claim on it, unless it
only says the unit cooperates ("Phối hợp với ..."). A collective ("Các ban, ngành") or the
commune's own leadership (UBND xã) claims weakly. The strongest claim wins; a tie between
different units is left for the admin to settle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.core.names import match_key
from engine.plans.read.topics import claimed_topics, domain_of, heading_topic, topic_label
from engine.plans.extract.model import ReviewItem
from engine.plans.prose.outline import Item, Section, head_and_rest
from engine.plans.read.text import UPPER, Span, fold
from engine.plans.read.units import UNIT_START, clean_unit, is_authority, is_group, looks_like_unit

_CLAUSE = re.compile(rf";|\.\s+(?=[{UPPER}])")


@dataclass
class Block:
    """A unit's duties in the assignment section (unit None: text outside any unit block)."""
    unit: str | None
    level: int
    spans: list[Span] = field(default_factory=list)


@dataclass
class Lead:
    unit: str
    confidence: float
    lines: tuple[int, int]
    note: str | None = None


@dataclass
class _Claim:
    unit: str
    strength: int
    lines: tuple[int, int]


def unit_blocks(sections: list[Section]) -> list[Block]:
    """The assignment sections cut into unit blocks."""
    blocks: list[Block] = []
    for section in sections:
        if section.kind != "assignment":
            continue
        current = Block(None, 1)
        blocks.append(current)
        for item in section.items[1:]:
            if item.kind == "closing":
                current = Block(None, 0)
                blocks.append(current)
                continue
            unit, rest = _unit_head(item)
            if unit is not None:
                current = Block(unit, item.level, [item.span.sub(rest, len(item.text))])
                blocks.append(current)
            elif item.kind in ("num", "letter") and item.level <= current.level:
                current = Block(None, item.level, [item.span])
                blocks.append(current)
            else:
                current.spans.append(item.span)
    return blocks


def topic_leads(sections: list[Section], blocks: list[Block],
                review: list[ReviewItem]) -> dict[str, Lead]:
    """The lead unit of every topic the assignment section settles."""
    claims: dict[str, list[_Claim]] = {}
    for section in sections:
        if section.kind == "assignment":
            for item in section.items:
                for topic, claim in _mapping_claims(item):
                    claims.setdefault(topic, []).append(claim)
    for block in blocks:
        if block.unit is None:
            continue
        strength = 0 if is_authority(block.unit) else 1 if is_group(block.unit) else 2
        for span in block.spans:
            for clause, (start, end) in _clauses(span.text):
                if fold(clause).startswith("phoi hop"):
                    continue
                for topic in claimed_topics(clause):
                    claims.setdefault(topic, []).append(_Claim(block.unit, strength, span.lines(start, end)))
    return {topic: lead for topic, found in claims.items()
            if (lead := _decide(topic, found, review)) is not None}


def lead_for(leads: dict[str, Lead], topic: str | None) -> Lead | None:
    """The lead of a topic, falling back to its domain's lead (ISO -> digital government)."""
    if topic is None:
        return None
    return leads.get(topic) or leads.get(domain_of(topic))


def _unit_head(item: Item) -> tuple[str | None, int]:
    if item.kind not in ("num", "letter"):
        return None, 0
    head, rest = head_and_rest(item)
    if rest < len(item.text) and item.text[rest - 1:rest] != ":" and not item.closed:
        return None, 0  # a unit heading ends its line or has a colon; this is a sentence
    head = re.sub(r"^(?:Đề nghị|đề nghị)\s+", "", head.strip()).rstrip(" .:")
    if not looks_like_unit(head) or heading_topic(head) not in (None, "propaganda"):
        return None, 0
    return clean_unit(head), rest


def _mapping_claims(item: Item) -> list[tuple[str, _Claim]]:
    m = re.match(r"\s*(?P<head>[^:]{3,120}):(?P<rest>.*)", item.text)
    if not m or heading_topic(m["head"]) is None:
        return []
    rest = m["rest"]
    end = fold(rest).find("chiu trach nhiem")
    start = UNIT_START.search(rest)
    if end < 0 or start is None or start.start() >= end:
        return []
    unit = clean_unit(rest[start.start():end])
    return [(topic, _Claim(unit, 3, item.span.lines())) for topic in claimed_topics(m["head"])] if unit else []


def _clauses(text: str) -> list[tuple[str, tuple[int, int]]]:
    out, start = [], 0
    for m in _CLAUSE.finditer(text):
        out.append((text[start:m.start()], (start, m.start())))
        start = m.end()
    out.append((text[start:], (start, len(text))))
    return [(c, span) for c, span in out if c.strip()]


def _decide(topic: str, claims: list[_Claim], review: list[ReviewItem]) -> Lead | None:
    best = max(c.strength for c in claims)
    top = [c for c in claims if c.strength == best]
    by_unit: dict[str, list[_Claim]] = {}
    for claim in top:
        by_unit.setdefault(match_key(claim.unit), []).append(claim)
    ranked = sorted(by_unit.values(), key=len, reverse=True)
    winner = ranked[0]
    lines = (min(c.lines[0] for c in winner), max(c.lines[1] for c in winner))
    confidence = {3: 0.9, 2: 0.8, 1: 0.6, 0: 0.5}[best]
    if len(ranked) == 1:
        return Lead(winner[0].unit, confidence, lines)
    others = "; ".join(f"{c[0].unit} (dòng {c[0].lines[0]})" for c in ranked[1:])
    if len(winner) > len(ranked[1]):
        note = (f"nhiều đơn vị được giao {topic_label(topic)}; chọn {winner[0].unit} vì được nêu nhiều nhất "
                f"(các đơn vị khác: {others}) (several units claim {topic}; {winner[0].unit} is named most often)")
        review.append(ReviewItem(lines, winner[0].unit, note))
        return Lead(winner[0].unit, confidence - 0.2, lines, note)
    review.append(ReviewItem(lines, f"{winner[0].unit}; {others}",
                             f"phần phân công giao {topic_label(topic)} cho nhiều đơn vị ngang nhau; "
                             f"chưa đặt đơn vị chủ trì (the assignment section gives {topic} to several "
                             "units equally; no lead set)"))
    return None
