import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

TASK_KEYS = {"id", "ref", "plan", "title", "domain", "lead", "support", "assignee", "status", "deadline",
             "kind", "start", "due", "done_at", "state", "due_soon"}


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.code == 0
    for command in ("init", "org", "plan", "tasks", "task", "status", "deadline", "calendar"):
        assert command in result.out
    sub = cli("task", "--help").out
    for command in ("show", "start", "done", "cancel", "extend"):
        assert command in sub


def test_tasks_json_carries_the_documented_fields(loaded):
    rows = loaded("--now", "2025-10-01T09:00+07:00", "tasks", "--json").json()
    assert len(rows) == 66
    assert all(TASK_KEYS <= row.keys() for row in rows)


def test_status_counts_match_the_plans(loaded):
    report = loaded("--now", "2025-10-10T09:00+07:00", "status", "--json").json()
    assert report["as_of"] == "2025-10-10"
    # Hùng Thắng task 1 (July 2025) is overdue; the four Ngọc Liên reports are due Tue 14/10.
    assert report["total"] == {"done_on_time": 0, "done_late": 0, "open_in_time": 65, "open_overdue": 1,
                               "no_deadline": 0, "total": 66, "due_soon": 4}
    units = {u["unit"]: u for u in report["by_unit"]}
    assert units["Phòng Văn hóa - Xã hội"]["open_overdue"] == 1
    assert units["Văn phòng - Thống kê"]["total"] == 32
    domains = {d["domain"]: d["total"] for d in report["by_domain"]}
    assert domains == {"direction": 17, "institutions": 6, "procedures": 18, "organization": 6,
                       "civil_service": 7, "public_finance": 5, "digital_government": 7}


def test_the_time_comes_from_dondoc_now_when_no_flag_is_given(loaded, monkeypatch):
    monkeypatch.setenv("DONDOC_NOW", "2025-08-01T09:00")
    assert loaded("status", "--json").json()["as_of"] == "2025-08-01"
    assert loaded("--now", "2025-09-01T09:00+07:00", "status", "--json").json()["as_of"] == "2025-09-01"


def test_tasks_filters(loaded):
    now = ("--now", "2025-10-10T09:00+07:00")
    by_alias = loaded(*now, "tasks", "--unit", "Công chức Tư pháp-Hộ tịch", "--json").json()
    assert {t["lead"] for t in by_alias} == {"Tư pháp - Hộ tịch"} and len(by_alias) == 5
    overdue = loaded(*now, "tasks", "--state", "open_overdue", "--json").json()
    assert [t["ref"] for t in overdue] == ["1"]
    early = loaded(*now, "tasks", "--due-before", "2025-10-15", "--json").json()
    assert sorted(t["ref"] for t in early) == ["1", "BC-TCNS", "BC-TPHT", "BC-VHXH", "BC-VPTK"]
    assert loaded(*now, "tasks", "--status", "done", "--json").json() == []


def test_an_officer_runs_a_task_through_the_cli_and_show_lists_the_events(loaded):
    task = next(t for t in loaded("tasks", "--json").json() if t["ref"] == "BC-TPHT")
    tid = str(task["id"])
    assert loaded("--now", "2025-10-01T08:00+07:00", "task", "start", tid, "--by", "tp-hoang-van-em").code == 0
    assert loaded("--now", "2025-10-02T08:00+07:00", "task", "extend", tid, "--to", "2025-10-20",
                  "--by", "ct-tran-van-an", "--reason", "Chờ số liệu quý III").code == 0
    assert loaded("--now", "2025-10-17T15:00+07:00", "task", "done", tid, "--by", "tp-hoang-van-em",
                  "--note", "Đã gửi báo cáo").code == 0
    shown = loaded("--now", "2025-10-20T08:00+07:00", "task", "show", tid, "--json").json()
    assert shown["status"] == "done" and shown["state"] == "done_on_time"
    assert shown["done_at"] == "2025-10-17T15:00:00+07:00"
    assert [(e["kind"], e["actor"]) for e in shown["events"]] == [
        ("created", "import"), ("started", "tp-hoang-van-em"), ("extended", "ct-tran-van-an"),
        ("done", "tp-hoang-van-em")]
    assert shown["events"][2]["data"] == {"old_due": "2025-10-14", "new_due": "2025-10-20",
                                          "reason": "Chờ số liệu quý III"}


def test_cli_mistakes_get_a_message_and_exit_1(loaded):
    result = loaded("task", "done", "99999", "--by", "tp-hoang-van-em")
    assert (result.code, result.err) == (
        1, "dondoc: không có nhiệm vụ 99999 / no task 99999 (xem / see `dondoc tasks`)\n")
    result = loaded("task", "done", "1", "--by", "ong-khong-co")
    assert (result.code, result.err) == (
        1, "dondoc: không có người 'ong-khong-co' / no person 'ong-khong-co' (xem / see config/org.yaml)\n")
    result = loaded("tasks", "--state", "late")
    assert result.code == 1 and "--state 'late': không hợp lệ, dùng một trong / use one of" in result.err
    result = loaded("--now", "tomorrow", "status")
    assert (result.code, result.err) == (1, "dondoc: --now 'tomorrow': không phải thời điểm ISO / is not an "
                                            "ISO timestamp (e.g. 2025-10-01T08:00+07:00)\n")


# Each bad invocation: its exact one-line message on stderr (Vietnamese first), exit code 1.
BAD_INVOCATIONS = {
    "year-0": (("calendar", "0"), "năm 0 nằm ngoài khoảng lịch hỗ trợ 1900–2199 / "
                                  "year 0 is outside the supported range 1900–2199"),
    "year-99999": (("calendar", "99999"), "năm 99999 nằm ngoài khoảng lịch hỗ trợ 1900–2199 / "
                                          "year 99999 is outside the supported range 1900–2199"),
    "year-not-a-number": (("calendar", "abc"), "sai cách dùng lệnh / usage error: Invalid value for 'year': "
                          "Input should be a valid integer, unable to parse string as an integer "
                          "(xem / see `dondoc calendar --help`)"),
    "bad-day": (("tasks", "--due-before", "2025-02-30"), "sai cách dùng lệnh / usage error: Invalid value for "
                "'--due-before': Value error, '2025-02-30' does not match the formats '%Y-%m-%d'. "
                "(xem / see `dondoc tasks --help`)"),
    "bad-at": (("rules", "explain", "1", "--at", "hôm qua"),
               "--at 'hôm qua': không phải thời điểm ISO / is not an ISO timestamp (e.g. 2025-10-01T08:00+07:00)"),
    "bad-from": (("rules", "simulate", "--from", "1/1/2025", "--to", "2025-02-01"),
                 "--from '1/1/2025': không phải ngày (YYYY-MM-DD) hay thời điểm ISO / "
                 "is not a date (YYYY-MM-DD) or ISO moment"),
    "reversed-range": (("rules", "simulate", "--from", "2025-03-01", "--to", "2025-02-01"),
                       "--to 2025-02-01 trước --from 2025-03-01 / --to 2025-02-01 is before --from 2025-03-01"),
    "unknown-task": (("task", "show", "99999"),
                     "không có nhiệm vụ 99999 / no task 99999 (xem / see `dondoc tasks`)"),
    "unknown-plan": (("status", "--plan", "KH-khong-co"),
                     "không có kế hoạch 'KH-khong-co' / no plan 'KH-khong-co' (xem / see `dondoc plan list`)"),
    "unknown-command": (("lich",), "sai cách dùng lệnh / usage error: No such command 'lich'. "
                                  "(xem / see `dondoc --help`)"),
    "missing-file": (("plan", "import", "/khong/co/tep.yaml"),
                     "/khong/co/tep.yaml: cannot read the file: No such file or directory"),
}


@pytest.mark.parametrize("name", sorted(BAD_INVOCATIONS))
def test_a_bad_invocation_is_one_line_and_exit_1(loaded, name):
    args, message = BAD_INVOCATIONS[name]
    result = loaded(*args)
    assert (result.code, result.err) == (1, f"dondoc: {message}\n")


@pytest.mark.parametrize("args", [("calendar", "0", "--json"), ("rules", "explain", "99999", "--json"),
                                  ("--now", "hôm nay", "tasks", "--json"), ("calendar", "abc", "--json")])
def test_json_commands_print_json_even_on_error(loaded, args):
    result = loaded(*args)
    assert result.code == 1
    data = result.json()
    assert data["ok"] is False and result.err == f"dondoc: {data['error']}\n"


def test_an_unexpected_failure_is_one_line_and_its_traceback_only_shows_with_debug(cli, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")   # the database directory cannot be created under a file
    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{blocker}/sub/dondoc.db")
    result = cli("status")
    assert result.code == 1 and len(result.err.splitlines()) == 1
    assert result.err.startswith("dondoc: lỗi ngoài dự kiến / unexpected error: NotADirectoryError: ")
    assert result.err.endswith("(chạy lại với --debug để xem chi tiết / run again with --debug for details)\n")
    assert "Traceback" not in result.err
    debug = cli("--debug", "status")
    assert debug.code == 1 and "Traceback (most recent call last)" in debug.err
    assert debug.err.splitlines()[-1] == result.err.rstrip("\n")


def test_task_show_renders_fields_and_events_readably(loaded):
    task = next(t for t in loaded("tasks", "--json").json() if t["ref"] == "BC-TPHT")
    tid = str(task["id"])
    assert loaded("--now", "2025-10-01T08:00+07:00", "task", "start", tid, "--by", "tp-hoang-van-em").code == 0
    assert loaded("--now", "2025-10-02T08:00+07:00", "task", "extend", tid, "--to", "2025-10-20",
                  "--by", "ct-tran-van-an", "--reason", "Chờ số liệu quý III").code == 0
    shown = loaded("--now", "2025-10-03T08:00+07:00", "task", "show", tid)
    assert shown.code == 0
    lines = shown.out.splitlines()
    assert "Trạng thái (status): Đang thực hiện (in_progress)" in lines
    assert "Hạn (due): 20/10/2025" in lines and "Hoàn thành lúc (done at): —" in lines
    assert "  02/10/2025 08:00  gia hạn (extended)  ct-tran-van-an qua cli  old_due: 14/10/2025; " \
           "new_due: 20/10/2025; reason: Chờ số liệu quý III" in lines
    assert "None" not in shown.out and "{" not in shown.out and "'" not in shown.out


@pytest.mark.slow
def test_make_run_twice_sets_up_once_and_starts_the_engine(tmp_path):
    """The README's first command, for real: set up, show the status, run the engine until SIGTERM."""
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "dondoc").exists():
        raise AssertionError("make and the project's .venv are needed (run through `make test`)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env["DONDOC_DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    with socket.socket() as probe:  # a free port for the web page make run serves
        probe.bind(("127.0.0.1", 0))
        env["DONDOC_WEB__LISTEN"] = f"127.0.0.1:{probe.getsockname()[1]}"
    outputs = []
    for _ in range(2):
        proc = subprocess.Popen(["make", "-s", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "dondoc engine running" in line:
                os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        outputs.append("".join(lines))
    first, second = outputs
    assert first.count("kế hoạch mới") == 2, first
    assert second.count("đã tạo 0, sửa 0, hủy 0, khôi phục 0") == 2, second
    assert "Quy tắc không đổi" in second and "│ Tổng cộng" in second
    assert "dondoc engine stopped" in second
    assert f"Trang web dondoc (web page): http://{env['DONDOC_WEB__LISTEN']}" in first
