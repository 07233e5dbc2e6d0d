"""Text as extracted from PDF/Word: numbered source lines, joining wrapped lines, folding for search.

A `Span` is text joined from several source lines that remembers which line every character
came from, so whatever is found in it (a clause, a deadline) can be traced back to its lines.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

from engine.core.names import dashes

# Upper-case letters of Vietnamese, for regex classes ("À-Ỹ" would take lower case too).
UPPER = "A-ZĐ" + "".join(sorted({ch for ch in map(chr, range(0xC0, 0x1EFA))
                                 if ch.isupper() and unicodedata.normalize("NFD", ch)[0] in "AEIOUY"}))
# Stray page numbers and footnote markers: a line holding nothing but a small number.
_NOISE = re.compile(r"^\s*\d{1,3}\s*[,.]?\s*$")


@dataclass(frozen=True)
class Line:
    no: int
    text: str

    @property
    def s(self) -> str:
        """The line without surrounding whitespace."""
        return self.text.strip()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\ufeff]")


def clean(text: str) -> str:
    """NFC, no control characters, no-break spaces as spaces, runs of whitespace collapsed."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text).replace("\xa0", " "))
    return " ".join(text.split())


def fold(text: str) -> str:
    """A search form: lower case, no diacritics (đ -> d), dashes as '-', single spaces."""
    text = unicodedata.normalize("NFD", dashes(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(text.split())


def is_noise(text: str) -> bool:
    """A page number or footnote marker standing alone on its line."""
    return bool(_NOISE.match(text))


def joined(left: str, right: str) -> str:
    """Two wrapped pieces of one sentence: '12-' + 'NQ/TU' stays a word, otherwise a space."""
    left, right = left.rstrip(), right.lstrip()
    if not left:
        return right
    if not right:
        return left
    if re.search(r"[\w/]-$", left) and re.match(r"[A-ZĐ0-9]", right):
        return left + right
    return f"{left} {right}"


@dataclass
class Span:
    """Text joined from source lines, with the line number of every character."""

    text: str = ""
    _starts: list[int] = field(default_factory=list)
    _nos: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, lines: list[Line]) -> "Span":
        """A span of whole lines."""
        span = cls()
        for line in lines:
            span.add(line.no, line.text)
        return span

    def add(self, no: int, piece: str) -> None:
        """Append one line's text, joined as a wrapped line."""
        piece = clean(piece)
        if not piece:
            return
        before = self.text
        self.text = joined(before, piece)
        self._starts.append(len(self.text) - len(piece))
        self._nos.append(no)

    def extend(self, other: "Span") -> None:
        """Append another span, keeping its line numbers."""
        for i, start in enumerate(other._starts):
            end = other._starts[i + 1] if i + 1 < len(other._starts) else len(other.text)
            self.add(other._nos[i], other.text[start:end])

    def line_at(self, offset: int) -> int:
        """The source line of the character at `offset`."""
        if not self._nos:
            return 0
        i = bisect.bisect_right(self._starts, max(offset, 0)) - 1
        return self._nos[max(i, 0)]

    def lines(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """First and last source line of text[start:end] (whitespace at the edges ignored)."""
        end = len(self.text) if end is None else end
        chunk = self.text[start:end]
        start += len(chunk) - len(chunk.lstrip())
        end -= len(chunk) - len(chunk.rstrip())
        return self.line_at(start), self.line_at(max(start, end - 1))

    def sub(self, start: int, end: int) -> "Span":
        """The part text[start:end] as a span of its own."""
        out = Span()
        for i, s in enumerate(self._starts):
            e = self._starts[i + 1] if i + 1 < len(self._starts) else len(self.text)
            lo, hi = max(s, start), min(e, end)
            if lo < hi:
                out.add(self._nos[i], self.text[lo:hi])
        return out

    @property
    def line_count(self) -> int:
        """How many source lines the span is made of."""
        return len(self._nos)

    def piece_end(self, index: int) -> int:
        """Where the text of the span's `index`-th source line ends."""
        return self._starts[index + 1] if index + 1 < len(self._starts) else len(self.text)

    @property
    def first(self) -> int:
        """First source line."""
        return self._nos[0] if self._nos else 0

    @property
    def last(self) -> int:
        """Last source line."""
        return self._nos[-1] if self._nos else 0


def mostly_upper(text: str) -> bool:
    """Set in capitals, like section headings ('II. NỘI DUNG')."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.6 * len(letters)


def sentence_case(text: str) -> str:
    """Upper-case the first letter ('tổng hợp ...' -> 'Tổng hợp ...')."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    """'Cải cách hành chính' -> 'cải cách hành chính', leaving acronyms ('UBND xã') alone."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def title_text(text: str) -> str:
    """A task title from a cell or bullet: cleaned, trailing ';' or ',' removed."""
    text = clean(text)
    text = re.sub(r"^[\s\-+•*–]+", "", text)
    return re.sub(r"[\s;,]+$", "", text).strip()
