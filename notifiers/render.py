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

from engine.core.vocabulary import TEMPLATES, TaskStatus
from notifiers import template_cache
from notifiers.base import Recipient
from notifiers.htmlsplit import escape, telegram_html_problems
from notifiers.notice import Notice, digest_order, purpose_of, sections
from notifiers.words import long_date, relative_phrase, role_label, short_date, status_label

BLOCKS = ("subject", "text", "html", "telegram")
LOCALES = ("vi", "en")


class RenderError(Exception):
    """A template failed at render time; the message is `FILE:LINE: problem`."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str               # a whole HTML document, for email
    telegram: str           # Telegram HTML, for Message.html on the telegram channel


# -- template filters ---------------------------------------------------------------------

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
                                   cache_size=-1, bytecode_cache=template_cache.COMPILED[autoescape])
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
        context: dict[str, Any] = {"notices": digest_order(notices), "sections": sections(notices, locale),
                                   "recipient": recipient, "today": today, "locale": locale}
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
            html=_nfc(_HTML_PAGE.format(lang=locale, title=escape(subject),
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
        # Every `run --once` checks before sending; rendering each template with every sample
        # takes a noticeable fraction of a second, so a set found clean is not rendered again in
        # this process. Problems are never cached: their messages name this directory's files.
        key = template_cache.fingerprint(self.templates_dir, self.default_locale)
        if template_cache.known_clean(key):
            return []
        problems = self._problems()
        if not problems:
            template_cache.remember_clean(key)
        return problems

    def _problems(self) -> list[str]:
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
            context: dict[str, Any] = {"notices": digest_order(notices), "sections": sections(notices, locale),
                                       "recipient": recipient, "today": _SAMPLE_TODAY, "locale": locale}
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
    """Notices of every shape a template may meet (every digest section too), to render under
    StrictUndefined."""
    t = _SAMPLE_TODAY
    base = dict(template=template, rule_id="mau", level=0, require_ack=False, urgent=False,
                plan_title="Kế hoạch cải cách hành chính năm 2025", deadline="Trước 15/10/2025",
                start=date(2025, 1, 2), status=TaskStatus.OPEN, lead_unit="Tư pháp - Hộ tịch",
                assignee_name="Hoàng Văn Em", recipient_role="assignee", due_kind="date")
    no_date = {"deadline": None, "start": None, "lead_unit": None, "assignee_name": None,
               "recipient_role": "lead_unit_head", "due": None, "working_days_left": None}
    shapes = [
        dict(base, task_id=1, task_ref="1", task_title="Ban hành Kế hoạch CCHC năm 2025",
             due=t + timedelta(days=4), working_days_left=3, days_overdue=None),
        dict(base, task_id=2, task_ref="2", task_title="Báo cáo CCHC quý IV", due=t,
             working_days_left=0, days_overdue=None, status=TaskStatus.IN_PROGRESS),
        dict(base, task_id=3, task_ref="3.1", task_title='Rà soát TTHC <b>&</b> "một cửa"',
             due=t - timedelta(days=7), working_days_left=-5, days_overdue=7, level=2, require_ack=True,
             urgent=True, recipient_role="role:chairman"),
        dict(base, task_id=4, task_ref="BC-QUY/2025-Q4", task_title="Tuyên truyền CCHC", days_overdue=None,
             **no_date),
        dict(base, task_id=5, task_ref="5", task_title="Số hóa hồ sơ TTHC", due=t - timedelta(days=2),
             working_days_left=-2, days_overdue=2),
        dict(base, task_id=6, task_ref="6", task_title="Khảo sát sự hài lòng", days_overdue=None,
             **{**no_date, "due_kind": "event", "deadline": "Sau khi công bố chỉ số PAPI"}),
    ]
    if template == "digest":
        shapes.append(dict(base, task_id=7, task_ref="7", task_title="Kiểm tra công vụ", days_overdue=None,
                           **{**no_date, "template": "needs_assignment", "recipient_role": "role:admin"}))
    return [Notice(i, **s, purpose=purpose_of(s, t)) for i, s in enumerate(shapes, start=1)]
