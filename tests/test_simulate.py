"""`dondoc rules simulate` and `dondoc rules explain`: what the rules will do, without doing it."""

from tests.support.db import db_snapshot
from tests.support.paths import FIXTURES

NGOC_KY = FIXTURES / "plans" / "ngoc-ky-2023.yaml"


def _setup(cli):
    cli("org", "load")
    assert cli("--now", "2022-12-20T08:00+07:00", "rules", "reload").code == 0
    assert cli("--now", "2022-12-20T08:00+07:00", "plan", "import", NGOC_KY).code == 0


def test_simulating_ngoc_ky_2023_shows_the_quarterly_reports_on_working_days(cli):
    _setup(cli)
    rows = cli("rules", "simulate", "--from", "2023-01-01", "--to", "2023-12-31", "--json").json()
    quarterly = [(r["at"][:16], r["rule"], r["recipient"]) for r in rows
                 if r["task_ref"] == "BC-QUY/2023-Q1" and r["channel"] == "email"]
    assert quarterly == [
        ("2023-03-13T07:30", "nhac-truoc-7-ngay", "nv-do-thi-dung"),        # Sun 12/3 -> Monday
        ("2023-03-13T07:30", "nhac-bao-cao-dinh-ky", "nv-do-thi-dung"),     # 5 working days before Sun 19/3
        ("2023-03-15T07:30", "nhac-truoc-3-ngay-lam-viec", "nv-do-thi-dung"),
        ("2023-03-17T07:30", "nhac-truoc-1-ngay-lam-viec", "nv-do-thi-dung"),
        ("2023-03-17T07:30", "nhac-dung-han", "nv-do-thi-dung"),            # due on a Sunday: the Friday
        ("2023-03-20T07:30", "nhac-qua-han", "nv-do-thi-dung"),
        ("2023-03-21T07:30", "nhac-qua-han", "nv-do-thi-dung"),
        ("2023-03-21T07:30", "bao-truong-don-vi", "ct-tran-van-an"),
        ("2023-03-22T07:30", "nhac-qua-han", "nv-do-thi-dung"),
        ("2023-03-24T07:30", "bao-chu-tich", "ct-tran-van-an"),
    ]
    due_days = sorted({r["at"][:10] for r in rows if r["rule"] == "nhac-dung-han" and r["task_ref"].startswith("BC-QUY/")})
    assert due_days == ["2023-03-17", "2023-06-19", "2023-09-19", "2023-12-19"]
    # The plan itself (due 30/12/2022, before the range) is overdue on Tue 3/1/2023: 2/1 replaced New Year's Day.
    assert ("2023-01-03T07:30", "nhac-qua-han") in {(r["at"][:16], r["rule"]) for r in rows if r["task_ref"] == "KH"}
    assert {r["level"] for r in rows if r["rule"] == "bao-chu-tich"} == {2}


def test_simulate_writes_nothing_to_the_live_database(cli, env):
    _setup(cli)
    before = db_snapshot(env["DONDOC_DATABASE_URL"])
    result = cli("rules", "simulate", "--from", "2023-01-01", "--to", "2023-06-30")
    assert result.code == 0
    assert "Theo tuần (per week)" in result.out and "thông báo (notifications)" in result.out
    assert db_snapshot(env["DONDOC_DATABASE_URL"]) == before


def test_simulate_can_preview_a_rules_file_that_is_not_active(cli, tmp_path):
    _setup(cli)
    preview = tmp_path / "preview.yaml"
    preview.write_text("rules:\n  - {id: chi-ngay-den-han, on_due: true, notify: [assignee], channels: [email]}\n",
                       encoding="utf-8")
    rows = cli("rules", "simulate", "--from", "2023-01-01", "--to", "2023-12-31", "--rules", preview, "--json").json()
    assert {r["rule"] for r in rows} == {"chi-ngay-den-han"} and len(rows) == 4


def test_explain_says_which_rules_match_and_why_others_do_not(cli):
    _setup(cli)
    tasks = {t["ref"]: t["id"] for t in cli("tasks", "--json").json()}
    data = cli("rules", "explain", tasks["BC-QUY/2023-Q2"], "--at", "2023-06-01T08:00+07:00", "--json").json()
    rules = {r["rule"]: r for r in data["rules"]}
    assert rules["nhac-dung-han"]["matches"] and rules["nhac-dung-han"]["next"] == ["2023-06-19T07:30:00+07:00"]
    assert rules["nhac-qua-han"]["next"] == ["2023-06-20T07:30:00+07:00", "2023-06-21T07:30:00+07:00",
                                             "2023-06-22T07:30:00+07:00"]
    assert rules["hoi-tien-do-thuong-xuyen"]["matches"] is False
    assert rules["hoi-tien-do-thuong-xuyen"]["why_not"] == ("loại thời hạn period không thuộc match.kind / "
                                                           "deadline kind period is not in match.kind: continuous")
    continuous = cli("rules", "explain", tasks["TC"], "--at", "2023-06-01T08:00+07:00", "--json").json()
    why = {r["rule"]: r["why_not"] for r in continuous["rules"]}
    assert why["nhac-truoc-7-ngay"] == ("loại thời hạn continuous không thuộc match.kind / "
                                        "deadline kind continuous is not in match.kind: date, period")
    human = cli("rules", "explain", tasks["TC"], "--at", "2023-06-01T08:00+07:00").out
    assert "✓ hoi-tien-do-thuong-xuyen (cấp 0): Thứ Hai 05/06/2023 07:30" in human
    assert "✗ nhac-truoc-7-ngay: loại thời hạn continuous không thuộc match.kind" in human
