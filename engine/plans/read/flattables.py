"""Tables flattened to one cell per line, as published plans often come in text.

A table is a header block (consecutive short lines that each name a column, together a task-table
header: n columns) followed by body rows. A row starts at a line holding only a row number ("1",
"2.", "II", "A.", "III.1", "a)") that follows the numbering so far, and takes the lines up to the next
row start. A row longer than n is a numbered row and continuation rows (cells merged down from it
are left out): after its n cells the rest is cut into short rows shaped like the row's last cells.
A number with an all-caps heading is a section row of its own. Empty lines are empty cells. The
table ends at a document part that never sits in a table ("Nơi nhận", "PHỤ LỤC", "Điều 2."), at the
next header block, or where the lines after its last row no longer fit its columns.
"""

from __future__ import annotations

import re

from engine.plans.read.text import Line, clean
from engine.plans.tables.columns import cell_kind, header_roles, word_roles
from engine.plans.tables.rows import TableRow

_ROW_NO = re.compile(r"^(?:\d{1,3}|[IVXL]{1,5}|[A-ZĐ]|[a-zđ](?=[.)]))(?:\.\d{1,3})*[.)]?$")
_COLUMN_NO = re.compile(r"^\(\d{1,2}\)$")  # the "(1) (2) (3)" row under a header
_PART = re.compile(r"^(?:Nơi nhận|PHỤ LỤC|Phụ lục\s+[\dIVX]|Điều\s+\d+\.|KT\.|TM\.)", re.I)
_HEADING = re.compile(r"^(?:[IVXL]{1,5}|[A-ZĐ])(?:\.\d{1,3})*[.)]\s+\S")  # "II. CƠ CHẾ", "B. Nhiệm vụ"
_HEADER_MAX = 60
_YEAR = re.compile(r"\b(20\d\d)\b")


def _caps(text: str) -> bool:
    """An all-caps heading of two words or more ("BỘ XÂY DỰNG", "CƠ CHẾ, CHÍNH SÁCH")."""
    return text == text.upper() and len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


def _header_cell(text: str) -> bool:
    s = clean(text)
    return (0 < len(s) <= _HEADER_MAX and len(s.split()) <= 10 and not _ROW_NO.match(s)
            and not s.endswith((".", ";", ":")) and bool(word_roles([s])))


def _header_at(lines: list[Line], i: int) -> int:
    """The number of header lines starting at i (0 when no task-table header starts there)."""
    j = i
    while j < len(lines) and _header_cell(lines[j].text):
        j += 1
    block = [clean(line.text) for line in lines[i:j]]
    if any("ref" in word_roles([cell]) for cell in block[1:]):
        return 0  # a short title above the header: the header starts at its "TT" column
    if len(block) < 3 or len(set(block)) < len(block) or header_roles(block) is None:
        return 0
    return j - i


# ------------------------------------------------------------------------------------------------
# numbering


def _roman(text: str) -> int | None:
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    if not re.fullmatch(r"[IVXL]{1,5}", text):
        return None
    total = 0
    for a, b in zip(text, text[1:] + " "):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def _readings(number: str) -> list[tuple[tuple, int, bool]]:
    """(level key, value, restartable) for each way of reading a row number."""
    parts = number.rstrip(".)").split(".")
    head, tail = parts[:-1], parts[-1]
    prefix = tuple(head)
    out = []
    if tail.isdigit():
        out.append((("arabic", len(parts), prefix), int(tail), True))
    if (value := _roman(tail)) is not None:
        out.append((("roman", len(parts), prefix), value, False))
    if len(tail) == 1 and tail.isalpha():
        style = "upper" if tail.isupper() else "lower"
        out.append(((style, len(parts), prefix), ord(tail.upper()) - 64 if tail != "Đ" else 4, style == "lower"))
    return out


class _Numbering:
    """The last value seen at each numbering level, to tell a row number from a cell like "I"."""

    def __init__(self) -> None:
        self.last: dict[tuple, int] = {}

    def fits(self, number: str, restart_ok: bool) -> bool:
        for key, value, restartable in _readings(number):
            last = self.last.get(key)
            step = 2 if key[0] in ("upper", "lower") else 1  # Vietnamese letters skip F, J, W, Z
            if last is not None and 0 < value - last <= step:
                return True
            if value == 1 and (last is None or (restartable or len(key[2])) and restart_ok):
                return True
        return False

    def take(self, number: str) -> None:
        for key, value, _ in _readings(number):
            last = self.last.get(key)
            if last is None or value == 1 or 0 < value - last <= 2:
                self.last[key] = value


# ------------------------------------------------------------------------------------------------
# tables


def flat_tables(lines: list[Line], taken: set[int]) -> list[tuple[list[TableRow], tuple[int, int]]]:
    """The flattened tables of a text document, with the (first, last) line each covers."""
    year = int(m.group(1)) if (m := _YEAR.search(" ".join(line.text for line in lines[:60]))) else 2025
    found = []
    i = 0
    while i < len(lines):
        size = 0 if lines[i].no in taken else _header_at(lines, i)
        start = i + size
        if not size or start >= len(lines) or not _ROW_NO.match(lines[start].s) \
                and not _COLUMN_NO.match(lines[start].s):
            i += 1
            continue
        header = [TableRow(lines[i].no, [clean(line.text) for line in lines[i:start]], lines[start - 1].no)]
        numbers = lines[start:start + size]
        if len(numbers) == size and all(_COLUMN_NO.match(line.s) for line in numbers):
            header.append(TableRow(numbers[0].no, [line.s for line in numbers], numbers[-1].no))
            start += size
        rows, end = _body(lines, start, size, year, taken)
        if rows:
            found.append(([*header, *rows], (header[0].no, rows[-1].last)))
            i = end
        else:
            i = start
    return found


def _stops(lines: list[Line], k: int, taken: set[int]) -> bool:
    """A line that never sits in a table: a document part, the next table's header, another table."""
    line = lines[k]
    return line.no in taken or bool(_PART.match(line.s)) or _header_at(lines, k) > 0


def _body(lines: list[Line], start: int, n: int, year: int,
          taken: set[int]) -> tuple[list[TableRow], int]:
    """The body rows from `start`, and the index of the first line after the table."""
    numbering = _Numbering()
    groups: list[list[Line]] = []  # the lines of each row, from one row start to the next
    current: list[Line] = []
    after_section = True
    k = start
    while k < len(lines) and not _stops(lines, k, taken):
        line = lines[k]
        s = line.s
        if _ROW_NO.match(s) and _starts_row(lines, k, current, n, numbering, after_section):
            if current:
                groups.append(current)
            numbering.take(s)
            current = [line]
            after_section = False
            nxt = lines[k + 1].s if k + 1 < len(lines) else ""
            if not s[0].isdigit() and _caps(nxt):
                groups.append([line, lines[k + 1]])  # "A." + "BỘ XÂY DỰNG": a section row
                current = []
                after_section = True
                k += 2
                continue
        elif (not current or len(current) >= n) and (_caps(s) or _HEADING.match(s)):
            if not (k + 1 < len(lines) and _ROW_NO.match(lines[k + 1].s)):
                break  # a heading no row follows: the text after the table
            if current:
                groups.append(current)
            groups.append([line])  # "I. DANH MỤC ...", "BỘ XÂY DỰNG": a section row of its own
            current = []
            after_section = True
        else:
            current.append(line)
        k += 1
    if current:
        groups.append(current)
    rows: list[TableRow] = []
    end = k
    for index, group in enumerate(groups):
        final = index == len(groups) - 1
        made, used = _rows_of(group, n, year, final)
        rows.extend(made)
        if final and used < len(group):
            end = start + sum(len(g) for g in groups[:-1]) + used
    while rows and not any(rows[-1].cells):
        rows.pop()
    if not any(len(r.cells) >= n - 1 for r in rows):
        return [], start
    # Trailing empty lines belong to the text after the table.
    return rows, end


def _starts_row(lines: list[Line], k: int, current: list[Line], n: int, numbering: _Numbering,
                after_section: bool) -> bool:
    s = lines[k].s
    # A number may restart after a complete row, or right under a section heading ("II" + title).
    heading = len(current) == 2 and not current[0].s[0].isdigit() and _ROW_NO.match(current[0].s)
    complete = len(current) >= n or not current or bool(heading)
    if not numbering.fits(s, restart_ok=complete or after_section):
        return False
    nxt = lines[k + 1].s if k + 1 < len(lines) else ""
    # The last cell of a row ("I" in a funding column) just before the next row or the end.
    if current and len(current) == n - 1 and (k + 1 == len(lines) or _ROW_NO.match(nxt) or _PART.match(nxt)):
        return False
    # ... or before a sentence: a section number is followed by its title, not by prose.
    if current and len(current) == n - 1 and not s[0].isdigit() and nxt.endswith(".") and not _caps(nxt):
        return False
    return True


def _kind(text: str, year: int) -> str:
    kind = cell_kind(text, year)
    return "words" if kind in ("text", "short") else kind


def _fit(chunk: list[str], model: list[str]) -> float:
    """How well a continuation chunk matches the row's last cells (kinds given), cell by cell."""
    score = -0.5  # each continuation row costs a little: fewer, fuller rows win ties
    for a, b in zip(chunk, model):
        if not a or not b:
            continue
        score += 1 if a == b else -1 if {a, b} <= {"words", "unit"} else -2
    return score


def _rows_of(group: list[Line], n: int, year: int, final: bool) -> tuple[list[TableRow], int]:
    """The rows one row start gives, and how many of its lines they use (the final group may end
    where its lines stop fitting the columns: the text after the table)."""
    cells = [clean(line.text) for line in group]
    if len(cells) <= n:
        if final and len(cells) < n and len(cells) > 2 and not _ROW_NO.match(cells[0]):
            return [], 0
        return [TableRow(group[0].no, cells, group[-1].no, short=len(cells) < n)], len(cells)
    rows = [TableRow(group[0].no, cells[:n], group[n - 1].no)]
    model = [_kind(c, year) for c in cells[:n]]
    rest = [_kind(c, year) for c in cells[n:]]
    size = len(rest)
    while final and size and not rest[size - 1]:
        size -= 1  # trailing empty lines lie after the table
    k = 0
    for width in _cut(rest[:size], model, final):
        first, last = n + k, n + k + width
        rows.append(TableRow(group[first].no, cells[first:last], group[last - 1].no, short=True))
        k += width
    return rows, n + k


def _cut(rest: list[str], model: list[str], final: bool) -> list[int]:
    """The widths of the continuation rows in `rest` (cell kinds), each shaped like the last cells
    of `model`; rows of one width win (one set of merged cells). The final group may stop early:
    what does not fit the columns is the text after the table."""
    n, size = len(model), len(rest)
    # best[k][previous]: (score, first width) cutting rest[k:] after a row `previous` wide (0: none).
    best = [[(0.0, 0)] * (n + 1) for _ in range(size + 1)]
    for k in range(size - 1, -1, -1):
        for previous in range(n + 1):
            options = [(0.0, 0)] if final else []
            for width in range(1, min(n, size - k) + 1):
                score = best[k + width][width][0] + _fit(rest[k:k + width], model[n - width:])
                options.append((score - (1 if previous and width != previous else 0), width))
            best[k][previous] = max(options, key=lambda o: o[0]) if options else (float("-inf"), 0)
    widths, k, previous = [], 0, 0
    while k < size and (width := best[k][previous][1]):
        widths.append(width)
        k, previous = k + width, width
    return widths
