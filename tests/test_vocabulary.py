"""One vocabulary: status and kind words come from engine/core/vocabulary.py, CCHC domains from
engine/core/cchc.py, and what the database keeps is still the plain word."""

from __future__ import annotations

import ast
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy import String
from sqlmodel import Session, select
from sqlmodel.sql.sqltypes import AutoString

from engine.core.cchc import DOMAINS, HEADING_WORDS, REF_PREFIX, Domain, domain_named
from engine.core.models import BotDialog, ExtensionRequest, Notification, Person, Plan, Task, Unit
from engine.core.vocabulary import (ACTIVE, CLOSED, TEMPLATES, Channel, DialogKind, DueKind, ExtensionStatus,
                                    NotificationStatus, Role, TaskStatus, TaskType, Template, UnitKind,
                                    Vocabulary)
from engine.infra.db import init_db, make_engine
from engine.plans.read.text import fold
from engine.plans.read.topics import domain_of, heading_topic
from tests.support.paths import FIXTURES, ROOT

NOW = datetime(2025, 7, 1, 8, 0, tzinfo=timezone.utc)
VOCABULARY = ROOT / "engine" / "core" / "vocabulary.py"
STATUS_VOCABULARIES = (TaskStatus, NotificationStatus, ExtensionStatus)
STATUS_WORDS = {str(w) for v in STATUS_VOCABULARIES for w in v}


# -- the source scan ----------------------------------------------------------------------

def _words(node: ast.AST) -> list[str]:
    """The string constants an expression may evaluate to (through `a if c else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _words(node.body) + _words(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [w for elt in node.elts for w in _words(elt)]
    return []


def _is_status(node: ast.AST) -> bool:
    """`x.status`, `status`, `row["status"]`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "status"
    if isinstance(node, ast.Name):
        return node.id == "status"
    return isinstance(node, ast.Subscript) and _words(node.slice) == ["status"]


def _literal_statuses(node: ast.AST) -> bool:
    return any(w in STATUS_WORDS for w in _words(node))


def _problems(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(words) == len(node.elts) >= 2 and any(
                    all(isinstance(w, str) and vocab.has(w) for w in words) for vocab in STATUS_VOCABULARIES):
                found.append((node.lineno, "a tuple of status words"))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(map(_is_status, sides)) and any(map(_literal_statuses, sides)):
                found.append((node.lineno, "a status compared with a literal word"))
            if (any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
                    and any(isinstance(s, ast.Attribute) and s.attr == "roles" for s in sides)
                    and any(Role.has(w) for s in sides for w in _words(s))):
                found.append((node.lineno, "a role written as a literal word"))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (zip(target.elts, node.value.elts) if isinstance(target, ast.Tuple)
                         and isinstance(node.value, ast.Tuple) else [(target, node.value)])
                if any(_is_status(t) and _literal_statuses(v) for t, v in pairs):
                    found.append((node.lineno, "a status set to a literal word"))
        elif isinstance(node, ast.Call):
            if any(k.arg == "status" and _literal_statuses(k.value) for k in node.keywords):
                found.append((node.lineno, "status=<literal word>"))
            if isinstance(node.func, ast.Attribute) and node.func.attr == "in_" and any(
                    _literal_statuses(part) for arg in node.args for part in ast.walk(arg)):
                found.append((node.lineno, ".in_() of literal status words"))
        elif isinstance(node, ast.Dict):
            if any(k is not None and _words(k) == ["status"] and _literal_statuses(v)
                   for k, v in zip(node.keys, node.values)):
                found.append((node.lineno, '{"status": <literal word>}'))
    return found


def _sources() -> list[Path]:
    return [p for package in ("engine", "rules", "notifiers") for p in sorted((ROOT / package).rglob("*.py"))
            if p != VOCABULARY]


def test_no_module_writes_status_words_outside_the_vocabulary():
    problems = [f"{path.relative_to(ROOT)}:{line}: {what}"
                for path in _sources()
                for line, what in _problems(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))]
    assert problems == [], "use engine.core.vocabulary (ACTIVE, TaskStatus ...):\n" + "\n".join(problems)


def _builds_event_rows(tree: ast.AST) -> list[int]:
    """Lines constructing engine.core.models.Event (not asyncio's or icalendar's Event)."""
    imported = any(isinstance(n, ast.ImportFrom) and n.module == "engine.core.models"
                   and any(a.name == "Event" and a.asname is None for a in n.names) for n in ast.walk(tree))
    return [n.lineno for n in ast.walk(tree) if imported and isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name) and n.func.id == "Event"]


def test_every_event_row_is_written_by_workflow_record():
    writer = ROOT / "engine" / "core" / "workflow.py"
    direct = [f"{p.relative_to(ROOT)}:{line}" for p in _sources() if p != writer
              for line in _builds_event_rows(ast.parse(p.read_text(encoding="utf-8")))]
    assert direct == [], "write events with engine.core.workflow.record:\n" + "\n".join(direct)
    assert len(_builds_event_rows(ast.parse(writer.read_text(encoding="utf-8")))) == 1


@pytest.mark.parametrize("source, problem", [
    ('x = task.status in ("open", "in_progress")', "a tuple of status words"),
    ('ok = task.status == "done"', "a status compared with a literal word"),
    ('ok = row["status"] != "pending"', "a status compared with a literal word"),
    ('row.status, row.error = "failed", None', "a status set to a literal word"),
    ('q = Task.status.in_(ACTIVE + ("done",))', ".in_() of literal status words"),
    ('t = Task(status="open")', "status=<literal word>"),
    ('d = {"status": "no_contact" if x else status}', '{"status": <literal word>}'),
    ('boss = "chairman" in person.roles', "a role written as a literal word"),
])
def test_the_scan_catches_each_way_a_status_word_is_written(source, problem):
    assert problem in [what for _, what in _problems(ast.parse(source))]


def test_the_scan_leaves_vocabulary_members_and_other_words_alone():
    source = ('x = task.status in ACTIVE\nok = task.status == TaskStatus.DONE\n'
              'names = ("sent", "failed", "retrying")\nlabel = {"done": "hoàn thành"}\n'
              'boss = Role.CHAIRMAN in person.roles\n')
    assert _problems(ast.parse(source)) == []


# -- the vocabularies themselves --------------------------------------------------------------

def test_members_are_the_plain_words():
    assert TaskStatus.IN_PROGRESS == "in_progress" and f"{TaskStatus.IN_PROGRESS}" == "in_progress"
    assert ACTIVE == ("open", "in_progress") and CLOSED == ("done", "cancelled")
    assert set(ACTIVE) | set(CLOSED) == set(TaskStatus) and not set(ACTIVE) & set(CLOSED)
    assert {"merged", "not_configured"} <= set(NotificationStatus)
    assert TEMPLATES == tuple(Template) and "reminder" in TEMPLATES


def test_has_answers_for_any_value_and_listing_reads_as_a_message():
    assert TaskStatus.has("open") and not TaskStatus.has("opened") and not TaskStatus.has(None)
    assert Role.listing() == "officer, supervisor, admin, chairman"


def test_every_template_has_a_file_in_every_shipped_locale():
    for locale in ("vi", "en"):
        shipped = {p.stem for p in (ROOT / "config" / "templates" / locale).glob("*.j2")}
        assert set(TEMPLATES) <= shipped, locale


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'vocabulary.db'}")
    init_db(engine)
    return engine


def _nth(vocab, i: int):
    """The vocabulary's words over and over: every word once, in at most that many rows."""
    words = list(vocab)
    return words[i % len(words)]


def _rows_with_every_word(session: Session) -> None:
    """A plan, units, people, tasks, notifications, requests and dialogs using every word."""
    plan = Plan(key="k", title="Kế hoạch", issuer="UBND xã", year=2025, period_start=date(2025, 1, 1),
                period_end=date(2025, 12, 31), file_path="p.yaml", file_sha256="0", imported_at=NOW)
    session.add(plan)
    session.flush()
    for kind in UnitKind:
        session.add(Unit(code=f"u-{kind}", name=f"Đơn vị {kind}", kind=kind))
    person = Person(code="p", name="Người", roles=list(Role))
    session.add(person)
    session.flush()
    for i in range(max(len(TaskStatus), len(DueKind), len(TaskType), len(Domain))):
        session.add(Task(plan_id=plan.id, ref=f"t{i}", title="Việc", status=_nth(TaskStatus, i),
                         due_kind=_nth(DueKind, i), kind=_nth(TaskType, i), domain=_nth(Domain, i),
                         created_at=NOW, updated_at=NOW))
    session.flush()
    task = session.exec(select(Task)).first()
    for i, status in enumerate(NotificationStatus):
        session.add(Notification(task_id=task.id, rule_id="r", nominal_at=NOW, fire_at=NOW, recipient=f"p{i}",
                                 role="assignee", channel=_nth(Channel, i), template=_nth(Template, i),
                                 status=status, ruleset_version="v", created_at=NOW))
    for status in ExtensionStatus:
        session.add(ExtensionRequest(task_id=task.id, requester_id=person.id, new_due=date(2025, 8, 1),
                                     reason="lý do", status=status, created_at=NOW))
    for i, kind in enumerate(DialogKind):
        session.add(BotDialog(chat_id=f"c{i}", person_id=person.id, kind=kind, task_id=task.id,
                              started_at=NOW, expires_at=NOW))


def _read_back(session: Session) -> dict[type[Vocabulary] | type[Domain], set[str]]:
    tasks = session.exec(select(Task)).all()
    return {
        TaskStatus: {t.status for t in tasks}, DueKind: {t.due_kind for t in tasks},
        TaskType: {t.kind for t in tasks}, Domain: {t.domain for t in tasks},
        UnitKind: {u.kind for u in session.exec(select(Unit))},
        Role: set(session.exec(select(Person)).one().roles),
        NotificationStatus: {n.status for n in session.exec(select(Notification))},
        Channel: {n.channel for n in session.exec(select(Notification))},
        ExtensionStatus: {r.status for r in session.exec(select(ExtensionRequest))},
        DialogKind: {d.kind for d in session.exec(select(BotDialog))},
    }


def test_every_word_the_models_use_round_trips_through_the_database_as_a_plain_string(engine):
    with Session(engine) as session:
        _rows_with_every_word(session)
        session.commit()
    with Session(engine) as session:
        for vocab, stored in _read_back(session).items():
            assert stored == {str(w) for w in vocab}, vocab.__name__
            assert all(type(w) is str and vocab(w) == w for w in stored), vocab.__name__


def test_columns_stay_strings_and_defaults_are_vocabulary_words():
    for column in (Task.status, Task.due_kind, Task.kind, Task.domain, Unit.kind, Notification.status,
                   Notification.channel, ExtensionRequest.status, BotDialog.kind):
        assert isinstance(column.property.columns[0].type, (AutoString, String)), column
    task = Task(plan_id=1, ref="1", title="Việc", created_at=NOW, updated_at=NOW)
    assert (task.status, task.due_kind, task.kind, task.domain) == (TaskStatus.OPEN, DueKind.UNKNOWN,
                                                                    TaskType.TASK, Domain.OTHER)
    assert Unit(code="u", name="U").kind == UnitKind.OFFICE


# -- the CCHC domains -----------------------------------------------------------------------

# Every domain heading the seed plans (tests/fixtures/extract/) write, and the domain it names.
SEED_HEADINGS = [
    ("hong-loc-2024.txt", "1. Chỉ đạo điều hành CCHC", Domain.DIRECTION),
    ("hong-loc-2024.txt", "1. Công tác chỉ đạo, điều hành cải cách hành chính", Domain.DIRECTION),
    ("hong-loc-2024.txt", "2. Cải cách thể chế", Domain.INSTITUTIONS),
    ("hong-loc-2024.txt", "3. Cải cách thủ tục hành chính", Domain.PROCEDURES),
    ("hong-loc-2024.txt", "4. Cải cách tổ chức bộ máy", Domain.ORGANIZATION),
    ("hong-loc-2024.txt", "5. Cải cách chế độ công vụ", Domain.CIVIL_SERVICE),
    ("hong-loc-2024.txt", "6. Cải cách tài chính công", Domain.PUBLIC_FINANCE),
    ("hong-loc-2024.txt", "7. Xây dựng và phát triển chính quyền điện tử, chính quyền số",
     Domain.DIGITAL_GOVERNMENT),
    ("hong-loc-2024.txt", "7.2. Áp dụng ISO trong hoạt động của các cơ quan, đơn vị", Domain.DIGITAL_GOVERNMENT),
    ("hung-thang-2025-h2.txt", "1. Công tác chỉ đạo, điều hành", Domain.DIRECTION),
    ("hung-thang-2025-h2.txt", "I. Chỉ đạo điều hành, kiểm tra và tuyên truyền", Domain.DIRECTION),
    ("hung-thang-2025-h2.txt", "IV. Xây dựng Chính quyền điện tử, Chính quyền số", Domain.DIGITAL_GOVERNMENT),
    ("ngoc-ky-2023.txt", "3. Cải cách tổ chức bộ máy hành chính nhà nước", Domain.ORGANIZATION),
    ("ngoc-lien-2025.txt", "2. Về cải cách thể chế:", Domain.INSTITUTIONS),
    ("ngoc-lien-2025.txt", "3. Cải cách tổ chức bộ máy hành chính:", Domain.ORGANIZATION),
    ("ngoc-lien-2025.txt", "4. Cải cách công vụ:", Domain.CIVIL_SERVICE),
    ("ngoc-lien-2025.txt", "6. Xây dựng, phát triển Chính quyền điện tử, Chính quyền số:",
     Domain.DIGITAL_GOVERNMENT),
    ("ngoc-lien-2025.txt", "7. Công tác chỉ đạo, điều hành, tuyên truyền về cải cách hành chính",
     Domain.DIRECTION),
    ("vinh-lap-2021.txt", "1. Về công tác chỉ đạo, điều hành", Domain.DIRECTION),
    ("vinh-lap-2021.txt", "7. Hiện đại hoá hành chính, xây dựng và phát triển chính phủ điện tử",
     Domain.DIGITAL_GOVERNMENT),
    ("vinh-lap-2021.txt", "8. Tuyên truyền cải cách hành chính", Domain.DIRECTION),
    ("hung-thang-table.csv", "III. Cải cách thủ tục hành chính", Domain.PROCEDURES),
]


@pytest.mark.parametrize("seed, heading, domain", SEED_HEADINGS, ids=[h for _, h, _ in SEED_HEADINGS])
def test_every_domain_heading_of_the_seed_plans_is_recognised(seed, heading, domain):
    lines = {fold(line).strip(" ,\"") for line in (FIXTURES / "extract" / seed).read_text(encoding="utf-8")
             .splitlines()}
    assert fold(heading) in lines, f"{heading!r} is not a line of {seed}"
    topic = heading_topic(heading)
    assert topic is not None and domain_of(topic) == domain


def _plan_files() -> list[Path]:
    return [*sorted((FIXTURES / "plans").glob("*.yaml")), *sorted((ROOT / "config" / "plans").glob("*.yaml"))]


def test_every_domain_the_shipped_and_fixture_plan_files_write_is_a_known_spelling():
    written = set()
    for path in _plan_files():
        doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        written |= {item["domain"] for section in ("tasks", "reports") for item in doc.get(section) or []
                    if "domain" in item}
    assert written and {"thể chế", "procedures"} <= written
    assert {w: domain_named(w) for w in written if domain_named(w) is None} == {}


def test_a_domain_is_named_by_its_id_its_label_or_a_short_name_in_any_case_or_unicode_form():
    for domain in Domain:
        assert domain_named(domain.value) == domain_named(DOMAINS[domain]) == domain
    assert domain_named("THỦ TỤC HÀNH CHÍNH") == domain_named("TTHC") == Domain.PROCEDURES
    assert domain_named("chính quyền số") == Domain.DIGITAL_GOVERNMENT
    assert domain_named("an ninh") is None


def test_every_domain_has_a_label_and_a_ref_prefix_and_every_real_domain_a_heading_pattern():
    assert list(DOMAINS) == [d.value for d in Domain] == list(REF_PREFIX)
    assert set(HEADING_WORDS) == set(Domain) - {Domain.OTHER}
    assert all(type(k) is str for k in [*DOMAINS, *REF_PREFIX, *HEADING_WORDS])   # plain words: drafts are YAML
