"""End to end in a real headless browser (Debian's chromium driven by Python Playwright, no browser
download): sign in by link, ask for an extension, acknowledge an escalation, approve the extension,
on a 360-px phone and on a desktop. Screenshots go under the test's tmp dir; with
WEB_SCREENSHOTS=DIR set they are copied there too (docs/web/ for the README)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from engine.core.models import Person, Task
from engine.web.signin import issue_login
from tests.support.paths import ROOT
from tests.support.web_pages import EM, MAI, NGHIA, NOW, app_at, escalate

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.chat,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make install)")]
VIEWPORTS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


class Server:
    """The app under uvicorn on a loopback port, in a thread; the socket listens before it starts."""

    def __init__(self, app):
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def login_url(world, server: Server, code: str) -> str:
    with world.db() as s:
        person = s.exec(select(Person).where(Person.code == code)).one()
        return issue_login(s, person, NOW).url(server.url)


@pytest.fixture
def escalated(world):
    """The world after the escalations went out; before the browser (Playwright runs an event loop)."""
    escalate(world)
    return world


@pytest.fixture
def browser(world):
    """Headless chromium; a test needing `escalated` lists it first (fixtures are set up in order)."""
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if target := os.environ.get("WEB_SCREENSHOTS"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def sign_in(browser, world, server: Server, code: str, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.goto(login_url(world, server, code))
    assert "Đăng nhập với tên" in page.inner_text("main")      # GET only shows the button
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server.url}/")
    return page


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_sign_in_acknowledge_and_approve(escalated, browser, tmp_path, device):
    world = escalated
    viewport = VIEWPORTS[device]
    vh1, vh2 = world.task("VH-1").id, world.task("VH-2").id
    with Server(app_at()) as server:
        officer = sign_in(browser, world, server, NGHIA, viewport)
        assert officer.get_by_role("heading", name="Tình hình thực hiện nhiệm vụ").is_visible()
        assert officer.evaluate("document.documentElement.scrollWidth") <= viewport["width"]   # no sideways page
        officer.goto(f"{server.url}/tasks/{vh2}")
        officer.get_by_label("Hạn mới").fill("2025-10-31")
        officer.get_by_label("Lý do").fill("Chờ số liệu của thôn")
        officer.get_by_role("button", name="Gửi đề nghị gia hạn").click()
        officer.wait_for_url(f"{server.url}/tasks/{vh2}")
        assert "Chờ Lý Thị Mai duyệt" in officer.inner_text("main")
        shot(officer, tmp_path, f"task-{device}")

        head = sign_in(browser, world, server, MAI, viewport)
        shot(head, tmp_path, f"dashboard-{device}")
        head.get_by_role("link", name="Cần xử lý").click()
        head.wait_for_url(f"{server.url}/inbox")
        shot(head, tmp_path, f"inbox-{device}")
        head.locator(f"#ack-{vh1}").check()
        head.get_by_role("button", name="Xác nhận đã nhận các cảnh báo đã chọn").click()
        head.wait_for_url(f"{server.url}/inbox?*")
        assert "Đã xác nhận 1 cảnh báo" in head.get_by_role("status").inner_text()
        head.get_by_role("button", name="Đồng ý gia hạn nhiệm vụ VH-2 đến 31/10/2025").click()
        head.wait_for_url(f"{server.url}/inbox")
        assert "Đề nghị gia hạn chờ duyệt (0)" in head.inner_text("main")
        assert "Cảnh báo chờ xác nhận (0)" in head.inner_text("main")
        head.goto(f"{server.url}/tasks?state=open_overdue")
        shot(head, tmp_path, f"tasks-{device}")
    kinds = {e.kind: e for e in world.events() if e.channel == "web"}
    assert kinds["acknowledged"].actor == MAI and kinds["extended"].actor == MAI
    assert kinds["extension_requested"].actor == NGHIA
    assert world.task("VH-2").due.isoformat() == "2025-10-31"
    assert len([e for e in world.events("signed_in")]) == 2
    assert all((tmp_path / f"{n}-{device}.png").stat().st_size > 0 for n in ("task", "dashboard", "inbox", "tasks"))


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_upload_review_and_import_a_plan(world, browser, tmp_path, device):
    document = ROOT / "tests" / "fixtures" / "extract" / "hung-thang-table.csv"
    with Server(app_at()) as server:
        admin = sign_in(browser, world, server, EM, VIEWPORTS[device])
        admin.get_by_role("link", name="Kế hoạch").click()
        admin.get_by_label("Tệp văn bản").set_input_files(str(document))
        admin.get_by_role("button", name="Trích bản nháp").click()
        admin.wait_for_url(f"{server.url}/plans/drafts/*")
        rows = admin.locator('input[name="keep"]')
        total = rows.count()
        assert total > 3
        rows.first.uncheck()                                   # discard one row
        deadline = admin.locator('input[name^="deadline-"]').nth(1)
        deadline.fill("Trước 30/11/2025")                      # htmx shows the parsed date while typing
        admin.locator(".dates").nth(1).get_by_text("hạn: 29/11/2025").wait_for()
        shot(admin, tmp_path, f"plan-draft-{device}")
        admin.get_by_role("button", name="Nhập kế hoạch").click()
        admin.get_by_role("heading", name="Đã nhập kế hoạch").wait_for()
        assert f"đã tạo {total - 1}" in admin.get_by_role("status").inner_text()
        shot(admin, tmp_path, f"plan-imported-{device}")
    with world.db() as s:
        due = {t.due for t in s.exec(select(Task).where(Task.deadline == "Trước 30/11/2025"))}
    assert [d.isoformat() for d in due] == ["2025-11-29"]
