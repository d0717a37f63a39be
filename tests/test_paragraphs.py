"""Sentences and paragraphs: abbreviations, quotes, ellipses, CJK stops and dialogue dashes; paragraphs
by blank-line block, by line, or automatically (hard-wrapped blocks stay whole)."""

from __future__ import annotations

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup import clean_text
from dedup.paragraphs import (
    ABBREVIATIONS,
    BOUNDARY_PATTERN,
    INITIALS_PATTERN,
    OPENER_PATTERN,
    ends_sentence,
    join_paragraphs,
    split_paragraphs,
    split_sentences,
)
from dedup.records import Line

from conftest import SEEDS


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


# -------------------------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith left. He said: \"No.\" Then U. S. troops came.",
         ["Mr. Smith left.", "He said: \"No.\"", "Then U. S. troops came."]),
        ("Dr. Jones arrived on Monday. Mrs. Jones stayed at home.",
         ["Dr. Jones arrived on Monday.", "Mrs. Jones stayed at home."]),
        ("Bring fruit, e.g. apples and pears. Then go home.", ["Bring fruit, e.g. apples and pears.", "Then go home."]),
        ("Some allies, i.e. Poland, agreed. Others did not.", ["Some allies, i.e. Poland, agreed.", "Others did not."]),
        ("St. Petersburg is big. Gen. Patton came. Prof. Weiss too.",
         ["St. Petersburg is big.", "Gen. Patton came.", "Prof. Weiss too."]),
        ("J. R. R. Tolkien wrote it. It sold well.", ["J. R. R. Tolkien wrote it.", "It sold well."]),
        ("See Fig. 3 for details. The end.", ["See Fig. 3 for details.", "The end."]),
        ("U. S. President Joe Biden proposed it. Stoltenberg agreed.",
         ["U. S. President Joe Biden proposed it.", "Stoltenberg agreed."]),
    ],
)
def test_abbreviations_do_not_end_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_dotted_initialism_does_not_end_a_sentence() -> None:
    # "U.S." written without spaces is as much an abbreviation as "U. S." or "e.g.".
    assert sentences("The U.S. Army arrived on Monday. It was late.") == [
        "The U.S. Army arrived on Monday.",
        "It was late.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u201cAre you coming?\u201d she asked. \u201cYes.\u201d He nodded.",
         ["\u201cAre you coming?\u201d she asked.", "\u201cYes.\u201d", "He nodded."]),
        ("He said \u201cGo home.\u201d Then he left.", ["He said \u201cGo home.\u201d", "Then he left."]),
        ("\"NATO will continue to stand for Ukraine. We will not back down,\" Stoltenberg said.",
         ["\"NATO will continue to stand for Ukraine.", "We will not back down,\" Stoltenberg said."]),
        ("He said 'hello.' She replied.", ["He said 'hello.'", "She replied."]),
        ("(He left.) She stayed.", ["(He left.)", "She stayed."]),
        ("Is it \u00abtrue\u00bb? I think so.", ["Is it \u00abtrue\u00bb?", "I think so."]),
    ],
)
def test_quotes_and_brackets_close_with_their_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He waited... Then he left.", ["He waited...", "Then he left."]),
        ("He waited... then he left.", ["He waited... then he left."]),
        ("Nothing happened \u2026 Really.", ["Nothing happened \u2026", "Really."]),
        ("Putin's war against ...", ["Putin's war against ..."]),
        ("Leaders extended ... The decision was made.", ["Leaders extended ...", "The decision was made."]),
    ],
)
def test_ellipses(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_cjk_full_stops_need_no_space() -> None:
    assert sentences("\u6211\u4eec\u5230\u4e86\u3002\u4ed6\u8d70\u4e86\u3002\u4f60\u597d\u5417\uff1f\u597d\u7684\uff01") == [
        "\u6211\u4eec\u5230\u4e86\u3002",
        "\u4ed6\u8d70\u4e86\u3002",
        "\u4f60\u597d\u5417\uff1f",
        "\u597d\u7684\uff01",
    ]


def test_cjk_corner_quotes_open_a_sentence() -> None:
    # Japanese dialogue opens with a corner bracket, as English opens with a quotation mark.
    assert sentences("\u79c1\u306f\u884c\u304d\u307e\u3059\u3002\u300c\u306f\u3044\u3002\u300d") == [
        "\u79c1\u306f\u884c\u304d\u307e\u3059\u3002",
        "\u300c\u306f\u3044\u3002\u300d",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- We discussed it - he said. - Russia's war threatens us all - he warned.",
         ["- We discussed it - he said.", "- Russia's war threatens us all - he warned."]),
        ("\u2013 Where are you? \u2013 Here, she said. \u2014 Fine.",
         ["\u2013 Where are you?", "\u2013 Here, she said.", "\u2014 Fine."]),
    ],
)
def test_dialogue_dashes_open_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It cost $5.50 in 2020. It rose to 3.2 percent.", ["It cost $5.50 in 2020.", "It rose to 3.2 percent."]),
        ("He was born in 1990. In 2000 he moved.", ["He was born in 1990.", "In 2000 he moved."]),
        ("Version 2.0 is out! Get it now? Yes.", ["Version 2.0 is out!", "Get it now?", "Yes."]),
        ("visit example.com today. Fine.", ["visit example.com today.", "Fine."]),
        ("One sentence without a stop", ["One sentence without a stop"]),
        ("Spaced sentence.   Next one.  ", ["Spaced sentence.", "Next one."]),
        ("", []),
        ("   ", []),
    ],
)
def test_other_boundaries(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def plain_split(text: str) -> list[tuple[int, int]]:
    """split_sentences as first written: the word before a full stop found by walking back one
    character at a time."""
    spans, start = [], 0
    for match in BOUNDARY_PATTERN.finditer(text):
        end = match.end()
        if end >= len(text) or not OPENER_PATTERN.match(text, end):
            continue
        if match.group().rstrip() == ".":
            word_start = match.start()
            while word_start > 0 and not text[word_start - 1].isspace():
                word_start -= 1
            word = text[word_start : match.start()].lstrip("(\"'“‘").lower()
            if word in ABBREVIATIONS or INITIALS_PATTERN.fullmatch(word) is not None:
                continue
        spans.append((start, end - (len(match.group()) - len(match.group().rstrip()))))
        start = end
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


# Abbreviations, initials, quotes and brackets before a stop, spaces of every kind (str.isspace's, some
# of which the boundary pattern's \s does not know), CJK stops, openers of several scripts.
PIECES = st.sampled_from(["Mr", "e.g", "U", "S", "i.e", "word", "Word", "3", "(", "\"", "\u201c", "\u2018", ".", ". ", "!", "?",
                          "\u2026", "\u3002", " ", "  ", "\t", "\n", "\x1c", "\x85", "\u00a0", "\u2028", "\u3000", "\u0416", "\u6211"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(PIECES, max_size=40).map("".join), st.text(max_size=80)))
@example("They met\tMr. Smith there. Then left.")
@example("A\u00a0Dr. Who came.\u2028U. S. troops too. (e.g. Word.) End.")
@example("\u3000i.e. Ok. \x1cSt. Paul. x\x85U. Done.")
@example("A" + "b" * 40 + ". Next one. " + "(" * 30 + "Mr. Smith. " + "x" * 30 + " e.g. Then. " + "U.S." * 9 + " Ok.")
def test_split_sentences_equals_the_plain_walk(text: str) -> None:
    assert split_sentences(text) == plain_split(text)


def test_split_sentences_equals_the_plain_walk_on_the_seeds() -> None:
    lines = _seed_lines()
    assert [split_sentences(line) for line in lines] == [plain_split(line) for line in lines]


def _seed_lines() -> list[str]:
    return [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").split("\n")]


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=200), st.sampled_from(_seed_lines())))
def test_spans_tile_the_text(text: str) -> None:
    """Spans are ordered and non-empty, what lies between them is whitespace only, and on a stripped
    line (what the pipeline passes) every sentence is stripped too."""
    for t in (text, text.strip()):
        spans = split_sentences(t)
        position = 0
        for start, end in spans:
            assert position <= start < end <= len(t)
            assert t[position:start].strip() == ""
            piece = t[start:end]
            assert piece.strip()
            if t == t.strip():
                assert piece == piece.strip()
            position = end
        assert t[position:].strip() == ""


# ------------------------------------------------------------------------------------------- paragraphs


def make_lines(text: str) -> list[Line]:
    return [Line(n, t) for n, t in enumerate(text.split("\n"), 1)]


def groups(text: str, mode: str = "auto") -> list[tuple[list[int], int]]:
    return [([line.number for line in p.lines], p.block) for p in split_paragraphs(make_lines(text), mode)]


WRAPPED = """The ministers met in Brussels on Tuesday to discuss
the supply of air defence systems to Ukraine, and
agreed that more support would be needed before the
winter months set in.

A second paragraph follows here after a blank line
and it also wraps at a fixed width of about fifty
characters per line."""

PER_LINE = """The ministers met in Brussels on Tuesday to discuss the supply of air defence systems.
They agreed that more support would be needed before the winter months set in.
A third paragraph here, which is also a complete sentence on its own line."""


def test_hard_wrapped_blocks_stay_one_paragraph() -> None:
    assert groups(WRAPPED) == [([1, 2, 3, 4], 0), ([6, 7, 8], 1)]


def test_one_paragraph_per_line_splits_by_line() -> None:
    assert groups(PER_LINE) == [([1], 0), ([2], 0), ([3], 0)]


def test_lines_mode_splits_every_line() -> None:
    assert groups(WRAPPED, "lines") == [([1], 0), ([2], 0), ([3], 0), ([4], 0), ([6], 1), ([7], 1), ([8], 1)]


def test_blocks_mode_keeps_every_block_whole() -> None:
    assert groups(WRAPPED, "blocks") == [([1, 2, 3, 4], 0), ([6, 7, 8], 1)]
    assert groups(PER_LINE, "blocks") == [([1, 2, 3], 0)]


def test_paragraph_text_joins_its_lines() -> None:
    first = split_paragraphs(make_lines(WRAPPED))[0]
    assert first.text == "\n".join(WRAPPED.split("\n")[:4])
    assert first.first_line == 1


def test_blocks_are_numbered_and_blank_lines_are_not_paragraphs() -> None:
    # Leading blank lines and runs of blanks separate blocks once.
    assert groups("\nA\n\nB\nC\n\n\nD") == [([2], 0), ([4], 1), ([5], 1), ([8], 2)]


def test_short_lines_are_not_hard_wrapped() -> None:
    # Lines under 30 characters (headings, list items) stay separate paragraphs in auto mode.
    assert groups("Patriot missiles for Ukraine?\nVenue with past significance") == [([1], 0), ([2], 0)]


def test_wrapped_block_of_sentence_lines_is_split() -> None:
    # Most lines end a sentence: not hard-wrapped, one paragraph per line.
    text = "The first line of this block ends with a full stop.\nThe second line also ends like a sentence does.\nLast."
    assert groups(text) == [([1], 0), ([2], 0), ([3], 0)]


def test_seed_002_paragraphs_are_its_lines() -> None:
    text = (SEEDS / "002_8c011e64549327f4.txt").read_text(encoding="utf-8")
    lines = make_lines(text)
    paragraphs = split_paragraphs(lines)
    assert [p.first_line for p in paragraphs] == [line.number for line in lines if line.text]
    assert all(len(p.lines) == 1 for p in paragraphs)


# ends_sentence as first written: a pattern searched through the line.
SENTENCE_END_PATTERN = regex.compile(r"[.!?…。！？:;][\"'”’»)\]]*$")
ENDINGS = st.sampled_from([*".!?…。！？:;", *"\"'”’»)]", "a", "Word", " ", "\n", "\r", "\u2028", "-", ",", "(", "\u201c"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(ENDINGS, max_size=12).map("".join), st.text(max_size=30)))
@example("He said: \u201cNo.\u201d\n")
@example(".\n\n")
def test_ends_sentence_equals_the_pattern(text: str) -> None:
    assert ends_sentence(text) == (SENTENCE_END_PATTERN.search(text) is not None)


def test_ends_sentence_equals_the_pattern_on_the_seeds() -> None:
    lines = _seed_lines()
    assert [ends_sentence(line) for line in lines] == [SENTENCE_END_PATTERN.search(line) is not None for line in lines]
    assert 0 < sum(map(ends_sentence, lines)) < len(lines)


def test_ends_sentence() -> None:
    assert ends_sentence("He left.")
    assert ends_sentence("What has been said so far?")
    assert ends_sentence("\u201cWe will not back down.\u201d")
    assert ends_sentence("He said:")
    assert not ends_sentence("Venue with past significance")
    assert not ends_sentence("the supply of air defence systems to Ukraine, and")


def test_joined_blocks_keep_their_blank_line_when_their_first_paragraph_went() -> None:
    paragraphs = split_paragraphs(make_lines("A\n\nB\nC"))
    assert join_paragraphs([p for p in paragraphs if p.text != "B"]) == "A\n\nC"  # C stays apart from A


def test_a_block_that_would_read_as_hard_wrapped_once_cut_keeps_its_lines_apart() -> None:
    # Split line by line because "0:0" is short; without it the two lines would read as one wrapped
    # paragraph, and cleaning the output again would compare other paragraphs.
    text = "NATO intensifies support as Ukraine faces harsh winter\n0:0\nNATO intensifies support as Ukraine faces harsh winter today"
    paragraphs = split_paragraphs(make_lines(text))
    assert len(paragraphs) == 3
    kept = [p for p in paragraphs if p.text != "0:0"]
    assert join_paragraphs(kept) == f"{kept[0].text}\n\n{kept[1].text}"
    assert join_paragraphs(kept, "lines") == f"{kept[0].text}\n{kept[1].text}"


def test_cleaning_twice_changes_nothing_when_a_duplicate_reshapes_a_block() -> None:
    line = "NATO intensifies support as Ukraine faces harsh winter"
    text = f"{line} {line}\n\n{line}\n0:0\n{line}"
    once = clean_text(text)
    assert clean_text(once) == once
