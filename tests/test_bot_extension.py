"""Xin gia hạn from Telegram: the officer asks, the approver answers with a button, the deadline
and every timer move (or not), and both sides see the outcome."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from engine.core.models import ExtensionRequest, Timer
from tests.support.world import AN, IMPORTED, MAI, NAM, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)

ASKED = "2025-10-09T08:00+07:00"


def answers(world) -> list[str]:
    return [c.params["text"] for c in world.tg.sent("answerCallbackQuery")]


def ask(world, chat: int, about: str, *replies: str, now: str = ASKED) -> dict:
    """Press ⏳ Xin gia hạn on the latest reminder about `about`, answer the bot's questions."""
    reminder = world.said(chat, about)
    world.tg.press(chat, reminder["message_id"], "⏳ Xin gia hạn")
    world.run(now)
    for text in replies:
        world.tg.say(chat, text)
    world.run(now)
    return reminder


def walk(world, last_day: int) -> None:
    """The engine's morning runs from import day to `last_day` October, so reminders come singly."""
    world.run(IMPORTED)
    for d in range(7, last_day + 1):
        world.run(f"2025-10-{d:02d}T07:31+07:00")


def request_to(world, chat: int) -> dict:
    return world.said(chat, "Đề nghị gia hạn")


def test_an_approved_extension_moves_the_deadline_and_every_timer(world):
    walk(world, 9)                                       # VH-1: three working days left
    reminder = ask(world, NGHIA, "còn 3 ngày làm việc", "21/10/2025", "Chờ số liệu của các thôn")
    texts = [m["text"] for m in world.tg.to(NGHIA)]
    assert any(t.startswith("⏳ Xin gia hạn: Rà soát thủ tục") and "Hạn hiện tại: Thứ Ba, 14/10/2025" in t
               for t in texts)
    assert any("Hạn mới đề nghị: Thứ Ba, 21/10/2025" in t and "lý do" in t for t in texts)
    world.said(NGHIA, "Đã gửi đề nghị gia hạn đến 21/10/2025 tới đồng chí Lý Thị Mai")
    edited = world.tg.messages[(NGHIA, reminder["message_id"])]
    assert "reply_markup" not in edited and "Đã xin gia hạn đến 21/10/2025 – chờ đồng chí Lý Thị Mai duyệt" \
        in edited["text"]
    request = request_to(world, MAI)
    for part in ("Người đề nghị: Cao Văn Nghĩa – Phòng Văn hóa - Xã hội", "Hạn hiện tại: Thứ Ba, 14/10/2025",
                 "Hạn đề nghị: Thứ Ba, 21/10/2025", "Lý do: Chờ số liệu của các thôn"):
        assert part in request["text"]
    assert world.tg.labels(request) == ["✅ Đồng ý", "❌ Từ chối"]
    assert world.task("VH-1").due.isoformat() == "2025-10-14"      # nothing moves before the answer

    world.tg.press(MAI, request["message_id"], "✅ Đồng ý")
    world.run("2025-10-09T10:00+07:00")
    task = world.task("VH-1")
    assert task.due.isoformat() == "2025-10-21" and task.due_planned.isoformat() == "2025-10-14"
    approved = world.tg.messages[(MAI, request["message_id"])]
    assert "reply_markup" not in approved
    assert "✅ Đồng ý gia hạn đến 21/10/2025 – Lý Thị Mai, 10:00 ngày 09/10/2025" in approved["text"]
    world.said(NGHIA, "đã được đồng chí Lý Thị Mai đồng ý. Hạn mới: Thứ Ba, 21/10/2025")
    events = world.show("VH-1")["events"]
    requested = next(e for e in events if e["kind"] == "extension_requested")
    assert (requested["actor"], requested["channel"], requested["data"]["new_due"], requested["data"]["approver"]) == \
        ("pvhxh-cao-van-nghia", "telegram", "2025-10-21", "pvhxh-ly-thi-mai")
    extended = events[-1]
    assert (extended["kind"], extended["actor"], extended["channel"]) == ("extended", "pvhxh-ly-thi-mai", "telegram")
    assert extended["data"] == {"old_due": "2025-10-14", "new_due": "2025-10-21",
                                "reason": "Chờ số liệu của các thôn"}
    with world.db() as s:                               # the due-day reminder now fires on the new day
        on_due = s.exec(select(Timer).where(Timer.task_id == task.id, Timer.rule_id == "nhac-dung-han")).one()
        assert on_due.fire_at == datetime(2025, 10, 21, 0, 30, tzinfo=timezone.utc)
    world.tg.press(MAI, request["message_id"], data=request["reply_markup"]["inline_keyboard"][0][0]
                   ["callback_data"])                   # pressed again: already decided
    world.run("2025-10-09T10:05+07:00")
    assert "đã được đồng ý" in answers(world)[-1]
    assert len(world.events("extended")) == 1


def test_date_and_reason_on_one_line_and_a_refusal(world):
    walk(world, 9)
    ask(world, NGHIA, "còn 3 ngày làm việc", "ngày mai nhé", "10/10/2025", "20/10 thiếu nhân lực")
    texts = [m["text"] for m in world.tg.to(NGHIA)]
    assert any("Chưa đọc được ngày" in t for t in texts)
    assert any("Ngày hạn mới phải sau 14/10/2025" in t for t in texts)
    request = request_to(world, MAI)
    assert "Hạn đề nghị: Thứ Hai, 20/10/2025" in request["text"] and "Lý do: thiếu nhân lực" in request["text"]
    world.tg.press(MAI, request["message_id"], "❌ Từ chối")
    world.run("2025-10-09T11:00+07:00")
    assert world.task("VH-1").due.isoformat() == "2025-10-14"
    refused = world.events("extension_refused")[-1]
    assert (refused.actor, refused.channel, refused.data["new_due"]) == ("pvhxh-ly-thi-mai", "telegram", "2025-10-20")
    world.said(NGHIA, "không được đồng chí Lý Thị Mai đồng ý. Hạn vẫn là Thứ Ba, 14/10/2025")
    assert "Không đồng ý gia hạn – Lý Thị Mai" in world.tg.messages[(MAI, request["message_id"])]["text"]
    with world.db() as s:
        assert s.exec(select(ExtensionRequest)).one().status == "refused"


def test_a_second_request_waits_for_the_first(world):
    walk(world, 9)
    ask(world, NGHIA, "còn 3 ngày làm việc", "21/10/2025 chờ số liệu")
    world.run("2025-10-13T07:31+07:00")
    reminder = world.said(NGHIA, "còn 1 ngày làm việc")
    world.tg.press(NGHIA, reminder["message_id"], "⏳ Xin gia hạn")
    world.run("2025-10-13T08:00+07:00")
    assert "đang chờ duyệt" in answers(world)[-1]


def test_a_unit_head_asks_the_chairman_and_only_the_approver_or_chairman_decides(world):
    walk(world, 9)                                       # KT-1 overdue: Nam is its assignee and unit head
    ask(world, NAM, "Quá hạn", "20/10/2025 chờ đoàn kiểm tra của tỉnh")
    world.said(NAM, "tới đồng chí Trần Văn An")
    request = request_to(world, AN)
    assert "Người đề nghị: Trịnh Văn Nam – Phòng Kinh tế" in request["text"]
    approve = request["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    world.tg.say(MAI, "/trogiup")                         # some message of the bot in Mai's chat ...
    world.run("2025-10-09T08:30+07:00")
    world.tg.press(MAI, world.tg.last_to(MAI)["message_id"], data=approve)   # ... carrying the chairman's button
    world.run("2025-10-09T09:00+07:00")
    assert "Chỉ đồng chí Trần Văn An mới duyệt được" in answers(world)[-1]
    assert world.task("KT-1").due.isoformat() == "2025-10-08"
    world.tg.press(AN, request["message_id"], "✅ Đồng ý")
    world.run("2025-10-09T09:05+07:00")
    assert world.task("KT-1").due.isoformat() == "2025-10-20"


def test_an_approver_who_blocked_the_bot_is_marked_and_the_officer_told(world):
    walk(world, 9)
    world.tg.blocked.add(MAI)
    ask(world, NGHIA, "còn 3 ngày làm việc", "21/10/2025 chờ số liệu")
    world.said(NGHIA, "Không gửi được đề nghị tới đồng chí Lý Thị Mai qua Telegram")
    assert "blocked" in world.person("pvhxh-ly-thi-mai").telegram_broken
    assert world.events("contact_broken")[-1].data["person"] == "pvhxh-ly-thi-mai"
    with world.db() as s:                               # the request stays on record for another way
        assert s.exec(select(ExtensionRequest)).one().status == "pending"


def test_the_chairman_may_decide_in_the_heads_place_and_the_heads_copy_shows_it(world):
    walk(world, 9)
    ask(world, NGHIA, "còn 3 ngày làm việc", "21/10/2025 chờ số liệu")
    request = request_to(world, MAI)
    world.tg.say(AN, "/trogiup")
    world.run("2025-10-09T08:30+07:00")
    world.tg.press(AN, world.tg.last_to(AN)["message_id"], data=request["reply_markup"]["inline_keyboard"][0][1]
                   ["callback_data"])                   # the chairman refuses
    world.run("2025-10-09T09:00+07:00")
    assert world.events("extension_refused")[-1].actor == "ct-tran-van-an"
    heads_copy = world.tg.messages[(MAI, request["message_id"])]
    assert "reply_markup" not in heads_copy and "Không đồng ý gia hạn – Trần Văn An" in heads_copy["text"]
