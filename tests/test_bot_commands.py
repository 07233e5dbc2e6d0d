"""The bot's commands for an officer, a unit head and the chairman (Vietnamese, English aliases):
what each answers, from the pure handlers (engine/chat/commands.py) on the chat world's database,
and, end to end on the fake Bot API, that Telegram's updates reach them and their replies the chat."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.chat import actions, commands
from engine.chat.telegram.callbacks import Signer
from engine.chat.commands import Chat
from engine.chat.replies import BotEnv
from engine.chat.telegram.words import TELEGRAM
from engine.context import AppContext
from tests.fakes.telegram_api import visible_text
from tests.support.world import AN, MAI, NAM, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)

WEEK_LATER = "2025-10-16T10:00+07:00"   # VH-1 (due 14/10) and KT-1 (due 8/10) are overdue


def answer(world, chat: int, text: str, now: str = WEEK_LATER) -> str:
    """Send a command in `chat`, run the engine once, return the bot's reply to it."""
    before = {m["message_id"] for m in world.tg.to(chat)} if world.tg.messages else set()
    world.tg.say(chat, text)
    world.run(now)
    replies = [m for m in world.tg.to(chat) if m["message_id"] not in before and "reply_markup" not in m]
    assert replies, f"no reply to {text!r}"
    return replies[0]["text"]


def test_commands_are_registered_in_vietnamese_with_english_for_english_phones(world):
    world.run(WEEK_LATER)
    calls = world.tg.calls("setMyCommands")
    vi = next(c.params for c in calls if "language_code" not in c.params)
    en = next(c.params for c in calls if c.params.get("language_code") == "en")
    assert [c["command"] for c in vi["commands"]] == ["viec", "quahan", "baocao", "trogiup", "huy", "boqua"]
    assert [c["command"] for c in en["commands"]] == ["tasks", "overdue", "report", "help", "unlink", "cancel"]
    assert vi["commands"][0]["description"] == "Việc của tôi (chưa hoàn thành)"


def reply(world, handler, chat: int, *args, now: str = WEEK_LATER) -> str:
    """What `chat` would read of the one reply of a pure handler (engine/chat/commands.py)."""
    outcome = world.handle(handler, chat, *args, now=now)
    [send] = outcome.sends
    assert send.chat_id == str(chat) and outcome.edits == [] and outcome.answer is None
    return visible_text(send.html)


def test_viec_lists_my_open_tasks_overdue_first_with_state_and_due_day(world):
    text = reply(world, commands.my_tasks, NGHIA)
    assert text.startswith("📋 Việc của đồng chí Cao Văn Nghĩa: 3 việc chưa hoàn thành, 1 quá hạn")
    first, second, third = (text.index(t) for t in ("Rà soát thủ tục", "Báo cáo công tác", "Tuyên truyền"))
    assert first < second < third
    assert "🔴 Quá hạn 2 ngày – hạn Thứ Ba, 14/10/2025 · chưa bắt đầu" in text
    assert "🟢 Còn 3 ngày làm việc – hạn Thứ Ba, 21/10/2025" in text
    assert "⚪ Chưa có ngày hạn (Thường xuyên)" in text


def test_quahan_shows_a_unit_head_the_overdue_work_of_the_units_they_head(world):
    text = reply(world, commands.overdue, MAI)
    assert "Việc quá hạn: 1 việc (Phòng Văn hóa - Xã hội)" in text
    assert "Rà soát thủ tục hành chính lĩnh vực văn hóa" in text and "Cao Văn Nghĩa" in text
    assert "Kiểm tra hộ kinh doanh" not in text


def test_quahan_shows_the_chairman_every_unit(world):
    text = reply(world, commands.overdue, AN)
    assert "Việc quá hạn: 2 việc (mọi đơn vị)" in text
    assert text.index("Phòng Kinh tế") < text.index("Kiểm tra hộ kinh doanh") < text.index("Phòng Văn hóa - Xã hội")


def test_quahan_tells_an_officer_who_heads_nothing_to_use_viec(world):
    assert "dành cho lãnh đạo đơn vị" in reply(world, commands.overdue, NGHIA)


def test_baocao_counts_my_unit_for_an_officer_and_every_unit_for_the_chairman(world):
    mine = reply(world, commands.report, NGHIA)
    assert "Tình hình thực hiện – Phòng Văn hóa - Xã hội" in mine
    for line in ("Hoàn thành đúng hạn: 0", "Hoàn thành quá hạn: 0", "Đang thực hiện trong hạn: 1",
                 "Quá hạn chưa hoàn thành: 1", "Không có thời hạn: 1", "Tổng: 3 nhiệm vụ"):
        assert line in mine
    head = reply(world, commands.report, MAI)
    assert "Phòng Văn hóa - Xã hội" in head and "Quá hạn chưa hoàn thành: 1" in head
    everyone = reply(world, commands.report, AN)
    assert "toàn xã" in everyone and "Quá hạn chưa hoàn thành: 2" in everyone and "Tổng: 4 nhiệm vụ" in everyone
    assert "• Phòng Kinh tế: 1 – 0 · 0 · 0 · 1 · 0" in everyone
    assert "• Phòng Văn hóa - Xã hội: 3 – 0 · 0 · 1 · 1 · 1" in everyone


def test_help_and_what_is_not_understood(world):
    help_text = reply(world, commands.help_, NAM)
    assert "/viec" in help_text and "Xin gia hạn" in help_text and "Đã nhận" in help_text
    assert "Gõ /trogiup" in reply(world, commands.not_understood, NAM)
    assert "Gõ /trogiup" in reply(world, actions.reply, NAM, "chào bot")


def test_telegram_brings_each_command_under_both_names_and_free_text_to_its_handler(world):
    """The PTB layer, end to end on the fake Bot API: what the handlers answer reaches the chat."""
    for chat, names, handler in [(NGHIA, ("/viec", "/tasks"), commands.my_tasks),
                                 (AN, ("/quahan", "/overdue"), commands.overdue),
                                 (MAI, ("/baocao", "/report"), commands.report),
                                 (NAM, ("/trogiup", "/help"), commands.help_)]:
        expected = reply(world, handler, chat)
        assert [answer(world, chat, name) for name in names] == [expected, expected]
    assert answer(world, NAM, "/khongco") == reply(world, commands.not_understood, NAM)
    assert answer(world, NAM, "chào bot") == reply(world, actions.reply, NAM, "chào bot")


def test_handlers_work_without_the_network(env, loaded):
    """The handlers are pure: a session in, the reply out (here on the shipped example plans)."""
    from sqlmodel import Session

    ctx = AppContext(now=datetime.fromisoformat("2025-10-20T09:00+07:00"))
    bot = BotEnv(ctx, Signer(b"test key"), TELEGRAM)
    with Session(ctx.engine) as session:
        out = commands.my_tasks(session, bot, Chat("100000006"), ctx.now())
        [reply] = out.sends
        assert reply.chat_id == "100000006" and "Việc của đồng chí Hoàng Văn Em" in reply.html
        assert "quá hạn" in reply.html and out.edits == [] and out.answer is None
        stranger = commands.report(session, bot, Chat("42"), ctx.now())
        assert "chưa được liên kết" in stranger.sends[0].html


def test_a_reply_that_meets_the_flood_limit_waits_and_goes_out(world):
    world.tg.script("sendMessage", 429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
    assert "Việc của đồng chí Cao Văn Nghĩa" in answer(world, NGHIA, "/viec", now="2025-10-06T10:00+07:00")
    assert [r.status for r in world.tg.calls("sendMessage")][:2] == [429, 200]
