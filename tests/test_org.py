from pathlib import Path

import pytest
from sqlmodel import Session, select

from engine.infra.db import init_db, make_engine, transaction
from engine.infra.errors import FileErrors
from engine.core.models import Person, Unit
from engine.core.org import UnitDirectory, check_org, load_org, read_org
from tests.support.db import db_snapshot

NOW = __import__("datetime").datetime(2025, 7, 1, 8, 0, tzinfo=__import__("datetime").timezone.utc)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'org.db'}")
    init_db(engine)
    return engine


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_org_loads_and_reloading_changes_nothing(engine, config_dir):
    org = read_org(config_dir / "org.yaml")
    with transaction(engine) as s:
        first = load_org(s, org, NOW)
    with transaction(engine) as s:
        second = load_org(s, org, NOW)
        chairman = s.exec(select(Person).where(Person.code == "ct-tran-van-an")).one()
        tp = s.exec(select(Unit).where(Unit.code == "tp-ht")).one()
        head = s.get(Person, tp.head_id)
    assert len(first.units_created) == len(org.units) and len(first.people_created) == len(org.people)
    assert not second.changed()
    assert "chairman" in chairman.roles
    assert head.code == "tp-hoang-van-em"


@pytest.mark.parametrize("name, code", [
    ("Công chức Tư pháp - Hộ tịch", "tp-ht"),
    ("Tư pháp", "tp-ht"),
    ("Văn hoá - Thông tin", "vh-xh"),
    ("Trung tâm phục vụ hành chính cồng", "ttpvhcc"),
    ("Bộ phận tiếp nhận và trả kết quả", "ttpvhcc"),
    ("Các cơ quan, đơn vị thuộc  UBND cấp xã", "all"),
    ("Tài chính - ngân sách (kế hoạch)", "tc-kt"),
    ("Phòng Nội vụ huyện", "pnv-huyen"),
    ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã", "vp-hdnd-ubnd"),
])
def test_every_seed_spelling_of_a_unit_finds_it(engine, config_dir, name, code):
    with transaction(engine) as s:
        load_org(s, read_org(config_dir / "org.yaml"), NOW)
        assert UnitDirectory(s).find(name).code == code


def test_an_unknown_unit_is_created_unverified_and_adopted_when_the_org_lists_it(engine, config_dir, tmp_path):
    with transaction(engine) as s:
        load_org(s, read_org(config_dir / "org.yaml"), NOW)
        unit, created = UnitDirectory(s).resolve("Ban Chỉ huy Quân sự xã")
        assert created and not unit.verified
        assert [u["name"] for u in check_org(s).unverified_units] == ["Ban Chỉ huy Quân sự xã"]
    text = (config_dir / "org.yaml").read_text(encoding="utf-8")
    text = text.replace("units:\n", "units:\n  - id: qs\n    name: Ban Chỉ huy Quân sự xã\n", 1)
    with transaction(engine) as s:
        load_org(s, read_org(write(tmp_path, text)), NOW)
        units = s.exec(select(Unit).where(Unit.name == "Ban Chỉ huy Quân sự xã")).all()
        assert [(u.code, u.verified) for u in units] == [("qs", True)]
        assert check_org(s).unverified_units == []


def test_a_person_left_out_of_the_org_file_is_deactivated_not_deleted(engine, config_dir, tmp_path):
    text = (config_dir / "org.yaml").read_text(encoding="utf-8")
    with transaction(engine) as s:
        load_org(s, read_org(config_dir / "org.yaml"), NOW)
    lines = [l for l in text.splitlines(keepends=True)]
    i = next(i for i, l in enumerate(lines) if "dtt-dinh-van-long, name" in l)
    text = "".join(lines[:i] + lines[i + 2:]).replace("    head: dtt-dinh-van-long\n", "")
    with transaction(engine) as s:
        report = load_org(s, read_org(write(tmp_path, text)), NOW)
        person = s.exec(select(Person).where(Person.code == "dtt-dinh-van-long")).one()
    assert report.people_deactivated == ["dtt-dinh-van-long"]
    assert person.active is False


def test_org_check_lists_people_without_contact(engine, tmp_path):
    org = read_org(write(tmp_path, "units:\n  - {id: tp, name: Tư pháp, head: a}\npeople:\n"
                                   "  - {id: a, name: Nguyễn Văn A, unit: tp, roles: [chairman]}\n"
                                   "  - {id: b, name: Lê Thị B, unit: tp, email: b@example.org}\n"))
    with transaction(engine) as s:
        load_org(s, org, NOW)
        problems = check_org(s)
    assert problems.people_without_contact == [{"code": "a", "name": "Nguyễn Văn A"}]
    assert problems.no_chairman is False


BAD_ORGS = [
    ("units:\n  - id: tp\n    name: Tư pháp\n    chief: a\n",
     "org.yaml:4:5: units[0].chief: unknown key 'chief' (known keys: aliases, head, id, kind, name, parent)"),
    ("units:\n  - {id: tp, name: Tư pháp}\npeople:\n  - {id: a, name: A, unit: tuphap}\n",
     "org.yaml:4:22: people[0].unit: unknown unit 'tuphap' (use the id of a unit listed under units:)"),
    ("units:\n  - {id: tp, name: Tư pháp}\n  - {id: tp, name: Tài chính}\n",
     "org.yaml:3:6: units[1].id: duplicate unit id 'tp'"),
    ("units:\n  - {id: tp, name: Tư pháp}\n  - {id: vp, name: Văn phòng, aliases: [Tư Pháp]}\n",
     "org.yaml:3:41: units[1].aliases[0]: 'Tư Pháp' already names unit 'tp' "
     "(a name or alias may belong to one unit only)"),
    ("people:\n  - {id: a, name: A, roles: [boss]}\n",
     "org.yaml:2:22: people[0].roles: unknown role 'boss'; roles are officer, supervisor, admin, chairman"),
    ("units:\n  - {id: tp, name: Tư pháp, head: nobody}\n",
     "org.yaml:2:29: units[0].head: unknown person 'nobody' (use the id of a person listed under people:)"),
    ("units:\n  - {id: tp, name: Tư pháp, leader: a}\n",
     "org.yaml:2:29: units[0].leader: unknown key 'leader' (did you mean 'head'?)"),
    ("people:\n  - {id: a, name: A, emial: a@example.org}\n",
     "org.yaml:2:22: people[0].emial: unknown key 'emial' (did you mean 'email'?)"),
    ("people:\n  - {id: a, name: A, roles: [chairman]}\n  - {id: b, name: B, roles: [chairman]}\n",
     "org.yaml:3:22: people[1].roles: more than one active person has the role chairman"),
]


@pytest.mark.parametrize("text, message", BAD_ORGS)
def test_a_bad_org_file_names_file_line_and_key(tmp_path, text, message):
    with pytest.raises(FileErrors) as err:
        read_org(write(tmp_path, text))
    assert str(err.value) == str(tmp_path / message)


def test_org_load_of_a_bad_file_exits_1_and_changes_nothing(loaded, env, config_dir):
    before = db_snapshot(env["DONDOC_DATABASE_URL"])
    (config_dir / "org.yaml").write_text("people:\n  - {id: a, name: A, unit: nowhere}\n", encoding="utf-8")
    result = loaded("org", "load")
    assert result.code == 1
    assert "people[0].unit: unknown unit 'nowhere'" in result.err
    assert db_snapshot(env["DONDOC_DATABASE_URL"]) == before
