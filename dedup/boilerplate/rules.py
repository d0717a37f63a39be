"""Boilerplate rules as data: loaded from TOML, validated, compiled with `regex`, checked on their examples."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from ..errors import RuleError

UNITS = ("line", "sentence", "prefix", "suffix", "tail", "edge")
# Longest text a rule is asked to match: boilerplate is short, and the bound keeps every pattern's
# worst case small on pathological lines (100k characters without a space).
MAX_MATCH_CHARS = 1000
# A pattern still running after this long is treated as no match (a guard, never expected to fire).
MATCH_TIMEOUT_S = 0.25
LOG = logging.getLogger(__name__)
REQUIRED = ("id", "family", "description", "unit", "pattern")


@dataclass(frozen=True)
class Rule:
    """One named pattern, the unit it removes, and the examples that document and test it.

    Units: `line` (the whole line matches), `sentence` (one sentence inside a line matches; the rest of
    the line stays), `prefix`/`suffix` (the matched start or end of a line goes), `tail` (the whole line
    matches and ends the article: following lines that are not sentences go too), `edge` (the whole
    line matches and stands before the document's first or after its last paragraph of prose).
    """

    id: str
    family: str
    description: str
    unit: str
    pattern: str
    compiled: regex.Pattern[str]
    languages: tuple[str, ...]
    match: tuple[str, ...]
    no_match: tuple[str, ...]
    source: str

    def find(self, text: str) -> tuple[int, int] | None:
        """The span this rule removes from `text` (a line or, for `sentence`, one sentence), or None."""
        try:
            m = match_unit(self.compiled, self.unit, text)
        except TimeoutError:
            LOG.warning("rule %s (%s) gave up after %.2f s on a %d-character text; counted as no match",
                        self.id, self.source, MATCH_TIMEOUT_S, len(text))
            return None
        if m is None:
            return None
        if self.unit == "prefix":
            return (0, m.end()) if m.end() > 0 else None
        if self.unit == "suffix":
            offset = max(0, len(text) - MAX_MATCH_CHARS)
            return (offset + m.start(), len(text)) if m.end() > m.start() else None
        return 0, len(text)


def match_unit(compiled: regex.Pattern[str], unit: str, text: str) -> regex.Match[str] | None:
    """Match a pattern the way its unit asks: a prefix at the start of (at most) the first
    MAX_MATCH_CHARS characters, a suffix (compiled reversed) at the end of the last ones, anything else
    as the whole of a text no longer than that. Raises TimeoutError past MATCH_TIMEOUT_S."""
    # Arguments by position (string, pos, endpos, concurrent, partial, timeout): `regex` parses them
    # faster than keywords, and rules are called millions of times.
    if unit == "prefix":
        return compiled.match(text[:MAX_MATCH_CHARS], None, None, None, False, MATCH_TIMEOUT_S)
    if unit == "suffix":
        return compiled.search(text[max(0, len(text) - MAX_MATCH_CHARS) :], None, None, None, False, MATCH_TIMEOUT_S)
    if len(text) > MAX_MATCH_CHARS:
        return None
    return compiled.fullmatch(text, None, None, None, False, MATCH_TIMEOUT_S)


def compile_pattern(pattern: str, unit: str) -> regex.Pattern[str]:
    """Compile a rule's pattern for its unit; suffixes search backwards from the end of the line."""
    if unit == "suffix":
        return regex.compile(rf"(?r)(?:{pattern})\Z")
    return regex.compile(pattern)


def parse_rule(data: dict[str, Any], source: str) -> Rule:
    """Build a Rule from one TOML table, raising RuleError that names the file and rule on any fault."""
    rid = data.get("id", "?")
    missing = [key for key in REQUIRED if not isinstance(data.get(key), str) or not data.get(key)]
    if missing:
        raise RuleError(f"{source}: rule {rid!r} lacks {', '.join(missing)} (each rule needs {', '.join(REQUIRED)})")
    unknown = set(data) - {*REQUIRED, "languages", "match", "no_match"}
    if unknown:
        raise RuleError(f"{source}: rule {rid!r} has unknown keys {sorted(unknown)}")
    if data["unit"] not in UNITS:
        raise RuleError(f"{source}: rule {rid!r} has unit {data['unit']!r}; use one of {', '.join(UNITS)}")
    for key in ("languages", "match", "no_match"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise RuleError(f"{source}: rule {rid!r}: {key} must be a list of strings")
    try:
        compiled = compile_pattern(data["pattern"], data["unit"])
    except regex.error as err:
        raise RuleError(f"{source}: rule {rid!r} has a bad pattern: {err}") from None
    rule = Rule(
        id=rid,
        family=data["family"],
        description=data["description"],
        unit=data["unit"],
        pattern=data["pattern"],
        compiled=compiled,
        languages=tuple(data.get("languages", [])),
        match=tuple(data.get("match", [])),
        no_match=tuple(data.get("no_match", [])),
        source=source,
    )
    check_examples(rule)
    return rule


def check_examples(rule: Rule) -> None:
    """Raise RuleError when an example that must match does not, or one that must not does."""
    if not rule.match:
        raise RuleError(f"{rule.source}: rule {rule.id!r} needs at least one `match` example")
    for text in rule.match:
        if rule.find(text) is None:
            raise RuleError(f"{rule.source}: rule {rule.id!r} does not match its example {text!r}")
    for text in rule.no_match:
        if rule.find(text) is not None:
            raise RuleError(f"{rule.source}: rule {rule.id!r} matches {text!r}, listed under no_match")


def load_rule_file(path: str | Path, text: str | None = None) -> list[Rule]:
    """Read the `[[rule]]` tables of one TOML file."""
    source = str(path)
    try:
        text = text if text is not None else Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise RuleError(f"{source}: cannot read rule file: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise RuleError(f"{source}: rule file is not UTF-8 text") from None
    return list(_parse_rule_file(source, text))


# A run loads its rules in several places (the check before it starts, each phase, each worker): the
# file is read every time, its text compiled once per process (a forked worker inherits the parent's).
@lru_cache(maxsize=64)
def _parse_rule_file(source: str, text: str) -> tuple[Rule, ...]:
    """The rules of one rule file's TOML text (`source` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RuleError(f"{source}: not valid TOML: {err}") from None
    tables = data.get("rule")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError(f"{source}: no rules found; write each rule as a [[rule]] table")
    return tuple(parse_rule(table, source) for table in tables)


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[Rule, ...]:
    """The rules shipped in dedup/boilerplate/rules/*.toml, in file and table order."""
    folder = resources.files(__package__).joinpath("rules")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    return tuple(rule for f in files for rule in load_rule_file(f"rules/{f.name}", f.read_text(encoding="utf-8")))


def load_rules(rule_files: tuple[str, ...] = (), disable: tuple[str, ...] = ()) -> tuple[Rule, ...]:
    """Shipped rules plus the user's rule files, without the disabled families; ids must be unique."""
    rules = list(builtin_rules())
    for path in rule_files:
        rules.extend(load_rule_file(path))
    families = {rule.family for rule in rules}
    unknown = [name for name in disable if name not in families]
    if unknown:
        raise RuleError(f"cannot disable unknown rule family {unknown[0]!r}; families: {', '.join(sorted(families))}")
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{rule.source}: rule id {rule.id!r} is already used in {seen[rule.id]}")
        seen[rule.id] = rule.source
    return tuple(rule for rule in rules if rule.family not in disable)
