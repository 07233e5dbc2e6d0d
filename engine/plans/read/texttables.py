"""Tables written as text in a .txt document.

Three layouts are read:
- markdown pipe tables: `| a | b |` lines, with or without a `|---|---|` separator row;
- the "bar" layout of scraped pages: a cell is a run of lines, cells are separated by lines holding
  only `|`, and an empty cell (a `|` line right after a `|` line) ends a row. Merged cells are
  missing, so later rows may be shorter than the header: they are kept short and marked `short`.
  A blank line never falls inside a table: text holding one lies between tables;
- tables flattened to one cell per line, without separators (flattables.py).

Documents scraped without any blank line glue tables to the prose around them: the text between
two tables then looks like cells of one long row. There a row ending in a header (cells each wholly
in bold, after a cell that is not) starts a new table; a row wider than every body row above it
ends its table. The cells that end the table above are as many as its last body row has (else its
widest), the next one is the text between, and what follows opens the next table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.plans.read.flattables import flat_tables
from engine.plans.read.text import Line, clean
from engine.plans.tables.rows import TableRow

_BAR = "|"
_RULE = re.compile(r"^[-_=*\s]{3,}$")  # a drawn line under a letterhead name: "-------"
_ITALIC = re.compile(r"(?<![\w*])\*(\S[^*]*?)\*(?![\w*])")
_LONE_STAR = re.compile(r"(?:(?<=\s)|^)\*+|\*+(?=\s|$)")
_BOLD_CELL = re.compile(r"\*\*((?:(?!\*\*).)+)\*\*")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")


def cell_text(lines: list[str]) -> str:
    """A cell's lines joined with spaces, without markdown emphasis or drawn rules, cleaned."""
    parts = [s for s in (line.strip() for line in lines) if s and not _RULE.match(s)]
    text = " ".join(parts).replace("**", "").replace("__", "")
    text = _LONE_STAR.sub("", _ITALIC.sub(r"\1", text))
    return clean(text.replace("\\|", "|"))


def text_tables(lines: list[Line]) -> tuple[list[list[TableRow]], list[tuple[int, int]]]:
    """The tables of a text document in order, and the (first, last) line each covers."""
    pipe_found = _pipe_tables(lines)
    taken = {no for _, (first, last) in pipe_found for no in range(first, last + 1)}
    bar_found = _bar_tables(lines, taken)
    for rows, _ in bar_found:
        width = max(len(row.cells) for row in rows)
        for row in rows:
            row.short = len(row.cells) < width
    taken |= {no for _, (first, last) in bar_found for no in range(first, last + 1)}
    found = sorted(pipe_found + bar_found + flat_tables(lines, taken), key=lambda item: item[1])
    return [rows for rows, _ in found], [span for _, span in found]


# ------------------------------------------------------------------------------------------------
# markdown pipe tables


def _pipe_cells(text: str) -> list[str] | None:
    """The raw cells of a pipe-table line, or None when the line is not one."""
    s = text.strip()
    if s == _BAR or not _PIPE_SPLIT.search(s):
        return None
    cells = _PIPE_SPLIT.split(s)
    if s.startswith(_BAR):
        cells = cells[1:]
    if s.endswith(_BAR) and not s.endswith("\\|") and len(cells) > 1:
        cells = cells[:-1]
    return cells


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.match(c) for c in cells) and any("-" in c for c in cells)


def _pipe_tables(lines: list[Line]) -> list[tuple[list[TableRow], tuple[int, int]]]:
    found = []
    i = 0
    while i < len(lines):
        block = []
        while i < len(lines) and (cells := _pipe_cells(lines[i].text)) is not None:
            block.append((lines[i], cells))
            i += 1
        if not block:
            i += 1
            continue
        has_separator = any(_is_separator(cells) for _, cells in block)
        edged = all(line.s.startswith(_BAR) for line, _ in block)
        rows = [TableRow(line.no, [cell_text([re.sub(r"<br\s*/?>", " ", c)]) for c in cells], line.no)
                for line, cells in block if not _is_separator(cells)]
        width = max((len(row.cells) for row in rows), default=0)
        for row in rows:  # a markdown row with fewer cells leaves the last ones empty
            row.cells += [""] * (width - len(row.cells))
        # A lone `a | b` line in prose is no table: ask for a separator row, or two edged rows.
        if rows and (has_separator or (edged and len(rows) >= 2 and max(len(r.cells) for r in rows) >= 2)):
            found.append((rows, (block[0][0].no, block[-1][0].no)))
    return found


# ------------------------------------------------------------------------------------------------
# the bar layout


@dataclass
class _Cell:
    opened: int  # the `|` line before the cell
    closed: int  # the `|` line after it
    lines: list[Line]

    @property
    def text_lines(self) -> list[Line]:
        return [line for line in self.lines if line.s]

    @property
    def bold(self) -> bool:
        """Wholly one bold run ("**Tên nhiệm vụ**"), not a bold blank ("** **")."""
        parts = [line.s for line in self.text_lines if not _RULE.match(line.s)]
        match = _BOLD_CELL.fullmatch(" ".join(parts))
        return bool(match and match.group(1).strip())


def _bar_tables(lines: list[Line], taken: set[int]) -> list[tuple[list[TableRow], tuple[int, int]]]:
    bars = [k for k, line in enumerate(lines) if line.s == _BAR]
    if len(bars) < 2:
        return []
    filled = [k for k, line in enumerate(lines) if line.s]
    glued = not any(not line.s for line in lines[filled[0]:filled[-1] + 1])
    found = []
    region: list[_Cell | None] = []  # cells between the `|` lines; None marks a row end
    for a, b in zip(bars, bars[1:]):
        between = lines[a + 1:b]
        if any(not line.s or line.no in taken for line in between) and between:
            # Text holding a blank line (or a pipe table) lies between tables.
            found.extend(_region_tables(region, glued))
            region = []
            continue
        region.append(None if not between else _Cell(lines[a].no, lines[b].no, between))
    found.extend(_region_tables(region, glued))
    return found


def _runs(region: list[_Cell | None]) -> list[list[_Cell]]:
    runs, run = [], []
    for cell in region:
        if cell is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(cell)
    if run:
        runs.append(run)
    return runs


def _bold_suffix(run: list[_Cell]) -> int:
    """How many cells end the run wholly in bold (a header) after a cell that is not."""
    n = 0
    while n < len(run) and run[len(run) - 1 - n].bold:
        n += 1
    return n if 2 <= n < len(run) else 0


def _region_tables(region: list[_Cell | None], glued: bool) -> list[tuple[list[TableRow], tuple[int, int]]]:
    tables: list[list[list[_Cell]]] = []
    table: list[list[_Cell]] = []

    def tail_length(room: int) -> int:
        """How many cells of an overlong run end the table: as many as its last body row has
        (a table ends as it goes on), else its widest body row."""
        body = [len(row) for row in table if not all(c.bold for c in row)]
        if table and len(table[-1]) <= room and not all(c.bold for c in table[-1]):
            return len(table[-1])
        return min(max(body, default=0), room)

    for run in _runs(region):
        body = [len(row) for row in table if not all(c.bold for c in row)]
        width = max(body) if body else None
        head = _bold_suffix(run) if glued else 0
        if head and (len(run) > width if width is not None else not table):
            # The rest of the table above, the text between, then the header of the next table.
            tail = tail_length(len(run) - head - 1)
            if tail:
                table.append(run[:tail])
            tables.append(table)
            table = [run[-head:]]
        elif glued and width is not None and len(run) > width:
            # No table row is wider than its body rows: the rest of the table, then the text
            # between tables (one cell-like run: it holds no `|` line), then the next table.
            tail = tail_length(len(run) - 1)
            table.append(run[:tail])
            tables.append(table)
            table = [run[tail + 1:]] if len(run) > tail + 1 else []
        else:
            table.append(run)
    tables.append(table)
    out = []
    for rows in tables:
        if not rows or (len(rows) == 1 and len(rows[0]) < 2):
            continue  # a lone cell is a framed paragraph, not a table
        out.append(([_row(cells) for cells in rows], (rows[0][0].opened, rows[-1][-1].closed)))
    return out


def _row(cells: list[_Cell]) -> TableRow:
    first = next((line.no for line in cells[0].text_lines), cells[0].opened + 1)
    last = next((line.no for line in reversed(cells[-1].text_lines)), cells[-1].closed - 1)
    return TableRow(first, [cell_text([line.text for line in c.lines]) for c in cells], last)
