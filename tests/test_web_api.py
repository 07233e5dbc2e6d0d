"""The JSON API has the CLI's shapes (`status --json`, `tasks --json`, `task show --json`) for
the viewer's scope, and /healthz says whether the database answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from engine.context import AppContext
from engine.web.app import create_app
from tests.support.paths import DONDOC
from tests.support.web import ADMIN, NGHIA, NOW, csrf_of, session_csrf, web  # noqa: F401


def _cli_json(cli, *args):
    result = cli("--now", NOW.isoformat(), *args, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_an_admin_gets_exactly_what_the_cli_prints(web, cli):
    client = web.signed_in(ADMIN)
    assert client.get("/api/tasks").json() == _cli_json(cli, "tasks")
    assert client.get("/api/status").json() == _cli_json(cli, "status")
    vh1 = web.ids()["VH-1"]
    assert client.get(f"/api/tasks/{vh1}").json() == _cli_json(cli, "task", "show", str(vh1))


def test_the_same_shapes_for_a_narrower_scope(web, cli):
    client = web.signed_in(NGHIA)
    everything = {row["ref"]: row for row in _cli_json(cli, "tasks")}
    mine = client.get("/api/tasks").json()
    assert mine == [everything[row["ref"]] for row in mine]
    status = client.get("/api/status").json()
    assert set(status) == {"as_of", "plan", "total", "by_unit", "by_domain"}
    assert status["total"]["total"] == 3 and [u["code"] for u in status["by_unit"]] == ["all", "p-vhxh"]


def test_filters_and_search(web):
    client = web.signed_in(ADMIN)
    assert [r["ref"] for r in client.get("/api/tasks", params={"unit": "p-vhxh"}).json()] == ["VH-1", "VH-2"]
    assert [r["ref"] for r in client.get("/api/tasks", params={"state": "open_overdue"}).json()] == []
    assert [r["ref"] for r in client.get("/api/tasks", params={"due_before": "2025-10-15"}).json()] == ["KT-1", "VH-1"]
    assert [r["ref"] for r in client.get("/api/tasks", params={"q": "ho tich"}).json()] == ["TP-1"]
    bad = client.get("/api/tasks", params={"state": "late"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]
    assert client.get("/api/tasks", params={"plan": "no-such-plan"}).status_code == 400


def test_the_api_sees_an_action_at_once(web):
    client = web.signed_in(NGHIA)
    vh1 = web.ids()["VH-1"]
    client.post(f"/tasks/{vh1}/done", data={"csrf_token": session_csrf(client), "note": "xong"})
    shown = client.get(f"/api/tasks/{vh1}").json()
    assert shown["status"] == "done" and shown["state"] == "done_on_time"
    assert shown["events"][-1]["kind"] == "done" and shown["events"][-1]["channel"] == "web"
    assert shown["events"][-1]["data"]["note"] == "xong"


def test_healthz(web, monkeypatch):
    assert web.client().get("/healthz").json() == {"ok": True, "database": "ok"}
    monkeypatch.setenv("DONDOC_DATABASE_URL", "sqlite:////dev/null/dondoc.db")   # cannot be opened
    answer = TestClient(create_app(AppContext(now=NOW))).get("/healthz")
    assert answer.status_code == 503 and answer.json()["ok"] is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("command", [["web"], ["run", "--web"]])
def test_the_page_served_by_a_real_process_signs_in_and_stops_on_sigterm(web, cli, command, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("DONDOC_WEB__LISTEN", f"127.0.0.1:{port}")
    monkeypatch.setenv("DONDOC_WEB__BASE_URL", f"http://127.0.0.1:{port}")
    link = _cli_json(cli, "web", "login-link", NGHIA)["url"]
    proc = subprocess.Popen([*DONDOC, "--now", NOW.isoformat(), *command], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)   # the process is still starting: real I/O, nothing to hurry
            page = client.get(link)
            assert client.post(link, data={"csrf_token": csrf_of(page.text)}).status_code == 303
            assert [r["ref"] for r in client.get("/api/tasks").json()] == ["VH-1", "VH-2", "ALL-1"]
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert f"Trang web dondoc (web page): http://127.0.0.1:{port}" in output
    if "run" in command:
        assert "dondoc engine stopped" in output


def test_a_tool_learns_who_it_is_and_its_csrf_token(web):
    client = web.signed_in(NGHIA)
    me = client.get("/api/me").json()
    assert (me["person"], me["roles"]) == (NGHIA, ["officer"]) and me["csrf_token"] == session_csrf(client)
    answer = client.post(f"/tasks/{web.ids()['VH-1']}/start", headers={"X-CSRF-Token": me["csrf_token"],
                                                                       "Accept": "application/json"})
    assert answer.json()["event"] == "started"
