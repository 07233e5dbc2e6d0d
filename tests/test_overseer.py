"""The leader in charge (`oversees:` in org.yaml, the recipient `overseer`), the chain of command
of one-officer units, and what an escalation names and acknowledges (README "Who")."""

from __future__ import annotations

import pytest

from tests.support.paths import FIXTURES
from tests.support.world import AN, IMPORTED, at

BICH, CHAIRMAN = "pct-nguyen-thi-bich", "ct-tran-van-an"
OVERSEER_RULES = """
rules:
  - {id: late, after_due: 1 working day, notify: [assignee], channels: [email]}
  - {id: up, after_due: 2 working days, notify: [overseer], channels: [email], escalate: {level: 1}}
"""
TASK = "  - {{ref: T, title: Việc thử, lead: {lead}, domain: {domain}, due: 2025-03-14}}\n"


@pytest.fixture
def world(world):
    """The shared world with the example org (Nguyễn Thị Bích oversees procedures, digital
    government, Văn hóa - Xã hội, Phòng Văn hóa - Xã hội, Đài truyền thanh and the service centre)."""
    world.ok(at(2025, 3, 1), "org", "load")
    return world


def escalations(rows) -> list[tuple[str, int, str, str]]:
    return sorted({(r["rule_id"], r["level"], r["recipient"], r["role"]) for r in rows if r["level"]})


@pytest.mark.parametrize("lead, domain, expected", [
    ("Văn hóa - Xã hội", "institutions", (BICH, "overseer")),        # by the lead unit
    ("Tư pháp", "procedures", (BICH, "overseer")),                    # by the task's domain
    ("Tư pháp", "institutions", (CHAIRMAN, "role:chairman")),         # nobody in charge: the chairman
], ids=["by-unit", "by-domain", "else-the-chairman"])
def test_the_overseer_is_the_leader_in_charge_of_the_lead_unit_or_the_domain_else_the_chairman(
        world, lead, domain, expected):
    world.rules(OVERSEER_RULES, at(2025, 3, 1))
    world.plan(TASK.format(lead=lead, domain=domain), at(2025, 3, 1))
    rows = world.run_until(at(2025, 3, 31))
    assert escalations(rows) == [("up", 1, *expected)]


def test_the_overseer_is_never_the_assignee(world):
    world.rules(OVERSEER_RULES, at(2025, 3, 1))
    world.plan(TASK.format(lead="Lãnh đạo UBND xã", domain="procedures")[:-2] + f", assignee: {BICH}}}\n",
               at(2025, 3, 1))
    assert escalations(world.run_until(at(2025, 3, 31))) == [("up", 1, CHAIRMAN, "role:chairman")]


def test_a_one_officer_unit_escalates_to_its_overseer_then_the_chairman_never_the_same_person_twice(world):
    world.ok(at(2025, 3, 1), "rules", "reload")                      # the shipped config/rules.yaml
    world.plan("  - {ref: DTT, title: Tuyên truyền CCHC trên loa, lead: Đài truyền thanh, due: 2025-03-14}\n"
               "  - {ref: VHXH, title: Rà soát TTHC văn hóa, lead: Phòng Văn hóa - Xã hội,\n"
               "     assignee: pvhxh-cao-van-nghia, due: 2025-03-14}\n", at(2025, 3, 1))
    rows = [r for r in world.run_until(at(2025, 3, 31)) if r["channel"] == "email"]
    by_level = {}
    for r in rows:
        by_level.setdefault((r["task_id"], r["level"]), set()).add((r["recipient"], r["role"]))
    dtt, vhxh = world.task("DTT").id, world.task("VHXH").id
    # Đài truyền thanh has one officer, its head: level 1 goes to the leader in charge, level 2 to the chairman.
    assert by_level[(dtt, 0)] == {("dtt-dinh-van-long", "assignee")}
    assert by_level[(dtt, 1)] == {(BICH, "overseer")}
    assert by_level[(dtt, 2)] == {(CHAIRMAN, "role:chairman")}
    # A unit with a head above the officer keeps its head at level 1.
    assert by_level[(vhxh, 1)] == {("pvhxh-ly-thi-mai", "lead_unit_head")}
    assert by_level[(vhxh, 2)] == {(CHAIRMAN, "role:chairman")}
    for task in (dtt, vhxh):
        people = [who for level in range(3) for who, _ in by_level[(task, level)]]
        assert len(people) == len(set(people))


def test_someone_a_lower_level_reaches_is_not_listed_again_as_someone_else(world):
    # Hoàng Văn Em is both the Tư pháp officer (the assignee) and an admin.
    world.rules("""
rules:
  - {id: late, after_due: 1 working day, notify: [assignee], channels: [email]}
  - {id: admins, after_due: 2 working days, notify: ["role:admin"], channels: [email], escalate: {level: 1}}
""", at(2025, 3, 1))
    world.plan(TASK.format(lead="Tư pháp", domain="institutions"), at(2025, 3, 1))
    rows = world.run_until(at(2025, 3, 31))
    assert escalations(rows) == [("admins", 1, "vptk-pham-van-cuong", "role:admin")]


def test_the_chairman_is_never_escalated_about_his_own_task(world):
    world.rules(OVERSEER_RULES.replace("notify: [overseer]", "notify: [lead_unit_head]") +
                '  - {id: chair, after_due: 5 working days, notify: ["role:chairman"], channels: [email],'
                ' escalate: {level: 2}}\n', at(2025, 3, 1))
    world.plan(TASK.format(lead="Lãnh đạo UBND xã", domain="procedures"), at(2025, 3, 1))
    rows = world.run_until(at(2025, 3, 31))
    assert {(r["rule_id"], r["recipient"], r["status"]) for r in rows if r["level"]} == {
        ("up", "-", "no_recipient"), ("chair", "-", "no_recipient")}
    explained = world.ok(at(2025, 3, 20), "rules", "explain", str(world.task("T").id)).out
    assert "✗ up (cấp 1): không có ai ở cấp trên người được giao để báo / nobody above the assignee" in explained


def test_the_chairman_acknowledging_a_level_1_escalation_acknowledges_level_1(world):
    world.ok(at(2025, 3, 1), "rules", "reload")
    ids = world.plan(TASK.format(lead="Tư pháp", domain="institutions"), at(2025, 3, 1))
    world.run_until(at(2025, 3, 18, 9))                              # level 1 reached the chairman
    acked = world.ok(at(2025, 3, 18, 10), "task", "ack", ids["T"], "--by", CHAIRMAN).out
    assert "đã xác nhận cấp 1 (acknowledged level 1)" in acked
    rows = world.run_until(at(2025, 3, 31))
    assert {r["status"] for r in rows if r["rule_id"] == "bao-chu-tich"} == {"suppressed"}


@pytest.mark.chat
def test_on_telegram_the_chairman_is_named_as_chairman_and_his_ack_answers_level_1(world):
    # KT-1 (Phòng Kinh tế, due Wed 8/10) is done by the unit's head; nobody is in charge of it.
    world.run(IMPORTED)
    world.run("2025-10-10T07:31+07:00")
    escalation = world.said(AN, "Cảnh báo quá hạn (cấp 1)")
    assert "với vai trò Chủ tịch UBND xã" in escalation["text"]
    assert "trưởng đơn vị chủ trì" not in escalation["text"]
    world.tg.press(AN, escalation["message_id"], "👁 Đã nhận")
    world.run("2025-10-10T08:00+07:00")
    answer = [c.params for c in world.tg.sent("answerCallbackQuery")][-1]
    assert answer["text"] == "Đã xác nhận cảnh báo cấp 1."
    assert world.show("KT-1")["events"][-1]["data"]["level"] == 1


@pytest.mark.chat
def test_on_telegram_the_overseer_is_named_as_the_leader_in_charge(world):
    plan = world.tmp / "dtt.yaml"
    plan.write_text("plan: {title: Kế hoạch truyền thanh, issuer: UBND xã Hòa Phong, year: 2025}\ntasks:\n"
                    "  - {ref: DTT-1, title: Phát tin CCHC, lead: Đài truyền thanh, due: 2025-10-08}\n",
                    encoding="utf-8")
    world.ok(IMPORTED, "plan", "import", str(plan))
    world.run(IMPORTED)
    world.run("2025-10-10T07:31+07:00")
    escalation = world.said(100000002, "Cảnh báo quá hạn (cấp 1)")
    assert "với vai trò lãnh đạo UBND xã phụ trách" in escalation["text"]


BAD_ORG = {
    "unknown_domain.yaml": "9:26: people[1].oversees.domains[0]: không có lĩnh vực 'procedure' / "
                           "unknown domain 'procedure' (có phải / did you mean 'procedures'?)",
    "unknown_domain_far.yaml": "5:71: people[1].oversees.domains[0]: không có lĩnh vực 'kinh tế' / unknown "
                               "domain 'kinh tế' (các lĩnh vực / domains: direction, institutions, procedures, "
                               "organization, civil_service, public_finance, digital_government, other)",
    "unknown_unit.yaml": "11:15: people[1].oversees.units[0]: không có đơn vị 'tu-phap' / unknown unit 'tu-phap' "
                         "(có phải / did you mean 'tp-ht'?)",
    "unit_overseen_twice.yaml": "8:48: people[1].oversees.units[0]: đơn vị 'tp-ht' đã do ct phụ trách / unit "
                                "'tp-ht' is already overseen by ct (mỗi đơn vị một người phụ trách, xem dòng 6 / "
                                "one leader in charge per unit, see line 6)",
    "unknown_key.yaml": "5:61: people[1].oversees.domain: unknown key 'domain' (did you mean 'domains'?)",
}


@pytest.mark.parametrize("name", sorted(BAD_ORG))
def test_a_bad_oversees_is_reported_at_its_file_and_line(cli, name):
    path = FIXTURES / "org" / "bad" / name
    result = cli("org", "load", path)
    assert result.code == 1
    assert result.err.strip() == f"dondoc: {path}:{BAD_ORG[name]}"
