"""Section rows of a real table ("I | Cải cách thể chế" merged across the row, "A. | BỘ XÂY DỰNG",
"III.1.2 | Nhóm ..."), and the multi-level refs of the tasks under them ("II.3", "A.1").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.plans.read.text import clean
from engine.plans.read.topics import domain_of, heading_topic

_ROMAN = r"[IVXL]{1,5}"
# A section number: a letter or roman numeral, possibly dotted with sub-levels ("III.1", "III.1.1").
SECTION_NO = re.compile(rf"^(?:{_ROMAN}|[A-Z]|[a-zđ])(?:\.\d+)*\.?$|^(?:{_ROMAN}|[A-Z])(?:\.\d+)+\.?$")
_LEADING_NO = re.compile(rf"^\s*(?P<no>(?:{_ROMAN}|[A-Z])(?:\.\d+)*)[.)]?\s+(?P<rest>\S.*)$")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Section:
    no: str  # its own number, without the final dot ("III.1", "A"); "" when unnumbered
    title: str
    domain: str | None  # the domain its title names, if any
    level: int = 1
    group: bool = False  # a numbered task row heading lettered sub-items ("3" over "a)", "b)")


def section_of(cells: list[str], roles: dict[str, int]) -> Section | None:
    """The section a row opens, or None when it is a task (or continuation) row."""
    cells = [clean(c) for c in cells]
    ref_col = roles.get("ref")
    ref = cells[ref_col] if ref_col is not None and ref_col < len(cells) else ""
    ref = re.sub(r"(?<=\w)\s*\.\s*(?=\d)", ".", ref)  # "III.1. 1" in a PDF text layer
    others = [c for i, c in enumerate(cells) if c and i != ref_col]
    if ref and (ref in others or not SECTION_NO.match(ref) and not re.fullmatch(r"[\d.]{1,8}", ref)):
        ref, others = "", [ref] + others  # a heading in the number cell, or merged across the row
    texts = list(dict.fromkeys(others))
    numbered = bool(ref) and bool(SECTION_NO.match(ref))
    if not texts:
        return None
    assigned = any(cells[roles[r]] for r in ("lead", "deadline", "support")
                   if r in roles and roles[r] < len(cells) and roles[r] != ref_col)
    if len(texts) == 1 and (len(others) >= 2 or not assigned):
        # One text merged across the row, or a heading alone in its row.
        text = texts[0]
        if not ref or numbered:
            if not ref and (m := _LEADING_NO.match(text)):
                return make_section(m["no"], m["rest"])
            if not ref and re.match(r"\d", text):
                return None
            return make_section(ref, text)
    if numbered and not assigned and len(texts) <= 2:
        return make_section(ref, texts[0])
    return None


def make_section(no: str, title: str) -> Section:
    no = no.strip().rstrip(".)")
    title = re.sub(r"^[\s*_]+|[\s*_]+$", "", title).rstrip(":")
    topic = heading_topic(title)
    return Section(no, title, domain_of(topic) if topic else None, no.count(".") + 1)


@dataclass
class Outline:
    """The open sections while a table is read, and the number each task gets."""
    multilevel: bool = False  # numbering restarts under each section: refs carry the section number
    path: list[Section] = field(default_factory=list)
    expected: int = 1
    kinds: list[str] = field(default_factory=list)  # numbering kinds in order of first use
    letters: int = 0  # sub-items read under the open group

    def open(self, section: Section) -> None:
        """A section row: it replaces the open section of its level and those under it."""
        kind = self._kind(section.no)
        if kind not in self.kinds:
            self.kinds.append(kind)
        level = self.kinds.index(kind) + section.no.count(".")
        section.level = level + 1
        self.path = [s for s in self.path if s.level < section.level] + [section]
        self.expected = 1

    def _kind(self, no: str) -> str:
        head = no.split(".")[0]
        if not head:
            return "none"
        if len(head) == 1 and head.isupper():
            # "I" after "H" is a letter; a lone "I", "V", "X" after none is roman.
            last = next((s.no.split(".")[0] for s in reversed(self.path) if s.no), "")
            follows = len(last) == 1 and last in _LETTERS and _LETTERS.index(head) == _LETTERS.index(last) + 1
            if "letter" in self.kinds and (head not in "IVXL" or follows):
                return "letter"
            return "roman" if head in "IVXL" else "letter"
        return "roman" if re.fullmatch(_ROMAN, head) else "lower"

    @property
    def domain(self) -> str | None:
        return next((s.domain for s in reversed(self.path) if s.domain), None)

    @property
    def title(self) -> str | None:
        """The innermost section title, when no open section names a domain."""
        if self.domain or not self.path:
            return None
        return self.path[-1].title

    def prefix(self) -> str:
        return next((s.no for s in reversed(self.path) if s.no), "")

    def open_group(self, number: str, title: str) -> None:
        """A numbered row heading sub-items: a section numbered like a task ("II.3")."""
        no, _ = self.ref(number)
        following = self.expected
        section = make_section(no, title)
        section.group, section.level = True, (self.path[-1].level + 1 if self.path else 1)
        self.path.append(section)
        self.expected, self.letters = following, 0

    def ref(self, number: str) -> tuple[str, bool]:
        """The task's ref from the number in its row, and whether it was numbered by position."""
        if self.path and self.path[-1].group:
            if (sub := sub_number(number)) is not None:
                self.letters += 1
                return f"{self.path[-1].no}.{sub or chr(96 + self.letters)}", False
            self.path.pop()  # the next numbered row closes the group
        guessed = not re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*\.?", number or "")
        if guessed:
            number = str(self.expected)
        number = number.rstrip(".")
        head = number.split(".")[0]
        self.expected = int(head) + 1
        prefix = self.prefix()
        return (f"{prefix}.{number}" if self.multilevel and prefix else number), guessed


def restarts(numbers: list[tuple[bool, str]]) -> bool:
    """Does the numbering start again under a later section (so plain numbers repeat)?"""
    seen: set[str] = set()
    for is_section, number in numbers:
        if is_section:
            continue
        if number in seen:
            return True
        seen.add(number)
    return False


def sub_number(number: str) -> str | None:
    """The letter of a sub-item number ("a)", "b."), "" for a bullet ("-", "+"), else None."""
    number = (number or "").strip()
    if m := re.fullmatch(r"([a-zđ])[.)]?", number):
        return m[1]
    return "" if re.fullmatch(r"[-+•–]", number) else None
