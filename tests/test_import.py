import unicodedata
from pathlib import Path

import pytest

from tests.support.db import db_snapshot
from tests.support.paths import FIXTURES

GOOD = FIXTURES / "plans" / "good.yaml"
BAD = FIXTURES / "plans" / "bad"
NOW = "2025-03-03T09:00+07:00"


def tasks_by_ref(cli, *filters):
    result = cli("--now", NOW, "tasks", "--json", *filters)
    assert result.code == 0, result.err
    return {t["ref"]: t for t in result.json()}


def test_the_example_plans_import_with_their_tasks(loaded):
    plans = {p["title"]: p for p in loaded("plan", "list", "--json").json()}
    assert plans["Kế hoạch cải cách hành chính năm 2025"]["tasks"] == 50
    hung_thang = plans["Kế hoạch cải cách hành chính nhà nước 6 tháng cuối năm 2025 trên địa bàn xã Hùng Thắng"]
    assert hung_thang["tasks"] == 16
    assert hung_thang["period"] == ["2025-07-01", "2025-12-31"]
    tasks = tasks_by_ref(loaded, "--plan", str(hung_thang["id"]))
    assert tasks["1"]["lead"] == "Phòng Văn hóa - Xã hội"
    assert (tasks["1"]["start"], tasks["1"]["due"]) == ("2025-07-01", "2025-07-31")
    assert tasks["8"]["lead"] == "Văn phòng HĐND và UBND xã"
    assert (tasks["8"]["start"], tasks["8"]["due"]) == ("2025-10-01", "2025-12-31")
    assert tasks["11"]["lead"] == "Trung tâm phục vụ hành chính công"   # written "cồng" in the plan
    assert tasks["11"]["support"] == ["Các cơ quan, đơn vị thuộc UBND xã"]
    assert tasks["11"]["source"] == {"file": "hung-thang-2025-h2.txt", "lines": [867, 897]}
    assert tasks["BC-NAM"]["type"] == "report"
    assert tasks["BC-NAM"]["due"] == "2025-12-09"


def test_the_ngoc_lien_reports_are_due_the_day_before_15_october(loaded):
    tasks = tasks_by_ref(loaded)
    reports = {r: tasks[r] for r in ("BC-VPTK", "BC-TPHT", "BC-TCNS", "BC-VHXH")}
    assert {r["due"] for r in reports.values()} == {"2025-10-14"}
    assert [reports[r]["lead"] for r in sorted(reports)] == [
        "Tài chính - Kế toán", "Tư pháp - Hộ tịch", "Văn hóa - Xã hội", "Văn phòng - Thống kê"]
    assert {r["recipient"] for r in reports.values()} == {"Chủ tịch UBND xã"}
    assert tasks["TC-1"]["lead"] == "Tư pháp - Hộ tịch"
    assert tasks["TCC-3"]["lead"] == "Tài chính - Kế toán"
    assert tasks["CQS-1"]["lead"] == "Văn hóa - Xã hội"


def test_the_assignee_defaults_to_the_head_of_the_lead_unit(loaded):
    tasks = tasks_by_ref(loaded)
    assert tasks["BC-TPHT"]["assignee"] == "tp-hoang-van-em"
    assert tasks["1"]["assignee"] == "pvhxh-ly-thi-mai"


def test_importing_again_imports_nothing_twice(loaded, config_dir):
    before = loaded("--now", NOW, "tasks", "--json").json()
    again = loaded("plan", "import", "--json", *sorted((config_dir / "plans").glob("*.yaml"))).json()
    assert [(r["created"], r["updated"], r["cancelled"]) for r in again] == [([], {}, []), ([], {}, [])]
    assert loaded("--now", NOW, "tasks", "--json").json() == before


def test_a_changed_plan_updates_tasks_in_place_and_cancels_what_disappeared(cli, tmp_path):
    cli("org", "load")
    assert cli("plan", "import", GOOD).code == 0
    ids = {ref: t["id"] for ref, t in tasks_by_ref(cli).items()}
    text = GOOD.read_text(encoding="utf-8").replace("Kiểm tra việc giải quyết TTHC", "Kiểm tra TTHC quý II")
    text = text.replace("  - ref: 3\n", "  - ref: 4\n")
    changed = tmp_path / "changed.yaml"
    changed.write_text(text, encoding="utf-8")
    report = cli("plan", "import", "--json", changed).json()[0]
    assert report["created"] == ["4"]
    assert report["updated"] == {"2": {"title": ["Kiểm tra việc giải quyết TTHC", "Kiểm tra TTHC quý II"]}}
    assert report["cancelled"] == ["3"]
    tasks = tasks_by_ref(cli)
    assert tasks["2"]["id"] == ids["2"] and tasks["2"]["title"] == "Kiểm tra TTHC quý II"
    assert tasks["3"]["status"] == "cancelled" and tasks["3"]["state"] is None
    events = cli("task", "show", ids["3"], "--json").json()["events"]
    assert [e["kind"] for e in events] == ["created", "cancelled"]
    assert events[1]["data"]["reason"] == "removed_from_plan" and events[1]["channel"] == "import"
    shown = cli("task", "show", ids["2"], "--json").json()["events"]
    assert shown[-1]["kind"] == "updated"
    # Back in the plan: the cancelled task comes back, with the same id.
    report = cli("plan", "import", "--json", GOOD).json()[0]
    assert report["restored"] == ["3"] and report["cancelled"] == ["4"]
    assert tasks_by_ref(cli)["3"]["status"] == "open"


def test_a_dry_run_reports_the_changes_and_writes_nothing(cli, env, tmp_path):
    cli("org", "load")
    cli("plan", "import", GOOD)
    before = db_snapshot(env["DONDOC_DATABASE_URL"])
    changed = tmp_path / "changed.yaml"
    changed.write_text(GOOD.read_text(encoding="utf-8").replace("Trước 15/3/2025", "Trước 15/4/2025"),
                       encoding="utf-8")
    result = cli("plan", "import", "--dry-run", changed)
    assert result.code == 0
    assert "chạy thử" in result.out and "deadline: 'Trước 15/3/2025' → 'Trước 15/4/2025'" in result.out
    assert "due_planned: '2025-03-14' → '2025-04-14'" in result.out
    assert db_snapshot(env["DONDOC_DATABASE_URL"]) == before


def test_an_extension_survives_a_reimport_but_not_a_new_plan_deadline(cli, tmp_path):
    cli("org", "load")
    cli("plan", "import", GOOD)
    task = tasks_by_ref(cli)["1"]
    assert task["due"] == "2025-03-14"
    assert cli("task", "extend", task["id"], "--to", "2025-03-31", "--by", "ct-tran-van-an",
               "--reason", "Chờ ý kiến huyện").code == 0
    cli("plan", "import", GOOD)
    assert tasks_by_ref(cli)["1"]["due"] == "2025-03-31"
    moved = tmp_path / "moved.yaml"
    moved.write_text(GOOD.read_text(encoding="utf-8").replace("Trước 15/3/2025", "Trước 20/4/2025"),
                     encoding="utf-8")
    cli("plan", "import", moved)
    assert tasks_by_ref(cli)["1"]["due"] == "2025-04-19"


def test_units_the_org_does_not_know_are_created_unverified_and_reported(cli):
    cli("org", "load")
    result = cli("plan", "import", GOOD)
    assert "đơn vị chưa có trong org.yaml (unverified unit): Ban Chỉ huy Quân sự xã" in result.out
    check = cli("org", "check", "--json").json()
    assert [u["name"] for u in check["unverified_units"]] == ["Ban Chỉ huy Quân sự xã"]
    assert tasks_by_ref(cli)["3"]["assignee"] == "vptk-pham-van-cuong"


def _windows_1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed vowels, tone marks as separate combining bytes."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


BAD_CASES = [
    ("syntax.yaml", "syntax.yaml:5:1: YAML syntax error: found unexpected end of stream "
                    "(while scanning a quoted scalar that starts at line 2)"),
    ("empty.yaml", "empty.yaml:1:1: tệp rỗng / the file is empty"),
    ("comments_only.yaml", "comments_only.yaml:1:1: tệp không có dữ liệu (chỉ có chú thích?) / "
                           "the file holds no data (only comments?)"),
    ("not_a_mapping.yaml", "not_a_mapping.yaml:1:1: expected a mapping of keys (key: value), found a list"),
    ("unknown_key.yaml", "unknown_key.yaml:8:5: tasks[0].daedline: unknown key 'daedline' "
                         "(did you mean 'deadline'?)"),
    ("duplicate_ref.yaml", "duplicate_ref.yaml:11:5: reports[0].ref: duplicate ref '1' (first used at line 6)"),
    ("period_end_before_start.yaml", "period_end_before_start.yaml:5:3: plan.period: "
                                     "end 2025-07-01 is before start 2025-12-31"),
    ("due_before_start.yaml", "due_before_start.yaml:6:5: tasks[0]: due 2025-04-30 is before start 2025-05-01"),
    ("impossible_date.yaml", "impossible_date.yaml:8:5: tasks[0].due: '2024-02-31' is not a valid date "
                             "(write it as YYYY-MM-DD, e.g. 2025-10-14)"),
    ("unknown_person.yaml", "unknown_person.yaml:8:5: tasks[0].assignee: unknown person 'nguyen-van-khong-co' "
                            "(use a person id from org.yaml, loaded with `dondoc org load`)"),
    ("unknown_domain.yaml", "unknown_domain.yaml:7:5: tasks[0].domain: 'an ninh': unknown domain; use one of "
                            "direction, institutions, procedures, organization, civil_service, public_finance, "
                            "digital_government, other"),
    ("missing_title.yaml", "missing_title.yaml:1:1: plan.title: this key is required\n"
                           "{dir}/missing_title.yaml:5:5: tasks[0].title: this key is required"),
]


@pytest.mark.parametrize("name, message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_a_bad_plan_file_is_refused_with_its_place_and_nothing_changes(loaded, env, name, message):
    before = db_snapshot(env["DONDOC_DATABASE_URL"])
    result = loaded("plan", "import", BAD / name)
    assert result.code == 1
    assert result.err == f"dondoc: {BAD}/{message.format(dir=BAD)}\n"
    assert db_snapshot(env["DONDOC_DATABASE_URL"]) == before


@pytest.mark.parametrize("encoding, name", [("windows-1258", "Windows-1258"), ("utf-16", "UTF-16")])
def test_a_file_that_is_not_utf8_says_what_it_looks_like(loaded, env, tmp_path, encoding, name):
    text = GOOD.read_text(encoding="utf-8")
    path = tmp_path / "legacy.yaml"
    path.write_bytes(_windows_1258(text) if encoding == "windows-1258" else text.encode("utf-16"))
    before = db_snapshot(env["DONDOC_DATABASE_URL"])
    result = loaded("plan", "import", path)
    assert result.code == 1
    assert f"legacy.yaml:" in result.err and f"not UTF-8 text (it looks like {name})" in result.err
    assert db_snapshot(env["DONDOC_DATABASE_URL"]) == before


def test_a_utf8_file_with_a_bom_is_fine(cli, tmp_path):
    cli("org", "load")
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.read_bytes())
    assert cli("plan", "import", path).code == 0


def test_nothing_is_half_written_when_the_second_of_two_files_is_bad(loaded, env, tmp_path):
    before = db_snapshot(env["DONDOC_DATABASE_URL"])
    result = loaded("plan", "import", BAD / "unknown_person.yaml")
    assert result.code == 1
    result = loaded("plan", "import", GOOD, BAD / "duplicate_ref.yaml")
    assert result.code == 1
    after = db_snapshot(env["DONDOC_DATABASE_URL"])
    # The good file went in on its own transaction; the bad one added nothing.
    assert len(after["task"]) == len(before["task"]) + 4


def test_a_lead_cell_of_several_units_or_ocr_noise_finds_the_org_unit(loaded, tmp_path):
    plan = tmp_path / "units.yaml"
    plan.write_text(
        "plan: {title: Kế hoạch thử, issuer: UBND xã Ngọc Liên, year: 2025}\n"
        "tasks:\n"
        "  - {ref: '1', title: Rà soát thủ tục, lead: 'Tư pháp - Hộ tịch, Văn phòng HĐND và UBND xã',"
        " deadline: Quý II/2025}\n"
        "  - {ref: '2', title: Niêm yết thủ tục, lead: 'Phòng Văn hóa - Xã hộl', deadline: Quý II/2025}\n"
        "  - {ref: '3', title: Gửi số liệu, lead: 'Sở Tài chính', deadline: Quý II/2025}\n",
        encoding="utf-8")
    result = loaded("plan", "import", "--json", str(plan))
    assert result.code == 0, result.err
    assert result.json()[0]["new_units"] == ["Sở Tài chính"]
    plans = {p["title"]: p for p in loaded("plan", "list", "--json").json()}
    tasks = tasks_by_ref(loaded, "--plan", str(plans["Kế hoạch thử"]["id"]))
    assert tasks["1"]["lead"] == "Tư pháp - Hộ tịch"
    assert tasks["2"]["lead"] == "Phòng Văn hóa - Xã hội"
    assert tasks["3"]["lead"] == "Sở Tài chính"
