"""What extraction produces before it is rendered: draft plan metadata, tasks, reports, review items.

Errors:

    DondocError
     └── ExtractError       the document cannot be read at all (unsupported type, undecodable,
                            scanned PDF without a text layer, no plan year); names the file
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from engine.infra.errors import DondocError


class ExtractError(DondocError):
    """A document dondoc cannot extract a plan from; the message names the file."""

    def __init__(self, file: str, message: str, hint: str | None = None):
        self.file, self.message, self.hint = file, message, hint
        text = f"{file}: {message}"
        super().__init__(f"{text} ({hint})" if hint else text)


@dataclass
class PlanDraft:
    title: str
    issuer: str
    year: int
    start: date
    end: date
    code: str | None = None
    issued: date | None = None
    file: str = ""
    sha256: str = ""
    # The plan period as a deadline phrase ("Năm 2025", "6 tháng cuối năm 2025").
    period_phrase: str = ""


@dataclass
class TaskDraft:
    ref: str
    title: str
    domain: str = "other"
    lead: str | None = None
    support: list[str] = field(default_factory=list)
    deadline: str | None = None
    product: str | None = None
    lines: tuple[int, int] = (1, 1)
    confidence: float = 0.9
    notes: list[str] = field(default_factory=list)  # why the confidence is lowered
    section: str | None = None  # the table/prose section title when it names no domain


@dataclass
class ReportDraft:
    ref: str
    title: str
    lead: str | None = None
    recipient: str | None = None
    deadline: str | None = None
    lines: tuple[int, int] = (1, 1)
    confidence: float = 0.8
    notes: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)  # topics of the sentence, to tell like reports apart


@dataclass
class ReviewItem:
    lines: tuple[int, int]
    text: str
    why: str

    def to_json(self) -> dict:
        """JSON-ready form."""
        return {"lines": list(self.lines), "text": self.text, "why": self.why}
