"""Who pressed the button: when a person's `telegram:` is a group chat, reminders go to the group, but
only the user who is that person (their own account, linked) acts; any other member is refused and
told why, and nothing is recorded. The same for approvals, acknowledgements and typed commands."""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.core.models import ExtensionRequest, TelegramLink
from tests.support.world import IMPORTED, MAI, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)

OFFICE, HEADS = -100500, -100600    # group chats: Nghĩa's unit, the heads of units
STRANGER = 200000099                # a member of both groups nobody linked
IN_GROUP = "Trong nhóm, chỉ cán bộ đã liên kết tài khoản Telegram của chính mình mới thao tác được"


def answers(world) -> list[dict]:
    return [c.params for c in world.tg.sent("answerCallbackQuery")]


def to_group(world, person: str, user: int, group: int) -> None:
    """The person links their own account in a private chat, then org.yaml sends their messages to `group`."""
    code = world.invite(person)["code"]
    world.tg.say(user, f"/start {code}")
    world.run(IMPORTED)
    org = world.config_dir / "org.yaml"
    text = org.read_text(encoding="utf-8")
    assert text.count(f'telegram: "{user}"') == 1
    org.write_text(text.replace(f'telegram: "{user}"', f'telegram: "{group}"'), encoding="utf-8")
    world.tg.groups.add(group)
    world.ok(IMPORTED, "org", "load")
    assert world.person(person).telegram == str(group)
    with world.db() as s:       # the person's own chat stays linked: it says who they are in the group
        assert s.exec(select(TelegramLink).where(TelegramLink.chat_id == str(user),
                                                 TelegramLink.unlinked_at == None)).one()  # noqa: E711


def test_only_the_person_themself_can_press_done_on_a_reminder_sent_to_a_group(world):
    world.run(IMPORTED)
    to_group(world, "pvhxh-cao-van-nghia", NGHIA, OFFICE)
    world.run("2025-10-07T07:31+07:00")
    reminder = world.said(OFFICE, "Nhắc việc – còn 5 ngày làm việc")
    before = len(world.events())
    world.tg.press(OFFICE, reminder["message_id"], "✅ Đã hoàn thành", user_id=STRANGER)
    world.tg.press(OFFICE, reminder["message_id"], "✅ Đã hoàn thành", user_id=MAI)   # linked, not hers
    world.run("2025-10-07T08:00+07:00")
    stranger, mai = answers(world)
    assert stranger["text"].startswith(IN_GROUP) and stranger["show_alert"] in (True, "true")
    assert "dành cho người thực hiện nhiệm vụ (Cao Văn Nghĩa)" in mai["text"]
    assert world.task("VH-1").status == "open" and len(world.events()) == before
    assert world.tg.labels(world.tg.messages[(OFFICE, reminder["message_id"])])      # untouched
    world.tg.press(OFFICE, reminder["message_id"], "✅ Đã hoàn thành", user_id=NGHIA)
    world.run("2025-10-07T08:10+07:00")
    assert answers(world)[-1]["text"] == "Đã ghi nhận: hoàn thành."
    done = world.show("VH-1")["events"][-1]
    assert (done["kind"], done["actor"], done["channel"]) == ("done", "pvhxh-cao-van-nghia", "telegram")
    assert "Đã hoàn thành – Cao Văn Nghĩa" in world.tg.messages[(OFFICE, reminder["message_id"])]["text"]


def test_typed_commands_in_a_group_answer_for_the_user_who_typed(world):
    world.run(IMPORTED)
    to_group(world, "pvhxh-cao-van-nghia", NGHIA, OFFICE)
    world.tg.say(OFFICE, "/viec", user_id=STRANGER)
    world.tg.say(OFFICE, "/huy", user_id=STRANGER)
    world.run(IMPORTED)
    listing, unlink = [m["text"] for m in world.tg.to(OFFICE)][-2:]
    assert "Tài khoản Telegram này chưa được liên kết" in listing and "Rà soát thủ tục" not in listing
    assert unlink.startswith("Chỉ đồng chí Cao Văn Nghĩa mới hủy được liên kết của nhóm này.")
    assert world.person("pvhxh-cao-van-nghia").telegram == str(OFFICE)
    world.tg.say(OFFICE, "/viec", user_id=NGHIA)
    world.run(IMPORTED)
    assert "Rà soát thủ tục" in world.tg.last_to(OFFICE)["text"]


def test_only_the_person_themself_can_acknowledge_an_escalation_sent_to_a_group(world):
    world.run(IMPORTED)
    to_group(world, "pvhxh-ly-thi-mai", MAI, HEADS)
    world.run("2025-10-16T07:31+07:00")
    escalation = world.said(HEADS, "Cảnh báo quá hạn (cấp 1)")
    world.tg.press(HEADS, escalation["message_id"], "👁 Đã nhận", user_id=STRANGER)
    world.run("2025-10-16T08:00+07:00")
    assert answers(world)[-1]["text"].startswith(IN_GROUP)
    assert world.events("acknowledged") == []
    world.tg.press(HEADS, escalation["message_id"], "👁 Đã nhận", user_id=MAI)
    world.run("2025-10-16T09:00+07:00")
    [acked] = world.events("acknowledged")
    assert (acked.actor, acked.channel, acked.data["level"]) == ("pvhxh-ly-thi-mai", "telegram", 1)


def test_only_the_approver_themself_can_approve_an_extension_sent_to_a_group(world):
    world.run(IMPORTED)
    to_group(world, "pvhxh-ly-thi-mai", MAI, HEADS)
    for d in range(7, 10):
        world.run(f"2025-10-{d:02d}T07:31+07:00")
    reminder = world.said(NGHIA, "còn 3 ngày làm việc")
    world.tg.press(NGHIA, reminder["message_id"], "⏳ Xin gia hạn")
    world.run("2025-10-09T08:00+07:00")
    world.tg.say(NGHIA, "21/10/2025")
    world.run("2025-10-09T08:00+07:00")
    world.tg.say(NGHIA, "Chờ số liệu của các thôn")
    world.run("2025-10-09T08:00+07:00")
    request = world.said(HEADS, "Đề nghị gia hạn")
    world.tg.press(HEADS, request["message_id"], "✅ Đồng ý", user_id=STRANGER)
    world.tg.press(HEADS, request["message_id"], "✅ Đồng ý", user_id=NGHIA)          # linked, not the approver
    world.run("2025-10-09T09:00+07:00")
    stranger, nghia = answers(world)[-2:]
    assert stranger["text"].startswith(IN_GROUP)
    assert not nghia["text"].startswith(IN_GROUP) and "(" in nghia["text"]
    with world.db() as s:
        assert s.exec(select(ExtensionRequest)).one().status == "pending"
    assert world.task("VH-1").due.isoformat() == "2025-10-14"
    world.tg.press(HEADS, request["message_id"], "✅ Đồng ý", user_id=MAI)
    world.run("2025-10-09T09:30+07:00")
    with world.db() as s:
        assert s.exec(select(ExtensionRequest)).one().status == "approved"
    assert world.task("VH-1").due.isoformat() == "2025-10-21"
    assert world.events("extended")[-1].actor == "pvhxh-ly-thi-mai"


# -- Zalo: updates carry the sender (`from`) apart from the chat, and groups exist (in beta) -------------

ZALO_GROUP, ZALO_STRANGER = "99aa00112233ccdd", "ffee00112233aabb"


def test_on_zalo_a_group_member_who_is_not_linked_is_refused_and_nothing_is_recorded(zalo_world):
    w = zalo_world
    org = w.config_dir / "org.yaml"
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace('telegram: "100000012"', f'telegram: "100000012", zalo: "{ZALO_GROUP}"'),
                   encoding="utf-8")
    w.ok(IMPORTED, "org", "load")
    assert w.person("pvhxh-cao-van-nghia").zalo == ZALO_GROUP
    w.zl.user_says(ZALO_GROUP, "viec", user_id=ZALO_STRANGER, group=True)
    w.run(IMPORTED)
    listing = w.zl.to(ZALO_GROUP)[0]                     # the answer, before what dispatch sent
    assert "Việc của đồng chí" not in listing and "chưa" in listing and "liên kết" in listing
    w.run("2025-10-14T07:31+07:00")                     # the digest goes to the group
    assert any("Trả lời theo số thứ tự" in t for t in w.zl.to(ZALO_GROUP))
    before = len(w.events())
    w.zl.user_says(ZALO_GROUP, "1 xong", user_id=ZALO_STRANGER, group=True)
    w.run("2025-10-14T08:00+07:00")
    assert w.zl.to(ZALO_GROUP)[-1].startswith("Trong nhóm, chỉ cán bộ đã liên kết tài khoản Zalo")
    assert len(w.events()) == before and w.task("VH-1").status == "open"
