"""Tasks with nobody to tell (no assignee and no head: led by a group, an outside body, an unknown
unit or no unit) are listed by `plan import`, `org check` and `rules explain`, and what would have
gone to their assignee goes to the admins as "cần phân công" (README "Who")."""

from __future__ import annotations

import pytest

from tests.support.world import IMPORTED, at

ADMINS = ["tp-hoang-van-em", "vptk-pham-van-cuong"]          # role admin in config/org.yaml
PLAN = """\
  - {ref: G, title: Rà soát quy chế làm việc, lead: "Các cơ quan, đơn vị thuộc UBND xã", due: 2025-03-14}
  - {ref: X, title: Hướng dẫn nghiệp vụ, lead: UBND huyện, due: 2025-03-14}
  - {ref: U, title: Diễn tập phòng thủ, lead: Ban Chỉ huy Quân sự xã, due: 2025-03-14}
  - {ref: N, title: Việc chưa rõ ai làm, due: 2025-03-14}
  - {ref: OK, title: Rà soát văn bản, lead: Tư pháp, due: 2025-03-14}
"""
REASONS = {
    "G": "chưa có người thực hiện: đơn vị chủ trì «Các cơ quan, đơn vị thuộc UBND xã» là một nhóm đơn vị / "
         "no assignee: the lead «Các cơ quan, đơn vị thuộc UBND xã» is a group of units",
    "X": "chưa có người thực hiện: đơn vị chủ trì «UBND huyện» là cơ quan ngoài xã / "
         "no assignee: the lead «UBND huyện» is a body outside the commune",
    "U": "chưa có người thực hiện: đơn vị chủ trì «Ban Chỉ huy Quân sự xã» chưa có trong org.yaml / "
         "no assignee: the lead unit «Ban Chỉ huy Quân sự xã» is not in org.yaml",
    "N": "chưa có người thực hiện: không có đơn vị chủ trì / no assignee: no lead unit",
}


@pytest.fixture
def world(world):
    world.ok(at(2025, 3, 1), "org", "load")
    world.ok(at(2025, 3, 1), "rules", "reload")                      # the shipped config/rules.yaml
    return world


def imported(world) -> str:
    path = world.tmp / "plan.yaml"
    path.write_text(f"plan: {{title: Kế hoạch thử, issuer: UBND xã Hòa Phong, year: 2025}}\ntasks:\n{PLAN}",
                    encoding="utf-8")
    return world.ok(at(2025, 3, 1), "plan", "import", path).out


def test_plan_import_lists_the_tasks_with_nobody_to_tell_and_why(world):
    out = imported(world)
    assert "(tasks with nobody to tell: their notifications go to the admins): 4" in " ".join(out.split())
    for ref, reason in REASONS.items():
        assert f"✗ {ref}: {reason}" in " ".join(out.split())
    assert "✗ OK:" not in out
    again = world.ok(at(2025, 3, 1), "plan", "import", world.tmp / "plan.yaml", "--dry-run", "--json").json()
    assert {t["ref"]: t["reason"] for t in again[0]["nobody_to_tell"]} == REASONS


def test_org_check_lists_them(world):
    imported(world)
    out = " ".join(world.ok(at(2025, 3, 2), "org", "check").out.split())
    assert "Nhiệm vụ không có ai để báo, thông báo gửi quản trị viên để phân công" in out
    for ref, reason in REASONS.items():
        assert f"#{world.task(ref).id} {ref}: {reason}" in out
    listed = world.ok(at(2025, 3, 2), "org", "check", "--json").json()["tasks_nobody_to_tell"]
    assert [t["ref"] for t in listed] == ["G", "X", "U", "N"]


def test_rules_explain_shows_a_cross_with_the_reason(world):
    imported(world)
    task = world.task("G").id
    out = " ".join(world.ok(at(2025, 3, 2), "rules", "explain", str(task)).out.split())
    assert f"✗ không có ai để báo (nobody to tell): {REASONS['G']}" in out
    assert (f"✗ nhac-truoc-7-ngay (cấp 0): {REASONS['G']}; quản trị viên nhận «cần phân công» / "
            "the admins are asked to assign it") in out
    assert "✓ nhac-truoc-7-ngay" not in out
    data = world.ok(at(2025, 3, 2), "rules", "explain", str(task), "--json").json()
    assert data["nobody_to_tell"] == REASONS["G"]
    rule = next(r for r in data["rules"] if r["rule"] == "nhac-truoc-7-ngay")
    assert sorted(r["person"] for r in rule["recipients"]) == ADMINS
    fine = world.ok(at(2025, 3, 2), "rules", "explain", str(world.task("OK").id), "--json").json()
    assert fine["nobody_to_tell"] is None and all(r.get("nobody") is None for r in fine["rules"])


def test_their_notifications_go_to_the_admins_as_needs_assignment(world):
    imported(world)
    rows = [r for r in world.sweep(at(2025, 3, 7, 8)) if r["channel"] == "email"]   # the 7-day reminders
    mine = {(world.task(ref).id): ref for ref in REASONS}
    sent = sorted((mine[r["task_id"]], r["recipient"], r["template"], r["role"]) for r in rows
                  if r["task_id"] in mine)
    assert sent == sorted((ref, admin, "needs_assignment", "needs_assignment") for ref in REASONS for admin in ADMINS)
    assert all(not r["require_ack"] for r in rows if r["task_id"] in mine)
    assert [r for r in world.run_until(at(2025, 3, 31)) if r["status"] == "no_recipient"] == []


@pytest.mark.chat
def test_an_admin_is_asked_on_telegram_to_assign_it(world):
    path = world.tmp / "group.yaml"
    path.write_text("plan: {title: Kế hoạch nhóm, issuer: UBND xã Hòa Phong, year: 2025}\ntasks:\n"
                    '  - {ref: G-1, title: Rà soát quy chế, lead: "Các ban, ngành cấp xã", due: 2025-10-14}\n',
                    encoding="utf-8")
    world.ok(IMPORTED, "plan", "import", str(path))
    world.run(IMPORTED)
    world.run("2025-10-07T07:31+07:00")                              # the 7-day reminder
    message = world.said(100000004, "Rà soát quy chế")                # Phạm Văn Cường, an admin
    assert "Cần phân công" in message["text"]
    assert "chưa có người thực hiện" in message["text"]
