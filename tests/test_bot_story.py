"""A whole overdue-task story on the fake Bot API, and the bot inside `dondoc run` on real long
polling: a getUpdates failure does not stop it, SIGTERM does, cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from tests.support.paths import DONDOC
from tests.support.world import AN, IMPORTED, MAI, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)


def mornings(world, first: int, last: int) -> None:
    """The engine's run at 07:31 on each day of October from `first` to `last`."""
    for d in range(first, last + 1):
        world.run(f"2025-10-{d:02d}T07:31+07:00")


def test_an_officer_and_a_supervisor_take_a_late_task_from_reminder_to_done(world):
    task = "Rà soát thủ tục"
    world.run(IMPORTED)
    mornings(world, 7, 7)
    # Reminder -> start.
    assert "còn 5 ngày làm việc" in world.act(NGHIA, task, "start")["text"]
    world.run("2025-10-07T08:10+07:00")
    # Three working days before: ask for more time; the head of the unit agrees.
    mornings(world, 8, 9)
    assert "còn 3 ngày làm việc" in world.act(NGHIA, task, "extend")["text"]
    world.tg.say(NGHIA, "22/10/2025")
    world.tg.say(NGHIA, "Chờ số liệu tổng hợp của các thôn")
    world.run("2025-10-09T08:00+07:00")
    world.tg.press(MAI, world.said(MAI, "Đề nghị gia hạn")["message_id"], "✅ Đồng ý")
    world.run("2025-10-09T09:30+07:00")
    assert world.task("VH-1").due.isoformat() == "2025-10-22"
    # The new day passes anyway: overdue reminders, then the escalation to the head (level 1, Fri 24/10).
    mornings(world, 10, 24)
    escalations = world.notifications(rule_id="bao-truong-don-vi", task_id=world.task("VH-1").id)
    assert {n.nominal_at.astimezone(world.tz).date().isoformat() for n in escalations} == {"2025-10-24"}
    assert "Cảnh báo quá hạn (cấp 1)" in world.act(MAI, task, "ack")["text"]
    world.run("2025-10-24T08:00+07:00")
    # Acknowledged: the chairman's level 2 (five working days overdue, Wed 29/10) is held back.
    mornings(world, 25, 29)
    held = world.notifications(rule_id="bao-chu-tich", task_id=world.task("VH-1").id)
    assert held and {n.status for n in held} == {"suppressed"}
    assert not [m for m in world.tg.to(AN) if task in m["text"]]
    # Done, from the last overdue reminder, with a note.
    world.act(NGHIA, task, "done")
    world.run("2025-10-29T10:00+07:00")
    world.tg.say(NGHIA, "Đã gửi Báo cáo số 21/BC-VHXH")
    world.run("2025-10-29T10:05+07:00")

    shown = world.show("VH-1")
    assert (shown["status"], shown["state"], shown["due"], shown["due_planned"]) == \
        ("done", "done_late", "2025-10-22", "2025-10-14")
    story = [(e["kind"], e["actor"], e["channel"]) for e in shown["events"]]
    assert story == [
        ("created", "import", "import"),
        ("started", "pvhxh-cao-van-nghia", "telegram"),
        ("extension_requested", "pvhxh-cao-van-nghia", "telegram"),
        ("extended", "pvhxh-ly-thi-mai", "telegram"),
        ("acknowledged", "pvhxh-ly-thi-mai", "telegram"),
        ("done", "pvhxh-cao-van-nghia", "telegram"),
        ("note", "pvhxh-cao-van-nghia", "telegram"),
    ]
    assert shown["events"][-1]["data"]["note"] == "Đã gửi Báo cáo số 21/BC-VHXH"
    before = len(world.notifications(task_id=world.task("VH-1").id))
    mornings(world, 30, 31)                                      # done: nothing more about it
    assert len(world.notifications(task_id=world.task("VH-1").id)) == before


@pytest.mark.slow
def test_the_engine_answers_through_long_polling_survives_get_updates_failures_and_stops_on_sigterm(world):
    code = world.invite("pvhxh-ly-thi-mai")["code"]
    for _ in range(2):                                           # the first long polls fail
        world.tg.script("getUpdates", 502, "Bad Gateway")
    world.tg.say(555000222, f"/start {code}")
    proc = subprocess.Popen([*DONDOC, "--now", "2025-10-07T08:00+07:00", "run"], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 45

    def wait_for(what: str, check) -> None:
        while time.monotonic() < deadline and proc.poll() is None:   # a crashed engine fails at once
            if check():
                return
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        raise AssertionError(f"{what}:\n" + proc.communicate(timeout=30)[0][-3000:])

    def sent_to(chat: int, text: str) -> dict | None:
        return next((m for m in world.tg.to(chat) if text in m["text"]), None) if world.tg.messages else None

    try:
        wait_for("greeting", lambda: sent_to(555000222, "Xin chào đồng chí Lý Thị Mai"))
        wait_for("reminder", lambda: sent_to(NGHIA, "Tổng hợp nhắc việc"))   # the engine's own sweep
        digest = sent_to(NGHIA, "Tổng hợp nhắc việc")
        world.tg.press(NGHIA, digest["message_id"], "1 · Đang làm")
        key = (NGHIA, digest["message_id"])
        wait_for("edit", lambda: "1 · Đang làm" not in world.tg.labels(world.tg.messages[key]))
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=45)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "getUpdates failed" in output and "Telegram bot @dondoc_test_bot is listening" in output
    assert "dondoc engine stopped" in output
    statuses = [r.status for r in world.tg.calls("getUpdates")]
    assert statuses[:2] == [502, 502] and 200 in statuses[2:]
    assert world.person("pvhxh-ly-thi-mai").telegram == "555000222"
    assert world.task("VH-1").status == "in_progress"
    assert world.events("started")[-1].channel == "telegram"
