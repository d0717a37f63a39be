"""The strip stage's shortcuts give exactly what the plain way gives: a sentence's literals taken from
its line's tokens, a rule pattern rewritten to say no sooner, and whole-text rules tried only on texts
that start the way their patterns can."""

from __future__ import annotations

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_rules import BY_ID, RULE_TEXTS, RULES, WORDS

from dedup.boilerplate import Stripper
from dedup.boilerplate.literals import pattern_first
from dedup.paragraphs import split_sentences
from dedup.records import Line

STRIPPER = Stripper(RULES)
CJK = ["東京で会議が開かれた。大臣は説明した！記者は質問した？", "Er sagte: „Nein.“ Dann ging er.", "Ende.Anfang"]


SENTENCE_BITS = STRIPPER.sentence.own << STRIPPER.sentence.offset


def _sentence_masks_agree(text: str) -> None:
    """Each sentence's mask from its line's tokens names every sentence rule its own literals name."""
    spans = split_sentences(text)
    if not spans:
        return
    found = STRIPPER.literals.found(text)
    looked_up = STRIPPER.literals.lookup(text)
    assert looked_up[2] == found
    fast = STRIPPER._sentence_masks(text, spans, looked_up)
    slow = [STRIPPER.literals.found(text[a:b]) for a, b in spans] if len(spans) > 1 else [found]
    assert len(fast) == len(slow)
    assert all(own & SENTENCE_BITS & ~mask == 0 for mask, own in zip(fast, slow))


def test_a_sentences_literals_from_its_lines_tokens_are_its_own_on_real_lines() -> None:
    lines = [t for t in RULE_TEXTS if len(split_sentences(t)) > 1]
    assert len(lines) > 300  # 355 from the seeds and the rules' examples; more with ../shared/eval
    for text in lines + CJK:
        _sentence_masks_agree(text)


def test_sentences_are_stripped_as_with_their_own_literals() -> None:
    """What the sentence rules remove with masks from the line's tokens is what they remove with each
    sentence's own literals."""
    plain = Stripper(RULES)
    plain._sentence_masks = lambda text, spans, looked_up: [  # type: ignore[method-assign]
        plain.literals.found(text[a:b]) for a, b in spans]
    lines = [Line(n, t) for n, t in enumerate([t for t in RULE_TEXTS if len(split_sentences(t)) > 1] + CJK, 1)]
    fast, slow = Stripper(RULES).strip_lines(lines), plain.strip_lines(lines)
    assert fast == slow and sum(hit.rule.startswith(("subscribe.", "share.")) for hit in fast[1]) > 20


SENTENCE_WORDS = ["Follow", "us", "on", "Twitter.", "Like", "Likely", "likes", "Facebook.",
                  "AFP-REUTERS-DPA.", "like", "Sign", "up", "for", "our", "newsletter!",
                  "He", "said.", "U.S.", "Mr.", "it", "was", "fine?", "“Yes.”", "東京。", "大臣！", "—", "(c)", "\u212a", "\u00a0", "\t", "  "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SENTENCE_WORDS), min_size=1, max_size=20).map(" ".join))
@example("Ende. Anfang.Weiter. Schluss")
@example("Likely so. Like us on Facebook.")
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


# A whole-text rule is tried only on a text whose first character its pattern can start with.
class _AnyStart(dict[str, int]):
    def __init__(self, every: int) -> None:
        super().__init__()
        self.every = every

    def __missing__(self, char: str) -> int:
        return self.every


def _any_start(stripper: Stripper) -> Stripper:
    """The same rules, every whole-text rule tried whatever a text starts with (the slow path)."""
    for group in (stripper.line, stripper.sentence, stripper.prefix, stripper.suffix, stripper.tail, stripper.edge):
        group.index.starts = _AnyStart(group.own)
    return stripper


ANY_START = _any_start(Stripper(RULES))


def test_the_first_character_decides_no_rule_on_real_lines() -> None:
    lines = [Line(n, t) for n, t in enumerate(RULE_TEXTS, 1)]
    fast, slow = Stripper(RULES).strip_lines(lines), ANY_START.strip_lines(lines)
    assert fast == slow and len(fast[1]) > 300
    assert ANY_START.strip_edges(lines) == Stripper(RULES).strip_edges(lines)


def test_every_whole_text_rule_knows_how_its_examples_start() -> None:
    for rule in RULES:
        first = pattern_first(rule.pattern)
        if first is None or rule.unit in ("prefix", "suffix"):
            continue
        starts = regex.compile("|".join(first))
        assert all(starts.match(text[0]) for text in rule.match), rule.id


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=10).map(" ".join), min_size=1, max_size=6),
       st.sampled_from([str, str.upper, str.lower, str.title]), st.sampled_from(["", "* ", "• ", "- ", "\u212a", "(", " "]))
def test_the_first_character_decides_no_rule(texts: list[str], case, head: str) -> None:
    lines = [Line(n, head + case(t)) for n, t in enumerate(texts, 1)]
    assert Stripper(RULES).strip_lines(lines) == ANY_START.strip_lines(lines)


PATTERN_ATOMS = ["a", "b", "A", "-", " ", r"\d", "[xy]", "[^a]", ".", r"\.", r"\b", "(?:ab|b)", "(?i:a)", "(?=b)", "(?<!a)",
                 "(?:a|)", r"\p{Lu}", r"\w", "^"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATTERN_ATOMS), st.sampled_from(["", "?", "+", "*", "{2}", "{0,2}", "{0}"])),
                min_size=1, max_size=5).map(lambda parts: "".join(a + q for a, q in parts if not q or a not in (r"\b", "(?=b)", "(?<!a)", "^"))),
       st.text(alphabet="abAB1-x y.\u212a\u0130", min_size=1, max_size=12), st.booleans())
@example("(?:a|)b", "b", False)
@example("a{0}b", "b", False)
def test_every_match_starts_with_what_pattern_first_names(pattern: str, text: str, ignore_case: bool) -> None:
    pattern = f"(?i){pattern}" if ignore_case else pattern
    first = pattern_first(pattern)
    if first is not None and regex.fullmatch(pattern, text):
        assert regex.compile("|".join(first)).match(text[0])
