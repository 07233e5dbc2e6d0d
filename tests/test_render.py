"""Rendering notifications from the shipped templates, and checking templates admins edit."""

from __future__ import annotations

import shutil
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from engine.core.calendar import WorkCalendar
from notifiers.base import Recipient
from notifiers.htmlsplit import telegram_html_problems
from engine.core.workflow import countdown
from notifiers.notice import Notice
from notifiers.render import TEMPLATES, RenderError, Renderer
from notifiers.words import long_date, relative_phrase
from tests.support.paths import ROOT

SHIPPED = ROOT / "config" / "templates"
TODAY = date(2025, 10, 13)   # a Monday
EM = Recipient(code="tp-hoang-van-em", name="Hoàng Văn Em", email="em@example.org", telegram="100")


def notice(**changes) -> Notice:
    base = Notice(notification_id=1, template="reminder", rule_id="nhac-truoc-3-ngay-lam-viec",
                  level=0, require_ack=False, urgent=False, task_id=7, task_ref="3",
                  task_title="Báo cáo kết quả CCHC quý III", plan_title="Kế hoạch CCHC năm 2025",
                  deadline="Trước 15/10/2025", due=date(2025, 10, 14), start=date(2025, 7, 1),
                  status="in_progress", lead_unit="Văn phòng - Thống kê", assignee_name="Phạm Văn Cường",
                  recipient_role="assignee", working_days_left=1, days_overdue=None)
    return replace(base, **changes)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(SHIPPED)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A copy of the shipped templates a test may break."""
    target = tmp_path / "templates"
    shutil.copytree(SHIPPED, target)
    return target


# -- the shipped templates ---------------------------------------------------------------

@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("name", [t for t in TEMPLATES if t != "digest"])
def test_each_template_renders_one_notice_in_each_locale(renderer, name, locale):
    n = notice(template=name)
    out = renderer.render([n], replace(EM, locale=locale), TODAY)
    assert out.subject and "\n" not in out.subject
    assert n.task_title in out.subject
    for body in (out.text, out.html, out.telegram):
        assert n.task_title in body and n.plan_title in body
    assert n.deadline in out.text and n.lead_unit in out.telegram
    assert telegram_html_problems(out.telegram) == []
    assert out.html.startswith("<!DOCTYPE html>") and f'lang="{locale}"' in out.html


@pytest.mark.parametrize("locale, first_line", [
    ("vi", "Nhắc việc – còn 1 ngày làm việc (hạn Thứ Ba, 14/10/2025)"),
    ("en", "Reminder – 1 working day left (due Tuesday, 14/10/2025)"),
])
def test_the_first_line_says_what_and_when(renderer, locale, first_line):
    out = renderer.render([notice()], replace(EM, locale=locale), TODAY)
    assert out.text.splitlines()[0] == first_line
    assert first_line.split(" (")[0] in out.telegram.splitlines()[0]


def test_an_escalation_names_who_is_responsible_and_asks_for_acknowledgement(renderer):
    n = notice(template="escalation", level=1, require_ack=True, recipient_role="lead_unit_head",
               due=date(2025, 10, 8), working_days_left=-3, days_overdue=5)
    out = renderer.render([n], EM, TODAY)
    assert out.subject == "[Cảnh báo quá hạn – cấp 1, cần xác nhận] Báo cáo kết quả CCHC quý III"
    assert "Trách nhiệm thực hiện: Phạm Văn Cường – Văn phòng - Thống kê" in out.text
    assert "quá hạn 5 ngày" in out.text and "trưởng đơn vị chủ trì" in out.text
    assert "Đề nghị đồng chí xác nhận đã nắm thông tin" in out.telegram


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_digest_lists_every_notice_overdue_first_then_by_due_day(renderer, locale):
    later = notice(notification_id=1, task_id=1, task_title="Việc C", due=date(2025, 10, 20),
                   working_days_left=5)
    overdue = notice(notification_id=2, task_id=2, task_title="Việc A", due=date(2025, 10, 9),
                     template="overdue", working_days_left=-2, days_overdue=4)
    today = notice(notification_id=3, task_id=3, task_title="Việc B", due=TODAY,
                   template="due_today", working_days_left=0)
    out = renderer.render([later, overdue, today], replace(EM, locale=locale), TODAY)
    for body in (out.text, out.html, out.telegram):
        assert body.index("Việc A") < body.index("Việc B") < body.index("Việc C")
    phrases = {"vi": ["quá hạn 4 ngày", "hạn hôm nay", "còn 5 ngày làm việc", "Thứ Năm, 09/10/2025",
                      "Thứ Hai, 20/10/2025"],
               "en": ["4 days overdue", "due today", "5 working days left", "Thursday, 09/10/2025",
                      "Monday, 20/10/2025"]}[locale]
    for phrase in phrases:
        assert phrase in out.text.lower() or phrase in out.text
    assert out.subject == {"vi": "Tổng hợp nhắc việc: 3 nhiệm vụ, 1 quá hạn",
                           "en": "Reminders: 3 tasks, 1 overdue"}[locale]
    assert telegram_html_problems(out.telegram) == []


def test_a_title_with_markup_is_escaped_in_html_and_telegram_but_not_in_plain_text(renderer):
    out = renderer.render([notice(task_title="Rà soát <b>TTHC</b> & một cửa")], EM, TODAY)
    assert "Rà soát &lt;b&gt;TTHC&lt;/b&gt; &amp; một cửa" in out.telegram
    assert "Rà soát &lt;b&gt;TTHC&lt;/b&gt; &amp; một cửa" in out.html
    assert "Rà soát <b>TTHC</b> & một cửa" in out.text and "<b>TTHC</b>" in out.subject
    assert telegram_html_problems(out.telegram) == []


def test_output_is_nfc_even_when_the_plan_was_typed_in_nfd(renderer):
    title = unicodedata.normalize("NFD", "Tuyên truyền cải cách hành chính")
    out = renderer.render([notice(task_title=title)], EM, TODAY)
    for part in (out.subject, out.text, out.html, out.telegram):
        assert unicodedata.is_normalized("NFC", part)
    assert "Tuyên truyền cải cách hành chính" in out.text


def test_an_unknown_locale_falls_back_to_vietnamese(renderer):
    out = renderer.render([notice()], replace(EM, locale="fr"), TODAY)
    assert out.subject.startswith("Nhắc việc")


# -- helpers -----------------------------------------------------------------------------

@pytest.mark.parametrize("day, vi, en", [
    (date(2025, 10, 13), "Thứ Hai, 13/10/2025", "Monday, 13/10/2025"),
    (date(2025, 10, 15), "Thứ Tư, 15/10/2025", "Wednesday, 15/10/2025"),
    (date(2025, 10, 18), "Thứ Bảy, 18/10/2025", "Saturday, 18/10/2025"),
    (date(2025, 10, 19), "Chủ Nhật, 19/10/2025", "Sunday, 19/10/2025"),
])
def test_dates_name_the_weekday(day, vi, en):
    assert long_date(day, "vi") == vi
    assert long_date(day, "en") == en


@pytest.mark.parametrize("due, left, overdue, vi, en", [
    (date(2025, 10, 16), 3, None, "còn 3 ngày làm việc", "3 working days left"),
    (date(2025, 10, 14), 1, None, "còn 1 ngày làm việc", "1 working day left"),
    (TODAY, 0, None, "hạn hôm nay", "due today"),
    (date(2025, 10, 11), -1, 2, "quá hạn 2 ngày", "2 days overdue"),
    (date(2025, 10, 12), -1, 1, "quá hạn 1 ngày", "1 day overdue"),
    (None, None, None, "chưa có ngày hạn", "no due date"),
])
def test_relative_phrases(due, left, overdue, vi, en):
    assert relative_phrase(due, TODAY, left, overdue, "vi") == vi
    assert relative_phrase(due, TODAY, left, overdue, "en") == en


def test_a_due_day_on_sunday_seen_on_friday_counts_calendar_days():
    assert relative_phrase(date(2025, 10, 19), date(2025, 10, 17), 0, None, "vi") == "còn 2 ngày"


def test_countdown_counts_working_days_over_the_national_day_holiday():
    calendar = WorkCalendar()
    # Friday 29/8/2025 to Wednesday 3/9/2025: the weekend and 1-2/9 are days off.
    assert countdown(calendar, date(2025, 9, 3), date(2025, 8, 29)) == (1, None)
    assert countdown(calendar, date(2025, 10, 13), date(2025, 10, 17)) == (-4, 4)
    assert countdown(calendar, None, TODAY) == (None, None)


# -- checking templates ------------------------------------------------------------------

def test_the_shipped_templates_pass_the_check(renderer):
    assert renderer.check() == []


def _path(templates: Path, rel: str) -> str:
    return str(templates / rel)


def test_check_reports_a_syntax_error_with_its_line(templates):
    path = templates / "vi" / "reminder.j2"
    text = path.read_text(encoding="utf-8").replace("Kế hoạch: {{ notice.plan_title }}\n",
                                                    "Kế hoạch: {{ notice.plan_title }\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("Kế hoạch: {{ notice.plan_title }") + 1
    assert Renderer(templates).check() == [
        f"{_path(templates, 'vi/reminder.j2')}:{line}: unexpected '}}'"
    ]


def test_check_reports_an_undefined_variable_with_its_line(templates):
    path = templates / "en" / "overdue.j2"
    text = path.read_text(encoding="utf-8").replace("Plan: {{ notice.plan_title }}\n",
                                                    "Plan: {{ notice.plan_name }}\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("Plan: {{ notice.plan_name }}") + 1
    assert Renderer(templates).check() == [
        f"{_path(templates, 'en/overdue.j2')}:{line}: 'notifiers.notice.Notice object' has no attribute 'plan_name'"
    ]


def test_check_reports_an_unknown_filter_and_a_variable_only_the_digest_lacks(templates):
    (templates / "vi" / "check_in.j2").write_text(
        "{% block subject %}{{ notice.task_title|shout }}{% endblock %}\n", encoding="utf-8")
    (templates / "en" / "digest.j2").write_text(
        "{% block subject %}x{% endblock %}{% block text %}x{% endblock %}\n"
        "{% block html %}x{% endblock %}\n{% block telegram %}\n{{ notice.task_title }}\n{% endblock %}\n",
        encoding="utf-8")
    assert Renderer(templates).check() == [
        f"{_path(templates, 'en/digest.j2')}:4: 'notice' is undefined",
        f"{_path(templates, 'vi/check_in.j2')}:1: No filter named 'shout'.",
    ]


def test_check_reports_missing_blocks_and_missing_files(templates):
    (templates / "vi" / "digest.j2").write_text(
        "{% block subject %}Tổng hợp{% endblock %}\n{% block text %}x{% endblock %}\n", encoding="utf-8")
    (templates / "en" / "needs_date.j2").unlink()
    assert Renderer(templates).check() == [
        f"{_path(templates, 'en/needs_date.j2')}:1: missing (every locale needs reminder, due_today, "
        "overdue, escalation, digest, check_in, needs_date, needs_assignment)",
        f"{_path(templates, 'vi/digest.j2')}:1: missing block 'html', 'telegram' (every template needs "
        "subject, text, html, telegram)",
    ]


def test_check_reports_html_telegram_would_refuse(templates):
    path = templates / "vi" / "due_today.j2"
    text = path.read_text(encoding="utf-8").replace("<b>Hạn hôm nay</b>", "<p>Hạn hôm nay</p><br>")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("{% block telegram %}") + 1
    where = f"{_path(templates, 'vi/due_today.j2')}:{line}"
    assert Renderer(templates).check() == [
        f"{where}: telegram block: <p> is not a tag Telegram accepts (use b, i, u, s, a, code, pre)",
        f"{where}: telegram block: <br> is not a tag Telegram accepts (use b, i, u, s, a, code, pre)",
        f"{where}: telegram block: unclosed <br>",
    ]


def test_the_sandbox_refuses_unsafe_attribute_access(templates):
    (templates / "vi" / "reminder.j2").write_text(
        "{% block subject %}{{ notice.__class__.__mro__ }}{% endblock %}{% block text %}x{% endblock %}"
        "{% block html %}x{% endblock %}{% block telegram %}x{% endblock %}", encoding="utf-8")
    assert Renderer(templates).check() == [
        f"{_path(templates, 'vi/reminder.j2')}:1: access to attribute '__class__' of 'Notice' object is unsafe."
    ]


def test_a_template_broken_after_the_check_fails_with_its_file_and_line(templates):
    (templates / "vi" / "reminder.j2").write_text(
        "{% block subject %}x{% endblock %}{% block text %}x{% endblock %}{% block html %}x{% endblock %}\n"
        "{% block telegram %}\n{{ notice.nothing }}\n{% endblock %}\n", encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        Renderer(templates).render([notice()], EM, TODAY)
    assert str(caught.value) == (f"{_path(templates, 'vi/reminder.j2')}:3: "
                                 "'notifiers.notice.Notice object' has no attribute 'nothing'")
