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
HINT = 'ví dụ / e.g. "2d", "12h", "2 working days", "2 ngày làm việc"'
# Vietnamese first; the English half reads as it always did, so a search for it still finds it.
NOT_A_DURATION = "không đọc được khoảng thời gian / {value!r} is not a duration"


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
        raise ValueError(f"{NOT_A_DURATION.format(value=value)} ({HINT})")
    if isinstance(value, int):
        raise ValueError(f"{NOT_A_DURATION.format(value=value)}: cần ghi đơn vị / say which unit ({HINT})")
    text = " ".join(unicodedata.normalize("NFC", value).strip().lower().split())
    for pattern, unit in _PATTERNS:
        match = pattern.match(text)
        if match:
            return Duration(int(match.group(1)), unit)
    raise ValueError(f"{NOT_A_DURATION.format(value=value)} ({HINT})")
