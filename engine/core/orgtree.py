"""The org tree: units under units (a commune at each top), and who holds a role for a unit.

A database may hold several communes; each is the tree under one top unit. Every walk of the
tree goes through `walk_up`, which stops at a cycle (org.yaml does not forbid one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlmodel import Session, select

from engine.core.models import Person, Unit
from engine.core.vocabulary import Role


def walk_up(parents: Mapping[int, int | None], unit_id: int) -> Iterator[int]:
    """`unit_id`, its parent, its parent's parent ... to the top of its tree (`parents`: id -> parent id).

    A parent the mapping does not hold ends the walk, and so does a cycle: org.yaml does not forbid one.
    """
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        seen.add(current)
        yield current
        parent = parents.get(current)
        current = parent if parent in parents else None


def tree_root(parents: Mapping[int, int | None], unit_id: int) -> int:
    """The top of a unit's tree (its commune, in a database holding several)."""
    chain = list(walk_up(parents, unit_id))
    above = parents.get(chain[-1])
    # In a cycle the walk ends where it came back round: that unit stands for the loop.
    return above if above in chain else chain[-1]


def subtree(parents: Mapping[int, int | None], tops: Iterable[int]) -> set[int]:
    """The units `tops` and every unit under them."""
    tops = set(tops)
    return {unit_id for unit_id in parents if not tops.isdisjoint(walk_up(parents, unit_id))}


def is_chairman(person: Any) -> bool:
    """Whether someone (a Person, or an org file entry) holds the chairman's role (Chủ tịch UBND xã)."""
    return Role.CHAIRMAN in person.roles


class RoleHolders:
    """Active people by role, looked up for a unit: its own commune's first.

    In a database holding several communes, role:chairman means the chairman of the unit's own
    commune: the people whose unit shares the root of that unit's tree; when the commune has
    nobody in the role, whoever holds it anywhere.
    """

    def __init__(self, people: Iterable[Person], parents: Mapping[int, int | None]):
        self.root = {unit_id: tree_root(parents, unit_id) for unit_id in parents}
        self.anywhere: dict[str, list[Person]] = {}
        self.by_commune: dict[tuple[str, int], list[Person]] = {}
        for person in sorted(people, key=lambda p: p.code):
            if not person.active:
                continue
            for role in person.roles:
                self.anywhere.setdefault(role, []).append(person)
                if person.unit_id in self.root:
                    self.by_commune.setdefault((role, self.root[person.unit_id]), []).append(person)

    def holding(self, role: str, unit_id: int | None) -> list[Person]:
        """Active people with `role` in `unit_id`'s commune, else anywhere (by person code)."""
        if unit_id in self.root:
            found = self.by_commune.get((role, self.root[unit_id]))
            if found:
                return found
        return self.anywhere.get(role, [])


def chairman_for(session: Session, unit_id: int | None, besides: int | None = None) -> Person | None:
    """The chairman who answers for a unit (RoleHolders' rule), never the person `besides`."""
    parents = dict(session.exec(select(Unit.id, Unit.parent_id)).all())
    people = [p for p in session.exec(select(Person).where(Person.active == True)) if p.id != besides]  # noqa: E712
    found = RoleHolders(people, parents).holding(Role.CHAIRMAN, unit_id)
    return found[0] if found else None
