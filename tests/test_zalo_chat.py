"""The conversation on Zalo, through the real `dondoc run --once` against the fake Zalo Bot API:
linking by code, typed commands with numbered tasks, the extension request and its approval,
acknowledgement, forged and foreign commands refused, a duplicate delivery handled once."""

from __future__ import annotations

import asyncio
from datetime import datetime

from engine.chat.zalo.words import Typed, read
from engine.chat.conversation import Intent
from tests.support.world import IMPORTED

NGHIA, MAI, NAM, STRANGER = "a1b2c3d4e5f60012", "a1b2c3d4e5f60011", "a1b2c3d4e5f60013", "ffee00112233aabb"
OFFICER, HEAD, OTHER_HEAD = "pvhxh-cao-van-nghia", "pvhxh-ly-thi-mai", "pkt-trinh-van-nam"
DIGEST = "2025-10-14T07:31+07:00"       # Tue: VH-1 due today and VH-2 due soon, in one digest
TASK, LATER_TASK = "Rà soát thủ tục hành chính lĩnh vực văn hóa", "Báo cáo công tác thông tin cơ sở"


def digest_day(world) -> None:
    """Nghĩa linked on Zalo, then the engine's runs on the import day and on the digest morning."""
    world.link_zalo(OFFICER, NGHIA)
    world.run(IMPORTED)
    world.run(DIGEST)


def at(hour_minute: str, day: int = 14) -> str:
    return f"2025-10-{day:02d}T{hour_minute}+07:00"


def digest_number(world, chat: str, title: str) -> str:
    """The number of the task called `title` in the latest digest sent to `chat`."""
    digest = [t for t in world.zl.to(chat) if "Trả lời theo số thứ tự" in t][-1]
    return next(line.split(".")[0].strip() for line in digest.splitlines()
                if line.strip()[:1].isdigit() and title in line)


def test_commands_are_read_without_case_or_diacritics_from_one_table():
    assert read("1 xong") == read("1 Xong") == read("1 XONG") == Typed(Intent.DONE, 1, None)
    assert read("2 Gia Han 20/12 ly do cho so lieu") == Typed(Intent.EXTEND, 2, "20/12 cho so lieu")
    assert read("1 xong ghi chú: Báo cáo số 21/BC") == Typed(Intent.DONE, 1, "Báo cáo số 21/BC")
    assert read("từ chối 3 lý do chưa đủ căn cứ") == Typed(Intent.REFUSE, 3, "chưa đủ căn cứ")
    assert [read(t).intent for t in ("viec", "QUAHAN", "Báo cáo", "trợ giúp", "1 đã nhận", "đồng ý 4")] == \
        [Intent.TASKS, Intent.OVERDUE, Intent.REPORT, Intent.HELP, Intent.ACK, Intent.APPROVE]
    assert read("huyện đã gửi văn bản") == Typed(Intent.ANSWER, None, "huyện đã gửi văn bản")


def test_an_officer_links_their_zalo_chat_with_a_one_time_code(zalo_world):
    w = zalo_world
    invite = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()
    assert set(invite) == {"person", "code", "expires", "instructions"} and invite["person"] == OFFICER
    assert invite["code"] in invite["instructions"] and invite["expires"].startswith("2025-10-13T09:00")
    wrong = w.cli("--now", IMPORTED, "people", "invite", OFFICER, "--channel", "signal")
    assert wrong.code != 0 and "unknown chat app 'signal'" in wrong.err
    [stranger] = w.zalo_says(STRANGER, "viec", IMPORTED)
    assert "chưa được liên kết" in stranger
    [hello] = w.zalo_says(NGHIA, invite["code"].lower(), IMPORTED)     # typed in lower case
    assert "Xin chào đồng chí Cao Văn Nghĩa" in hello and "<b>" not in hello
    assert w.person(OFFICER).zalo == NGHIA
    assert [e.data["chat"] for e in w.events("zalo_linked")] == [NGHIA]
    w.ok(IMPORTED, "org", "load")                                       # org.yaml has no zalo: the link stays
    assert w.person(OFFICER).zalo == NGHIA and w.person(OFFICER).telegram == "100000012"
    [used] = w.zalo_says(STRANGER, invite["code"], IMPORTED)           # single use
    assert "đã được sử dụng" in used
    head = w.ok(IMPORTED, "people", "invite", HEAD, "--channel", "zalo", "--json").json()
    [taken] = w.zalo_says(NGHIA, head["code"], IMPORTED)               # Nghĩa's chat is not Mai's
    assert "đang liên kết với đồng chí Cao Văn Nghĩa" in taken and w.person(HEAD).zalo is None
    late = w.ok(IMPORTED, "people", "invite", HEAD, "--channel", "zalo", "--json").json()
    [expired] = w.zalo_says(MAI, late["code"], "2025-10-13T09:01+07:00")
    assert "hết hạn" in expired and w.person(HEAD).zalo is None


def test_a_digest_on_zalo_is_numbered_and_done_with_a_note_by_number(zalo_world):
    w = zalo_world
    digest_day(w)
    digest = w.zl.to(NGHIA)[-1]
    assert digest.startswith("Tổng hợp nhắc việc") and "Trả lời theo số thứ tự của việc" in digest
    assert "«1 xong»" in digest and "«1 gia hạn 20/12 lý do …»" in digest
    [listing] = w.zalo_says(NGHIA, "Viec", at("08:00"))
    assert TASK in listing and LATER_TASK in listing and "<b>" not in listing
    number = digest_number(w, NGHIA, TASK)
    said = w.zalo_says(NGHIA, f"{number} Xong ghi chú: Đã gửi Báo cáo số 21/BC-VHXH", at("08:05"))
    assert said == ["Đã ghi nhận: hoàn thành.", "📝 Đã lưu ghi chú vào lịch sử nhiệm vụ."]
    shown = w.show("VH-1")
    assert shown["status"] == "done"
    assert [(e["kind"], e["channel"]) for e in shown["events"]][-2:] == [("done", "zalo"), ("note", "zalo")]
    assert shown["events"][-1]["data"]["note"] == "Đã gửi Báo cáo số 21/BC-VHXH"


def test_a_forged_or_foreign_command_changes_nothing(zalo_world):
    w = zalo_world
    w.link_zalo(HEAD, MAI)
    digest_day(w)
    [missing] = w.zalo_says(NGHIA, "9 xong", at("08:00"))                   # no task 9 in that digest
    assert "Số 9 không có trong tin nhắc gần nhất" in missing
    [nothing] = w.zalo_says(MAI, "1 xong", at("08:01"))                     # Mai got no numbered message
    assert "không có trong tin nhắc gần nhất" in nothing
    [stranger] = w.zalo_says(STRANGER, "1 xong", at("08:02"))
    assert "chưa liên kết" in stranger
    [foreign] = w.zalo_says(MAI, "đồng ý 1", at("08:03"))                   # no such request
    assert "Không tìm thấy đề nghị" in foreign
    assert {w.task(r).status for r in ("VH-1", "VH-2", "VH-3")} == {"open"}
    assert not w.events("done") and not w.events("started")


def test_a_duplicate_delivery_of_one_update_is_handled_once(zalo_world):
    w = zalo_world
    digest_day(w)
    number = digest_number(w, NGHIA, TASK)
    update = w.zl.user_says(NGHIA, f"{number} đang làm")
    w.zl.push_update(update)                                                # Zalo delivers it again
    before = len(w.zl.to(NGHIA))
    w.run(at("08:00"))
    assert len(w.events("started")) == 1 and w.task("VH-1").status == "in_progress"
    assert len(w.zl.to(NGHIA)) - before == 1                                # one answer, not a refusal too


def test_an_extension_asked_by_text_is_approved_by_the_unit_head_and_nobody_else(zalo_world):
    w = zalo_world
    w.link_zalo(HEAD, MAI)
    w.link_zalo(OTHER_HEAD, NAM)
    digest_day(w)
    number = digest_number(w, NGHIA, LATER_TASK)
    [sent] = w.zalo_says(NGHIA, f"{number} gia hạn 28/10/2025 lý do chờ số liệu của các thôn", at("08:00"))
    assert "Đã gửi đề nghị gia hạn đến 28/10/2025 tới đồng chí Lý Thị Mai" in sent
    request = w.zl.to(MAI)[-1]
    assert "Đề nghị gia hạn" in request and "Lý do: chờ số liệu của các thôn" in request
    answer = request.rsplit("«đồng ý ", 1)[1].split("»")[0]                 # the request's number
    assert f"«từ chối {answer} lý do …»" in request
    [refused] = w.zalo_says(NAM, f"đồng ý {answer}", at("08:10"))           # another unit's head
    assert "Chỉ đồng chí Lý Thị Mai mới duyệt được" in refused and w.task("VH-2").due.isoformat() == "2025-10-21"
    w.zalo_says(MAI, f"Đồng ý {answer}", at("08:20"))
    assert w.task("VH-2").due.isoformat() == "2025-10-28"
    assert "đã được đồng chí Lý Thị Mai đồng ý" in w.zl.to(NGHIA)[-1]
    kinds = [(e["kind"], e["actor"], e["channel"]) for e in w.show("VH-2")["events"]][-2:]
    assert kinds == [("extension_requested", OFFICER, "zalo"), ("extended", HEAD, "zalo")]
    [again] = w.zalo_says(MAI, f"từ chối {answer} lý do muộn", at("08:30"))
    assert "đã được đồng ý" in again and w.task("VH-2").due.isoformat() == "2025-10-28"


def test_the_unit_head_acknowledges_an_escalation_by_text(zalo_world):
    w = zalo_world
    w.link_zalo(HEAD, MAI)
    digest_day(w)
    for day in range(15, 18):
        w.run(at("07:31", day))
    warning = [t for t in w.zl.to(MAI) if "Cảnh báo quá hạn" in t][-1]
    assert TASK in warning and "«đã nhận»" in warning
    [not_hers] = w.zalo_says(MAI, "xong", at("07:59", 17))                  # Nghĩa's task, not Mai's
    assert "Lệnh này dành cho người thực hiện nhiệm vụ (Cao Văn Nghĩa)" in not_hers
    assert w.task("VH-1").status == "open"
    [foreign] = w.zalo_says(NGHIA, "1 đã nhận", at("08:00", 17))           # Nghĩa's reminder, not a warning
    assert "không phải người nhận cảnh báo này" in foreign and w.events("acknowledged") == []
    said = w.zalo_says(MAI, "Đã nhận", at("08:05", 17))
    assert said and "Đã xác nhận cảnh báo cấp 1" in said[0]
    [ack] = w.events("acknowledged")
    assert (ack.actor, ack.channel) == (HEAD, "zalo")


async def test_the_service_long_polls_zalo_and_a_failed_poll_does_not_stop_it(zalo_world):
    from engine.chat.zalo.receive import ZaloReceiver
    from engine.context import AppContext

    w = zalo_world
    code = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()["code"]
    w.zl.script("getUpdates", 502, "Bad Gateway")                           # the first long poll fails
    w.zl.user_says(NGHIA, code)
    stop = asyncio.Event()
    receiver = ZaloReceiver(AppContext(now=datetime.fromisoformat(IMPORTED)), poll_timeout=1)
    task = asyncio.create_task(receiver.run(stop))
    for _ in range(500):                                                    # at most 10 s
        if any("Xin chào đồng chí Cao Văn Nghĩa" in t for t in w.zl.to(NGHIA)):
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert w.person(OFFICER).zalo == NGHIA
    assert [r.status for r in w.zl.calls("getUpdates")][:2] == [502, 200]


def test_a_reply_zalo_refuses_for_good_marks_the_contact_broken(zalo_world):
    w = zalo_world
    w.link_zalo(OFFICER, NGHIA)
    w.zl.script("sendMessage", 403, "Forbidden: the user has not interacted with the bot")
    assert w.zalo_says(NGHIA, "viec", at("08:00")) == []
    assert w.person(OFFICER).zalo_broken and "Zalo chat a1b2c3d4e5f60012" in w.person(OFFICER).zalo_broken
    assert [e.data["channel"] for e in w.events("contact_broken")] == ["zalo"]
