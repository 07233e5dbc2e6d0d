"""A document as read: its numbered prose lines and its tables, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.plans.read.text import Line
from engine.plans.tables.rows import TableRow


@dataclass
class Source:
    file: str  # the name the plan file cites (no directories)
    kind: str
    sha256: str
    encoding: str | None = None
    lines: list[Line] = field(default_factory=list)  # prose, in order
    tables: list[list[TableRow]] = field(default_factory=list)
    # .txt only, one per table: the (first, last) line it covers (its lines stay in `lines` too).
    spans: list[tuple[int, int]] = field(default_factory=list)
    # How the document was read, for the summary (Vietnamese first): "đọc bằng OCR (...)".
    notes: list[str] = field(default_factory=list)
    ocr: bool = False  # the text came from OCR of page images: confidence is lowered
