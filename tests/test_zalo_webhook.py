"""Zalo webhook mode through the real service (Daemon.serve in-process, on an injected clock)
against the fake Zalo Bot API: setWebhook with the configured url and secret, linking by code and
"1 xong" over the webhook, a wrong secret refused, a duplicate delivery handled once, getUpdates
never called; the settings it needs; `dondoc check` and `run --once` in that mode."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from contextlib import asynccontextmanager
from datetime import datetime

import httpx
import pytest

from engine.context import AppContext
from tests.support.paths import DONDOC
from tests.support.world import IMPORTED

NGHIA, STRANGER = "a1b2c3d4e5f60012", "ffee00112233aabb"
OFFICER = "pvhxh-cao-van-nghia"
DIGEST = "2025-10-14T07:31+07:00"
TASK = "Rà soát thủ tục hành chính lĩnh vực văn hóa"
SECRET = "hook-s3cret-for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hook_world(zalo_world, monkeypatch):
    """The Zalo world in webhook mode: the service listens on a free loopback port."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/zalo/webhook"
    for name, value in {"MODE": "webhook", "WEBHOOK_SECRET": SECRET, "WEBHOOK_URL": url,
                        "WEBHOOK_LISTEN": f"127.0.0.1:{port}"}.items():
        monkeypatch.setenv(f"DONDOC_ZALO__{name}", value)
    zalo_world.hook_url = url
    return zalo_world


async def _until(condition, what: str) -> None:
    """Wait for real I/O between the fake's thread and the service (at most 10 s)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@asynccontextmanager
async def service(w, now: str):
    """`dondoc run` in-process (the CLI's own Daemon) at `now`, until the block ends."""
    from engine.cli.run import _daemon

    daemon = _daemon(AppContext(now=datetime.fromisoformat(now)))
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.serve(stop))
    registered = len(w.zl.sent("setWebhook"))
    await _until(lambda: len(w.zl.sent("setWebhook")) > registered, "setWebhook")
    try:
        yield daemon
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def says(w, daemon, chat: str, text: str = "", *, update: dict | None = None) -> list[str]:
    """`chat` writes to the bot (or `update` is delivered as it is); the webhook POST is answered
    and the update handled; returns what the bot sent to `chat` meanwhile."""
    before, posts = len(w.zl.to(chat)), len(w.zl.webhook_posts)
    w.zl.push_update(update) if update is not None else w.zl.user_says(chat, text)
    await _until(lambda: len(w.zl.webhook_posts) > posts, "the webhook POST")
    await daemon.zalo.idle()
    return w.zl.to(chat)[before:]


async def test_the_service_sets_the_webhook_and_links_an_officer_by_code_never_polling(hook_world):
    w = hook_world
    code = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()["code"]
    async with service(w, IMPORTED) as daemon:
        assert [r.params for r in w.zl.calls("setWebhook")] == [{"url": w.hook_url, "secret_token": SECRET}]
        [stranger] = await says(w, daemon, STRANGER, "viec")
        assert "chưa được liên kết" in stranger
        [hello] = await says(w, daemon, NGHIA, code)
        assert "Xin chào đồng chí Cao Văn Nghĩa" in hello
    assert [status for _, status in w.zl.webhook_posts] == [200, 200]
    assert w.person(OFFICER).zalo == NGHIA and len(w.events("zalo_linked")) == 1
    assert w.zl.calls("getUpdates") == [] and w.zl.calls("deleteWebhook") == []


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(hook_world):
    w = hook_world
    code = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()["code"]
    async with service(w, IMPORTED) as daemon:
        w.zl.webhook["secret_token"] = "not-the-secret"                    # a forger knows the URL only
        assert await says(w, daemon, NGHIA, code) == []
        async with httpx.AsyncClient() as client:
            unsigned = await client.post(w.hook_url, json=w.zl.webhook_posts[0][0])
            garbage = await client.post(w.hook_url, content=b"{not json", headers={"X-Bot-Api-Secret-Token": SECRET})
            no_update = await client.post(w.hook_url, json={"ok": True}, headers={"X-Bot-Api-Secret-Token": SECRET})
        await daemon.zalo.idle()
    assert w.zl.webhook_posts[0][1] == 403 and unsigned.status_code == 403
    assert (garbage.status_code, no_update.status_code) == (400, 400)
    assert w.person(OFFICER).zalo is None and w.events("zalo_linked") == [] and w.zl.to(NGHIA) == []


async def test_the_same_update_delivered_twice_is_handled_once(hook_world):
    w = hook_world
    code = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()["code"]
    async with service(w, IMPORTED) as daemon:
        w.zl.known_chats.add(NGHIA)
        update = {"message": {"from": {"id": NGHIA, "display_name": "Nghĩa", "is_bot": False},
                              "chat": {"id": NGHIA, "chat_type": "PRIVATE"}, "text": code,
                              "message_id": "00000000000000aa", "date": 1759716000000},
                  "event_name": "message.text.received"}
        first = await says(w, daemon, NGHIA, update=update)
        again = await says(w, daemon, NGHIA, update=update)                 # Zalo delivers it again
    assert len(first) == 1 and "Xin chào" in first[0] and again == []
    assert [status for _, status in w.zl.webhook_posts] == [200, 200]
    assert len(w.events("zalo_linked")) == 1


async def test_done_typed_over_the_webhook_moves_the_task_and_run_once_does_not_poll(hook_world):
    w = hook_world
    code = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()["code"]
    async with service(w, IMPORTED) as daemon:
        await says(w, daemon, NGHIA, code)
    # The digest, sent by cron (the CLI runs its own event loop: off this one).
    once = await asyncio.to_thread(w.cli, "--now", DIGEST, "run", "--once", "--json")
    assert once.code == 0 and "không nhận tin nhắn Zalo" in once.err and "webhook" in once.err
    digest = [t for t in w.zl.to(NGHIA) if "Trả lời theo số thứ tự" in t][-1]
    number = next(line.split(".")[0].strip() for line in digest.splitlines()
                  if line.strip()[:1].isdigit() and TASK in line)
    async with service(w, "2025-10-14T08:05+07:00") as daemon:
        said = await says(w, daemon, NGHIA, f"{number} xong")
    assert len(said) == 1 and said[0].startswith(f"✅ Đã ghi nhận hoàn thành nhiệm vụ {TASK}.")
    assert w.task("VH-1").status == "done"
    assert [e.channel for e in w.events("done")] == ["zalo"]
    assert w.zl.calls("getUpdates") == []


async def test_check_reports_where_zalo_posts_in_webhook_mode(hook_world):
    w = hook_world
    before = await asyncio.to_thread(_zalo_check, w)
    assert before["ok"] and "webhook chưa đăng ký" in before["detail"] and w.hook_url in before["detail"]
    async with service(w, IMPORTED):
        pass
    after = await asyncio.to_thread(_zalo_check, w)
    assert after["ok"] and after["detail"].endswith(f"; webhook {w.hook_url}")
    assert [r.method for r in w.zl.requests].count("getWebhookInfo") == 2


def _zalo_check(w) -> dict:
    result = w.cli("--now", IMPORTED, "check", "--json")
    return next(item for item in result.json() if item["id"] == "channel.zalo")


def test_polling_mode_deletes_a_webhook_left_from_webhook_mode(zalo_world):
    w = zalo_world
    w.zl.webhook = {"url": "https://old.example.vn/zalo/webhook", "secret_token": SECRET, "updated_at": 1}
    w.run(IMPORTED)                                                         # back to polling
    assert w.zl.webhook is None and [r.status for r in w.zl.calls("deleteWebhook")] == [200]
    w.link_zalo(OFFICER, NGHIA)                                             # through getUpdates
    assert w.person(OFFICER).zalo == NGHIA
    assert 409 not in [r.status for r in w.zl.calls("getUpdates")]


@pytest.mark.parametrize("drop, secret, said", [
    ("WEBHOOK_URL", SECRET, "zalo.webhook_url: bắt buộc khi zalo.mode là webhook"),
    (None, "short", "DONDOC_ZALO__WEBHOOK_SECRET: phải dài từ 8 đến 256 ký tự"),
    ("WEBHOOK_SECRET", SECRET, "DONDOC_ZALO__WEBHOOK_SECRET: bắt buộc khi zalo.mode là webhook"),
])
def test_webhook_mode_without_its_url_or_a_good_secret_is_a_settings_error(hook_world, monkeypatch,
                                                                          drop, secret, said):
    monkeypatch.setenv("DONDOC_ZALO__WEBHOOK_SECRET", secret)
    if drop:
        monkeypatch.delenv(f"DONDOC_ZALO__{drop}")
    result = hook_world.cli("run", "--once")
    assert result.code != 0 and said in result.err and "Traceback" not in result.err
    assert secret not in result.err or secret == SECRET and drop == "WEBHOOK_SECRET"


@pytest.mark.slow
def test_dondoc_run_as_a_process_serves_the_webhook_and_stops_cleanly(hook_world):
    w = hook_world
    code = w.ok(IMPORTED, "people", "invite", OFFICER, "--channel", "zalo", "--json").json()["code"]
    proc = subprocess.Popen([*DONDOC, "--now", IMPORTED, "run"], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not w.zl.sent("setWebhook") and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        w.zl.user_says(NGHIA, code, wait=True)                              # the service is another process
        while not w.zl.to(NGHIA) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "Zalo webhook listening on 127.0.0.1" in output and "dondoc engine stopped" in output
    assert w.zl.webhook_posts[0][1] == 200 and "Xin chào đồng chí Cao Văn Nghĩa" in w.zl.to(NGHIA)[0]
    assert w.person(OFFICER).zalo == NGHIA and w.zl.calls("getUpdates") == []
    assert SECRET not in output and w.zl.token not in output
