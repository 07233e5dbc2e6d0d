"""A server-rendered SVG line chart of cumulative counts over a period: no JavaScript needed.

The dashboard draws, for the tasks in the viewer's scope, how many were due by each day of the
plan period and how many were done by then (engine/web/pages/dashboard.py builds the series).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from itertools import accumulate

from markupsafe import Markup

WIDTH, HEIGHT = 420, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 34, 10, 14, 22


@dataclass(frozen=True)
class Series:
    """One line: a label, a CSS class (its colour in style.css), and how many events happened by
    each day (`days` sorted, `totals[i]` the count up to and including `days[i]`)."""

    label: str
    css: str
    days: tuple[date, ...]
    totals: tuple[int, ...]

    def count_by(self, day: date) -> int:
        """How many events happened on or before `day`."""
        i = bisect_right(self.days, day)
        return self.totals[i - 1] if i else 0


def series(label: str, css: str, days: list[date] | dict[date, int]) -> Series:
    """A line from the days events happened (a list), or from a count per day (a mapping)."""
    counts = Counter(days) if not isinstance(days, dict) else days
    ordered = sorted(counts)
    return Series(label, css, tuple(ordered), tuple(accumulate(counts[d] for d in ordered)))


def _ticks(top: int) -> list[int]:
    """About five round y-axis values from 0 to at least `top`."""
    if top <= 0:
        return [0, 1]
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        step = candidate
        if top / candidate <= 5:
            break
    else:
        step = max(1, -(-top // 5))
    last = -(-top // step) * step
    return list(range(0, last + 1, step))


def _month_starts(start: date, end: date) -> list[date]:
    first = date(start.year, start.month, 1)
    if first < start:
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    out = []
    while first <= end:
        out.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return out


def line_chart(lines: list[Series], start: date, end: date, today: date | None = None, *,
               title: str, width: int = WIDTH, height: int = HEIGHT) -> Markup:
    """An <svg> with one polyline per series from `start` to `end`, a 'today' rule and axes
    (the key goes under it in HTML: `legend`).

    The SVG scales to its container (viewBox, width 100%); its <title> and <desc> say in words what
    it shows, for screen readers.
    """
    if end < start:
        start, end = end, start
    span = max((end - start).days, 1)
    plot_w, plot_h = width - PAD_LEFT - PAD_RIGHT, height - PAD_TOP - PAD_BOTTOM
    top = max([s.count_by(end) for s in lines] + [1])
    ticks = _ticks(top)
    y_max = ticks[-1] or 1

    def x(day: date) -> float:
        return PAD_LEFT + plot_w * min(max((day - start).days, 0), span) / span

    def y(value: int) -> float:
        return PAD_TOP + plot_h * (1 - value / y_max)

    step = max(1, span // 120)   # at most ~120 points a line
    days = [start + timedelta(days=i) for i in range(0, span + 1, step)]
    if days[-1] != end:
        days.append(end)
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="chart-title">{escape(title)}</title>',
           f'<desc id="chart-desc">{escape(_describe(lines, start, end, today))}</desc>']
    for tick in ticks:   # horizontal grid and y labels
        out.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{width - PAD_RIGHT}" y1="{y(tick):.1f}" '
                   f'y2="{y(tick):.1f}"/>')
        out.append(f'<text class="axis" x="{PAD_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    months = _month_starts(start, end)
    every = max(1, -(-len(months) // 6))
    for i, month in enumerate(months):   # month ticks on the x axis
        out.append(f'<line class="grid" x1="{x(month):.1f}" x2="{x(month):.1f}" y1="{PAD_TOP}" '
                   f'y2="{PAD_TOP + plot_h}"/>')
        if i % every == 0:
            out.append(f'<text class="axis" x="{x(month):.1f}" y="{PAD_TOP + plot_h + 16}" '
                       f'text-anchor="middle">{month.month}/{month.year % 100:02d}</text>')
    if today is not None and start <= today <= end:
        out.append(f'<line class="today" x1="{x(today):.1f}" x2="{x(today):.1f}" y1="{PAD_TOP}" '
                   f'y2="{PAD_TOP + plot_h}"/>')
        out.append(f'<text class="axis today-label" x="{x(today) + 3:.1f}" y="{PAD_TOP + 10}">hôm nay</text>')
    for s in lines:
        shown = [d for d in days if today is None or s.css != "done" or d <= today]
        points = " ".join(f"{x(d):.1f},{y(s.count_by(d)):.1f}" for d in shown)
        out.append(f'<polyline class="line {escape(s.css)}" points="{points}"><title>{escape(s.label)}'
                   f'</title></polyline>')
    out.append("</svg>")
    return Markup("".join(out))


def legend(lines: list[Series], when: date) -> Markup:
    """The chart's key as HTML under it (readable at any width), with each line's count on `when`."""
    items = "".join(f'<li><span class="swatch {escape(s.css)}" aria-hidden="true"></span>{escape(s.label)}: '
                    f'<strong>{s.count_by(when)}</strong></li>' for s in lines)
    return Markup(f'<ul class="chart-key">{items}</ul>')


def _describe(lines: list[Series], start: date, end: date, today: date | None) -> str:
    when = today if today is not None and start <= today <= end else end
    parts = [f"{s.label}: {s.count_by(when)}" for s in lines]
    return (f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}; tính đến {when:%d/%m/%Y}: " + "; ".join(parts) + ".")
