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
from engine.core.cchc import DOMAINS
from engine.core.vocabulary import ACTIVE, TEMPLATES, DueKind, Role, TaskStatus, TaskType
from engine.core.names import match_key
from rules.schema import CHANNELS, DUE_TRIGGERS, Defaults, Rule, RuleFile

# Kinds of task that never have a due day, or never a start day.
NO_DUE_KINDS = {DueKind.CONTINUOUS, DueKind.EXTERNAL, DueKind.EVENT, DueKind.UNKNOWN, DueKind.RECURRING}
NO_START_KINDS = {DueKind.DATE, DueKind.EXTERNAL, DueKind.EVENT, DueKind.UNKNOWN, DueKind.RECURRING}
RECIPIENTS = ("assignee", "lead_unit_head", "support_units", "overseer")


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
            err(("defaults", "channels", j), *_unknown_channel(channel))
    if rf.defaults.template not in templates:
        err(("defaults", "template"), *_unknown_template(rf.defaults.template, templates))
    seen: dict[str, int] = {}
    levels: dict[int, int] = {}
    for i, rule in enumerate(rf.rules):
        at = ("rules", i)
        if rule.id in seen:
            first, _ = doc.locate(("rules", seen[rule.id], "id"))
            err(at + ("id",), f"mã quy tắc {rule.id!r} bị trùng / duplicate rule id {rule.id!r}",
                f"dùng lần đầu ở dòng {first} / first used at line {first}")
        seen.setdefault(rule.id, i)
        for j, target in enumerate(rule.notify):
            problem = _recipient_problem(target, org)
            if problem:
                err(at + ("notify", j), problem[0], problem[1])
        for j, channel in enumerate(rule.channels or []):
            if channel not in CHANNELS:
                err(at + ("channels", j), *_unknown_channel(channel))
        if rule.template is not None and rule.template not in templates:
            err(at + ("template",), *_unknown_template(rule.template, templates))
        _check_match(err, at, rule, org)
        never = _never_fires(rule)
        if never:
            err(at + (rule.trigger,), f"quy tắc {rule.id!r} không bao giờ chạy: {never[0]} / "
                                      f"rule {rule.id!r} can never fire: {never[1]}")
        if rule.escalate:
            levels.setdefault(rule.escalate.level, i)
    for level, i in sorted(levels.items()):
        if level > 1 and level - 1 not in levels:
            err(("rules", i, "escalate", "level"), f"cảnh báo cấp {level} chưa có cấp {level - 1} bên dưới / "
                f"escalation level {level} has no level {level - 1} below it",
                f"lên từng cấp một: thêm quy tắc có escalate.level {level - 1} / "
                f"escalate one level at a time: add a rule with escalate.level {level - 1}")
    return errors


def _recipient_problem(target: str, org: OrgNames | None) -> tuple[str, str | None] | None:
    if target in RECIPIENTS:
        return None
    kind, _, name = target.partition(":")
    if kind == "role":
        return None if Role.has(name) else (f"không có vai trò {name!r} / unknown role {name!r}",
                                            f"các vai trò / roles: {Role.listing()}")
    if kind == "person":
        if org is not None and name not in org.people:
            return (f"không có người {name!r} / unknown person {name!r}",
                    "dùng mã người trong / use a person id from config/org.yaml")
        return None
    return (f"không có người nhận {target!r} / unknown recipient {target!r}",
            f"dùng / use {', '.join(RECIPIENTS)}, role:<role> hoặc / or person:<id>")


def _check_match(err, at: tuple, rule: Rule, org: OrgNames | None) -> None:
    vocab = {"status": tuple(TaskStatus), "kind": tuple(DueKind), "domain": tuple(DOMAINS), "type": tuple(TaskType)}
    for key, allowed in vocab.items():
        for j, value in enumerate(getattr(rule.match, key) or []):
            if value not in allowed:
                err(at + ("match", key, j), f"không có {key} {value!r} / unknown {key} {value!r}",
                    f"dùng một trong / use one of: {', '.join(allowed)}")
    if org is not None:
        for j, unit in enumerate(rule.match.lead_unit or []):
            if match_key(unit) not in org.units:
                err(at + ("match", "lead_unit", j), f"không có đơn vị {unit!r} / unknown unit {unit!r}",
                    "dùng mã, tên hoặc tên gọi khác của đơn vị trong / use a unit id, name or alias from "
                    "config/org.yaml")


def _unknown_channel(channel: str) -> tuple[str, str]:
    return (f"không có kênh {channel!r} / unknown channel {channel!r}",
            f"các kênh / channels: {', '.join(CHANNELS)}")


def _unknown_template(name: str, templates: set[str]) -> tuple[str, str]:
    return (f"không có mẫu tin {name!r} / unknown template {name!r}",
            f"các mẫu / templates: {', '.join(sorted(templates))}")


def _never_fires(rule: Rule) -> tuple[str, str] | None:
    """Why the rule can never fire, in Vietnamese and in English; None when it can."""
    statuses = set(rule.match.status or ACTIVE)
    if not statuses & set(ACTIVE):
        return ("nó chỉ khớp nhiệm vụ đã xong hoặc đã hủy, những việc không còn được nhắc",
                "it matches only done or cancelled tasks, which get nothing more")
    kinds = set(rule.match.kind or DueKind)
    if rule.trigger in DUE_TRIGGERS and kinds <= NO_DUE_KINDS:
        shown = ', '.join(sorted(kinds))
        return f"nhiệm vụ loại {shown} không có ngày đến hạn", f"tasks of kind {shown} have no due day"
    if rule.trigger == "after_start" and kinds <= NO_START_KINDS:
        shown = ', '.join(sorted(kinds))
        return f"nhiệm vụ loại {shown} không có ngày bắt đầu", f"tasks of kind {shown} have no start day"
    return None
