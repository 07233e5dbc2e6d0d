"""config/rules.yaml -> a validated RuleSet, checked against the org and the templates.

Like Alertmanager's config loading, in two passes: the schema (unknown keys, bad durations,
one trigger per rule), then cross-references (recipients, roles, people, units, templates,
channels, duplicate ids, escalation levels, triggers that can never fire). Every problem is
reported at once, each as `FILE:LINE:COL: key.path: message (hint)`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.infra import yamlfile
from engine.infra.errors import FileError, FileErrors
from engine.core.models import DOMAINS, DUE_KINDS, ROLES, TASK_KINDS, TASK_STATUSES
from engine.core.names import match_key
from rules.schema import CHANNELS, DUE_TRIGGERS, TEMPLATES, Defaults, Rule, RuleFile

# Kinds of task that never have a due day, or never a start day.
NO_DUE_KINDS = {"continuous", "external", "event", "unknown", "recurring"}
NO_START_KINDS = {"date", "external", "event", "unknown", "recurring"}
RECIPIENTS = ("assignee", "lead_unit_head", "support_units")


@dataclass(frozen=True)
class RuleSet:
    """A validated rule file and its version (a hash of its text)."""

    defaults: Defaults
    rules: tuple[Rule, ...]
    version: str
    source: str
    text: str

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.enabled)


@dataclass(frozen=True)
class OrgNames:
    """What rules may name: person ids, and unit ids with every name and alias."""

    people: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()          # match keys of unit ids, names and aliases

    @classmethod
    def from_org(cls, org: Any) -> "OrgNames":
        units = {match_key(n) for u in org.units for n in [u.id, u.name, *u.aliases]}
        return cls(frozenset(p.id for p in org.people), frozenset(units))


def template_names(templates_dir: Path | None) -> set[str]:
    """Built-in template names plus any template file an admin added under config/templates/."""
    names = set(TEMPLATES)
    if templates_dir is not None and templates_dir.is_dir():
        names |= {p.name.split(".")[0] for p in templates_dir.glob("*/*") if p.is_file()}
    return names


def load_rules(path: str | Path, org: OrgNames | None = None, templates_dir: Path | None = None) -> RuleSet:
    """Read and check a rules file."""
    return _build(yamlfile.load(path), org, templates_dir)


def parse_rules(text: str, source: str, org: OrgNames | None = None,
                templates_dir: Path | None = None) -> RuleSet:
    """Check rules kept as text (the active rule set stored in the database)."""
    return _build(yamlfile.loads(text, source), org, templates_dir)


def _build(doc: yamlfile.Document, org: OrgNames | None, templates_dir: Path | None) -> RuleSet:
    parsed = yamlfile.validate(doc, RuleFile)
    errors = _cross_check(doc, parsed, org, template_names(templates_dir))
    if errors:
        raise FileErrors(errors)
    version = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()[:12]
    return RuleSet(parsed.defaults, tuple(parsed.rules), version, doc.path, doc.text)


def _cross_check(doc: yamlfile.Document, rf: RuleFile, org: OrgNames | None,
                 templates: set[str]) -> list[FileError]:
    errors: list[FileError] = []

    def err(loc: tuple, message: str, hint: str | None = None) -> None:
        errors.append(doc.error(loc, message, hint))

    for j, channel in enumerate(rf.defaults.channels):
        if channel not in CHANNELS:
            err(("defaults", "channels", j), f"unknown channel {channel!r}", f"channels are {', '.join(CHANNELS)}")
    if rf.defaults.template not in templates:
        err(("defaults", "template"), f"unknown template {rf.defaults.template!r}",
            f"templates are {', '.join(sorted(templates))}")
    seen: dict[str, int] = {}
    levels: dict[int, int] = {}
    for i, rule in enumerate(rf.rules):
        at = ("rules", i)
        if rule.id in seen:
            first, _ = doc.locate(("rules", seen[rule.id], "id"))
            err(at + ("id",), f"duplicate rule id {rule.id!r}", f"first used at line {first}")
        seen.setdefault(rule.id, i)
        for j, target in enumerate(rule.notify):
            problem = _recipient_problem(target, org)
            if problem:
                err(at + ("notify", j), problem[0], problem[1])
        for j, channel in enumerate(rule.channels or []):
            if channel not in CHANNELS:
                err(at + ("channels", j), f"unknown channel {channel!r}", f"channels are {', '.join(CHANNELS)}")
        if rule.template is not None and rule.template not in templates:
            err(at + ("template",), f"unknown template {rule.template!r}",
                f"templates are {', '.join(sorted(templates))}")
        _check_match(err, at, rule, org)
        never = _never_fires(rule)
        if never:
            err(at + (rule.trigger,), f"rule {rule.id!r} can never fire: {never}")
        if rule.escalate:
            levels.setdefault(rule.escalate.level, i)
    for level, i in sorted(levels.items()):
        if level > 1 and level - 1 not in levels:
            err(("rules", i, "escalate", "level"), f"escalation level {level} has no level {level - 1} below it",
                "escalate one level at a time: add a rule with escalate.level " + str(level - 1))
    return errors


def _recipient_problem(target: str, org: OrgNames | None) -> tuple[str, str | None] | None:
    if target in RECIPIENTS:
        return None
    kind, _, name = target.partition(":")
    if kind == "role":
        return None if name in ROLES else (f"unknown role {name!r}", f"roles are {', '.join(ROLES)}")
    if kind == "person":
        if org is not None and name not in org.people:
            return (f"unknown person {name!r}", "use a person id from config/org.yaml")
        return None
    return (f"unknown recipient {target!r}",
            f"use {', '.join(RECIPIENTS)}, role:<role> or person:<id>")


def _check_match(err, at: tuple, rule: Rule, org: OrgNames | None) -> None:
    vocab = {"status": TASK_STATUSES, "kind": DUE_KINDS, "domain": tuple(DOMAINS), "type": TASK_KINDS}
    for key, allowed in vocab.items():
        for j, value in enumerate(getattr(rule.match, key) or []):
            if value not in allowed:
                err(at + ("match", key, j), f"unknown {key} {value!r}", f"use one of {', '.join(allowed)}")
    if org is not None:
        for j, unit in enumerate(rule.match.lead_unit or []):
            if match_key(unit) not in org.units:
                err(at + ("match", "lead_unit", j), f"unknown unit {unit!r}",
                    "use a unit id, name or alias from config/org.yaml")


def _never_fires(rule: Rule) -> str | None:
    statuses = set(rule.match.status or ("open", "in_progress"))
    if not statuses & {"open", "in_progress"}:
        return "it matches only done or cancelled tasks, which get nothing more"
    kinds = set(rule.match.kind or DUE_KINDS)
    if rule.trigger in DUE_TRIGGERS and kinds <= NO_DUE_KINDS:
        return f"tasks of kind {', '.join(sorted(kinds))} have no due day"
    if rule.trigger == "after_start" and kinds <= NO_START_KINDS:
        return f"tasks of kind {', '.join(sorted(kinds))} have no start day"
    return None
