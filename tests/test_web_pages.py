"""The HTML pages through FastAPI's test client: each page for each role, with the right content and
scope (dashboard, task list and its filters, task page, inbox and its bulk acknowledgement)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import select

from engine.core.models import Ack, Event, ExtensionRequest, Notification, Task, Unit
from tests.support.paths import ROOT
from tests.support.web_pages import AN, BICH, EM, MAI, NAM, NGHIA, NOW, app_at, csrf, escalate, page_csrf, signed_in

pytestmark = pytest.mark.chat


def text(html: str) -> str:
    """The page's words, tags dropped and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def tile(html: str, state: str) -> int:
    found = re.search(rf'class="tile {state}" href="[^"]*"[^>]*>\s*<span class="n">(\d+)</span>', html)
    assert found, f"no tile {state}"
    return int(found.group(1))


def refs(html: str) -> set[str]:
    return set(re.findall(r"#\d+ · ([A-Z]+-\d+)", html))


def test_signed_out_pages_go_to_login(world):
    client = signed_in(world, NGHIA)
    client.cookies.clear()
    for url in ("/", "/tasks", "/tasks/1", "/inbox"):
        answer = client.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), url


def test_dashboard_counts_the_viewers_scope(world):
    escalate(world)
    app = app_at()
    expected = {  # person: (tasks seen, overdue, no deadline)
        NGHIA: (3, 1, 1), MAI: (3, 1, 1), BICH: (3, 1, 1), NAM: (1, 1, 0), AN: (4, 2, 1), EM: (4, 2, 1)}
    for code, (total, overdue, no_deadline) in expected.items():
        html = signed_in(world, code, app).get("/").text
        assert f'<a href="/tasks">{total}</a>' in html, code
        assert tile(html, "open_overdue") == overdue, code
        assert tile(html, "no_deadline") == no_deadline, code
        assert 'class="chart"' in html and "<title id=\"chart-title\">" in html
    nam = signed_in(world, NAM, app).get("/").text
    assert "Phòng Kinh tế" in nam and "Phòng Văn hóa - Xã hội" not in nam
    admin = text(signed_in(world, EM, app).get("/").text)
    assert "Theo đơn vị chủ trì" in admin and "Theo lĩnh vực" in admin and "toàn bộ (quản trị viên)" in admin


def test_dashboard_numbers_link_to_the_filtered_list(world):
    escalate(world)
    client = signed_in(world, AN)
    html = client.get("/").text
    link = re.search(r'class="tile open_overdue" href="([^"]+)"', html).group(1)
    assert link == "/tasks?state=open_overdue"
    assert refs(client.get(unescape(link)).text) == {"VH-1", "KT-1"}
    unit_link = unescape(re.search(r'href="(/tasks\?state=open_overdue&amp;unit=p-kt)"', html).group(1))
    assert refs(client.get(unit_link).text) == {"KT-1"}


def test_task_list_filters_in_the_url(world):
    client = signed_in(world, EM)
    assert refs(client.get("/tasks").text) == {"VH-1", "VH-2", "VH-3", "KT-1"}
    assert refs(client.get("/tasks?q=ra soat").text) == {"VH-1"}           # no diacritics needed
    assert refs(client.get("/tasks?q=VH-2").text) == {"VH-2"}
    assert refs(client.get("/tasks?unit=p-kt").text) == {"KT-1"}
    assert refs(client.get("/tasks?due_from=2025-10-10&due_to=2025-10-31").text) == {"VH-1", "VH-2"}
    assert refs(client.get("/tasks?state=no_deadline").text) == {"VH-3"}
    with world.db() as s:
        plan_id = s.exec(select(Task.plan_id)).first()
    page = client.get(f"/tasks?plan={plan_id}&state=open_in_time").text
    assert refs(page) == {"VH-2"} and f'<option value="{plan_id}" selected' in page
    officer = signed_in(world, NAM)
    assert refs(officer.get("/tasks").text) == {"KT-1"}
    assert refs(officer.get("/tasks?unit=p-vhxh").text) == set()   # a unit outside the view: nothing


def test_task_page_scope_content_and_actions(world):
    escalate(world)
    app = app_at()
    vh1 = world.task("VH-1").id
    assert signed_in(world, NAM, app).get(f"/tasks/{vh1}").status_code == 404
    assert signed_in(world, NAM, app).get("/tasks/99999").status_code == 404

    officer = signed_in(world, NGHIA, app).get(f"/tasks/{vh1}").text
    words = text(officer)
    assert "Rà soát thủ tục hành chính lĩnh vực văn hóa" in words and "Quá hạn chưa hoàn thành" in words
    assert "Trước 15/10/2025" in words and "14/10/2025" in words
    for action in ("start", "done", "extend"):
        assert f'action="/tasks/{vh1}/{action}"' in officer
    assert f'action="/tasks/{vh1}/ack"' not in officer
    # the timeline: the import's event, and each message with its channel and delivery status
    assert "tạo · import qua nhập kế hoạch" in words
    assert re.search(r"Tin nhắn cảnh báo cấp 1 \(bao-truong-don-vi\) tới Lý Thị Mai qua Telegram Đã gửi", words)
    assert "Nguồn trong kế hoạch" in words

    head = signed_in(world, MAI, app).get(f"/tasks/{vh1}?action=ack").text
    assert f'action="/tasks/{vh1}/ack" class="preselected"' in head
    for form in re.findall(r'<form method="post".*?</form>', head, re.S):
        assert 'name="csrf_token"' in form


def test_inbox_lists_and_bulk_acknowledges(world):
    escalate(world)
    app = app_at()
    vh1, kt1 = world.task("VH-1").id, world.task("KT-1").id
    mai = signed_in(world, MAI, app)
    page = mai.get("/inbox").text
    assert f'name="task" value="{vh1}"' in page and f'value="{kt1}"' not in page
    assert "Cảnh báo cấp 1 từ 17/10/2025 09:00" in text(page)
    assert signed_in(world, NGHIA, app).get("/inbox").text.count('name="task"') == 0
    chairman = signed_in(world, AN, app).get("/inbox").text
    assert f'name="task" value="{kt1}"' in chairman

    assert mai.post("/inbox/ack", data={"task": [vh1]}).status_code == 403           # no CSRF token
    answer = mai.post("/inbox/ack", data={"task": [vh1], "note": "Đã nhắc", "csrf_token": page_csrf(page)})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/inbox?ok=")
    assert "Đã xác nhận 1 cảnh báo" in text(mai.get(answer.headers["location"]).text)
    with world.db() as s:
        ack = s.exec(select(Ack).where(Ack.task_id == vh1)).one()
        event = s.exec(select(Event).where(Event.kind == "acknowledged")).one()
    assert event.channel == "web" and event.actor == MAI and event.data["note"] == "Đã nhắc" and ack.level == 1
    assert f'name="task" value="{vh1}"' not in mai.get("/inbox").text
    # a task outside the viewer's view: 404, nothing recorded
    assert mai.post("/inbox/ack", data={"task": [kt1], "csrf_token": csrf(world, mai)}).status_code == 404


def test_extension_request_reaches_the_approvers_inbox(world):
    escalate(world)
    app = app_at()
    vh2 = world.task("VH-2").id
    officer = signed_in(world, NGHIA, app)
    answer = officer.post(f"/tasks/{vh2}/extend", data={"new_due": "2025-10-31", "reason": "Chờ số liệu",
                                                        "csrf_token": csrf(world, officer)})
    assert answer.status_code == 303
    task_page = officer.get(f"/tasks/{vh2}").text
    assert "Chờ Lý Thị Mai duyệt" in text(task_page) and f'action="/tasks/{vh2}/extend"' not in task_page

    mai = signed_in(world, MAI, app)
    inbox = mai.get("/inbox").text
    with world.db() as s:
        request = s.exec(select(ExtensionRequest)).one()
    assert f'action="/extensions/{request.id}/approve"' in inbox and "Chờ số liệu" in text(inbox)
    assert "Đề nghị gia hạn chờ duyệt (0)" in text(signed_in(world, NAM, app).get("/inbox").text)
    answer = mai.post(f"/extensions/{request.id}/approve", data={"next": "/inbox", "csrf_token": page_csrf(inbox)})
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox"
    assert "Đề nghị gia hạn chờ duyệt (0)" in text(mai.get("/inbox").text)
    assert world.task("VH-2").due.isoformat() == "2025-10-31"


SEED = ROOT / "tests" / "fixtures" / "extract" / "hung-thang-table.csv"


def test_plans_upload_review_and_import(world):
    admin = signed_in(world, EM)
    assert signed_in(world, MAI).get("/plans").status_code == 403
    page = admin.get("/plans").text
    assert "Kế hoạch thử nghiệm năm 2025" in page and 'enctype="multipart/form-data"' in page
    token = page_csrf(page)
    answer = admin.post("/plans/upload", data={"csrf_token": token},
                        files={"document": (SEED.name, SEED.read_bytes(), "text/csv")})
    assert answer.status_code == 303
    draft_url = answer.headers["location"]
    draft = admin.get(draft_url).text
    keys = re.findall(r'name="keep" value="([^"]+)" checked', draft)
    assert len(keys) > 3 and all(f'name="title-{k}"' in draft for k in keys)
    assert 'class="source"' in draft and "Nhập kế hoạch" in draft
    dates = admin.get(f"{draft_url}/deadline", params={f"deadline-{keys[0]}": "Trước 30/11/2025"}).text
    assert "hạn: 29/11/2025" in dates
    form = {"csrf_token": token, "keep": keys[1:]}
    for k in keys[1:]:
        form[f"title-{k}"] = re.search(rf'name="title-{k}" rows="3">([^<]*)</textarea>', draft).group(1)
        form[f"lead-{k}"] = "p-kt"
        form[f"deadline-{k}"] = "Trước 30/11/2025"
    done = admin.post(f"{draft_url}/import", data=form)
    assert done.status_code == 200 and "Đã nhập kế hoạch" in done.text
    assert f"đã tạo {len(keys) - 1}" in text(done.text)
    with world.db() as s:
        plans = s.exec(select(Task.plan_id).distinct()).all()
        created = s.exec(select(Task).where(Task.plan_id == max(plans))).all()
    assert len(created) == len(keys) - 1
    assert {t.due.isoformat() for t in created} == {"2025-11-29"}
    with world.db() as s:
        assert {s.get(Unit, t.lead_unit_id).code for t in created} == {"p-kt"}
    assert admin.get(draft_url).status_code == 404          # the draft is gone once imported
    first = min(created, key=lambda t: t.source_first_line)
    source = admin.get(f"/tasks/{first.id}").text
    row = re.search(r'<span class="hit"><span class="ln">(\d+)</span>([^<]*)', source)
    assert row and int(row.group(1)) == first.source_first_line and " | " in row.group(2)   # the table row, beside it


def test_rules_check_simulate_and_activate(world):
    admin = signed_in(world, EM)
    assert signed_in(world, AN).get("/rules").status_code == 403
    page = admin.get("/rules").text
    original = unescape(re.search(r'name="text" class="code" spellcheck="false">(.*?)</textarea>', page, re.S).group(1))
    token = page_csrf(page)
    broken = original.replace("after_due: 2 working days", "after_due: two days", 1)
    checked = text(admin.post("/rules", data={"csrf_token": token, "text": broken, "do": "activate"}).text)
    assert "Tệp quy tắc có lỗi, chưa áp dụng" in checked and re.search(r"rules\.yaml:\d+", checked)
    simulated = text(admin.post("/rules", data={"csrf_token": token, "text": original, "do": "simulate",
                                                "start": "2025-10-13", "end": "2025-10-17"}).text)
    assert "Hợp lệ" in simulated and re.search(r"Chạy thử: \d+ tin sẽ được tạo", simulated)
    assert "bao-truong-don-vi" in simulated
    changed = original.replace("after_due: 2 working days", "after_due: 3 working days", 1)
    answer = admin.post("/rules", data={"csrf_token": token, "text": changed, "do": "activate"})
    assert answer.status_code == 303 and "Đã áp dụng quy tắc" in text(admin.get(answer.headers["location"]).text)
    assert "after_due: 3 working days" in (world.config_dir / "rules.yaml").read_text(encoding="utf-8")
    assert world.events("rules_loaded")[-1].data["previous"] is not None


def test_people_and_delivery_pages(world):
    escalate(world)
    admin = signed_in(world, EM)
    assert signed_in(world, MAI).get("/people").status_code == 403
    assert signed_in(world, MAI).get("/delivery").status_code == 403
    people = admin.get("/people").text
    assert "Lý Thị Mai" in text(people) and "đã liên kết" in people
    answer = admin.post(f"/people/{NGHIA}/invite", data={"channel": "telegram", "csrf_token": page_csrf(people)})
    assert answer.status_code == 303 and "Mã liên kết Telegram cho Cao Văn Nghĩa" in text(
        admin.get(answer.headers["location"]).text)
    outbox = admin.get("/delivery").text
    assert "Kênh chưa cấu hình" in text(outbox)            # e-mail is not set up in the test world
    with world.db() as s:
        sent = s.exec(select(Notification).where(Notification.status == "sent")).first()
        sent.status, sent.last_error = "failed", "telegram: chat not found"
        s.add(sent)
    failed = admin.get("/delivery?status=failed").text
    assert "telegram: chat not found" in failed
    answer = admin.post("/delivery/retry", data={"ids": [sent.id], "csrf_token": page_csrf(failed)})
    assert answer.status_code == 303
    with world.db() as s:
        assert s.get(Notification, sent.id).status == "pending"


def test_dashboard_counts_match_dondoc_status(world):
    """The admin's dashboard (counted by SQL) and the chairman's (who sees the whole commune: counted
    row by row) say what `dondoc status --json` says."""
    escalate(world)
    world.ok(NOW, "task", "done", str(world.task("VH-2").id), "--by", NGHIA)      # on time
    world.ok(NOW, "task", "done", str(world.task("KT-1").id), "--by", NAM)        # late
    status = world.ok(NOW, "status", "--json").json()
    assert status["total"]["done_on_time"] == 1 and status["total"]["done_late"] == 1
    for code in (EM, AN):
        _same_counts(signed_in(world, code).get("/").text, status)


def _same_counts(html: str, status: dict) -> None:
    for state in ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline", "due_soon"):
        assert tile(html, state) == status["total"][state], state
    for row in status["by_unit"]:
        cells = re.search(rf"<th scope=\"row\">{re.escape(row['unit'])}.*?</tr>", html, re.S).group(0)
        numbers = [int(n) for n in re.findall(r'<td class="num">(?:<a [^>]*>)?(?:<span class="muted">)?(\d+)', cells)]
        assert numbers == [row[s] for s in ("done_on_time", "done_late", "open_in_time", "open_overdue",
                                            "no_deadline", "due_soon", "total")]
