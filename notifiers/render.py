"""Messages from admin-editable Jinja2 templates: `config/templates/<locale>/<name>.j2`.

Each template file defines four blocks: `subject`, `text` (plain text), `html` (email body) and
`telegram` (Telegram's HTML subset: b, i, u, s, a, code, pre). Admins edit these files, so they
run in a sandbox with StrictUndefined, and HTML parts are autoescaped. Templates are read once
per Renderer: an edit takes effect in a new Renderer, after `check()` has passed it.

    RenderError(Exception)   a template failed while rendering; the message names file:line.
                             `check()` is meant to find every such case before anything is sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError, pass_context
from jinja2.sandbox import SandboxedEnvironment

from engine.core.calendar import WorkCalendar
from notifiers.base import Recipient
from notifiers.htmlsplit import telegram_html_problems

TEMPLATES = ("reminder", "due_today", "overdue", "escalation", "digest", "check_in", "needs_date")
BLOCKS = ("subject", "text", "html", "telegram")
LOCALES = ("vi", "en")

_WEEKDAYS = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_PHRASES = {
    "vi": {"none": "chưa có ngày hạn", "today": "hạn hôm nay", "overdue": "quá hạn {n} ngày",
           "left": "còn {n} ngày làm việc", "left_calendar": "còn {n} ngày"},
    "en": {"none": "no due date", "today": "due today", "overdue": "{n} day{s} overdue",
           "left": "{n} working day{s} left", "left_calendar": "{n} day{s} left"},
}
_ROLES = {
    "vi": {"assignee": "người được giao", "lead_unit_head": "trưởng đơn vị chủ trì",
           "support_units": "đơn vị phối hợp", "chairman": "Chủ tịch UBND xã",
           "supervisor": "lãnh đạo", "admin": "quản trị viên", "officer": "công chức"},
    "en": {"assignee": "assignee", "lead_unit_head": "head of the lead unit",
           "support_units": "supporting unit", "chairman": "commune chairman",
           "supervisor": "supervisor", "admin": "administrator", "officer": "officer"},
}
_STATUSES = {
    "vi": {"open": "chưa bắt đầu", "in_progress": "đang thực hiện", "done": "đã hoàn thành",
           "cancelled": "đã hủy"},
    "en": {"open": "not started", "in_progress": "in progress", "done": "done",
           "cancelled": "cancelled"},
}


class RenderError(Exception):
    """A template failed at render time; the message is `FILE:LINE: problem`."""


@dataclass(frozen=True)
class Notice:
    """One notification as a message needs it (dispatch builds these from DB rows)."""

    notification_id: int
    template: str           # one of TEMPLATES (or a template an admin added)
    rule_id: str
    level: int              # 0 reminder, >=1 escalation level
    require_ack: bool
    urgent: bool
    task_id: int
    task_ref: str
    task_title: str
    plan_title: str
    deadline: str | None    # the phrase as written in the plan
    due: date | None
    start: date | None
    status: str             # open | in_progress | done | cancelled
    lead_unit: str | None
    assignee_name: str | None
    recipient_role: str     # assignee, lead_unit_head, role:chairman ...
    working_days_left: int | None   # negative when overdue
    days_overdue: int | None        # calendar days past due, None if not overdue


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str               # a whole HTML document, for email
    telegram: str           # Telegram HTML, for Message.html on the telegram channel


# -- helpers (also the templates' filters) -------------------------------------------------

def _lang(locale: str) -> str:
    return locale if locale in _WEEKDAYS else "en"


def weekday_name(d: date, locale: str = "vi") -> str:
    """'Thứ Hai' ... 'Chủ Nhật' (or Monday ... Sunday)."""
    return _WEEKDAYS[_lang(locale)][d.weekday()]


def long_date(d: date | None, locale: str = "vi") -> str:
    """'Thứ Hai, 15/10/2025' / 'Monday, 15/10/2025'; the no-due-date phrase for None."""
    if d is None:
        return _PHRASES[_lang(locale)]["none"]
    return f"{weekday_name(d, locale)}, {d:%d/%m/%Y}"


def short_date(d: date | None, locale: str = "vi") -> str:
    """'15/10/2025'; the no-due-date phrase for None."""
    return _PHRASES[_lang(locale)]["none"] if d is None else f"{d:%d/%m/%Y}"


def relative_phrase(due: date | None, today: date, working_days_left: int | None = None,
                    days_overdue: int | None = None, locale: str = "vi") -> str:
    """'còn 3 ngày làm việc', 'hạn hôm nay', 'quá hạn 2 ngày' (and the English forms)."""
    words = _PHRASES[_lang(locale)]
    if due is None:
        return words["none"]
    if days_overdue is None and due < today:
        days_overdue = (today - due).days
    if days_overdue:
        return words["overdue"].format(n=days_overdue, s="" if days_overdue == 1 else "s")
    if due <= today:
        return words["today"]
    if working_days_left is not None and working_days_left > 0:
        return words["left"].format(n=working_days_left, s="" if working_days_left == 1 else "s")
    # Due later but no working day in between (a due day on a Sunday, seen on Friday).
    n = (due - today).days
    return words["left_calendar"].format(n=n, s="" if n == 1 else "s")


def countdown(calendar: WorkCalendar, due: date | None, today: date) -> tuple[int | None, int | None]:
    """(working_days_left, days_overdue) for a Notice; the first is negative once the due day passed."""
    if due is None:
        return None, None
    return calendar.working_days_between(today, due), ((today - due).days if today > due else None)


def role_label(role: str, locale: str = "vi") -> str:
    """How a recipient role reads in a message: 'role:chairman' -> 'Chủ tịch UBND xã'."""
    key = role.split(":", 1)[1] if role.startswith(("role:", "person:")) else role
    return _ROLES[_lang(locale)].get(key, key)


def status_label(status: str, locale: str = "vi") -> str:
    """A task status in words: 'in_progress' -> 'đang thực hiện'."""
    return _STATUSES[_lang(locale)].get(status, status)


def digest_order(notices: Sequence[Notice]) -> list[Notice]:
    """Overdue first, then by due day; work without a due day last."""
    return sorted(notices, key=lambda n: (not n.days_overdue, n.due or date.max, n.task_id))


def _localised(fn: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def filt(ctx: Any, value: Any, *args: Any) -> str:
        return fn(value, *args, locale=ctx["locale"])
    return filt


@pass_context
def _relative_filter(ctx: Any, notice: Notice) -> str:
    return relative_phrase(notice.due, ctx["today"], notice.working_days_left, notice.days_overdue,
                           ctx["locale"])


# -- rendering -------------------------------------------------------------------------

_HTML_PAGE = ('<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
              '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
              '<title>{title}</title>\n</head>\n'
              '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; '
              'line-height: 1.5; color: #1a1a1a; max-width: 640px;">\n{body}\n</body>\n</html>\n')


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _escape_attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Renderer:
    """Renders Notices for one recipient through the templates of their locale."""

    def __init__(self, templates_dir: Path, default_locale: str = "vi"):
        self.templates_dir = Path(templates_dir)
        self.default_locale = default_locale
        # Subject and text must not be HTML-escaped; html and telegram must be.
        self._plain = self._environment(autoescape=False)
        self._escaped = self._environment(autoescape=True)

    def _environment(self, autoescape: bool) -> SandboxedEnvironment:
        env = SandboxedEnvironment(loader=FileSystemLoader(str(self.templates_dir)),
                                   undefined=StrictUndefined, autoescape=autoescape,
                                   trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                                   cache_size=-1)
        env.filters.update(long_date=_localised(long_date), short_date=_localised(short_date),
                           role=_localised(role_label), status=_localised(status_label),
                           relative=_relative_filter)
        return env

    def _locale_for(self, locale: str, name: str) -> str:
        if (self.templates_dir / locale / f"{name}.j2").is_file():
            return locale
        return self.default_locale

    def display_path(self, locale: str, name: str) -> str:
        """The template's path as messages show it (relative to the working directory if inside)."""
        path = self.templates_dir / locale / f"{name}.j2"
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def render(self, notices: Sequence[Notice], recipient: Recipient, today: date) -> Rendered:
        """One notice through its own template; several through `digest`, overdue first."""
        if not notices:
            raise ValueError("nothing to render")
        name = notices[0].template if len(notices) == 1 else "digest"
        locale = self._locale_for(recipient.locale, name)
        context: dict[str, Any] = {"notices": digest_order(notices), "recipient": recipient,
                                   "today": today, "locale": locale}
        if len(notices) == 1:
            context["notice"] = notices[0]
        try:
            parts = {block: self._block(locale, name, block, context) for block in BLOCKS}
        except RenderError:
            raise
        except Exception as exc:   # the sandbox runs admin code: any failure names its line
            raise RenderError(self._describe(exc, locale, name)) from exc
        subject = " ".join(parts["subject"].split())
        return Rendered(
            subject=_nfc(subject),
            text=_nfc(_tidy(parts["text"])),
            html=_nfc(_HTML_PAGE.format(lang=locale, title=_escape_attr(subject),
                                        body=parts["html"].strip())),
            telegram=_nfc(_tidy(parts["telegram"])),
        )

    def _block(self, locale: str, name: str, block: str, context: dict[str, Any]) -> str:
        env = self._escaped if block in ("html", "telegram") else self._plain
        template = env.get_template(f"{locale}/{name}.j2")
        if block not in template.blocks:
            raise RenderError(f"{self.display_path(locale, name)}:1: missing block {block!r}")
        return "".join(template.blocks[block](template.new_context(context)))

    def _describe(self, exc: BaseException, locale: str, name: str) -> str:
        path = self.display_path(locale, name)
        if isinstance(exc, TemplateSyntaxError):
            return f"{path}:{exc.lineno}: {exc.message}"
        if isinstance(exc, UnicodeDecodeError):
            return f"{path}:1: not UTF-8 text"
        if isinstance(exc, TemplateError):
            return f"{path}:{self._line(exc, locale, name)}: {exc.message}"
        return f"{path}:{self._line(exc, locale, name)}: {type(exc).__name__}: {exc}"

    def _line(self, exc: BaseException, locale: str, name: str) -> int:
        template = self._plain.get_template(f"{locale}/{name}.j2")
        line, tb = 1, exc.__traceback__
        while tb is not None:
            # Frames of the compiled template carry the template's file name; Jinja maps
            # their Python line numbers back to template lines.
            if tb.tb_frame.f_code.co_filename == template.filename:
                line = template.get_corresponding_lineno(tb.tb_lineno)
            tb = tb.tb_next
        return line

    # -- checking ----------------------------------------------------------------------

    def check(self) -> list[str]:
        """Every problem in the templates, one `FILE:LINE: message` each; [] when all is well."""
        problems: list[str] = []
        locales = sorted(set(LOCALES) | {p.name for p in self.templates_dir.iterdir() if p.is_dir()}
                         if self.templates_dir.is_dir() else set(LOCALES))
        extra = {p.stem for p in self.templates_dir.glob("*/*.j2")} - set(TEMPLATES)
        for locale in locales:
            for name in [*TEMPLATES, *sorted(extra)]:
                if not (self.templates_dir / locale / f"{name}.j2").is_file():
                    # An admin's extra template may exist in the default locale only: others fall back.
                    if (name in TEMPLATES and locale in LOCALES) or locale == self.default_locale:
                        problems.append(f"{self.display_path(locale, name)}:1: missing "
                                        f"(every locale needs {', '.join(TEMPLATES)})")
                    continue
                problems.extend(self._check_one(locale, name))
        return list(dict.fromkeys(problems))

    def _check_one(self, locale: str, name: str) -> list[str]:
        path = self.display_path(locale, name)
        try:
            template = self._plain.get_template(f"{locale}/{name}.j2")
            self._escaped.get_template(f"{locale}/{name}.j2")
        except Exception as exc:
            return [self._describe(exc, locale, name)]
        missing = [b for b in BLOCKS if b not in template.blocks]
        if missing:
            return [f"{path}:1: missing block {', '.join(repr(b) for b in missing)} "
                    f"(every template needs {', '.join(BLOCKS)})"]
        problems = []
        recipient = Recipient(code="mau", name="Nguyễn Văn Mẫu", email="mau@example.org",
                              telegram="100", locale=locale)
        shapes = _sample_notices(name)
        cases = [shapes] if name == "digest" else [[n] for n in shapes]
        for notices in cases:
            context: dict[str, Any] = {"notices": digest_order(notices), "recipient": recipient,
                                       "today": _SAMPLE_TODAY, "locale": locale}
            if name != "digest":
                context["notice"] = notices[0]
            for block in BLOCKS:
                try:
                    out = self._block(locale, name, block, context)
                except Exception as exc:
                    problems.append(self._describe(exc, locale, name))
                    continue
                if block == "subject" and not out.strip():
                    problems.append(f"{path}:{_block_line(template, block)}: the subject is empty")
                if block == "telegram":
                    problems.extend(f"{path}:{_block_line(template, block)}: telegram block: {p}"
                                    for p in telegram_html_problems(out))
        return problems


def _block_line(template: Any, block: str) -> int:
    source = Path(template.filename).read_text(encoding="utf-8")
    match = re.search(r"\{%-?\s*block\s+" + block + r"\b", source)
    return source.count("\n", 0, match.start()) + 1 if match else 1


_SAMPLE_TODAY = date(2025, 10, 13)


def _sample_notices(template: str) -> list[Notice]:
    """Notices of every shape a template may meet, to render under StrictUndefined."""
    t = _SAMPLE_TODAY
    base = dict(template=template, rule_id="mau", level=0, require_ack=False, urgent=False,
                plan_title="Kế hoạch cải cách hành chính năm 2025", deadline="Trước 15/10/2025",
                start=date(2025, 1, 2), status="open", lead_unit="Tư pháp - Hộ tịch",
                assignee_name="Hoàng Văn Em", recipient_role="assignee")
    return [
        Notice(1, task_id=1, task_ref="1", task_title="Ban hành Kế hoạch CCHC năm 2025",
               due=t + timedelta(days=4), working_days_left=3, days_overdue=None, **base),
        Notice(2, task_id=2, task_ref="2", task_title="Báo cáo CCHC quý IV", due=t,
               working_days_left=0, days_overdue=None, **{**base, "status": "in_progress"}),
        Notice(3, task_id=3, task_ref="3.1", task_title='Rà soát TTHC <b>&</b> "một cửa"',
               due=t - timedelta(days=7), working_days_left=-5, days_overdue=7,
               **{**base, "level": 2, "require_ack": True, "urgent": True,
                  "recipient_role": "role:chairman"}),
        Notice(4, task_id=4, task_ref="BC-QUY/2025-Q4", task_title="Tuyên truyền CCHC", due=None,
               working_days_left=None, days_overdue=None,
               **{**base, "deadline": None, "start": None, "lead_unit": None, "assignee_name": None,
                  "recipient_role": "lead_unit_head"}),
    ]
