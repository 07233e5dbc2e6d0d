"""Tables rebuilt from word positions, for pages whose tables have no vector ruling lines (scans,
plain exports): the header row is the line (or two, three) whose word groups name the columns
(STT, Nhiệm vụ, Cơ quan chủ trì, Thời gian ...); the white gaps between its groups, widened to
where no word below crosses them, are the column edges; each line below gives its words to the
column under their centre. A row starts at a drawn horizontal line (a scan keeps those as
`rules`) or where the number column holds a number, roman numeral or letter. A line whose words
straddle the column edges, or that lies far below the table, ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from engine.plans.read.text import clean, joined
from engine.plans.tables.rows import TableRow, header_roles

# What the number column of a new row holds: 1, 1., 2), IV, IV., a), b.
REF = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[.)]?|[IVXLC]{1,5}[.)]?|[a-zđ][.)]|[A-Z][.)]?)$")


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    group: tuple = ()  # the OCR engine's (block, paragraph, line)

    @property
    def middle(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class TextLine:
    no: int
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in sorted(self.words, key=lambda w: w.x0))

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return median(w.bottom - w.top for w in self.words)


def visual_lines(groups: list[list[Word]], first_no: int) -> list[TextLine]:
    """Word groups (an OCR engine's lines, perhaps one per table cell) joined into the lines a
    reader sees: groups side by side at the same height are one line. Numbered from `first_no`."""
    merged: list[list[Word]] = []
    for words in sorted((ws for ws in groups if ws), key=lambda ws: min(w.top for w in ws)):
        top, bottom = min(w.top for w in words), max(w.bottom for w in words)
        middle, x0, x1 = (top + bottom) / 2, min(w.x0 for w in words), max(w.x1 for w in words)
        for line in reversed(merged[-8:]):
            ltop, lbottom = min(w.top for w in line), max(w.bottom for w in line)
            beside = all(w.x1 <= x0 or w.x0 >= x1 for w in line)
            if beside and ltop <= middle <= lbottom and top <= (ltop + lbottom) / 2 <= bottom:
                line.extend(words)
                break
        else:
            merged.append(list(words))
    merged.sort(key=lambda ws: min(w.top for w in ws))
    return [TextLine(first_no + k, sorted(ws, key=lambda w: w.x0)) for k, ws in enumerate(merged)]


@dataclass
class _Open:
    """A table being read: its header cells' x-ranges, column edges and rows so far."""
    header: list[tuple[float, float]]
    roles: dict[str, int]
    edges: list[float]
    rows: list[TableRow]
    ref_col: int
    cells: list[list[str]] = field(default_factory=list)  # the row being filled, per column
    first: int = 0  # its first and last line
    last: int = 0
    box: tuple = ()  # (page, x0, top, x1, bottom) of its number cell on its first line


class TableReader:
    """Feed it the lines of each page in turn; a table left open at a page's end may go on."""

    def __init__(self) -> None:
        self.tables: list[list[TableRow]] = []
        # Each row's number cell, for a second look by OCR: (row, column, (page, x0, top, x1, bottom)).
        self.ref_cells: list[tuple[TableRow, int, tuple]] = []
        self._open: _Open | None = None
        self._page = None

    def page(self, lines: list[TextLine], rules: list[tuple[float, float, float]] = (), key=None) -> set[int]:
        """Read one page's lines (top to bottom); the numbers of the lines that belong to tables.
        `key` names the page in `ref_cells`."""
        self._page = key
        used: set[int] = set()
        lines = [ln for ln in lines if ln.words]
        i, first = 0, True
        while i < len(lines):
            found = _header(lines, i, rules)
            if found:
                header, roles, taken = found
                continued = (first and self._open is not None and len(header) == len(self._open.header)
                             and roles == self._open.roles)
                if not continued:
                    self.close()
                below = [w for ln in lines[i + taken:] for w in ln.words]
                body = _extent(lines, i + taken, _edges(header, below), rules)
                edges = _edges(header, [w for ln in body for w in ln.words])
                if continued:
                    self._open.edges, self._open.header = edges, header
                else:
                    head = lines[i:i + taken]
                    self._open = _Open(header, roles, edges, [], roles.get("ref", 0))
                    self._open.rows.append(TableRow(head[0].no, _cell_texts(head, edges), head[-1].no))
                used.update(ln.no for ln in lines[i:i + taken])
                self._rows(body, rules, page_break=continued)
                used.update(ln.no for ln in body)
                i += taken + len(body)
                self._close_if(lines, i)
            elif first and self._open is not None:
                body = _extent(lines, i, self._open.edges, rules)
                if body:
                    self._open.edges = _edges(self._open.header, [w for ln in body for w in ln.words],
                                              self._open.edges)
                    self._rows(body, rules, page_break=True)
                    used.update(ln.no for ln in body)
                    i += len(body)
                    self._close_if(lines, i)
                else:
                    self.close()
                    i += 1
            else:
                i += 1
            first = False
        return used

    def close(self) -> None:
        """End the open table (a page with other content, or the document's end)."""
        if self._open is not None:
            self._flush()
            if len(self._open.rows) > 1:
                self.tables.append(self._open.rows)
            self._open = None

    def _close_if(self, lines: list[TextLine], i: int) -> None:
        if i < len(lines):  # something after the table on this page: it has ended
            self.close()

    def _rows(self, body: list[TextLine], rules, page_break: bool) -> None:
        table = self._open
        previous: TextLine | None = None
        for line in body:
            parts = _split(line, table.edges)
            ref = (parts[table.ref_col].split() or [""])[0]  # "II." of "II. Cải cách thể chế"
            ruled = previous is not None and any(
                previous.bottom - 2 < y < line.top + 2 and x0 <= table.edges[1] and x1 >= table.edges[-2]
                for y, x0, x1 in rules)
            starts = previous is None or ruled or bool(REF.match(ref))
            if previous is None and page_break and not ref and table.cells and \
                    sum(1 for p in parts if p) < (len(parts) - 1) / 2:
                starts = False  # a row cut by the page break goes on (only its long cells do)
            if starts:
                self._flush()
                table.cells = [[] for _ in parts]
                table.first = line.no
                column = table.ref_col
                table.box = (self._page, table.edges[column], line.top, table.edges[column + 1], line.bottom)
            for column, text in enumerate(parts):
                if text:
                    table.cells[column].append(text)
            table.last = line.no
            previous = line

    def _flush(self) -> None:
        table = self._open
        if table.cells and any(table.cells):
            cells = [_join(parts) for parts in table.cells]
            table.rows.append(TableRow(table.first, cells, table.last))
            self.ref_cells.append((table.rows[-1], table.ref_col, table.box))
        table.cells = []


def _join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        text = joined(text, part)
    return clean(text)


def _header(lines: list[TextLine], i: int, rules=()):
    """(cell x-ranges, roles, lines taken) when a header row starts at line i, else None."""
    best = None
    for taken in (1, 2, 3):
        chunk = lines[i:i + taken]
        if len(chunk) < taken:
            break
        if taken > 1 and chunk[-1].top - chunk[-2].bottom > 1.2 * chunk[-2].height:
            break
        order = {id(w): k for k, ln in enumerate(chunk) for w in ln.words}
        cells = _groups([w for ln in chunk for w in ln.words if any(c.isalnum() for c in w.text)])
        texts = [" ".join(w.text for w in sorted(ws, key=lambda w: (order[id(w)], w.x0))) for _, _, ws in cells]
        roles = header_roles(texts)
        if roles and (best is None or len(roles) > len(best[1])):
            best = ([(x0, x1) for x0, x1, _ in cells], roles, taken)
    if best is None:
        return None
    cells, roles, taken = best
    # Header cells wrapped onto more lines than the roles needed: close lines without a row number
    # whose words all sit under header cells belong to the header.
    while i + taken < len(lines) and taken < 4:
        line, above = lines[i + taken], lines[i + taken - 1]
        h = above.height
        under = all(any(x0 - h <= w.middle <= x1 + h for x0, x1 in cells) and
                    any(x0 - h <= w.x0 and w.x1 <= x1 + h for x0, x1 in cells) for w in line.words)
        first = min(line.words, key=lambda w: w.x0)
        ruled = any(above.bottom - 2 < y < line.top + 2 for y, _, _ in rules)
        if line.top - above.bottom > 1.5 * h or not under or ruled or \
                (REF.match(first.text) and first.x1 < cells[0][1] + h):
            break
        taken += 1
    return cells, roles, taken


def _h(words: list[Word]) -> float:
    return max(1.0, median(w.bottom - w.top for w in words))


def _groups(words: list[Word]) -> list[tuple[float, float, list[Word]]]:
    """Words gathered into runs along x; a gap much wider than a space between words splits them."""
    if not words:
        return []
    words = sorted(words, key=lambda w: w.x0)
    height = _h(words)
    gaps = sorted(b.x0 - a.x1 for a, b in zip(words, words[1:]) if b.x0 > a.x1)
    space = gaps[len(gaps) // 4] if gaps else 0.0
    wide = max(0.6 * height, 2.5 * space)
    groups: list[tuple[float, float, list[Word]]] = []
    for w in words:
        if groups and w.x0 - groups[-1][1] <= wide:
            x0, x1, ws = groups[-1]
            groups[-1] = (x0, max(x1, w.x1), ws + [w])
        else:
            groups.append((w.x0, w.x1, [w]))
    return groups


def _edges(header: list[tuple[float, float]], words: list[Word], near: list[float] | None = None) -> list[float]:
    """Column edges: in each gap between header cells, the middle of the widest x no word crosses.

    The first and last edges are the table's outer bounds (its leftmost and rightmost ink).
    """
    inner = []
    for k in range(1, len(header)):
        lo, hi = header[k - 1][1], header[k][0]
        if near is not None:  # the next page: near last page's edge, which the words may have moved
            span = max(hi - lo, 1.0)
            lo, hi = near[k] - span, near[k] + span
        inner.append(_white_gap(lo, hi, words))
    left = min([header[0][0], *(w.x0 for w in words)])
    right = max([header[-1][1], *(w.x1 for w in words)])
    return [left, *inner, right]


def _white_gap(lo: float, hi: float, words: list[Word]) -> float:
    if hi <= lo:
        return (lo + hi) / 2
    steps = 60
    xs = [lo + (hi - lo) * s / steps for s in range(steps + 1)]
    counts = [sum(1 for w in words if w.x0 < x < w.x1) for x in xs]
    least = min(counts)
    best, run, start = (0, 0), 0, 0
    for s, c in enumerate(counts):
        if c == least:
            if run == 0:
                start = s
            run += 1
            if run > best[1] - best[0]:
                best = (start, s + 1)
        else:
            run = 0
    return (xs[best[0]] + xs[best[1] - 1]) / 2


def _split(line: TextLine, edges: list[float]) -> list[str]:
    """The line's text per column, each word in the column under its centre."""
    parts: list[list[str]] = [[] for _ in range(len(edges) - 1)]
    words = sorted(line.words, key=lambda w: w.x0)
    space = 0.5 * _h(words)
    column = 0
    for k, w in enumerate(words):
        own = sum(1 for e in edges[1:-1] if w.middle > e)
        # A word a space after the last one runs on in the same cell: a merged cell's text
        # (a section row spanning the columns) crosses the edges.
        if not (k and own > column and w.x0 - words[k - 1].x1 < space):
            column = own
        parts[column].append(w.text)
    return [" ".join(p) for p in parts]


def _cell_texts(lines: list[TextLine], edges: list[float]) -> list[str]:
    columns: list[list[str]] = [[] for _ in range(len(edges) - 1)]
    for line in lines:
        for column, text in enumerate(_split(line, edges)):
            if text:
                columns[column].append(text)
    return [_join(parts) for parts in columns]


def _extent(lines: list[TextLine], start: int, bounds: list[float], rules) -> list[TextLine]:
    """The lines from `start` that belong to the table: they keep to the columns and stay close."""
    inner = bounds[1:-1]
    pitch = median([b.top - a.top for a, b in zip(lines[start:], lines[start + 1:])] or [0]) or None
    body: list[TextLine] = []
    bottom_rule = max((y for y, x0, x1 in rules if x0 <= bounds[1] and x1 >= bounds[-2]), default=None)
    for line in lines[start:]:
        height = line.height
        straddling = sum(1 for w in line.words for e in inner
                         if w.x0 < e - 0.5 * height and w.x1 > e + 0.5 * height)
        if straddling >= 2 or (straddling and len(inner) < 3):
            break
        if body and pitch and line.top - body[-1].bottom > 3 * pitch:
            break
        if bottom_rule is not None and body and line.top > bottom_rule:
            break
        body.append(line)
    return body
