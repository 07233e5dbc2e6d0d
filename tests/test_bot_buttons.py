"""Buttons on reminders and escalations: what they do, how the message changes, and the presses
that must change nothing (forged, stale, foreign), all through the fake Bot API."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from engine.chat.telegram.callbacks import Signer
from engine.core.models import Ack, Notification, Task, TelegramMessage, Timer
from tests.support.world import AN, IMPORTED, MAI, NAM, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)

DATA = re.compile(r"[a-z]\.\d+\.[A-Za-z0-9_-]{16}")


def answers(world) -> list[dict]:
    return [c.params for c in world.tg.sent("answerCallbackQuery")]


def keyboard(message: dict) -> list[list[str]]:
    return [[b["text"] for b in row] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])]


def data_of(message: dict, label: str) -> str:
    """The callback data of the button labelled `label`."""
    rows = message["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


def settled(world) -> None:
    """Send what was due at import (a check-in, KT-1's reminders) so later reminders come singly."""
    world.run(IMPORTED)


def test_a_reminder_offers_start_done_extend_and_an_escalation_ack_and_details(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(NGHIA, "Nhắc việc – còn 5 ngày làm việc")
    assert keyboard(reminder) == [["▶️ Đang thực hiện", "✅ Đã hoàn thành"], ["⏳ Xin gia hạn"]]
    datas = [b["callback_data"] for row in reminder["reply_markup"]["inline_keyboard"] for b in row]
    assert all(DATA.fullmatch(d) and len(d.encode()) <= 64 for d in datas)
    world.run("2025-10-16T07:31+07:00")                  # VH-1 two working days overdue: level 1
    escalation = world.said(MAI, "Cảnh báo quá hạn (cấp 1)")
    assert keyboard(escalation) == [["👁 Đã nhận", "ℹ️ Xem chi tiết"]]
    with world.db() as s:                               # dispatch kept where each message went
        kept = s.exec(select(TelegramMessage).where(TelegramMessage.message_id == escalation["message_id"])).one()
        assert kept.chat_id == str(MAI) and kept.message_key and "Cảnh báo quá hạn" in kept.html


def test_a_digest_gives_each_task_its_own_row_and_an_action_takes_only_that_row(world):
    world.run("2025-10-07T07:31+07:00")                  # VH-1's 7-day reminder and VH-3's check-in
    digest = world.said(NGHIA, "Tổng hợp nhắc việc: 2 nhiệm vụ")
    assert keyboard(digest) == [["1 · Đang làm", "1 · Xong", "1 · Gia hạn"], ["2 · Đang làm", "2 · Xong"]]
    world.tg.press(NGHIA, digest["message_id"], "2 · Xong")
    world.run("2025-10-07T08:00+07:00")
    after = world.tg.messages[(NGHIA, digest["message_id"])]
    assert keyboard(after) == [["1 · Đang làm", "1 · Xong", "1 · Gia hạn"]]
    assert "Việc 2: ✅ Đã hoàn thành – Cao Văn Nghĩa, 08:00 ngày 07/10/2025" in after["text"]
    assert world.task("VH-3").status == "done" and world.task("VH-1").status == "open"


def test_start_moves_the_task_edits_the_message_and_takes_the_buttons_away(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(NGHIA, "Nhắc việc – còn 5 ngày làm việc")
    world.tg.press(NGHIA, reminder["message_id"], "▶️ Đang thực hiện")
    world.run("2025-10-07T08:15+07:00")
    assert answers(world)[-1]["text"] == "Đã ghi nhận: đang thực hiện."
    edited = world.tg.messages[(NGHIA, reminder["message_id"])]
    assert "reply_markup" not in edited
    assert edited["text"].endswith("▶️ Đang thực hiện – Cao Văn Nghĩa, 08:15 ngày 07/10/2025")
    shown = world.show("VH-1")
    assert shown["status"] == "in_progress"
    started = shown["events"][-1]
    assert (started["kind"], started["actor"], started["channel"]) == ("started", "pvhxh-cao-van-nghia", "telegram")
    assert started["at"] == "2025-10-07T08:15:00+07:00"
    world.run("2025-10-09T07:31+07:00")                  # the next reminder offers what is left to do
    assert keyboard(world.said(NGHIA, "còn 3 ngày làm việc")) == [["✅ Đã hoàn thành", "⏳ Xin gia hạn"]]


def test_done_finishes_the_task_stops_its_timers_and_keeps_an_optional_note(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(NGHIA, "Nhắc việc – còn 5 ngày làm việc")
    world.tg.press(NGHIA, reminder["message_id"], "✅ Đã hoàn thành")
    world.run("2025-10-08T10:00+07:00")
    question = world.said(NGHIA, "trả lời tin này để ghi chú")
    assert question["text"].startswith("✅ Đã ghi nhận hoàn thành nhiệm vụ Rà soát thủ tục")
    assert "Đã hoàn thành – Cao Văn Nghĩa, 10:00 ngày 08/10/2025" in world.tg.messages[
        (NGHIA, reminder["message_id"])]["text"]
    world.tg.say(NGHIA, "Đã ban hành Báo cáo số 15/BC-VHXH", reply_to=question["message_id"])
    world.run("2025-10-08T10:05+07:00")
    world.said(NGHIA, "Đã lưu ghi chú")
    task = world.task("VH-1")
    assert task.status == "done"
    with world.db() as s:
        assert s.exec(select(Timer).where(Timer.task_id == task.id)).all() == []
    kinds = [(e["kind"], e["channel"], e["data"].get("note")) for e in world.show("VH-1")["events"]]
    assert kinds[-2:] == [("done", "telegram", None), ("note", "telegram", "Đã ban hành Báo cáo số 15/BC-VHXH")]
    world.tg.say(NGHIA, "một tin nữa")                  # the question was answered: no second note
    world.run("2025-10-08T10:10+07:00")
    assert "Tôi chưa hiểu" in world.tg.last_to(NGHIA)["text"]


def test_skipping_the_note(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    world.tg.press(NGHIA, world.said(NGHIA, "còn 5 ngày")["message_id"], "✅ Đã hoàn thành")
    world.tg.say(NGHIA, "/boqua")
    world.run("2025-10-07T08:00+07:00")
    assert world.tg.last_to(NGHIA)["text"] == "Đã bỏ qua."
    assert [e["kind"] for e in world.show("VH-1")["events"]][-1] == "done"


def test_acknowledging_an_escalation_holds_back_the_next_level(world):
    settled(world)
    world.run("2025-10-16T07:31+07:00")
    escalation = world.said(MAI, "Cảnh báo quá hạn (cấp 1)")
    world.tg.press(MAI, escalation["message_id"], "👁 Đã nhận")
    world.run("2025-10-16T09:00+07:00")
    edited = world.tg.messages[(MAI, escalation["message_id"])]
    assert "reply_markup" not in edited
    assert "👁 Đã nhận – Lý Thị Mai, 09:00 ngày 16/10/2025 (cảnh báo cấp 1 trở lên tạm dừng đến 23/10/2025)" \
        in edited["text"]
    acked = world.show("VH-1")["events"][-1]
    assert (acked["kind"], acked["actor"], acked["channel"], acked["data"]["level"]) == \
        ("acknowledged", "pvhxh-ly-thi-mai", "telegram", 1)
    world.run("2025-10-21T07:31+07:00")                  # five working days overdue: the chairman's turn
    chairman = world.notifications(rule_id="bao-chu-tich", task_id=world.task("VH-1").id)
    assert chairman and {n.status for n in chairman} == {"suppressed"}
    assert not [m for m in world.tg.to(AN) if "Rà soát thủ tục" in m["text"]]
    world.tg.press(MAI, escalation["message_id"], data=data_of(escalation, "👁 Đã nhận"))  # pressed again
    world.run("2025-10-21T08:00+07:00")
    assert "đã được xác nhận" in answers(world)[-1]["text"]
    with world.db() as s:
        assert len(s.exec(select(Ack)).all()) == 1


def test_details_show_the_task_and_its_latest_events_and_keep_the_buttons(world):
    settled(world)
    world.run("2025-10-10T07:31+07:00")                  # KT-1: the chairman heads the unit above Nam
    escalation = world.said(AN, "Cảnh báo quá hạn (cấp 1)")
    world.tg.press(AN, escalation["message_id"], "ℹ️ Xem chi tiết")
    world.run("2025-10-10T08:00+07:00")
    details = world.said(AN, "ℹ️ Kiểm tra hộ kinh doanh")["text"]
    for part in ("Nhiệm vụ KT-1", "Đơn vị chủ trì: Phòng Kinh tế", "Người thực hiện: Trịnh Văn Nam",
                 "Quá hạn chưa hoàn thành", "Gần đây", "tạo nhiệm vụ"):
        assert part in details
    assert keyboard(world.tg.messages[(AN, escalation["message_id"])]) == [["👁 Đã nhận", "ℹ️ Xem chi tiết"]]


def test_forged_buttons_are_answered_and_change_nothing(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(NGHIA, "còn 5 ngày")
    done = data_of(reminder, "✅ Đã hoàn thành")
    target = done.split(".")[1]
    before = len(world.events())
    for data in (f"d.{target}.AAAAAAAAAAAAAAAA", Signer(b"another key").encode("done", int(target)),
                 "d." + target, "xoa-het", done.replace(f".{target}.", f".{int(target) + 1}.")):
        world.tg.press(NGHIA, reminder["message_id"], data=data)
    world.run("2025-10-07T08:00+07:00")
    forged = answers(world)
    assert len(forged) == 5 and all("không hợp lệ" in a["text"] and a["show_alert"] in (True, "true")
                                    for a in forged)
    assert world.task("VH-1").status == "open" and len(world.events()) == before
    assert keyboard(world.tg.messages[(NGHIA, reminder["message_id"])])  # untouched


def test_stale_and_foreign_presses_are_answered_and_change_nothing(world):
    settled(world)
    world.run("2025-10-16T07:31+07:00")
    reminder = world.said(NGHIA, "Rà soát thủ tục")       # a digest: VH-1 overdue, VH-2 in three days
    escalation = world.said(MAI, "Cảnh báo quá hạn (cấp 1)")
    done, ack = data_of(reminder, "1 · Xong"), data_of(escalation, "👁 Đã nhận")
    world.tg.press(MAI, escalation["message_id"], data=done)        # Nghĩa's button, pressed in Mai's chat
    world.tg.press(NGHIA, reminder["message_id"], data=ack)         # Mai's button, pressed by the officer
    world.run("2025-10-16T08:00+07:00")
    texts = [a["text"] for a in answers(world)]
    assert "dành cho người thực hiện nhiệm vụ (Cao Văn Nghĩa)" in texts[0]
    assert "không phải người nhận cảnh báo" in texts[1]
    assert world.task("VH-1").status == "open" and world.events("acknowledged") == []
    world.tg.press(NGHIA, reminder["message_id"], data=done)
    world.tg.press(NGHIA, reminder["message_id"], data=done)        # twice: the second is stale
    world.tg.press(MAI, escalation["message_id"], data=ack)         # the task is done by now
    world.run("2025-10-16T08:30+07:00")
    texts = [a["text"] for a in answers(world)][2:]
    assert texts[0] == "Đã ghi nhận: hoàn thành."
    assert "đã hoàn thành" in texts[1] and "đã hoàn thành" in texts[2]
    assert len(world.events("done")) == 1 and world.events("acknowledged") == []


def test_a_press_from_a_chat_no_longer_linked_is_refused(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(NGHIA, "còn 5 ngày")
    world.tg.say(NGHIA, "/huy")
    world.tg.press(NGHIA, reminder["message_id"], "▶️ Đang thực hiện")
    world.run("2025-10-07T08:00+07:00")
    assert "chưa liên kết" in answers(world)[-1]["text"]
    assert world.task("VH-1").status == "open"


def test_a_reply_to_someone_who_blocked_the_bot_marks_their_telegram_broken(world):
    settled(world)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(NGHIA, "còn 5 ngày")
    world.tg.press(NGHIA, reminder["message_id"], "✅ Đã hoàn thành")
    world.tg.blocked.add(NGHIA)                          # blocked the bot right after pressing
    world.run("2025-10-07T08:00+07:00")
    assert world.task("VH-1").status == "done"           # the action counts; only the reply was lost
    assert "blocked" in world.person("pvhxh-cao-van-nghia").telegram_broken
    assert world.events("contact_broken")[-1].data["person"] == "pvhxh-cao-van-nghia"
    world.tg.blocked.discard(NGHIA)                       # unblocked, and linked again: reminders resume
    code = world.invite("pvhxh-cao-van-nghia", "2025-10-07T09:00+07:00")["code"]
    world.tg.say(NGHIA, f"/start {code}")
    world.run("2025-10-07T09:05+07:00")
    assert world.person("pvhxh-cao-van-nghia").telegram_broken is None
    with world.db() as s:
        assert s.exec(select(Task).where(Task.ref == "VH-2")).one().status == "open"


def test_reminders_of_one_task_due_together_are_one_entry_with_one_set_of_buttons(world):
    world.run(IMPORTED)              # KT-1 was imported late: two of its reminders come due together
    with world.db() as s:
        kt1 = world.task("KT-1")
        rows = s.exec(select(Notification).where(Notification.task_id == kt1.id,
                                                 Notification.channel == "telegram")).all()
    # Not a digest naming KT-1 twice: the most urgent reminder, the other recorded as merged into it.
    assert sorted(r.status for r in rows) == ["merged", "sent"]
    kept = next(r for r in rows if r.status == "sent")
    assert next(r for r in rows if r.status == "merged").merged_into == kept.id
    message = world.said(NAM, "Kiểm tra hộ kinh doanh trên địa bàn")
    assert "Tổng hợp nhắc việc" not in message["text"]
    assert keyboard(message) == [["▶️ Đang thực hiện", "✅ Đã hoàn thành"], ["⏳ Xin gia hạn"]]
    world.tg.press(NAM, message["message_id"], "▶️ Đang thực hiện")
    world.run("2025-10-06T10:00+07:00")
    assert world.task("KT-1").status == "in_progress"