"""`oversees:` in org.yaml: what a leader is in charge of (phân công phụ trách lĩnh vực).

    - {id: pct-nguyen-thi-bich, name: Nguyễn Thị Bích, unit: ubnd, roles: [supervisor],
       oversees: {domains: [procedures, digital_government], units: [vh-xh, dtt]}}

`domains` are CCHC domains (an id such as `procedures`, or its label or a short name, as plan
files accept them); `units` are unit ids of the same file. Each domain and each unit has one
leader in charge at most, so "the overseer" of a task is never a choice. The rules' recipient
`overseer` reaches them (rules.reach).
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from engine.core.cchc import DOMAINS, domain_named
from engine.core.names import slug
from engine.infra.errors import FileError
from engine.infra.yamlfile import Document


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Names = Annotated[list[str], BeforeValidator(_listify)]


class Oversees(BaseModel):
    """A person's `oversees:` mapping."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    domains: Names = Field(default_factory=list)
    units: Names = Field(default_factory=list)

    def stored(self) -> dict[str, list[str]]:
        """The Person.oversees column: domain ids (as Task.domain holds them) and unit ids."""
        return {"domains": [domain_named(d) or d for d in self.domains], "units": list(self.units)}


def check_oversees(doc: Document, people: list[Any], units: list[Any]) -> list[FileError]:
    """Unknown domains and units (with a "did you mean"), and a domain or unit given two leaders."""
    errors: list[FileError] = []
    unit_ids = [u.id for u in units]
    by_slug = {slug(n): u.id for u in units for n in [u.name, *u.aliases]}
    owners: dict[tuple[str, str], tuple[str, int]] = {}
    for i, person in enumerate(people):
        if person.oversees is None:
            continue
        for key, values in (("domains", person.oversees.domains), ("units", person.oversees.units)):
            for j, value in enumerate(values):
                loc = ("people", i, "oversees", key, j)
                code = domain_named(value) if key == "domains" else (value if value in unit_ids else None)
                if code is None:
                    errors.append(_unknown(doc, loc, key, value, unit_ids, by_slug))
                    continue
                first = owners.get((key, code))
                if first and first[0] != person.id and person.active:
                    errors.append(_taken(doc, loc, key, code, first))
                elif person.active:
                    owners.setdefault((key, code), (person.id, i))
    return errors


def _unknown(doc: Document, loc: tuple, key: str, value: str, unit_ids: list[str],
             by_slug: dict[str, str]) -> FileError:
    if key == "domains":
        close = difflib.get_close_matches(value, list(DOMAINS), n=1)
        return doc.error(loc, f"không có lĩnh vực {value!r} / unknown domain {value!r}",
                         f"có phải / did you mean {close[0]!r}?" if close else
                         f"các lĩnh vực / domains: {', '.join(DOMAINS)}")
    close = [by_slug[slug(value)]] if slug(value) in by_slug else difflib.get_close_matches(value, unit_ids, n=1)
    return doc.error(loc, f"không có đơn vị {value!r} / unknown unit {value!r}",
                     f"có phải / did you mean {close[0]!r}?" if close else
                     "dùng mã một đơn vị trong units: / use the id of a unit listed under units:")


def _taken(doc: Document, loc: tuple, key: str, code: str, first: tuple[str, int]) -> FileError:
    line, _ = doc.locate(("people", first[1], "oversees"))
    what = ("lĩnh vực", "domain") if key == "domains" else ("đơn vị", "unit")
    return doc.error(loc, f"{what[0]} {code!r} đã do {first[0]} phụ trách / "
                          f"{what[1]} {code!r} is already overseen by {first[0]}",
                     f"mỗi {what[0]} một người phụ trách, xem dòng {line} / "
                     f"one leader in charge per {what[1]}, see line {line}")
