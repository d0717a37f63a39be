"""Repair: ftfy fixes mojibake without rewriting clean text, whitespace is normalised, line numbers stay.

The reference for whitespace normalisation below (`_ws_reference`) is written from the contract, not
taken from dedup.repair, so that a change in the package's whitespace handling shows up here.
"""

from __future__ import annotations

import unicodedata

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252")
import pytest
from ftfy import TextFixerConfig, fix_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import clean_text, repair_text
from dedup.repair import AGGRESSIVE, CONSERVATIVE, INVISIBLE_PATTERN, SPACE_PATTERN, fix_lines, normalise_spaces, repair_lines

from conftest import SEEDS

SEED_PATHS = sorted(SEEDS.glob("*.txt"))
ODD_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\t\x0b\x0c"
INVISIBLE = "\u200b\u2060\ufeff\u00ad"


def _ws_reference(text: str) -> str:
    """Whitespace normalisation as the contract states it: \\r\\n and \\r are line ends, odd spaces become
    " ", invisible characters vanish, each line is stripped, blank runs collapse to one, no blank line
    at either end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    for line in lines:
        for ch in ODD_SPACES:
            line = line.replace(ch, " ")
        for ch in INVISIBLE:
            line = line.replace(ch, "")
        line = line.strip(" ")
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def mis_decode(text: str, codec: str) -> str:
    """What a scraper produces when it decodes UTF-8 bytes as Windows-1252."""
    return text.encode("utf-8").decode(codec)


# ---------------------------------------------------------------------------------------------- mojibake


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("The cafÃ© is open", "The café is open"),
        ("â€œquotedâ€\x9d", "\u201cquoted\u201d"),
        ("He said â€œhelloâ€\x9d to the crowd.", "He said \u201chello\u201d to the crowd."),
        ("Natoâ€™s top civilian post", "Nato\u2019s top civilian post"),
        ("the war â€” and its cost", "the war \u2014 and its cost"),
        ("ZÃ¼rich and KrakÃ³w", "Zürich and Kraków"),
    ],
)
def test_mojibake_is_fixed(broken: str, fixed: str) -> None:
    assert repair_text(broken) == fixed


def test_mojibake_is_fixed_in_aggressive_mode_too() -> None:
    assert repair_text("The cafÃ© is open", "aggressive") == "The café is open"


def test_off_mode_keeps_mojibake_but_normalises_whitespace() -> None:
    assert repair_text("  The cafÃ©\u00a0is open  \r\n\r\n\r\nBye", "off") == "The cafÃ© is open\n\nBye"


def test_html_entities_are_unescaped() -> None:
    assert repair_text("Tom &amp; Jerry") == "Tom & Jerry"


# ------------------------------------------------------------------------------------- clean text stays

CLEAN_SAMPLES = [
    "\u201cWe will not back down,\u201d Stoltenberg said.",  # curly double quotes
    "Nato\u2019s door is \u2018open\u2019.",  # curly single quotes / apostrophe
    "The war \u2014 now in its second year \u2013 goes on.",  # em and en dashes
    "\uff2e\uff21\uff34\uff2f \uff11\uff12\uff13",  # full-width letters and digits
    "\u30ab\u30bf\u30ab\u30ca and \uff76\uff80\uff76\uff85",  # full-width and half-width katakana
    "The \ufb01rst \ufb02ight",  # ligatures fi, fl
    unicodedata.normalize("NFD", "Caf\u00e9 in Z\u00fcrich, Krak\u00f3w"),  # decomposed accents
    "\u00ab Bonjour \u00bb",  # guillemets
    "It\u2019s 5\u2032 tall \u2026 or so \u2033",  # primes and ellipsis
    "\u4eba\u6c11\u65e5\u62a5\u3002\u4ed6\u8d70\u4e86\u3002",  # CJK with full stops
]


@pytest.mark.parametrize("text", CLEAN_SAMPLES)
def test_conservative_mode_does_not_rewrite_clean_text(text: str) -> None:
    assert repair_text(text) == text
    assert repair_lines([text]) == [text]


def test_decomposed_accents_stay_decomposed() -> None:
    text = unicodedata.normalize("NFD", "Caf\u00e9")
    out = repair_text(text)
    assert out == text
    assert len(out) == 5  # e + combining acute, not the composed é


def test_aggressive_mode_uncurls_quotes() -> None:
    assert repair_text("\u201cquoted\u201d and it\u2019s", "aggressive") == "\"quoted\" and it's"


def test_aggressive_mode_may_change_widths_and_ligatures() -> None:
    # ftfy's defaults: half-width/full-width folded, ligatures split, NFC.
    assert repair_text("\ufb01ne \uff26\uff55\uff4c\uff4c", "aggressive") == "fine Full"
    assert repair_text(unicodedata.normalize("NFD", "Caf\u00e9"), "aggressive") == "Caf\u00e9"


# ------------------------------------------------------------------------------------------- whitespace


@pytest.mark.parametrize("space", list(ODD_SPACES))
def test_odd_spaces_become_plain_spaces(space: str) -> None:
    assert repair_text(f"left{space}right") == "left right"


@pytest.mark.parametrize("char", list(INVISIBLE))
def test_invisible_characters_vanish(char: str) -> None:
    assert repair_text(f"co{char}operate") == "cooperate"
    assert repair_text(f"{char}Hello") == "Hello"


def test_line_ends_are_stripped() -> None:
    assert repair_text("  Hello  \n\tWorld\u00a0\u00a0\n") == "Hello\nWorld"


def test_runs_of_blank_lines_collapse_to_one() -> None:
    assert repair_text("A\n\n\n\nB") == "A\n\nB"
    # lines holding only spaces (odd ones too) count as blank
    assert repair_text("A\n \n\u00a0\n\t\n\u200b\nB") == "A\n\nB"
    # no blank lines at the ends
    assert repair_text("\n\n  \nA\nB\n\n\n") == "A\nB"


def test_crlf_and_cr_are_line_ends() -> None:
    assert repair_text("A\r\nB\rC\nD") == "A\nB\nC\nD"
    assert repair_text("A\r\n\r\n\r\n\r\nB") == "A\n\nB"
    assert repair_text("A\r\rB") == "A\n\nB"


def test_repair_lines_keeps_the_number_of_lines() -> None:
    lines = ["Skip", "", "   ", "The cafÃ© is open", "â€œquotedâ€\x9d", "", "Tom &amp; Jerry", "\u00a0"]
    out = repair_lines(lines)
    assert len(out) == len(lines)
    assert out[3] == "The café is open"
    assert out[1] == out[2] == out[7] == ""


def test_repair_lines_keeps_the_number_of_lines_when_an_escape_holds_a_newline() -> None:
    lines = ["first &#10; line", "second line &amp; more", "third"]
    out = repair_lines(lines)
    assert len(out) == 3
    assert out[2] == "third"
    assert all("\n" not in line for line in out)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",))), max_size=8))
def test_repair_lines_never_changes_the_line_count(lines: list[str]) -> None:
    for mode in ("conservative", "aggressive", "off"):
        out = repair_lines(lines, mode)
        assert len(out) == len(lines)
        assert all("\n" not in line and line == line.strip() for line in out)


# ------------------------------------------------------------------------------------------------ seeds


@pytest.mark.parametrize("path", SEED_PATHS, ids=lambda p: p.name[:3])
def test_seed_is_unchanged_by_repair_apart_from_whitespace(path) -> None:
    text = path.read_text(encoding="utf-8")
    assert repair_text(text) == _ws_reference(text)


@pytest.mark.parametrize("codec", ["cp1252", "sloppy-windows-1252"])
@pytest.mark.parametrize("path", SEED_PATHS, ids=lambda p: p.name[:3])
def test_seed_misdecoded_as_cp1252_comes_back(path, codec: str) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        broken = mis_decode(text, codec)
    except UnicodeDecodeError:
        assert codec == "cp1252"
        pytest.skip("this seed holds UTF-8 bytes that strict cp1252 cannot decode")
    assert (broken != text) == (not text.isascii())  # mis-decoding shows wherever there is non-ASCII text
    assert repair_text(broken) == repair_text(text)


def test_every_seed_line_misdecoded_alone_comes_back() -> None:
    # Line by line, so that a fix which only works with the whole document's context shows up.
    for path in SEED_PATHS:
        lines = path.read_text(encoding="utf-8").split("\n")
        broken = [mis_decode(line, "sloppy-windows-1252") for line in lines]
        assert repair_lines(broken) == repair_lines(lines), path.name


# ------------------------------------------------------------------------------- fast path (no ftfy)

ASCII_NO_AMP = st.text(
    alphabet=st.sampled_from([chr(c) for c in range(0x20, 0x7F) if chr(c) != "&"] + ["\t"]), max_size=60
)
ASCII = st.text(alphabet=st.sampled_from([chr(c) for c in range(0x20, 0x7F)] + ["\t"]), max_size=60)


@settings(max_examples=100, deadline=None)
@given(st.lists(ASCII_NO_AMP, max_size=6))
def test_printable_ascii_without_ampersand_is_only_whitespace_normalised(lines: list[str]) -> None:
    assert repair_lines(lines) == [line.replace("\t", " ").strip(" ") for line in lines]
    assert repair_text("\n".join(lines)) == _ws_reference("\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.lists(ASCII_NO_AMP, min_size=1, max_size=6))
def test_skipping_ftfy_never_changes_the_result(lines: list[str]) -> None:
    expected = [normalise_spaces(x) for x in fix_text("\n".join(lines), CONSERVATIVE).split("\n")]
    assert repair_lines(lines) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(ASCII, min_size=1, max_size=6))
def test_ascii_with_ampersands_matches_ftfy(lines: list[str]) -> None:
    fixed = fix_text("\n".join(lines), CONSERVATIVE).split("\n")
    if len(fixed) == len(lines):  # an escaped newline takes the line-by-line path instead
        assert repair_lines(lines) == [normalise_spaces(x) for x in fixed]


FRAGMENTS = st.sampled_from(["The vote", " is on Sunday.", "&amp;", "&lt;b&gt;", "<b>", "a < b", "&eacute;", "cafÃ©",
                             "â€™s", "Ã¢â‚¬â„¢", "\u0080\u0093", "\x1b[31mred\x1b[0m", "é", "“quoted”", "ﬁ", "Ｌ", "x"])
MIXED_LINE = st.lists(FRAGMENTS, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MIXED_LINE, ASCII_NO_AMP), min_size=1, max_size=8), st.sampled_from([CONSERVATIVE, AGGRESSIVE]))
def test_calling_ftfy_only_on_lines_that_need_it_equals_ftfy_on_the_whole_text(lines: list[str], fixer: TextFixerConfig) -> None:
    """ftfy is skipped line by line: the result must be ftfy's on the whole document, "<" state included."""
    assert fix_lines(lines, fixer) == fix_text("\n".join(lines), fixer)


def test_repairing_twice_changes_nothing_when_a_removed_invisible_uncovers_mojibake():
    # Found by the idempotence property: ftfy turns the C1 control into a quote, the soft hyphen goes
    # with the spaces, and only then does ftfy see the pair as mojibake.
    text = '"And we have seen before."\n\x94\xad\u00c4'
    once = repair_text(text)
    assert repair_text(once) == once
    assert clean_text(clean_text(text)) == clean_text(text)


@given(st.text(alphabet=st.characters(max_codepoint=0x7f)) | st.text() | st.sampled_from(["\tA\x0bB\x0c", " x\u00a0y\u200b ", "a\x1cb\x1f"]))
def test_normalise_spaces_shortcut_for_ascii_gives_what_the_patterns_give(line: str) -> None:
    assert normalise_spaces(line) == INVISIBLE_PATTERN.sub("", SPACE_PATTERN.sub(" ", line)).strip()
