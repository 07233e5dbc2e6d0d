"""The rule file: shipped examples load, every kind of mistake gets its exact message."""

from pathlib import Path

import pytest

from engine.infra.errors import FileErrors
from engine.infra.settings import load_settings
from engine.reminders.rulestore import read_rules
from rules.durations import Duration, parse_duration
from tests.support.paths import FIXTURES, ROOT

BAD = FIXTURES / "rules" / "bad"
EXAMPLES = sorted((ROOT / "rules" / "examples").glob("*.yaml")) + [ROOT / "config" / "rules.yaml"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_shipped_rules_file_loads(env, path):
    rs = read_rules(load_settings(), path)
    assert rs.rules and len(rs.version) == 12


def test_the_default_rules_say_what_the_issue_asks(env):
    rs = read_rules(load_settings())
    by_trigger = {(r.trigger, str(getattr(r, r.trigger))): r for r in rs.rules}
    assert {("before_due", "7d"), ("before_due", "3 working days"), ("before_due", "1 working day"),
            ("on_due", "True"), ("after_due", "1 working day"), ("after_due", "2 working days"),
            ("after_due", "5 working days"), ("every", "month"), ("every", "30d"),
            ("before_due", "5 working days")} <= set(by_trigger)
    overdue = by_trigger[("after_due", "1 working day")]
    assert (overdue.repeat.max, str(overdue.repeat.every)) == (3, "1 working day")
    assert by_trigger[("after_due", "2 working days")].escalate.level == 1
    assert by_trigger[("after_due", "5 working days")].notify == ["role:chairman"]
    assert by_trigger[("every", "month")].day == 5


@pytest.mark.parametrize("text, expected", [
    ("7d", Duration(7, "days")), ("12h", Duration(12, "hours")), ("3 working days", Duration(3, "working_days")),
    ("1 working day", Duration(1, "working_days")), ("3 ngày làm việc", Duration(3, "working_days")),
    ("2 ngày", Duration(2, "days")), ("  5   Working   Days ", Duration(5, "working_days")),
])
def test_durations_in_english_and_vietnamese(text, expected):
    assert parse_duration(text) == expected


HINT = '(ví dụ / e.g. "2d", "12h", "2 working days", "2 ngày làm việc")'
BAD_CASES = {
    "syntax.yaml": "5:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
                   "(while parsing a flow sequence that starts at line 4)",
    "unknown_key.yaml": "5:5: rules[0].chanels: unknown key 'chanels' (did you mean 'channels'?)",
    "bad_duration.yaml": "3:5: rules[0].after_due: không đọc được khoảng thời gian / '2 ngay' is not a duration "
                         + HINT,
    "unknown_recipient.yaml": "4:24: rules[0].notify[1]: không có người nhận 'truong_phong' / unknown recipient "
                              "'truong_phong' (dùng / use assignee, lead_unit_head, support_units, overseer, "
                              "role:<role> hoặc / or person:<id>)",
    "unknown_role.yaml": "4:14: rules[0].notify[0]: không có vai trò 'president' / unknown role 'president' "
                         "(các vai trò / roles: officer, supervisor, admin, chairman)",
    "unknown_person.yaml": "4:14: rules[0].notify[0]: không có người 'ong-khong-co' / unknown person 'ong-khong-co' "
                           "(dùng mã người trong / use a person id from config/org.yaml)",
    "unknown_template.yaml": "5:5: rules[0].template: không có mẫu tin 'nhac-nho' / unknown template 'nhac-nho' "
                             "(các mẫu / templates: check_in, digest, due_today, escalation, needs_assignment, "
                             "needs_date, overdue, reminder)",
    "unknown_channel.yaml": "5:23: rules[0].channels[1]: không có kênh 'sms' / unknown channel 'sms' "
                            "(các kênh / channels: email, telegram, zalo, console, chat)",
    "duplicate_id.yaml": "5:5: rules[1].id: mã quy tắc 'nhac' bị trùng / duplicate rule id 'nhac' "
                         "(dùng lần đầu ở dòng 2 / first used at line 2)",
    "level_gap.yaml": "5:16: rules[0].escalate.level: cảnh báo cấp 2 chưa có cấp 1 bên dưới / escalation level 2 "
                      "has no level 1 below it (lên từng cấp một: thêm quy tắc có escalate.level 1 / "
                      "escalate one level at a time: add a rule with escalate.level 1)",
    "never_fires_kind.yaml": "4:5: rules[0].before_due: quy tắc 'nhac-thuong-xuyen' không bao giờ chạy: nhiệm vụ "
                             "loại continuous không có ngày đến hạn / rule 'nhac-thuong-xuyen' can never fire: "
                             "tasks of kind continuous have no due day",
    "never_fires_status.yaml": "4:5: rules[0].on_due: quy tắc 'da-xong' không bao giờ chạy: nó chỉ khớp nhiệm vụ "
                               "đã xong hoặc đã hủy, những việc không còn được nhắc / rule 'da-xong' can never "
                               "fire: it matches only done or cancelled tasks, which get nothing more",
    "two_triggers.yaml": "2:5: rules[0]: quy tắc 'a' có 2 thời điểm kích hoạt (before_due, after_due), mỗi quy tắc "
                         "chỉ một / rule 'a' has 2 triggers; give one per rule",
    "no_trigger.yaml": "2:5: rules[0]: quy tắc 'a' chưa có thời điểm kích hoạt / rule 'a' has no trigger "
                       "(cần một trong / give one of: before_due, on_due, after_due, after_start, every)",
    "month_without_day.yaml": "2:5: rules[0]: every: month cần day: (ngày trong tháng, 1-31) / "
                              "every: month needs day: (the day of the month, 1-31)",
    "unknown_unit.yaml": "3:25: rules[0].match.lead_unit[0]: không có đơn vị 'Phòng Ngoại giao' / unknown unit "
                         "'Phòng Ngoại giao' (dùng mã, tên hoặc tên gọi khác của đơn vị trong / use a unit id, "
                         "name or alias from config/org.yaml)",
    "unknown_kind.yaml": "3:20: rules[0].match.kind[0]: không có kind 'deadline' / unknown kind 'deadline' "
                         "(dùng một trong / use one of: date, period, recurring, continuous, external, event, "
                         "unknown)",
    "bad_window.yaml": "2:3: defaults.send_window: giờ kết thúc 07:30 không sau giờ bắt đầu 17:00 / "
                       "end 07:30 is not after start 17:00",
}


def test_every_bad_case_has_a_data_file():
    assert {p.name for p in BAD.glob("*.yaml")} == set(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_rules_check_names_file_line_key_and_problem(cli, name):
    result = cli("rules", "check", BAD / name)
    assert result.code == 1
    assert result.err == f"{BAD / name}:{BAD_CASES[name]}\n"


def test_rules_check_reports_every_problem_at_once(cli, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - id: a\n    before_due: 7 ngay\n    notify: [boss]\n"
                    "  - id: a\n    on_due: true\n    notify: [assignee]\n", encoding="utf-8")
    result = cli("rules", "check", path)
    assert result.code == 1
    lines = result.err.splitlines()
    # The schema pass stops at the bad duration; the cross-reference pass would find the rest.
    assert lines == [f"{path}:3:5: rules[0].before_due: không đọc được khoảng thời gian / '7 ngay' "
                     f"is not a duration {HINT}"]
    path.write_text("rules:\n  - id: a\n    before_due: 7d\n    notify: [boss]\n"
                    "  - id: a\n    on_due: true\n    notify: [assignee]\n", encoding="utf-8")
    lines = cli("rules", "check", path).err.splitlines()
    assert [l.split(": ", 2)[1] for l in lines] == ["rules[0].notify[0]", "rules[1].id"]


def test_a_valid_file_passes_the_check(cli):
    result = cli("rules", "check")
    assert result.code == 0 and "hợp lệ (valid), 10 quy tắc" in result.out
