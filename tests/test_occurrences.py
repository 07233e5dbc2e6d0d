"""Recurring obligations become one task per occurrence; deadlines that cannot be read never block."""

from tests.support.paths import FIXTURES

NGOC_KY = FIXTURES / "plans" / "ngoc-ky-2023.yaml"


def _tasks(cli, now="2023-06-15T09:00+07:00"):
    return {t["ref"]: t for t in cli("--now", now, "tasks", "--json").json()}


def test_the_quarterly_report_is_due_the_19th_of_each_quarters_last_month(cli):
    cli("org", "load")
    assert cli("plan", "import", NGOC_KY).code == 0
    tasks = _tasks(cli)
    occurrences = sorted((t for t in tasks.values() if t["parent"] == "BC-QUY"), key=lambda t: t["due"])
    assert [(t["ref"], t["start"], t["due"]) for t in occurrences] == [
        ("BC-QUY/2023-Q1", "2023-01-01", "2023-03-19"),
        ("BC-QUY/2023-Q2", "2023-04-01", "2023-06-19"),
        ("BC-QUY/2023-Q3", "2023-07-01", "2023-09-19"),
        ("BC-QUY/2023-Q4", "2023-10-01", "2023-12-19"),
    ]
    assert occurrences[0]["title"] == "Báo cáo tiến độ, kết quả thực hiện Đề án (Quý I/2023)"
    assert {t["lead"] for t in occurrences} == {"Văn phòng Đảng ủy - Nội vụ"}
    assert {t["recipient"] for t in occurrences} == {"UBND huyện (qua phòng Nội vụ huyện)"}
    parent = tasks["BC-QUY"]
    assert (parent["kind"], parent["due"]) == ("recurring", None)
    # 15/6/2023: Q1 is overdue, Q2 due Mon 19/6 is 2 working days away.
    assert [t["state"] for t in occurrences] == ["open_overdue", "open_in_time", "open_in_time", "open_in_time"]
    assert occurrences[1]["due_soon"] is True
    assert tasks["KH"]["due"] == "2022-12-30"


def test_status_counts_occurrences_not_their_parent(cli):
    cli("org", "load")
    cli("plan", "import", NGOC_KY)
    total = cli("--now", "2023-06-15T09:00+07:00", "status", "--json").json()["total"]
    # KH (overdue), TC (continuous), DA (event), LT (unknown), four occurrences.
    assert total == {"done_on_time": 0, "done_late": 0, "open_in_time": 3, "open_overdue": 2,
                     "no_deadline": 3, "total": 8, "due_soon": 1}


def test_reimport_keeps_occurrences_and_their_status(cli):
    cli("org", "load")
    cli("plan", "import", NGOC_KY)
    q1 = _tasks(cli)["BC-QUY/2023-Q1"]
    assert cli("--now", "2023-03-17T10:00+07:00", "task", "done", q1["id"], "--by", "nv-do-thi-dung").code == 0
    report = cli("plan", "import", "--json", NGOC_KY).json()[0]
    assert report["created"] == [] and report["cancelled"] == [] and report["updated"] == {}
    again = _tasks(cli)["BC-QUY/2023-Q1"]
    assert (again["id"], again["status"], again["state"]) == (q1["id"], "done", "done_on_time")


def test_an_unreadable_deadline_is_stored_as_unknown_and_listed_for_an_admin(cli):
    cli("org", "load")
    result = cli("plan", "import", NGOC_KY)
    assert result.code == 0
    assert "? LT: chưa đọc được thời hạn 'Khi nào xong thì báo'" in result.out
    task = _tasks(cli)["LT"]
    assert task["kind"] == "unknown"
    assert task["deadline_reason"] == ("không nhận ra ngày hay khoảng thời gian nào "
                                       "(no date or time phrase recognised)")
    listed = cli("org", "check", "--json").json()["tasks_without_deadline"]
    assert [t["ref"] for t in listed] == ["LT"]
    event = _tasks(cli)["DA"]
    assert (event["kind"], event["event"]) == ("event", "UBND huyện phê duyệt Đề án")


def test_deadline_parse_prints_the_documented_json(cli):
    result = cli("deadline", "parse", "Quý II, III/2024", "--year", "2024", "--json")
    assert result.json() == {"text": "Quý II, III/2024", "kind": "period", "start": "2024-04-01",
                             "due": "2024-09-30", "open_ended": False, "recurrence": None,
                             "event": None, "reason": None}


def test_deadline_parse_follows_the_before_setting(cli, monkeypatch):
    assert cli("deadline", "parse", "trước 15/10/2025", "--json").json()["due"] == "2025-10-14"
    monkeypatch.setenv("DONDOC_DEADLINES__BEFORE_IS_EXCLUSIVE", "false")
    assert cli("deadline", "parse", "trước 15/10/2025", "--json").json()["due"] == "2025-10-15"


def test_calendar_lists_days_off_and_worked_saturdays(cli):
    data = cli("calendar", "2025", "--json").json()
    off = {d["date"] for d in data["days_off"]}
    assert {"2025-01-27", "2025-01-31", "2025-04-07", "2025-04-30", "2025-05-02", "2025-09-01"} <= off
    assert [d["date"] for d in data["days_worked"]] == ["2025-04-26"]
    assert all(1 <= d["weekday"] <= 5 for d in data["days_off"])


def test_local_calendar_overrides_come_from_the_settings(cli, config_dir):
    settings = config_dir / "dondoc.yaml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("extra_holidays: []", "extra_holidays: [2025-11-20]")
    settings.write_text(text, encoding="utf-8")
    off = {d["date"]: d["name"] for d in cli("calendar", "2025", "--json").json()["days_off"]}
    assert "2025-11-20" in off


LISTS_PLAN = """\
plan:
  title: Kế hoạch cải cách hành chính năm 2025
  issuer: UBND xã Ngọc Liên
  year: 2025
tasks:
  - ref: KT
    domain: direction
    title: Kiểm tra công tác cải cách hành chính
    lead: Văn phòng - Thống kê
    deadline: "Tháng 6, tháng 12"
  - ref: TT
    domain: direction
    title: Tuyên truyền cải cách hành chính
    lead: Văn phòng - Thống kê
    deadline: trước 15/10/2025 và thường xuyên
  - ref: DN
    domain: direction
    title: Ban hành kế hoạch
    lead: Văn phòng - Thống kê
    deadline: Đầu năm 2025
reports:
  - ref: BC
    title: Báo cáo kết quả cải cách hành chính
    lead: Văn phòng - Thống kê
    deadline: trước ngày 18 tháng 6 (báo cáo sáu tháng) và trước ngày 18 tháng 12 (báo cáo năm)
  - ref: BC6
    title: Báo cáo kiểm soát thủ tục hành chính
    lead: Văn phòng - Thống kê
    deadline: Định kỳ 06 tháng báo cáo
"""


def _import_lists(cli, tmp_path):
    plan = tmp_path / "lists.yaml"
    plan.write_text(LISTS_PLAN, encoding="utf-8")
    cli("org", "load")
    result = cli("plan", "import", plan)
    assert result.code == 0, result.err
    return _tasks(cli, "2025-03-03T09:00+07:00")


def _children(tasks, parent):
    return sorted(((t["ref"], t["kind"], t["start"], t["due"], t["title"]) for t in tasks.values()
                   if t["parent"] == parent), key=lambda row: row[3])


def test_a_list_of_months_becomes_one_occurrence_per_month(cli, tmp_path):
    tasks = _import_lists(cli, tmp_path)
    assert (tasks["KT"]["kind"], tasks["KT"]["due"]) == ("recurring", None)
    assert _children(tasks, "KT") == [
        ("KT/2025-06", "period", "2025-06-01", "2025-06-30", "Kiểm tra công tác cải cách hành chính (Tháng 6/2025)"),
        ("KT/2025-12", "period", "2025-12-01", "2025-12-31", "Kiểm tra công tác cải cách hành chính (Tháng 12/2025)"),
    ]


def test_a_list_of_dates_keeps_each_items_label(cli, tmp_path):
    tasks = _import_lists(cli, tmp_path)
    assert _children(tasks, "BC") == [
        ("BC/2025-06-17", "date", None, "2025-06-17",
         "Báo cáo kết quả cải cách hành chính (báo cáo sáu tháng, hạn 17/06/2025)"),
        ("BC/2025-12-17", "date", None, "2025-12-17",
         "Báo cáo kết quả cải cách hành chính (báo cáo năm, hạn 17/12/2025)"),
    ]


def test_a_date_and_also_ongoing_keeps_both(cli, tmp_path):
    task = _import_lists(cli, tmp_path)["TT"]
    assert (task["kind"], task["due"], task["open_ended"]) == ("date", "2025-10-14", True)


def test_start_of_year_and_a_six_monthly_cycle_are_read_as_planned(cli, tmp_path):
    tasks = _import_lists(cli, tmp_path)
    assert (tasks["DN"]["kind"], tasks["DN"]["start"], tasks["DN"]["due"]) == ("period", "2025-01-01", "2025-03-31")
    assert [row[:4] for row in _children(tasks, "BC6")] == [
        ("BC6/2025-H1", "period", "2025-01-01", "2025-06-30"),
        ("BC6/2025-H2", "period", "2025-07-01", "2025-12-31"),
    ]


def test_reimporting_a_list_changes_nothing(cli, tmp_path):
    _import_lists(cli, tmp_path)
    report = cli("plan", "import", "--json", tmp_path / "lists.yaml").json()[0]
    assert (report["created"], report["updated"], report["cancelled"]) == ([], {}, [])
