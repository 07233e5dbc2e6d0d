"""The org tree (engine.core.orgtree): one walk up the units, and who holds a role for a unit."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from engine.core.models import Person, Unit
from engine.core.orgtree import RoleHolders, chairman_for, is_chairman, subtree, tree_root, walk_up
from engine.core.vocabulary import Role
from engine.infra.db import init_db, make_engine

# Two communes: 1 (xã A) with 2 under it and 3 under 2; 10 (xã B) with 11 under it.
PARENTS = {1: None, 2: 1, 3: 2, 10: None, 11: 10}


def test_the_walk_goes_from_a_unit_up_to_the_top_of_its_tree():
    assert list(walk_up(PARENTS, 3)) == [3, 2, 1]
    assert list(walk_up(PARENTS, 10)) == [10]
    assert [tree_root(PARENTS, u) for u in (1, 2, 3, 10, 11)] == [1, 1, 1, 10, 10]


def test_the_walk_stops_at_a_parent_it_does_not_know_and_at_a_cycle():
    assert list(walk_up({5: 99}, 5)) == [5]
    loop = {1: 3, 2: 1, 3: 2}          # org.yaml does not forbid parent loops
    assert list(walk_up(loop, 1)) == [1, 3, 2]
    assert tree_root(loop, 1) == 1 and tree_root({**loop, 4: 1}, 4) == 1


def test_a_subtree_is_the_given_units_and_every_unit_under_them():
    assert subtree(PARENTS, [2]) == {2, 3}
    assert subtree(PARENTS, [1, 11]) == {1, 2, 3, 11}
    assert subtree(PARENTS, []) == set()


def person(id: int, unit_id: int | None, *roles: str, active: bool = True) -> Person:
    return Person(id=id, code=f"p{id:02d}", name=f"Người {id}", unit_id=unit_id, roles=list(roles), active=active)


def test_a_role_is_found_in_the_units_own_commune_first_then_anywhere():
    holders = RoleHolders([person(1, 3, Role.CHAIRMAN), person(2, 11, Role.CHAIRMAN),
                           person(3, 11, Role.ADMIN, active=False)], PARENTS)
    assert [p.id for p in holders.holding(Role.CHAIRMAN, 2)] == [1]
    assert [p.id for p in holders.holding(Role.CHAIRMAN, 10)] == [2]
    assert [p.id for p in holders.holding(Role.CHAIRMAN, None)] == [1, 2]      # no unit: anyone
    assert holders.holding(Role.ADMIN, 11) == []                                # inactive people hold nothing
    assert is_chairman(person(4, None, Role.OFFICER, Role.CHAIRMAN)) and not is_chairman(person(5, None))


@pytest.fixture
def session(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'org.db'}")
    init_db(engine)
    with Session(engine) as session:
        for uid, parent in PARENTS.items():
            session.add(Unit(id=uid, code=f"u{uid}", name=f"Đơn vị {uid}", parent_id=parent))
        session.flush()
        yield session


def test_the_chairman_for_a_unit_is_its_own_communes_and_never_the_one_asking(session):
    session.add_all([person(1, 1, Role.CHAIRMAN), person(2, 10, Role.CHAIRMAN), person(3, 3, Role.OFFICER)])
    session.flush()
    assert chairman_for(session, 3).id == 1
    assert chairman_for(session, 11).id == 2
    # The commune's chairman asking for themself: another commune's chairman is the next one up.
    assert chairman_for(session, 3, besides=1).id == 2


def test_there_is_no_chairman_for_a_unit_when_nobody_active_holds_the_role(session):
    session.add_all([person(1, 1, Role.CHAIRMAN, active=False), person(3, 3, Role.SUPERVISOR)])
    session.flush()
    assert chairman_for(session, 3) is None
