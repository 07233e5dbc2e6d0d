"""Durations as admins write them: `7d`, `12h`, `3 working days`, `3 ngày làm việc`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_PATTERNS = [
    (re.compile(r"^(\d+)\s*d$"), "days"),
    (re.compile(r"^(\d+)\s*h$"), "hours"),
    (re.compile(r"^(\d+)\s+(?:working|business)\s+days?$"), "working_days"),
    (re.compile(r"^(\d+)\s+days?$"), "days"),
    (re.compile(r"^(\d+)\s+hours?$"), "hours"),
    (re.compile(r"^(\d+)\s+ngày\s+làm\s+việc$"), "working_days"),
    (re.compile(r"^(\d+)\s+ngày$"), "days"),
    (re.compile(r"^(\d+)\s+giờ$"), "hours"),
]
HINT = 'try "2d", "12h", "2 working days" or "2 ngày làm việc"'


@dataclass(frozen=True)
class Duration:
    """An amount of calendar days, hours or working days."""

    amount: int
    unit: str   # days | hours | working_days

    def __str__(self) -> str:
        return {"days": f"{self.amount}d", "hours": f"{self.amount}h",
                "working_days": f"{self.amount} working day{'s' if self.amount != 1 else ''}"}[self.unit]


def parse_duration(value: object) -> Duration:
    """Read a duration; anything else raises ValueError with a hint in the admin's terms."""
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{value!r} is not a duration ({HINT})")
    if isinstance(value, int):
        raise ValueError(f"{value!r} is not a duration: say which unit ({HINT})")
    text = " ".join(unicodedata.normalize("NFC", value).strip().lower().split())
    for pattern, unit in _PATTERNS:
        match = pattern.match(text)
        if match:
            return Duration(int(match.group(1)), unit)
    raise ValueError(f"{value!r} is not a duration ({HINT})")
