"""The shape of config/rules.yaml. Unknown keys are refused; defaults are filled in here."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from engine.core.vocabulary import CHAT, Channel, Template
from engine.infra.yamlfile import LocaleCode
from rules.durations import Duration, parse_duration

DurationField = Annotated[Duration, BeforeValidator(parse_duration)]
# What a rule may name: a channel, or `chat` (the person's preferred chat app, rules.evaluate).
CHANNELS = (*(c.value for c in Channel), CHAT)
TRIGGERS = ("before_due", "on_due", "after_due", "after_start", "every")
# Triggers anchored on the due day: they never fire for work that has none.
DUE_TRIGGERS = ("before_due", "on_due", "after_due")


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, (str, int, bool)) else value


ListField = Annotated[Optional[list[str]], BeforeValidator(_listify)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Window(_Strict):
    start: time = time(7, 30)
    end: time = time(17, 0)
    working_days_only: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end <= self.start:
            raise ValueError(f"giờ kết thúc {self.end:%H:%M} không sau giờ bắt đầu {self.start:%H:%M} / "
                             f"end {self.end:%H:%M} is not after start {self.start:%H:%M}")
        return self


class Defaults(_Strict):
    channels: Annotated[list[str], BeforeValidator(_listify)] = [Channel.TELEGRAM.value, Channel.EMAIL.value]
    send_window: Window = Window()
    locale: LocaleCode = "vi"
    template: str = Template.REMINDER.value
    max_catch_up: DurationField = Duration(7, "days")
    ack_holds_for: DurationField = Duration(5, "working_days")


class Match(_Strict):
    status: ListField = None
    kind: ListField = None
    domain: ListField = None
    lead_unit: ListField = None
    plan: ListField = None
    tags: ListField = None
    type: ListField = None
    occurrence: Optional[bool] = None


class Repeat(_Strict):
    every: DurationField
    max: int = Field(ge=1, le=100)


class Escalate(_Strict):
    level: int = Field(ge=1, le=9)
    require_ack: bool = False


class Rule(_Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: Optional[str] = None
    enabled: bool = True
    match: Match = Match()
    before_due: Optional[DurationField] = None
    on_due: Optional[bool] = None
    after_due: Optional[DurationField] = None
    after_start: Optional[DurationField] = None
    every: Optional[Union[Duration, str]] = None   # a Duration, or "month" (with day:)
    day: Optional[int] = Field(default=None, ge=1, le=31)
    repeat: Optional[Repeat] = None
    notify: Annotated[list[str], BeforeValidator(_listify)] = Field(min_length=1)
    channels: Annotated[Optional[list[str]], BeforeValidator(_listify)] = None
    template: Optional[str] = None
    urgent: bool = False
    escalate: Optional[Escalate] = None

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("month", "tháng"):
            return "month"
        return None if value is None else parse_duration(value)

    @field_validator("on_due")
    @classmethod
    def _on_due_true(cls, value: Optional[bool]) -> Optional[bool]:
        if value is False:
            raise ValueError("ghi on_due: true, hoặc bỏ khóa này / write on_due: true, or leave it out")
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> "Rule":
        given = [t for t in TRIGGERS if getattr(self, t) is not None]
        if not given:
            raise ValueError(f"quy tắc {self.id!r} chưa có thời điểm kích hoạt / rule {self.id!r} has no trigger "
                             f"(cần một trong / give one of: {', '.join(TRIGGERS)})")
        if len(given) > 1:
            raise ValueError(f"quy tắc {self.id!r} có {len(given)} thời điểm kích hoạt ({', '.join(given)}), "
                             f"mỗi quy tắc chỉ một / rule {self.id!r} has {len(given)} triggers; give one per rule")
        if self.day is not None and self.every != "month":
            raise ValueError("day: chỉ dùng cùng every: month / day only goes with every: month")
        if self.every == "month" and self.day is None:
            raise ValueError("every: month cần day: (ngày trong tháng, 1-31) / "
                             "every: month needs day: (the day of the month, 1-31)")
        if self.every is not None and self.repeat is not None:
            raise ValueError("repeat không dùng được với every: (chu kỳ đã tự lặp lại) / "
                             "repeat has no meaning with every: (the cadence already repeats)")
        return self

    @property
    def trigger(self) -> str:
        return next(t for t in TRIGGERS if getattr(self, t) is not None)

    @property
    def level(self) -> int:
        return self.escalate.level if self.escalate else 0


class RuleFile(_Strict):
    defaults: Defaults = Defaults()
    rules: list[Rule] = Field(default_factory=list)
