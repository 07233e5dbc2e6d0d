"""Each POST action records its audit event through the engine workflow (channel "web", the
signed-in person as the actor), and refuses what no longer applies (409) without changing anything."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from engine.core.models import Ack, ExtensionRequest, Timer
from tests.support.web import AN, MAI, NGHIA, session_csrf, web  # noqa: F401

JSON = {"Accept": "application/json"}


def _post(client, path: str, **data):
    return client.post(path, data={"csrf_token": session_csrf(client), **data}, headers=JSON)


def _only(events):
    assert len(events) == 1, events
    return events[0]


def test_start_records_started(web):
    client = web.signed_in(NGHIA)
    vh1 = web.ids()["VH-1"]
    answer = _post(client, f"/tasks/{vh1}/start")
    assert answer.status_code == 200 and answer.json() == {"ok": True, "task": vh1, "event": "started"}
    event = _only(web.events("started", "VH-1"))
    assert (event.actor, event.channel, event.data) == (NGHIA, "web", {"from": "open", "to": "in_progress"})
    assert web.task("VH-1").status == "in_progress"
    again = _post(client, f"/tasks/{vh1}/start")
    assert again.status_code == 409 and "đang thực hiện" in again.json()["error"]


def test_done_with_a_note_records_done_and_stops_the_reminders(web):
    client = web.signed_in(NGHIA)
    vh1 = web.ids()["VH-1"]
    with web.db() as s:
        assert s.exec(select(Timer).where(Timer.task_id == vh1)).all()
    form = client.post(f"/tasks/{vh1}/done", data={"csrf_token": session_csrf(client),
                                                   "note": "Đã gửi Báo cáo số 15/BC-UBND"})
    assert form.status_code == 303 and form.headers["location"] == f"/tasks/{vh1}"
    event = _only(web.events("done", "VH-1"))
    assert (event.actor, event.channel, event.data["note"]) == (NGHIA, "web", "Đã gửi Báo cáo số 15/BC-UBND")
    task = web.task("VH-1")
    assert task.status == "done" and task.done_at == web.ctx.now()
    with web.db() as s:
        assert s.exec(select(Timer).where(Timer.task_id == vh1)).all() == []   # timers recomputed
    assert _post(client, f"/tasks/{vh1}/done").status_code == 409
    assert len(web.events("done")) == 1


def test_the_form_may_say_where_to_go_next_on_this_site_only(web):
    client = web.signed_in(NGHIA)
    vh1 = web.ids()["VH-1"]
    answer = client.post(f"/tasks/{vh1}/start", data={"csrf_token": session_csrf(client), "next": "/inbox"})
    assert answer.headers["location"] == "/inbox"
    other = client.post(f"/tasks/{vh1}/done", data={"csrf_token": session_csrf(client),
                                                    "next": "https://elsewhere.example/"})
    assert other.headers["location"] == f"/tasks/{vh1}"


def test_ack_records_acknowledged(web):
    client = web.signed_in(MAI)
    vh1 = web.ids()["VH-1"]
    answer = _post(client, f"/tasks/{vh1}/ack", note="Đã nhắc đồng chí Nghĩa")
    assert answer.status_code == 200, answer.text
    assert answer.json()["event"] == "acknowledged" and answer.json()["level"] == 1
    event = _only(web.events("acknowledged", "VH-1"))
    assert (event.actor, event.channel, event.data["level"], event.data["note"]) == (MAI, "web", 1,
                                                                                     "Đã nhắc đồng chí Nghĩa")
    with web.db() as s:
        assert [a.level for a in s.exec(select(Ack))] == [1]
    assert _post(client, f"/tasks/{vh1}/ack").status_code == 409     # already acknowledged


def test_extension_request_then_approve(web):
    vh1 = web.ids()["VH-1"]
    officer = web.signed_in(NGHIA)
    asked = _post(officer, f"/tasks/{vh1}/extend", new_due="31/10/2025", reason="Chờ số liệu của các thôn")
    assert asked.status_code == 200, asked.text
    request_id = asked.json()["request"]
    event = _only(web.events("extension_requested", "VH-1"))
    assert (event.actor, event.channel) == (NGHIA, "web")
    assert event.data == {"request": request_id, "old_due": "2025-10-14", "new_due": "2025-10-31",
                          "reason": "Chờ số liệu của các thôn", "approver": MAI}
    assert _post(officer, f"/tasks/{vh1}/extend", new_due="2025-11-05", reason="x").status_code == 409
    head = web.signed_in(MAI)
    decided = _post(head, f"/extensions/{request_id}/approve")
    assert decided.json() == {"ok": True, "request": request_id, "task": vh1, "status": "approved"}
    event = _only(web.events("extended", "VH-1"))
    assert (event.actor, event.channel, event.data) == (MAI, "web", {"old_due": "2025-10-14", "new_due": "2025-10-31",
                                                                     "reason": "Chờ số liệu của các thôn"})
    assert web.task("VH-1").due == date(2025, 10, 31)
    assert _post(head, f"/extensions/{request_id}/refuse").status_code == 409   # already decided


def test_extension_request_then_refuse_with_a_reason(web):
    vh1 = web.ids()["VH-1"]
    officer = web.signed_in(NGHIA)
    request_id = _post(officer, f"/tasks/{vh1}/extend", new_due="2025-10-31", reason="Chờ số liệu").json()["request"]
    chairman = web.signed_in(AN)
    answer = chairman.post(f"/extensions/{request_id}/refuse",
                           data={"csrf_token": session_csrf(chairman), "why": "Cần xong trước kỳ báo cáo"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/tasks/{vh1}"
    event = _only(web.events("extension_refused", "VH-1"))
    assert (event.actor, event.channel, event.data["why"]) == (AN, "web", "Cần xong trước kỳ báo cáo")
    assert web.task("VH-1").due == date(2025, 10, 14)
    with web.db() as s:
        request = s.get(ExtensionRequest, request_id)
        assert (request.status, request.decided_by_id) == ("refused", web.person(AN).id)


def test_extension_dates_are_checked(web):
    vh1 = web.ids()["VH-1"]
    officer = web.signed_in(NGHIA)
    for new_due, words in (("2025-10-10", "phải sau"), ("2025-10-25", "không phải ngày làm việc"),
                           ("ngày mai", "Chưa đọc được")):
        answer = _post(officer, f"/tasks/{vh1}/extend", new_due=new_due, reason="Chờ số liệu")
        assert answer.status_code == 409 and words in answer.json()["error"], answer.text
    assert _post(officer, f"/tasks/{vh1}/extend", new_due="2025-10-31", reason=" ").status_code == 409
    assert web.events("extension_requested") == []


def test_emails_carry_signed_links_that_act_with_one_post(web, cli, monkeypatch):
    """The whole loop: the engine emails the assignee and, once overdue, the unit head; each
    email's links open the action, and one POST records it."""
    from tests.fakes.smtp import smtp_server
    from tests.support.web import csrf_of

    with smtp_server() as smtp:
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "WEB__EMAIL_LINKS": "true"}.items():
            monkeypatch.setenv(f"DONDOC_{name}", value)
        for moment in ("2025-10-13T08:00+07:00", "2025-10-16T08:00+07:00"):
            assert cli("--now", moment, "run", "--once").code == 0
        mails = {m.rcpt_tos[0]: m.message for m in smtp.messages}
    head = mails["phong-vhxh@hoaphong.example.org"]      # a digest: each link names its task
    text = head.get_body(("plain",)).get_content()
    html = head.get_body(("html",)).get_content()
    ack = next(line for line in text.splitlines() if line.startswith("VH-1: Xác nhận đã nhận: "))
    url = ack.split(": ", 2)[2].strip()
    assert f'href="{url}"' in html
    path = url.removeprefix("http://127.0.0.1:8080")
    client = web.client()
    page = client.get(path)
    assert page.status_code == 200 and "Xác nhận đã nhận" in page.text and web.events("acknowledged") == []
    assert client.post(path, data={"csrf_token": csrf_of(page.text)}).status_code == 303
    event = _only(web.events("acknowledged", "VH-1"))
    assert (event.actor, event.channel) == (MAI, "web")
    officer = mails["vhxh-cchc@hoaphong.example.org"]
    links = [line for line in officer.get_body(("plain",)).get_content().splitlines() if "/act/" in line]
    assert [line.split(": ")[0] for line in links] == ["Đã hoàn thành", "Xin gia hạn"]
