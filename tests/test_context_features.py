"""The context features as computed (str and bytes methods, substring checks before searching) equal
their plain definition bit for bit: on hand-written pages with mojibake, boilerplate, lists, URLs, dates
and scripts beyond ASCII, and on generated ones. Equal features give equal scores and verdicts."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import regex
from hypothesis import given
from hypothesis import strategies as st

from dedup.boilerplate.context import (
    COPYRIGHT,
    DATE_TOKEN,
    ELLIPSIS_END,
    LIST_MARKER,
    MUST_CONTAIN,
    OWN,
    SEPARATORS,
    URL_LIKE,
    char_counts,
    unit_features,
)
from dedup.boilerplate.engine import PROSE_MIN_WORDS
from dedup.boilerplate.language import detect_language, stop_words, words_of
from dedup.paragraphs import ends_sentence

PAGES = Path(__file__).parent / "pages"


def plain_features(texts: list[str]) -> np.ndarray:
    """The reference: each feature as first defined, one character or word at a time."""
    words = [words_of(t) for t in texts]
    stop = stop_words().get(detect_language([w for ws in words for w in ws]) or "", frozenset())
    rows = []
    for i, (text, ws) in enumerate(zip(texts, words)):
        body = LIST_MARKER.sub("", text, count=1)
        tokens = text.split()
        nw = len(tokens)
        capital = [t for t in tokens if t[:1].isalpha()]
        ends = ends_sentence(body)
        alnum, spaces = sum(c.isalnum() for c in text), sum(c.isspace() for c in text)
        rows.append([
            math.log1p(nw), math.log1p(len(text)), ends, LIST_MARKER.match(text) is not None,
            sum(w in stop for w in ws) / len(ws) if ws else 0.0,
            sum(t[0].isupper() for t in capital) / len(capital) if capital else 0.0,
            sum(c.isdigit() for c in text) / len(text), URL_LIKE.search(text) is not None,
            sum(c in SEPARATORS for c in text) / nw, text.count(",") / nw, text.isupper(), nw < 3,
            nw >= PROSE_MIN_WORDS and ends, i / max(1, len(texts) - 1), body[:1] in "\"“«'‘„", nw >= 25,
            math.log(texts.count(text)), ELLIPSIS_END.search(text) is not None, text.rstrip().endswith(":"),
            len(DATE_TOKEN.findall(text)) / nw, COPYRIGHT.search(text) is not None,
            (len(text) - alnum - spaces) / len(text),
        ])
    n = len(rows)

    def at(name: str, k: int) -> float:
        return float(rows[k][OWN.index(name)]) if 0 <= k < n else 0.0

    def headline(k: int) -> bool:  # 3+ words, no sentence end
        return 0 <= k < n and not at("short", k) and not at("ends_sentence", k)

    def run(name: str | Callable[[int], bool], i: int) -> float:  # log(1 + length of the run of units with `name` that holds unit i)
        holds = name if callable(name) else lambda k: bool(at(name, k))
        if not holds(i):
            return 0.0
        first, last = i, i
        while holds(first - 1):
            first -= 1
        while holds(last + 1):
            last += 1
        return math.log1p(last - first + 1)

    for i, row in enumerate(rows):
        between = min(max(at("prose", i - 1), at("prose", i - 2)), max(at("prose", i + 1), at("prose", i + 2)))
        row += [run("list_marker", i), run("short", i), between, at("ends_sentence", i - 1), at("ends_sentence", i + 1),
                at("log_words", i - 1), at("log_words", i + 1), at("list_marker", i - 1), at("list_marker", i + 1),
                between * at("short", i), run(headline, i)]
    return np.array(rows, dtype=np.float64).reshape(n, -1)


def assert_same_features(texts: list[str]) -> None:
    computed, plain = unit_features(texts), plain_features(texts)
    assert computed.shape == plain.shape
    assert computed.tobytes() == plain.tobytes()  # bit for bit, not approximately


MIXED = [
    "Home | News | Sport › Football » Premier League / Tables",
    "CafÃ© owner says the new Ã¼ber-tax is â€œunfairâ€\x9d and will close on 12:30 Friday.",
    "• Read more…",
    "1. Preheat the oven to 200 degrees, then butter a 24 cm tin.",
    "2) Mix flour, sugar and eggs...",
    "Visit WWW.EXAMPLE.COM or write to desk@example.org for tickets.",
    "HTTPS://EXAMPLE.NET/NEWS/INDEX.HTML",
    "Download the report at https://example.com/report.pdf (2.4 MB)",
    "© 2024 Harbour Gazette. All rights reserved.",
    "(C) Copyright 1998-2024, Harbour Gazette",
    "COPYRİGHT HARBOUR GAZETTE, with a dotted capital I",
    "ſite: httpſ://example.org and a Kelvin sign \u212a in 2024",
    "Published 3 March 2024, updated Dec. 4 at 9:05",
    "ΟΔΟΣ ΣΤΑΘΜΟΥ: Η ΠΡΟΣΒΑΣΗ ΘΑ ΚΛΕΙΣΕΙ ΤΟΝ ΜΑΪΟ",
    "Пожар уничтожил склад на окраине города, сообщили в МЧС в понедельник.",
    "Der Rat hat am Dienstag beschlossen, den Fährverkehr um drei neue Anleger zu erweitern.",
    "« Le conseil a voté mardi pour étendre le service de traversier à trois nouveaux arrêts. »",
    "“Quoted speech opens this line,” she said.",
    "Ⓐ Ⓑ circled capitals, Ⅻ roman twelve, ² superscripts, ١٢٣ Arabic-Indic digits, ＡＢＣ１２３",
    "tabs\tand\x1cfile\x1fseparators\u2028line\u00a0no-break\u3000ideographic",
    "lone surrogate \udcff from a badly decoded byte",
    "MOST READ",
    "Subscribe:",
    "Share this article",
    "Share this article",
    "x",
]


def test_the_features_of_hand_written_pages_are_the_plain_definition() -> None:
    for name in ("ferry_en.txt", "rathaus_de.txt"):
        assert_same_features([line for line in (PAGES / name).read_text(encoding="utf-8").splitlines() if line])
    assert_same_features(MIXED)
    assert_same_features(MIXED[::-1])
    assert_same_features(["One short line"])
    assert_same_features(["Two", "lines"])


def test_the_hand_written_pages_exercise_every_searched_pattern() -> None:
    features = unit_features(MIXED)
    for name in ("url", "ellipsis_end", "copyright", "list_marker", "date_tokens", "separators", "opens_quote"):
        assert features[:, OWN.index(name)].any(), name
    assert not features[:, OWN.index("url")].all()


FRAGMENTS = [*MIXED, "...", "…", "www.", ".com", "@", "://", "©", "(c)", "copyright", "\n", " ", "-", "* ", "12", "2024",
             "Jan", "MAY", "İ", "ſ", ":", "|", "»", "Ã©", "\u0301", "ς", "Σ"]
unit_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(min_size=1, max_size=12), min_size=1, max_size=8).map("".join)


@given(st.lists(unit_text.filter(lambda t: t.split()), min_size=1, max_size=12))
def test_the_features_of_generated_pages_are_the_plain_definition(texts: list[str]) -> None:
    assert_same_features(texts)


@given(unit_text)
def test_every_match_of_a_searched_pattern_holds_one_of_its_substrings(text: str) -> None:
    lowered = text.lower()
    for pattern, markers in MUST_CONTAIN.items():
        if pattern.search(text):
            assert any(marker in lowered for marker in markers), (pattern.pattern, text)


def test_the_substrings_characters_match_only_characters_that_lower_case_to_them() -> None:
    # Why the substring test in lower-cased text is sound: under IGNORECASE "s" also matches "ſ" and
    # "i" matches "İ", which lower-case to other strings, so MUST_CONTAIN must not hold those letters.
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    for char in sorted(set("".join(m for markers in MUST_CONTAIN.values() for m in markers))):
        matched = regex.findall(regex.escape(char), everything, flags=regex.IGNORECASE)
        assert matched and all(c.lower() == char for c in matched), char
    assert regex.findall("s", everything, flags=regex.IGNORECASE) == ["S", "s", "ſ"]  # the reason above


@given(st.text() | st.sampled_from([*MIXED, "Jahr 2024: 12 Köpfe\u00a0!", "\x1c\x1f\u2028 ²³ ٣ Ⅻ", "ＡＢＣ１２３",
                                    "a\udcffb\ud800", "|/»›•·"]))
def test_char_counts_are_the_str_predicates_counted(text: str) -> None:
    expected = (sum(map(str.isdigit, text)), sum(map(str.isalnum, text)), sum(map(str.isspace, text)),
                sum(c in SEPARATORS for c in text))
    assert char_counts(text) == expected
