"""Skipping ftfy: a line is left out only where ftfy provably returns it unchanged.

`ftfy_leaves_alone` stands in for a call to `fix_text`, and `looks_like_mojibake` for ftfy's `is_bad`, so
both are checked against ftfy itself: on generated text rich in mojibake material (every codec ftfy
undoes, C1 and other controls, surrogates, box drawing, currency, Arabic, Cyrillic, Greek and CJK
letters), on the seeds and on the seeds mis-decoded.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-125x" codecs)
import pytest
from ftfy import TextFixerConfig, fix_text
from ftfy.badness import BADNESS_RE, is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.repair import (
    AGGRESSIVE,
    CONSERVATIVE,
    FTFY_OPTIONS_PROVEN,
    MOJIBAKE_ANCHORS,
    MOJIBAKE_REACH,
    Unproven,
    _check_ftfy_options,
    _mojibake_reach_and_anchors,
    fix_lines,
    ftfy_leaves_alone,
    looks_like_mojibake,
    repair_lines,
)

from conftest import SEEDS

# ours, ours once a "<" has turned entities off, and ftfy's defaults (line breaks fixed too)
FIXERS = [CONSERVATIVE, AGGRESSIVE, CONSERVATIVE._replace(unescape_html=False), TextFixerConfig(explain=False)]
WORDS = ["café", "naïve", "“quoted”", "it’s", "— and –", "Москва", "мир", "مرحبا", "Ελλάδα", "€5 ½", "Zürich",
         "हिन्दी", "ăâîșț", "…", "Œuvre", "señor", "日本語", "✔", "½°±"]
CODECS = ["latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1253", "sloppy-windows-1257",
          "macroman", "cp437"]
# What scrapers make of UTF-8: each word's bytes read in each single-byte codec ftfy knows (and cp437).
MOJIBAKE = sorted({w.encode("utf-8").decode(c, errors="ignore") for w in WORDS for c in CODECS} - set(WORDS))
SINGLES = list(
    "ÃÂÎÐØÙÑàâäéèêëìîïòóôöúùûüñçß’‘“”„‚—–…«»‹›€£¥¢₧°±²³¹µ¶§©®™•·¤¦¨¬¯¸ƒˆˇ˘˛˜†‡‰◊\ufffdªº×÷¼½¾√≈∂≠≤≥π"
    "│┌┐┘├┤┬┼═║╔╗▀▄█░▒▓ŒœŠšŸžāëвЂВГРСўΒΓΞΟβαоеа人日ＬﬁĲ\u0301\u00a0\u00ad\u200b\ufeff\u2028"
) + ["\x80", "\x81", "\x85", "\x8d", "\x9d", "\x01", "\x1b", "\x7f", "\x0c", "\r", "\ud83d", "\udca9", "&amp;", "&eacute;",
     "&#x2019;", "<b>", "&"]
ASCII_RUN = st.text(alphabet=st.sampled_from(list("abcxyzABCZ019 .,?!;-'\"")), max_size=12)
PIECE = st.one_of(ASCII_RUN, st.sampled_from(SINGLES), st.sampled_from(MOJIBAKE), st.sampled_from(WORDS))
TEXT = st.lists(PIECE, max_size=12).map("".join)
SEGMENT = st.tuples(TEXT, st.booleans()).map(lambda t: t[0] + "\n" if t[1] else t[0])  # with or without its line end


def _seed_lines() -> list[str]:
    lines = [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").split("\n")]
    return lines + [line.encode("utf-8").decode(codec, errors="ignore") for line in lines for codec in CODECS[:3]]


SEED_LINES = _seed_lines()


# --------------------------------------------------------------------------------- the skip and ftfy


@settings(max_examples=1500, deadline=None)
@given(SEGMENT, st.sampled_from(FIXERS))
def test_a_skipped_segment_is_one_ftfy_returns_unchanged(segment: str, fixer) -> None:
    if ftfy_leaves_alone(segment, fixer):
        assert fix_text(segment, fixer) == segment


@settings(max_examples=1500, deadline=None)
@given(SEGMENT)
def test_the_windowed_mojibake_test_is_ftfys_is_bad(segment: str) -> None:
    assert looks_like_mojibake(segment) == is_bad(segment)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_the_windowed_mojibake_test_is_ftfys_is_bad_on_any_text(text: str) -> None:
    assert looks_like_mojibake(text) == is_bad(text)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_every_mojibake_match_is_short_and_holds_an_anchor(text: str) -> None:
    """The two facts the windows rest on, on whatever the pattern matches."""
    for match in BADNESS_RE.finditer(text):
        assert len(match.group()) <= MOJIBAKE_REACH
        assert MOJIBAKE_ANCHORS.search(match.group())


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=6), st.sampled_from(FIXERS[:2]))
def test_repairing_lines_with_the_skip_equals_ftfy_on_the_whole_text(lines: list[str], fixer) -> None:
    assert fix_lines(lines, fixer) == fix_text("\n".join(lines), fixer)


@pytest.mark.parametrize("fixer", FIXERS[:2], ids=["conservative", "aggressive"])
def test_seed_lines_and_their_mojibake_agree_with_ftfy(fixer) -> None:
    for line in SEED_LINES:
        for segment in (line, line + "\n"):
            assert looks_like_mojibake(segment) == is_bad(segment), segment
            if ftfy_leaves_alone(segment, fixer):
                assert fix_text(segment, fixer) == segment, segment


# ------------------------------------------------------------------------------ edges of the windows


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Ã is the first character", True),  # "^[ÃÂ][ ]": only at the very start of the text
        ("1Ã is not", False),
        ("7 Ã is not either" + "1" * 30 + "Ã ", False),  # nor at the start of a later window
        ("Le prix: 5Ã ", False),
        ("œ\n", True),  # "[Œœ][^A-Za-z]": the line end completes the match
        ("œ", False),
        ("œuvre", False),
        ("ГўВЂВ\u00a0x", True),  # the longest alternative, at full length
        ("ГўВЂВ\u00a0", False),
        ("x" * 50 + "cafÃ©" + "y" * 50, True),
        ("“" + " " * 5 + "x" * 40 + "”", False),  # anchors far apart: two windows, neither bad
        ("ØŸ" * 2, True),  # four characters, the anchors at both ends
        ("Ø" + "a" * 6 + "Ÿ", False),
    ],
)
def test_window_edges(text: str, bad: bool) -> None:
    assert is_bad(text) is bad
    assert looks_like_mojibake(text) is bad


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2 * MOJIBAKE_REACH), st.sampled_from(SINGLES[:60] + MOJIBAKE[:40])), max_size=6))
def test_windows_apart_by_any_gap_agree_with_is_bad(parts: list[tuple[int, str]]) -> None:
    """Anchors at every distance from each other, so windows touch, overlap and stand apart."""
    text = "".join("a" * gap + piece for gap, piece in parts)
    assert looks_like_mojibake(text) == is_bad(text)


# ----------------------------------------------------------------------------- what the skip keeps


CLEAN = ["Nato’s door is “open” — Stoltenberg said.", "Zürich, Kraków and São Paulo", "Москва — столица России.",
         "Ελλάδα και Κύπρος", "人民日报。他走了。", "« Bonjour » à tous, 5 € et 3 £", "It’s 5′ tall … or so",
         "Risk & Compliance at AT&T, Q&A"]
BROKEN = ["The cafÃ© is open", "Natoâ€™s top civilian post", "Москва".encode().decode("latin-1"), "Ã\xa0 la carte",
          "Tom &amp; Jerry", "\x1b[31mred\x1b[0m", "text\x01with a control", "\ud83d\udca9 surrogates",
          "price \x80 5"]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_in_any_script_skips_ftfy(text: str) -> None:
    assert ftfy_leaves_alone(text, CONSERVATIVE) and ftfy_leaves_alone(text + "\n", CONSERVATIVE)


@pytest.mark.parametrize("text", BROKEN)
def test_text_ftfy_changes_is_never_skipped(text: str) -> None:
    assert fix_text(text, CONSERVATIVE) != text
    assert not ftfy_leaves_alone(text, CONSERVATIVE)


def test_aggressive_mode_skips_only_what_none_of_its_extra_fixers_touch() -> None:
    assert ftfy_leaves_alone("Zürich and Москва", AGGRESSIVE)
    for text in ["it’s", "“quoted”", "ﬁne", "ＬＯＵＤ", unicodedata.normalize("NFD", "café")]:
        assert fix_text(text, AGGRESSIVE) != text
        assert ftfy_leaves_alone(text, CONSERVATIVE) and not ftfy_leaves_alone(text, AGGRESSIVE)


def test_a_segment_ftfy_would_cut_is_handed_to_ftfy() -> None:
    assert not ftfy_leaves_alone("two\nlines", CONSERVATIVE)  # fix_text repairs each line on its own
    long_line = "é" * 20
    assert not ftfy_leaves_alone(long_line, CONSERVATIVE._replace(max_decode_length=10))
    assert ftfy_leaves_alone(long_line, CONSERVATIVE)


def test_real_mojibake_is_still_repaired() -> None:
    fixed = ["Москва — столица", "مرحبا", "Ελλάδα", "à la carte", "Nato’s “open” door"]
    broken = [line.encode().decode("sloppy-windows-1252") for line in fixed]
    assert all(ftfy_leaves_alone(line, CONSERVATIVE) for line in fixed)
    assert repair_lines(broken) == fixed


# ------------------------------------------------------------------------------ the import-time proof


@pytest.mark.parametrize(
    "pattern",
    [r"(?<=a)é", r"é(?=a)", r"(é)\1", r"é$", r"\bé", r"ab|é", r"é+|€", r"[^a]x|é", r"(?i)é|€"],
    ids=["lookbehind", "lookahead", "backreference", "end anchor", "word boundary", "ascii alternative",
         "unbounded", "negated class", "ignore case"],
)
def test_a_pattern_the_windows_cannot_prove_is_refused(pattern: str) -> None:
    with pytest.raises(Unproven):
        _mojibake_reach_and_anchors(re.compile(pattern))


def test_the_anchors_and_reach_follow_the_pattern() -> None:
    reach, anchors = _mojibake_reach_and_anchors(re.compile(r"^[ÃÂ] |[a-z]é€|(?:x|y)Ø|[^a]ü"))
    assert reach == 3
    assert sorted(anchors.pattern.strip("[]")) == sorted("ÂÃØ€ü")  # € rather than the lowercase é
    assert _mojibake_reach_and_anchors(re.compile("é"))[0] == 1  # one alternative is an alternation too


def test_an_ftfy_with_an_option_the_proof_does_not_know_is_refused() -> None:
    _check_ftfy_options(TextFixerConfig._fields)
    with pytest.raises(Unproven, match="not those"):
        _check_ftfy_options(FTFY_OPTIONS_PROVEN + ("fix_new_thing",))


def test_an_unproven_ftfy_gets_every_line_that_is_not_plain_ascii(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another ftfy than the proof was read from does not stop dedup: the skip is off, output is ftfy's.
    monkeypatch.setattr("dedup.repair.SKIP_PROVEN", False)
    line = "Nato’s “open door” — Zürich"
    assert not ftfy_leaves_alone(line, CONSERVATIVE)
    assert looks_like_mojibake("The cafÃ© is open") and not looks_like_mojibake(line)
    assert repair_lines([line, "The cafÃ© is open."]) == [line, "The café is open."]
