"""A bound on the time every built-in rule may take per MB of text, expressed through the regex
module's per-match timeout: the engine never hands a rule more than MAX_MATCH_CHARS characters, so a
bound of SECONDS_PER_MB is a timeout of SECONDS_PER_MB * MAX_MATCH_CHARS / 1e6 per match. The tests
lower the engine's timeout to that and assert that it never fires on adversarial text."""

from __future__ import annotations

import logging

import pytest
from test_rules import BASES, SENTENCE, adversarial

from dedup.boilerplate import Rule, Stripper, builtin_rules
from dedup.boilerplate import rules as rules_module
from dedup.records import Line

RULES = builtin_rules()
# 100 s per MB: a healthy pattern is about a thousand times faster, an exponential one far slower.
SECONDS_PER_MB = 100.0
PER_MATCH_S = SECONDS_PER_MB * rules_module.MAX_MATCH_CHARS / 1_000_000


@pytest.fixture
def bounded(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    """The engine's per-match timeout lowered to the bound; yields the timeout warnings logged."""
    monkeypatch.setattr(rules_module, "MATCH_TIMEOUT_S", PER_MATCH_S)
    with caplog.at_level(logging.WARNING, logger="dedup"):
        yield lambda: [r.getMessage() for r in caplog.records if "gave up" in r.getMessage()]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_stays_within_the_bound_on_adversarial_text(rule: Rule, bounded) -> None:
    for n in (rules_module.MAX_MATCH_CHARS, rules_module.MAX_MATCH_CHARS // 3, 100_000):
        for text in adversarial(rule, n):
            rule.find(text)
            rule.find(text + "!")  # a line that almost ends like the pattern wants
    assert bounded() == []


def test_the_engine_stays_within_the_bound_on_long_lines(bounded) -> None:
    """Whole 300 KB lines through every rule at once: prefixes, suffixes and each sentence."""
    stripper = Stripper(RULES)
    examples = [text for rule in RULES for text in rule.match[:1]]
    pieces = [*BASES, " ".join(examples), ". ".join(examples), SENTENCE + "Sign up for our newsletter. "]
    lines = [Line(n, (p * (300_000 // len(p) + 1))[:300_000]) for n, p in enumerate(pieces, 1)]
    kept, hits = stripper.strip_lines(lines)
    assert bounded() == []
    assert len(kept) == len(lines)  # no 300 KB line is boilerplate as a whole
    # Sentences inside a long line still go: every newsletter prompt of the last line.
    assert sum(hit.rule == "subscribe.newsletter" and hit.line == len(lines) for hit in hits) == 300_000 // len(pieces[-1])


def test_a_runaway_pattern_does_hit_the_bound(bounded, tmp_path) -> None:
    """The bound is not vacuous: an exponential pattern exceeds it on a short line."""
    path = tmp_path / "runaway.toml"
    path.write_text('[[rule]]\nid = "mine.runaway"\nfamily = "mine"\ndescription = "Runaway."\nunit = "line"\n'
                    "pattern = '''(a|a)+$'''\nmatch = [\"aaa\"]\n", encoding="utf-8")
    (rule,) = rules_module.load_rule_file(path)
    assert rule.find("a" * 40 + "!") is None
    (message,) = bounded()
    assert "mine.runaway" in message and str(path) in message
