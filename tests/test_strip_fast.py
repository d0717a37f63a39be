"""The strip stage's shortcuts give exactly what the plain way gives: a sentence's literals taken from
its line's tokens, and a rule pattern rewritten to say no sooner."""

from __future__ import annotations

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_rules import BY_ID, RULE_TEXTS, RULES

from dedup.boilerplate import Stripper
from dedup.paragraphs import split_sentences

STRIPPER = Stripper(RULES)
CJK = ["東京で会議が開かれた。大臣は説明した！記者は質問した？", "Er sagte: „Nein.“ Dann ging er.", "Ende.Anfang"]


def _sentence_masks_agree(text: str) -> None:
    spans = split_sentences(text)
    if not spans:
        return
    masks = STRIPPER.literals.masks(text)
    found = STRIPPER.literals.found(text)
    fast = STRIPPER._sentence_masks(text, spans, found, masks)
    slow = [STRIPPER.literals.found(text[a:b]) for a, b in spans] if len(spans) > 1 else [found]
    assert fast == slow


def test_a_sentences_literals_from_its_lines_tokens_are_its_own_on_real_lines() -> None:
    lines = [t for t in RULE_TEXTS if len(split_sentences(t)) > 1]
    assert len(lines) > 500
    for text in lines + CJK:
        _sentence_masks_agree(text)


SENTENCE_WORDS = ["Follow", "us", "on", "Twitter.", "AFP-REUTERS-DPA.", "like", "Sign", "up", "for", "our", "newsletter!",
                  "He", "said.", "U.S.", "Mr.", "it", "was", "fine?", "“Yes.”", "東京。", "大臣！", "—", "(c)", "\u212a", "\u00a0", "\t", "  "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SENTENCE_WORDS), min_size=1, max_size=20).map(" ".join))
@example("Ende. Anfang.Weiter. Schluss")
def test_a_sentences_literals_from_its_lines_tokens_are_its_own(text: str) -> None:
    _sentence_masks_agree(text)


# timestamps.stamp_line looks first at how the line starts (what its first stamp word can be); without
# that look-ahead, the pattern as it was.
STAMP = BY_ID["timestamps.stamp_line"]
HEAD = next(line for line in STAMP.pattern.splitlines() if line.strip().startswith("^(?=(?:[*+"))
PLAIN = regex.compile(STAMP.pattern.replace(HEAD, "    ^").replace(
    "    # first what the stamp starts with, as below (a quick no on most lines; the same lines match)\n", ""))
STAMP_WORDS = ["Published:", "UPDATED", "Last", "modified", "on", "Mon", "18", "Nov", "2019", "18.54", "GMT", "at", "4:07",
               "PM", "|", "p.m.", "a.m.", "2019-11-18T10:42:00Z", "11/18/19", "3", "hours", "ago", "Today", "by", "Joe",
               "Rossignol", "·", "-", "•", "*", "the", "minister", "said", "Sept.", "1st", "ıst", "İ", "Source:", "x.com"]


def test_the_stamp_look_ahead_changes_no_match_on_real_lines() -> None:
    assert "(?=(?:[*+" in STAMP.pattern and "(?=(?:[*+" not in PLAIN.pattern
    hits = 0
    for text in RULE_TEXTS:
        fast, plain = STAMP.compiled.fullmatch(text), PLAIN.fullmatch(text)
        assert (fast is None) == (plain is None)
        hits += fast is not None
    assert hits >= len(STAMP.match)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(STAMP_WORDS), min_size=1, max_size=14).map(" ".join),
       st.sampled_from([str, str.upper, str.lower, str.title]), st.sampled_from(["", "* ", "– ", "•  "]))
def test_the_stamp_look_ahead_changes_no_match(text: str, case, bullet: str) -> None:
    text = bullet + case(text)
    assert (STAMP.compiled.fullmatch(text) is None) == (PLAIN.fullmatch(text) is None)
