"""Linking a Telegram chat to a person: invites, /start CODE, /huy, and org reloads. The refusals
are judged by the pure /start handler (engine/chat/commands.py); linking, unlinking and what
follows run end to end on the fake Bot API."""

from __future__ import annotations

import pytest
from sqlmodel import select

from engine.chat import commands
from engine.chat.commands import Chat
from engine.core.models import TelegramLink
from tests.support.world import IMPORTED, MAI, NGHIA

pytestmark = pytest.mark.chat       # the world with the fake Bot API (tests/conftest.py)

NEW_CHAT = 555000111
LATER = "2025-10-07T08:00+07:00"   # the 7-day reminders go out too


def test_invite_prints_the_deep_link_the_code_and_when_it_expires(world):
    data = world.invite("pvhxh-cao-van-nghia")
    assert set(data) == {"person", "code", "link", "expires"}
    assert data["person"] == "pvhxh-cao-van-nghia"
    assert data["link"] == f"https://t.me/dondoc_test_bot?start={data['code']}"
    assert len(data["code"]) >= 16 and data["expires"] == "2025-10-13T09:00:00+07:00"
    text = world.ok(IMPORTED, "people", "invite", "pvhxh-cao-van-nghia").out
    assert "https://t.me/dondoc_test_bot?start=" in text and "Cao Văn Nghĩa" in text and "13/10/2025" in text


def test_invite_without_a_bot_username_uses_a_placeholder_and_says_so(world, monkeypatch):
    monkeypatch.delenv("DONDOC_TELEGRAM_BOT_USERNAME")
    assert world.invite("pvhxh-cao-van-nghia")["link"].startswith("https://t.me/dondoc_bot?start=")
    text = world.ok(IMPORTED, "people", "invite", "pvhxh-cao-van-nghia").out
    assert "telegram_bot_username" in text
    bad = world.cli("people", "invite", "nobody")
    assert bad.code == 1 and "no person 'nobody'" in bad.err


def test_start_with_a_valid_code_links_the_chat_and_greets_by_name_and_unit(world):
    world.unlink_from_org("pvhxh-cao-van-nghia")
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    world.tg.say(NEW_CHAT, f"/start {code}")
    world.run(LATER)
    greeting = world.said(NEW_CHAT, "Xin chào")["text"]
    assert "Xin chào đồng chí Cao Văn Nghĩa – Phòng Văn hóa - Xã hội" in greeting
    assert "/viec" in greeting
    person = world.person("pvhxh-cao-van-nghia")
    assert person.telegram == str(NEW_CHAT) and person.telegram_broken is None
    [linked] = world.events("telegram_linked")
    assert (linked.channel, linked.actor, linked.data["chat"]) == ("telegram", "pvhxh-cao-van-nghia", str(NEW_CHAT))
    # The chat is now theirs: commands answer, and reminders come here (see test_bot_buttons).
    world.tg.say(NEW_CHAT, "/viec")
    world.run(LATER)
    world.said(NEW_CHAT, "Việc của đồng chí Cao Văn Nghĩa")


def test_a_used_code_links_nothing(world):
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    world.says(commands.start, NEW_CHAT, code, now=LATER)
    [refused] = world.says(commands.start, NEW_CHAT + 1, code, now=LATER)
    assert "đã được sử dụng" in refused
    assert world.person("pvhxh-cao-van-nghia").telegram == str(NEW_CHAT)
    assert len(world.events("telegram_linked")) == 1


def test_an_expired_or_unknown_code_links_nothing(world):
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    [expired] = world.says(commands.start, NEW_CHAT, code, now="2025-10-13T09:00+07:00")  # seven days later
    assert "đã hết hạn" in expired
    [unknown] = world.says(commands.start, NEW_CHAT, "khong-phai-ma-that", now="2025-10-13T09:01+07:00")
    assert "Mã liên kết không đúng" in unknown
    assert world.person("pvhxh-cao-van-nghia").telegram == str(NGHIA)
    assert world.events("telegram_linked") == []


def test_a_chat_linked_to_someone_else_is_refused_and_the_code_stays_usable(world):
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    [refused] = world.says(commands.start, MAI, code, now=LATER)     # Lý Thị Mai's own chat (org.yaml)
    assert "đang liên kết với đồng chí Lý Thị Mai" in refused
    assert world.person("pvhxh-cao-van-nghia").telegram == str(NGHIA)
    world.says(commands.start, NEW_CHAT, code, now=LATER)
    assert world.person("pvhxh-cao-van-nghia").telegram == str(NEW_CHAT)


def test_linking_happens_only_in_a_private_chat(world):
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    [refused] = world.says(commands.start, Chat("-4000", str(NEW_CHAT), private=False), code, now=LATER)
    assert "trò chuyện riêng" in refused
    assert world.events("telegram_linked") == []


def test_unlink_then_relink(world):
    world.tg.say(NGHIA, "/huy")
    world.run(LATER)
    world.said(NGHIA, "Đã hủy liên kết")
    assert world.person("pvhxh-cao-van-nghia").telegram is None
    world.tg.say(NGHIA, "/viec")
    world.run(LATER)
    assert "chưa được liên kết" in world.tg.last_to(NGHIA)["text"]      # and it said so last
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    world.tg.say(NGHIA, f"/start {code}")
    world.run(LATER)
    assert world.person("pvhxh-cao-van-nghia").telegram == str(NGHIA)
    kinds = [(e.kind, e.channel, e.data.get("reason")) for e in world.events() if e.kind.startswith("telegram_")]
    assert kinds == [("telegram_unlinked", "telegram", "user"), ("telegram_invited", "cli", None),
                     ("telegram_linked", "telegram", None)]


def test_a_new_invite_replaces_the_unused_one(world):
    first = world.invite("pvhxh-cao-van-nghia")["code"]
    world.invite("pvhxh-cao-van-nghia")
    [refused] = world.says(commands.start, NEW_CHAT, first, now=LATER)
    assert "đã được sử dụng hoặc đã được thay" in refused


def test_an_unlinked_chat_is_told_how_to_link(world):
    for text in ("/trogiup", "/viec", "xin chào"):
        world.tg.say(NEW_CHAT, text)
    world.run(LATER)
    answers = [m["text"] for m in world.tg.to(NEW_CHAT)]
    assert len(answers) == 3 and all("dondoc people invite" in a for a in answers)


def test_a_bot_link_survives_an_org_reload_unless_org_yaml_names_a_chat(world):
    world.unlink_from_org("pvhxh-cao-van-nghia")      # org.yaml: no telegram for Nghĩa
    code = world.invite("pvhxh-cao-van-nghia")["code"]
    world.tg.say(NEW_CHAT, f"/start {code}")
    world.run(LATER)
    world.ok(LATER, "org", "load")                     # the file still says nothing: the link stays
    world.run("2025-10-09T07:31+07:00")                # and the next reminder goes to the linked chat
    assert world.person("pvhxh-cao-van-nghia").telegram == str(NEW_CHAT)
    world.said(NEW_CHAT, "Rà soát thủ tục")
    org = world.tmp / "config" / "org.yaml"
    text = org.read_text(encoding="utf-8").replace(
        "email: vhxh-cchc@hoaphong.example.org}", 'email: vhxh-cchc@hoaphong.example.org, telegram: "777"}')
    org.write_text(text, encoding="utf-8")
    world.ok(LATER, "org", "load")                     # an explicit chat in org.yaml wins
    world.run("2025-10-13T07:31+07:00")
    assert world.person("pvhxh-cao-van-nghia").telegram == "777"
    [ended] = [e for e in world.events("telegram_unlinked")]
    assert ended.data == {"person": "pvhxh-cao-van-nghia", "chat": str(NEW_CHAT), "reason": "org_file",
                          "org_chat": "777"}
    with world.db() as s:
        assert s.exec(select(TelegramLink).where(TelegramLink.unlinked_at == None)).all() == []  # noqa: E711
