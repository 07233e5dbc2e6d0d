"""Cadence words of a deadline phrase: "hằng ngày", "hằng quý", "định kỳ 06 tháng", "theo quý, năm".

`cadence` gives the frequency a phrase repeats at (its shortest cycle when it lists several);
`next_year` tells that the phrase's day falls in the year after each plan year ("trước ngày 30
tháng 01 của năm tiếp theo": the report on one year is due early the next).
"""

from __future__ import annotations

import re

# "listed": the phrase lists its occurrences one by one ("Tháng 6, tháng 12") without a cadence.
FREQS = ("daily", "monthly", "quarterly", "semiannual", "yearly", "listed")
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}

_EVERY = r"(?:hằng|hàng|mỗi|định kỳ)\s*"
_UNIT_GUARD = r"(?!\s*(?:\d|[ivx]+(?!\w)))"
_SIX = r"(?:0?6|sáu)"
_CADENCE = [
    # "hằng ngày", "mỗi ngày", "02 lần/ngày" (several times a day is still one due day a day).
    ("daily", re.compile(r"(?:hằng|hàng|mỗi)\s*ngày(?!\s*\d)|\d{1,2}\s*lần\s*/\s*ngày")),
    ("monthly", re.compile(rf"{_EVERY}tháng{_UNIT_GUARD}")),
    ("quarterly", re.compile(rf"{_EVERY}quý{_UNIT_GUARD}")),
    ("yearly", re.compile(rf"{_EVERY}năm{_UNIT_GUARD}|thường niên")),
]
# "định kỳ 06 tháng", "hằng 3 tháng", "6 tháng một lần": a cycle counted in months.
_EVERY_N_MONTHS = re.compile(rf"{_EVERY}(?P<n>\d{{1,2}}|một|ba|sáu)\s*tháng(?!\s*(?:đầu|cuối))"
                             r"|(?P<m>\d{1,2}|một|ba|sáu)\s*tháng\s*(?:một|1)\s*lần")
_N_MONTHS = {1: "monthly", 3: "quarterly", 6: "semiannual", 12: "yearly"}
_NUMBER_WORDS = {"một": 1, "ba": 3, "sáu": 6}
_UNIT = rf"(?:quý|{_SIX}\s*tháng(?!\s*(?:đầu|cuối))|tháng|năm){_UNIT_GUARD}"
_CADENCE_LIST = re.compile(rf"(?:^|\s)theo\s*(?:định kỳ\s*)?({_UNIT}(?:\s*(?:,|và|/)\s*{_UNIT})*)")
_UNIT_FREQ = {"quý": "quarterly", "tháng": "monthly", "năm": "yearly"}


def cadence(s: str) -> str | None:
    """The frequency folded phrase `s` states, or None."""
    freqs = {freq for freq, pattern in _CADENCE if pattern.search(s)}
    for m in _EVERY_N_MONTHS.finditer(s):
        n = m["n"] or m["m"]
        if freq := _N_MONTHS.get(_NUMBER_WORDS.get(n) or int(n)):
            freqs.add(freq)
    for m in _CADENCE_LIST.finditer(s):
        for unit in re.findall(rf"{_SIX}\s*tháng|quý|tháng|năm", m[1]):
            freqs.add(_UNIT_FREQ.get(unit, "semiannual"))
    # A report cadence list ("theo quý, 6 tháng, năm") is driven by its shortest cycle.
    return min(freqs, key=FREQS.index) if freqs else None


# "của năm tiếp theo", "năm sau", "năm kế tiếp" (one year; "các năm tiếp theo" is open-ended).
_NEXT_YEAR = re.compile(r"(?<!các )(?<!những )(?<!\w)năm\s*(?:tiếp\s*theo|sau|kế\s*tiếp)(?!\w)")


def next_year(s: str) -> bool:
    """Does the phrase put its day in the year after the one it reports on?"""
    return _NEXT_YEAR.search(s) is not None

