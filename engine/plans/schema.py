"""The plan file: the canonical, reviewable form of a commune plan (see README, "Plan file")."""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.core.cchc import DOMAINS, Domain, domain_named


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Period(_Strict):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        return self


class SourceDocument(_Strict):
    file: Optional[str] = None
    sha256: Optional[str] = None


class SourceLines(_Strict):
    file: Optional[str] = None
    lines: Optional[tuple[int, int]] = None
    confidence: Optional[float] = Field(default=None, ge=0, le=1)

    @field_validator("lines")
    @classmethod
    def _ordered(cls, value: Optional[tuple[int, int]]) -> Optional[tuple[int, int]]:
        if value is not None and not 1 <= value[0] <= value[1]:
            raise ValueError("must be [first, last] with 1 <= first <= last")
        return value


class PlanMeta(_Strict):
    code: Optional[str] = None
    title: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    year: int = Field(ge=1990, le=2100)
    period: Optional[Period] = None
    issued: Optional[date] = None
    source: Optional[SourceDocument] = None

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def span(self) -> tuple[date, date]:
        """The plan period, the whole plan year when not stated."""
        if self.period is not None:
            return self.period.start, self.period.end
        return date(self.year, 1, 1), date(self.year, 12, 31)


class _Item(_Strict):
    ref: str = Field(min_length=1)
    title: str = Field(min_length=1)
    lead: Optional[str] = None
    deadline: Optional[str] = None
    start: Optional[date] = None
    due: Optional[date] = None
    assignee: Optional[str] = None
    tags: list[str] = Field(default_factory=list)
    source: Optional[SourceLines] = None

    @field_validator("ref", mode="before")
    @classmethod
    def _ref_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("ref")
    @classmethod
    def _ref_plain(cls, value: str) -> str:
        if "/" in value:
            raise ValueError("may not contain '/', which dondoc uses for occurrences (ref/2025-Q1)")
        return value

    @field_validator("domain", mode="before", check_fields=False)
    @classmethod
    def _domain(cls, value: Any) -> Any:
        if isinstance(value, str):
            # Admins may write a domain as its id or as the Vietnamese heading the plan uses.
            found = domain_named(value)
            if found is None:
                raise ValueError(f"unknown domain; use one of {', '.join(DOMAINS)}")
            return found
        return value

    @model_validator(mode="after")
    def _dates(self) -> "_Item":
        if self.start and self.due and self.due < self.start:
            raise ValueError(f"due {self.due.isoformat()} is before start {self.start.isoformat()}")
        if self.start and not self.due and not self.deadline:
            raise ValueError("a start without a due day or deadline phrase")
        return self


class TaskItem(_Item):
    domain: str = Domain.OTHER.value
    section: Optional[str] = None  # the plan's section heading when it names no domain
    product: Optional[str] = None
    support: list[str] = Field(default_factory=list)

    @field_validator("support", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ReportItem(_Item):
    domain: str = Domain.DIRECTION.value
    recipient: Optional[str] = None


class PlanFile(_Strict):
    plan: PlanMeta
    tasks: list[TaskItem] = Field(default_factory=list)
    reports: list[ReportItem] = Field(default_factory=list)
