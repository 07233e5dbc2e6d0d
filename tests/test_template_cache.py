"""What a process remembers about templates (notifiers/template_cache.py): a set that passed the
check is not rendered again, compiled templates are reused, and an edit is never missed — even
one that keeps the file's size and modification time."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from notifiers import template_cache
from notifiers.base import Recipient
from notifiers.notice import Notice
from notifiers.render import RenderError, Renderer
from tests.support.paths import ROOT

EM = Recipient(code="tp-hoang-van-em", name="Hoàng Văn Em", email="em@example.org", telegram="100")
BLOCKS = "{% block subject %}{{ notice.task_title }}{% endblock %}{% block text %}{{ word }}{% endblock %}" \
         "{% block html %}x{% endblock %}\n{% block telegram %}\n{{ notice.task_ref }}\n{% endblock %}\n"


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(ROOT / "config" / "templates", target)
    return target


def edit_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """Change a file without changing its length or modification time (what an mtime key would miss)."""
    assert len(old.encode()) == len(new.encode())
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size


def test_a_clean_set_is_known_by_its_contents_wherever_it_lies(templates, tmp_path):
    twin = tmp_path / "twin"
    shutil.copytree(templates, twin)
    assert Renderer(templates).check() == []
    assert template_cache.known_clean(template_cache.fingerprint(twin, "vi"))
    assert not template_cache.known_clean(template_cache.fingerprint(twin, "en"))   # another default


def test_an_edit_after_a_clean_check_is_found_even_with_the_same_size_and_mtime(templates):
    path = templates / "en" / "overdue.j2"
    assert Renderer(templates).check() == []
    edit_keeping_size_and_mtime(path, "{{ notice.plan_title }}", "{{ notice.plan_titel }}")
    [problem] = Renderer(templates).check()
    assert problem.startswith(str(path)) and "has no attribute 'plan_titel'" in problem


def test_problems_are_never_remembered_and_name_the_files_of_the_set_checked(templates, tmp_path):
    (templates / "vi" / "reminder.j2").write_text("{% block subject %}{{ notice.nope }}{% endblock %}\n",
                                                  encoding="utf-8")
    twin = tmp_path / "twin"
    shutil.copytree(templates, twin)
    first, again, other = Renderer(templates).check(), Renderer(templates).check(), Renderer(twin).check()
    assert first == again and first and all(str(templates) in p for p in first)
    assert other and all(str(twin) in p for p in other)


def _notice() -> Notice:
    return Notice(notification_id=1, template="reminder", rule_id="r", level=0, require_ack=False,
                  urgent=False, task_id=7, task_ref="3", task_title="Báo cáo CCHC quý III",
                  plan_title="Kế hoạch CCHC năm 2025", deadline=None, due=date(2025, 10, 14), start=None,
                  status="open", lead_unit=None, assignee_name=None, recipient_role="assignee",
                  working_days_left=1, days_overdue=None)


def test_a_new_renderer_reuses_compiled_templates_but_renders_an_edit(templates):
    path = templates / "vi" / "reminder.j2"
    path.write_text(BLOCKS.replace("{{ word }}", "một"), encoding="utf-8")
    assert Renderer(templates).render([_notice()], EM, date(2025, 10, 13)).text == "một"
    edit_keeping_size_and_mtime(path, "một", "mốt")      # the same number of bytes
    assert Renderer(templates).render([_notice()], EM, date(2025, 10, 13)).text == "mốt"


def test_a_failure_in_a_reused_compiled_template_still_names_its_line(templates):
    path = templates / "vi" / "reminder.j2"
    path.write_text(BLOCKS.replace("{{ notice.task_ref }}", "{{ notice.nothing }}").replace("{{ word }}", "x"),
                    encoding="utf-8")
    for _ in range(2):                          # compiled the first time, reused the second
        with pytest.raises(RenderError) as caught:
            Renderer(templates).render([_notice()], EM, date(2025, 10, 13))
        assert str(caught.value) == f"{path}:3: 'notifiers.notice.Notice object' has no attribute 'nothing'"


def test_the_memory_of_compiled_templates_is_bounded():
    cache = template_cache.CompiledTemplates(capacity=2)
    env = Environment(loader=DictLoader({f"t{i}": f"{i}" for i in range(3)}), bytecode_cache=cache)
    for i in range(3):
        assert env.get_template(f"t{i}").render() == str(i)
    assert len(cache) == 2
