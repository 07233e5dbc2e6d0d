"""The prose of a plan as an outline: roman sections holding numbered, lettered and bulleted items.

Text extracted from PDF breaks lines mid-sentence; an item runs from its marker ("2.", "2.1.",
"a)", "(1)", "-", "+") to the next marker, or to an unmarked paragraph that starts a new sentence
with a capital after a full stop. A numbered heading on a short line of its own ("4. Cải cách tổ
chức bộ máy") ends at that line, even when the text under it carries on without a marker.
Markdown as scraped from portals is read the same way: emphasis markers and lines holding only
'|' are dropped, a marker alone on its line ("**I.") goes with the next line, an emphasised
heading runs until its emphasis closes, '#' headings and "Điều 2." start sections, and in text
whose lines are whole paragraphs every line after a blank line is a paragraph of its own.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from engine.plans.read.text import UPPER, Line, Span, fold, is_noise, mostly_upper

_MARKER = re.compile(
    r"^\s*(?:"
    r"(?P<roman>[IVX]{1,4})\.\s*(?=\S)"
    rf"|(?P<num>\d{{1,2}}(?:\.\d{{1,2}})*)(?:[.)]\s*|\s+(?=[{UPPER}]))"
    r"|(?P<letter>[a-zđ])\s?[.)]\s*"
    r"|\((?P<paren>\d{1,2})\)\s*"
    r"|(?P<bullet>[-•*–])\s*"
    r"|(?P<sub>\+)\s*"
    r")"
)
_LEVEL = {"roman": 1, "heading": 1, "paren": 4, "letter": 5, "bullet": 6, "sub": 7, "para": 9, "closing": 0}
_ENDS_SENTENCE = re.compile(r"[.;:!?…]\s*$|\./\.\s*$")
_CONNECTOR_END = re.compile(r"(?:[,\-–]|\b(?:và|của|các|về|với|cho|theo|tại|số))\s*$")
_CLOSING = re.compile(r"^\s*(?:Trên đây là|Nơi nhận)")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+(?=\S)|(?=Điều\s+\d{1,3}\.\s*\S))")  # '## Title', 'Điều 2. Title'
_LONE_MARKER = re.compile(r"^\s*(?:[IVX]{1,4}|\d{1,2}(?:\.\d{1,2})*|[a-zđ]|\(\d{1,2}\))\s?[.)]?\s*$")
# Not a marker: a number closing an emphasis opened before it ("**15 tháng" / "12**."), or one
# carrying on a date the line before left open ("trước ngày 15 tháng" / "12.").
_CLOSES_EMPHASIS = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\*")
_DATE_OPEN = re.compile(r"(?<!\w)ngày(?:\s+\d{1,2}(?:\s+tháng)?)?\s*[*_]*\s*$", re.I)


@dataclass
class Item:
    kind: str  # roman | heading | num | paren | letter | bullet | sub | para | closing
    label: str
    span: Span
    closed: bool = False  # a heading line: nothing unmarked is appended to it

    @property
    def level(self) -> int:
        """Nesting depth: roman 1, '2.' 2, '2.1.' 3, letters 5, bullets 6, '+' 7, paragraphs 9."""
        if self.kind == "num":
            return 1 + self.label.count(".") + 1
        return _LEVEL[self.kind]

    @property
    def text(self) -> str:
        """The item's text without its marker."""
        return self.span.text


@dataclass
class Section:
    label: str
    title: str
    kind: str  # preamble | purpose | targets | tasks | budget | assignment | reports | basis | other
    items: list[Item] = field(default_factory=list)

    @property
    def lines(self) -> tuple[int, int]:
        """First and last source line."""
        spans = [i.span for i in self.items if i.span.text]
        return (spans[0].first, spans[-1].last) if spans else (0, 0)


def build_items(lines: list[Line]) -> list[Item]:
    """Split prose lines into marked items and unmarked paragraphs."""
    lengths = [len(line.s) for line in lines if len(line.s) >= 30]
    typical = statistics.median(lengths) if lengths else 70
    unwrapped = typical > 150  # each line is a whole paragraph (scraped markdown, not PDF)
    items: list[Item] = []
    current: Item | None = None
    first_len = 0
    emphasis = False  # an emphasised heading still open from the lines before
    pending = ""  # a marker standing alone on its line ("**I."), prefixed to the next line
    marker_raw = ""  # that marker's line as written, for the emphasis it opens
    blank = False
    before = ""  # the line before, when no blank line came between
    for line in lines:
        raw = line.text
        if raw.strip() == "|":
            continue
        text = pending + demark(raw) if "*" in raw else pending + raw
        if raw.strip() in ("-", "+", "•", "–") and not pending:  # a bullet alone on its line goes with the next
            pending, blank = raw.strip() + " ", False
            continue
        if not text.strip() or not re.search(r"\w", text) or (is_noise(text) and "*" not in raw):
            blank, before = True, ""
            continue
        # a number that goes on with the line before is text, not a marker
        number_goes_on = not pending and (bool(_CLOSES_EMPHASIS.match(raw)) or bool(_DATE_OPEN.search(before)))
        before = raw
        if _LONE_MARKER.match(text) and ("*" in raw or re.match(r"\s*[IVX]", text)) and not number_goes_on:
            pending, marker_raw = text.strip() + " ", raw.strip()
            continue
        pending = ""
        raw, marker_raw = marker_raw + raw, ""  # "*1.2." / "Sở Tài chính*": one emphasised heading
        was_blank, blank = blank, False
        closes = _emphasis_open(raw)
        if _CLOSING.match(text):
            current = Item("closing", "", Span())
            items.append(current)
        heading = _HEADING.match(text)
        m = _MARKER.match(text)
        kind = next((k for k in ("roman", "num", "paren", "letter", "bullet", "sub") if m and m[k]), None)
        if kind == "num" and number_goes_on:
            kind = None
        if kind == "roman" and not mostly_upper(text[m.end():]):
            kind = None
        if heading:
            kind = "heading"
        if current is not None and current.kind == "closing":
            # Signatures and recipient lists run on until the next section or document.
            if kind not in ("roman", "heading") and fold(line.s.strip("* ")) != "ke hoach":
                current.span.add(line.no, text)
                continue
            if kind is None:
                current = None
        if kind is not None:
            body = text[heading.end():] if heading else text[m.end():]
            label = (re.match(r"\s*(Điều\s+\d+)?", body)[1] or "") if heading else m[kind]
            current = Item(kind, label, Span(), closed=kind == "roman" or bool(heading and "#" in heading[0]))
            current.span.add(line.no, body)
            items.append(current)
            first_len = len(line.s)
            emphasis = _starts_emphasised(raw) and closes
            if _starts_emphasised(raw) and not closes and raw.rstrip().endswith("*"):
                current.closed = True  # a heading emphasised as a whole: "**1. Công an tỉnh**"
            continue
        if emphasis and current is not None:
            current.span.add(line.no, text)  # an emphasised heading going on to its next line
            emphasis = emphasis != _emphasis_open(raw)
            if not emphasis and raw.rstrip().endswith("*"):
                current.closed = True
            continue
        starts_upper = bool(re.match(rf"\s*[\"“(]?[{UPPER}]", text))
        if current is not None and current.kind in ("num", "letter") and current.span.line_count == 1 \
                and first_len < 0.62 * typical and starts_upper and not _CONNECTOR_END.search(current.text):
            current.closed = True  # a short heading line followed by its text
        if current is None or current.closed or (unwrapped and was_blank and current.kind != "closing") or \
                (starts_upper and current.kind != "closing" and _ENDS_SENTENCE.search(current.text)):
            current = Item("para", "", Span())
            items.append(current)
        current.span.add(line.no, text)
    return items


def demark(text: str) -> str:
    """A markdown line without emphasis markers; a '* ' bullet at its start becomes '- '."""
    stripped = text.lstrip()
    if re.match(r"\*\s+\S", stripped) and not stripped.startswith("**"):
        return "- " + stripped[1:].replace("*", "").strip()
    return text.replace("*", "")


def _emphasis_open(raw: str) -> bool:
    """Does the line leave bold or italic open (an odd number of markers)?"""
    return raw.count("**") % 2 == 1 or raw.replace("**", "").count("*") % 2 == 1


def _starts_emphasised(raw: str) -> bool:
    return raw.lstrip().startswith("*") and not re.match(r"\*\s", raw.lstrip())


def build_sections(items: list[Item]) -> list[Section]:
    """Group items under their roman headings and say what each section is for."""
    sections = [Section("", "", "preamble")]
    for item in items:
        if item.kind in ("roman", "heading"):
            sections.append(Section(item.label, item.text, section_kind(item.text), [item]))
        else:
            sections[-1].items.append(item)
    return sections


def section_kind(title: str) -> str:
    """What a roman section holds, from its title."""
    folded = fold(title)
    for kind, pattern in (("purpose", r"muc dich|quan diem"), ("targets", r"chi tieu"),
                          ("assignment", r"to chuc thuc hien|phan cong"), ("budget", r"kinh phi"),
                          ("reports", r"che do bao cao"), ("tasks", r"nhiem vu|noi dung|giai phap"),
                          ("targets", r"muc tieu"), ("basis", r"^can cu")):
        if re.search(pattern, folded):
            return kind
    return "other"


def head_and_rest(item: Item) -> tuple[str, int]:
    """An item's heading part (up to the first ':' or its first line) and where the rest starts."""
    text = item.text
    colon = text.find(":")
    if 0 < colon <= 140:
        return text[:colon], colon + 1
    if item.closed or item.span.line_count == 1:
        return text, len(text)
    first_end = item.span.piece_end(0)
    return text[:first_end].strip(), first_end
