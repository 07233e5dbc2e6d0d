"""Button data: signed, short, naming its target; and a press judged without any network."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from engine.chat.telegram.press import press
from engine.chat.telegram.callbacks import MAX_BYTES, BadCallback, Callback, Signer
from engine.chat.commands import Chat
from engine.chat.replies import BotEnv
from engine.chat.telegram.words import TELEGRAM
from engine.context import AppContext
from engine.core.models import Event, Notification, Task
from engine.infra.settings import Settings


def test_data_is_short_signed_and_names_its_action_and_target():
    signer = Signer(b"secret")
    data = signer.encode("done", 2_147_483_647)
    assert len(data.encode()) <= MAX_BYTES and data.startswith("d.2147483647.")
    assert signer.decode(data) == Callback("done", 2_147_483_647)
    assert signer.decode(signer.encode("y", 7)) == Callback("approve", 7)


@pytest.mark.parametrize("data", [None, "", "d.12", "d.12.", "q.12.AAAAAAAAAAAAAAAA", "d.x.AAAAAAAAAAAAAAAA",
                                  "d.12.AAAAAAAAAAAAAAAA", "d.12.AAAAAAAAAAAAAAAA.extra"])
def test_anything_not_made_by_dondoc_is_refused(data):
    with pytest.raises(BadCallback):
        Signer(b"secret").decode(data)


def test_data_signed_for_one_target_or_with_another_key_does_not_verify():
    mine, theirs = Signer(b"secret"), Signer(b"other")
    data = mine.encode("ack", 5)
    with pytest.raises(BadCallback):
        theirs.decode(data)
    with pytest.raises(BadCallback):
        mine.decode(data.replace(".5.", ".6."))


def test_the_key_is_the_callback_secret_or_else_derived_from_the_token(env):
    assert Signer.from_settings(Settings()) is None                       # no bot, no buttons
    a = Signer.from_settings(Settings(telegram_token="1:aaa"))
    b = Signer.from_settings(Settings(telegram_token="1:bbb"))
    s = Signer.from_settings(Settings(telegram_token="1:aaa", callback_secret="set by the admin"))
    data = a.encode("start", 1)
    assert a.decode(data) and Signer.from_settings(Settings(telegram_token="1:aaa")).decode(data)
    for other in (b, s):                                                  # a new token or secret: old buttons stop
        with pytest.raises(BadCallback):
            other.decode(data)
    assert b"aaa" not in a._key                                           # derived, never the token itself


def test_a_press_is_judged_on_a_session_without_telegram(env, loaded):
    ctx = AppContext(now=datetime.fromisoformat("2025-10-07T09:00+07:00"))
    bot = BotEnv(ctx, Signer(b"k"), TELEGRAM)
    loaded("--now", "2025-10-07T09:00+07:00", "rules", "reload")
    with Session(ctx.engine) as session:
        task = session.exec(select(Task).where(Task.ref == "BC-TPHT")).one()
        row = Notification(task_id=task.id, rule_id="r", nominal_at=ctx.now(), fire_at=ctx.now(), level=0,
                           recipient="tp-hoang-van-em", person_id=task.assignee_id, role="assignee",
                           channel="telegram", template="reminder", ruleset_version="v", created_at=ctx.now())
        session.add(row)
        session.flush()
        forged = press(session, bot, Chat("100000006"), 1, "d.1.AAAAAAAAAAAAAAAA", None, ctx.now())
        assert forged.alert and "không hợp lệ" in forged.answer and not forged.sends and not forged.edits
        foreign = press(session, bot, Chat("100000001"), 1, bot.signer.encode("done", row.id), None, ctx.now())
        assert "dành cho người thực hiện nhiệm vụ (Hoàng Văn Em)" in foreign.answer
        done = press(session, bot, Chat("100000006"), 1, bot.signer.encode("done", row.id),
                             "Nhắc việc <b>BC-TPHT</b>", ctx.now())
        assert done.answer == "Đã ghi nhận: hoàn thành." and task.status == "done"
        [edit] = done.edits
        assert edit.html.startswith("Nhắc việc <b>BC-TPHT</b>\n\n✅ <b>Đã hoàn thành</b> – Hoàng Văn Em")
        assert edit.rows == () and done.sends[0].force_reply
        kinds = [e.kind for e in session.exec(select(Event).where(Event.task_id == task.id))]
        assert kinds[-1] == "done"
        session.rollback()
