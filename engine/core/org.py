"""The org file (config/org.yaml): units and people, loaded into the database.

Units are matched by name as plans write them (see engine.core.names); a unit a plan names that
the org file does not know is created unverified and listed by `dondoc org check`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, select

from engine.infra import yamlfile
from engine.infra.errors import FileError, FileErrors
from engine.core.models import Person, Task, TelegramLink, Unit
from engine.core.names import match_key, nfc, slug
from engine.core.orgtree import is_chairman
from engine.core.oversees import Oversees, check_oversees
from engine.core.vocabulary import Channel, DueKind, Role, TaskStatus, UnitKind
from engine.core.workflow import Actor, record


# What a person may prefer: the channels that reach one person (not the console demo).
PREFERABLE = tuple(c.value for c in Channel if c != Channel.CONSOLE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UnitEntry(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    head: Optional[str] = None
    parent: Optional[str] = None
    kind: str = UnitKind.OFFICE.value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if not UnitKind.has(value):
            raise ValueError(f"must be one of {UnitKind.listing()}")
        return value


class PersonEntry(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    unit: Optional[str] = None
    roles: list[str] = Field(default_factory=lambda: [Role.OFFICER.value])
    email: Optional[str] = None
    telegram: Optional[str] = None
    zalo: Optional[str] = None              # Zalo Bot chat id: only people who wrote to the bot
    prefer: Optional[list[str]] = None      # the order of channels, e.g. [zalo, telegram, email]
    locale: yamlfile.LocaleCode = "vi"
    active: bool = True
    oversees: Optional[Oversees] = None     # what a leader is in charge of (engine.core.oversees)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if not Role.has(r)]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; roles are {Role.listing()}")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and ("@" not in value or " " in value):
            raise ValueError("is not an email address")
        return value

    @field_validator("telegram", "zalo", mode="before")
    @classmethod
    def _chat_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("prefer", mode="before")
    @classmethod
    def _prefer(cls, value: Any) -> Any:
        value = [value] if isinstance(value, str) else value
        if isinstance(value, list):
            unknown = [c for c in value if c not in PREFERABLE]
            if unknown:
                raise ValueError(f"không có kênh {unknown[0]!r} / unknown channel {unknown[0]!r}; "
                                 f"channels: {', '.join(PREFERABLE)}")
            if len(set(value)) != len(value):
                raise ValueError("một kênh ghi hai lần / a channel is listed twice")
        return value


class OrgFile(_Strict):
    commune: Optional[str] = None
    units: list[UnitEntry] = Field(default_factory=list)
    people: list[PersonEntry] = Field(default_factory=list)


def read_org(path: str | Path) -> OrgFile:
    """Parse and check an org file; every problem is reported with its line."""
    doc = yamlfile.load(path)
    org = yamlfile.validate(doc, OrgFile)
    errors: list[FileError] = []
    unit_ids: dict[str, int] = {}
    keys: dict[str, tuple[str, int]] = {}
    for i, unit in enumerate(org.units):
        if unit.id in unit_ids:
            errors.append(doc.error(("units", i, "id"), f"duplicate unit id {unit.id!r}"))
        unit_ids.setdefault(unit.id, i)
        for j, name in enumerate([unit.name, *unit.aliases]):
            key = match_key(name)
            owner = keys.get(key)
            if owner and owner[0] != unit.id:
                loc = ("units", i, "name") if j == 0 else ("units", i, "aliases", j - 1)
                errors.append(doc.error(loc, f"{name!r} already names unit {owner[0]!r}",
                                        "a name or alias may belong to one unit only"))
            keys.setdefault(key, (unit.id, i))
    person_ids: set[str] = set()
    chairmen: list[int] = []
    for i, person in enumerate(org.people):
        if person.id in person_ids:
            errors.append(doc.error(("people", i, "id"), f"duplicate person id {person.id!r}"))
        person_ids.add(person.id)
        if person.unit is not None and person.unit not in unit_ids:
            errors.append(doc.error(("people", i, "unit"), f"unknown unit {person.unit!r}",
                                    "use the id of a unit listed under units:"))
        if is_chairman(person) and person.active:
            chairmen.append(i)
    if len(chairmen) > 1:
        errors.append(doc.error(("people", chairmen[1], "roles"),
                                "more than one active person has the role chairman"))
    for i, unit in enumerate(org.units):
        if unit.head is not None and unit.head not in person_ids:
            errors.append(doc.error(("units", i, "head"), f"unknown person {unit.head!r}",
                                    "use the id of a person listed under people:"))
        if unit.parent is not None and unit.parent not in unit_ids:
            errors.append(doc.error(("units", i, "parent"), f"unknown unit {unit.parent!r}"))
    errors.extend(check_oversees(doc, org.people, org.units))
    if errors:
        raise FileErrors(errors)
    return org


@dataclass
class OrgLoadReport:
    units_created: list[str] = field(default_factory=list)
    units_updated: list[str] = field(default_factory=list)
    units_unlisted: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)
    people_updated: list[str] = field(default_factory=list)
    people_deactivated: list[str] = field(default_factory=list)

    def changed(self) -> bool:
        return any(vars(self).values())


def load_org(session: Session, org: OrgFile, now, actor: str = "org.yaml") -> OrgLoadReport:
    """Make the database's units and people match the org file (one transaction, the caller's)."""
    report = OrgLoadReport()
    units = _load_units(session, org.units, report)
    people = _load_people(session, org.people, units, report)
    _link_units(org.units, units, people, report)
    _retire_unlisted(session, units, people, report)
    # A chat written in org.yaml wins over a bot link: end those links, with an event.
    from engine.chat.linking import reconcile
    reconcile(session, now)
    if report.changed():
        record(session, "org_loaded", Actor(actor, "cli"), now, data={k: v for k, v in vars(report).items() if v})
    return report


def _load_units(session: Session, entries: list[UnitEntry], report: OrgLoadReport) -> dict[str, Unit]:
    """Create or update each listed unit (heads and parents come later); flushed, so all have ids."""
    directory = UnitDirectory(session)
    units: dict[str, Unit] = {}
    for entry in entries:
        unit = session.exec(select(Unit).where(Unit.code == entry.id)).first()
        if unit is None:
            # A unit a plan created before the org file knew it: adopt it rather than duplicate.
            unit = next((u for n in [entry.name, *entry.aliases]
                         if (u := directory.find(n)) is not None and not u.verified), None)
        values = {"code": entry.id, "name": nfc(entry.name), "kind": entry.kind, "verified": True,
                  "aliases": [nfc(a) for a in entry.aliases]}
        units[entry.id] = _upsert(session, unit, Unit, values, report.units_created, report.units_updated)
    session.flush()
    return units


def _load_people(session: Session, entries: list[PersonEntry], units: dict[str, Unit],
                 report: OrgLoadReport) -> dict[str, Person]:
    """Create or update each listed person; flushed, so all have ids."""
    # A chat linked through the bot stays when org.yaml leaves `telegram:` empty (engine.chat.linking).
    linked = {(pid, ch or "telegram"): chat for pid, chat, ch in session.exec(
        select(TelegramLink.person_id, TelegramLink.chat_id, TelegramLink.channel)
        .where(TelegramLink.unlinked_at == None)).all()}  # noqa: E711
    people: dict[str, Person] = {}
    for entry in entries:
        person = session.exec(select(Person).where(Person.code == entry.id)).first()
        values = _person_values(entry, person, units, linked)
        people[entry.id] = _upsert(session, person, Person, values, report.people_created,
                                   report.people_updated)
    session.flush()
    return people


def _person_values(entry: PersonEntry, person: Person | None, units: dict[str, Unit],
                   linked: dict[tuple[int, str], str]) -> dict[str, Any]:
    """The columns a person row should hold for its org file entry."""
    telegram = entry.telegram or (linked.get((person.id, "telegram")) if person is not None else None)
    zalo = entry.zalo or (linked.get((person.id, "zalo")) if person is not None else None)
    values = {"code": entry.id, "name": nfc(entry.name), "roles": list(entry.roles),
              "unit_id": units[entry.unit].id if entry.unit else None, "email": entry.email,
              "telegram": telegram, "zalo": zalo, "prefer": entry.prefer,
              "locale": entry.locale, "active": entry.active,
              "oversees": entry.oversees.stored() if entry.oversees else None}
    if person is not None:
        # A changed address is a new chance: forget that the old one was refused.
        if person.email != entry.email:
            values["email_broken"] = None
        if person.telegram != telegram:
            values["telegram_broken"] = None
        if person.zalo != zalo:
            values["zalo_broken"] = None
    return values


def _link_units(entries: list[UnitEntry], units: dict[str, Unit], people: dict[str, Person],
                report: OrgLoadReport) -> None:
    """Heads and parents, once every unit and person has an id."""
    for entry in entries:
        links = {"head_id": people[entry.head].id if entry.head else None,
                 "parent_id": units[entry.parent].id if entry.parent else None}
        if _assign(units[entry.id], links) and entry.id not in report.units_created:
            if entry.id not in report.units_updated:
                report.units_updated.append(entry.id)


def _retire_unlisted(session: Session, units: dict[str, Unit], people: dict[str, Person],
                     report: OrgLoadReport) -> None:
    """People the file no longer lists become inactive; units become unverified."""
    for person in session.exec(select(Person).where(Person.active == True)):  # noqa: E712
        if person.code not in people:
            person.active = False
            report.people_deactivated.append(person.code)
    for unit in session.exec(select(Unit).where(Unit.verified == True)):  # noqa: E712
        if unit.code not in units:
            # Tasks still point at it, so it stays, but as a name the org file no longer vouches for.
            unit.verified = False
            report.units_unlisted.append(unit.code)


def _upsert(session: Session, row: Any, model: type, values: dict[str, Any], created: list[str],
            updated: list[str]) -> Any:
    """`row` brought to `values`, or a new `model` row when there is none; the code lands in a list."""
    if row is None:
        row = model(**values)
        session.add(row)
        created.append(values["code"])
    elif _assign(row, values):
        updated.append(values["code"])
    return row


def mark_contact_broken(session: Session, person: Person, channel: str, error: str, now, actor: str,
                        via: str = "system") -> None:
    """A channel refused this person's contact for good: stop using it and tell admins (an event)."""
    setattr(person, f"{channel}_broken", error[:500])
    session.add(person)
    record(session, "contact_broken", Actor(actor, via), now,
           data={"person": person.code, "channel": channel, "error": error[:500]})


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


# How a lead cell lists several units: "Sở Tài chính, Sở Nội vụ", "Tư pháp; Văn hóa", "A và B".
_UNIT_LISTS = (re.compile(r"\s*[,;]\s*"), re.compile(r"\s*[,;]\s*|\s+(?:và|cùng)\s+"))


class UnitDirectory:
    """Finds units by any name or alias as plans write them; creates unverified ones on demand."""

    def __init__(self, session: Session):
        self.session = session
        self._by_key: dict[str, Unit] = {}
        for unit in session.exec(select(Unit)):
            self._index(unit)

    def _index(self, unit: Unit) -> None:
        for name in [unit.name, *unit.aliases, unit.code]:
            self._by_key.setdefault(match_key(name), unit)

    def find(self, name: str) -> Unit | None:
        """The unit `name` refers to, or None."""
        return self._by_key.get(match_key(name))

    def closest(self, name: str) -> Unit | None:
        """The unit a plan's lead text means when it is not one exact name: the first known unit of a
        list written together ("Sở Tài chính, Sở Nội vụ"), else a near spelling (OCR noise), else None."""
        for pattern in _UNIT_LISTS:  # "Văn phòng HĐND và UBND" is one name: commas first
            for part in pattern.split(name):
                if part.strip() and (unit := self.find(part)) is not None:
                    return unit
        key = match_key(name)
        if len(key) < 8:
            return None
        close = difflib.get_close_matches(key, list(self._by_key), n=1, cutoff=0.9)
        return self._by_key[close[0]] if close else None

    def resolve(self, name: str) -> tuple[Unit, bool]:
        """The unit `name` refers to, created unverified if unknown; the flag says it was created."""
        unit = self.find(name) or self.closest(name)
        if unit is not None:
            return unit, False
        code, n = slug(name), 2
        taken = {u.code for u in self._by_key.values()}
        base = code
        while code in taken or self.session.exec(select(Unit).where(Unit.code == code)).first():
            code, n = f"{base}-{n}", n + 1
        unit = Unit(code=code, name=nfc(name), verified=False)
        self.session.add(unit)
        self.session.flush()
        self._index(unit)
        return unit, True


@dataclass
class OrgProblems:
    unverified_units: list[dict[str, Any]]
    people_without_contact: list[dict[str, Any]]
    units_without_head: list[dict[str, Any]]
    no_chairman: bool
    tasks_without_deadline: list[dict[str, Any]]
    broken_contacts: list[dict[str, Any]] = field(default_factory=list)


def check_org(session: Session) -> OrgProblems:
    """What an admin should fix in the org file and plans: unknown units, unreachable people."""
    unverified = []
    for unit in session.exec(select(Unit).where(Unit.verified == False).order_by(Unit.name)):  # noqa: E712
        tasks = session.exec(select(Task.id).where(Task.lead_unit_id == unit.id)).all()
        unverified.append({"code": unit.code, "name": unit.name, "lead_of_tasks": len(tasks)})
    people = session.exec(select(Person).where(Person.active == True).order_by(Person.code)).all()  # noqa: E712
    no_contact = [{"code": p.code, "name": p.name} for p in people if not p.email and not p.telegram
                  and not p.zalo]
    headless = [{"code": u.code, "name": u.name} for u in session.exec(
        select(Unit).where(Unit.verified == True, Unit.kind == UnitKind.OFFICE, Unit.head_id == None)  # noqa: E711,E712
        .order_by(Unit.code))]
    unknown = [{"id": t.id, "ref": t.ref, "plan_id": t.plan_id, "deadline": t.deadline,
                "reason": t.deadline_reason}
               for t in session.exec(select(Task).where(Task.due_kind == DueKind.UNKNOWN,
                                                        Task.status != TaskStatus.CANCELLED).order_by(Task.id))]
    broken = [{"code": p.code, "name": p.name, "channel": ch, "error": getattr(p, f"{ch}_broken")}
              for p in people for ch in ("email", "telegram", "zalo") if getattr(p, f"{ch}_broken")]
    return OrgProblems(unverified, no_contact, headless,
                       not any(is_chairman(p) for p in people), unknown, broken)


def mark_chat_blocked(session: Session, channel: str, person_id: int | None, chat_id: str, error: str,
                      now) -> None:
    """A reply could not reach `chat_id` for good: mark that person's contact on `channel` broken,
    as dispatch does; nothing if the chat is no longer theirs."""
    column = getattr(Person, channel)
    person = (session.get(Person, person_id) if person_id else
              session.exec(select(Person).where(column == chat_id)).first())
    if person is None or getattr(person, channel) != chat_id:
        return
    app = {"telegram": "Telegram", "zalo": "Zalo"}.get(channel, channel)
    mark_contact_broken(session, person, channel, f"{app} chat {chat_id}: {error}", now, "bot", via=channel)
