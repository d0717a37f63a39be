"""Repeated sentences inside a document: the first copy stays, later copies and truncated teasers go;
the fast implementation (sentences split and normalised once per line text, shared with fingerprints)
removes exactly what the plain one, re-splitting and re-normalising at every step, removes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.boilerplate.engine import join_spans
from dedup.config import ParagraphMode
from dedup.fingerprint import normalise, normalised_sentences
from dedup.paragraphs import split_paragraphs, split_sentences
from dedup.records import Line, Paragraph
from dedup.repeats import TRUNCATED_PATTERN, Repeat, drop_repeated_sentences

from conftest import SEEDS

# ------------------------------------------------------------------ the plain implementation, as a reference


def plain_drop_repeated(paragraphs: list[Paragraph], min_words: int) -> list[Repeat]:
    """drop_repeated_sentences as first written: every sentence split and normalised where it is needed."""
    repeats: list[Repeat] = []
    first: dict[str, int] = {}
    kept_paragraphs: set[str] = set()
    for p in paragraphs:
        plain_drop(p, {}, min_words, repeats)
        whole = normalise(p.text)
        if whole in kept_paragraphs:
            continue
        if len(split_sentences(p.text)) == 1:
            kept_paragraphs.add(whole)
            continue
        plain_drop(p, first, min_words, repeats)
        if p.lines:
            kept_paragraphs.add(normalise(p.text))
    sentences = [(line, line.text[a:b]) for p in paragraphs for line in p.lines for a, b in split_sentences(line.text)]
    keys = [normalise(text) for _, text in sentences]
    for i, (line, text) in enumerate(sentences):
        if not TRUNCATED_PATTERN.search(text) or len(keys[i].split()) < min_words:
            continue
        full = next((j for j, key in enumerate(keys) if j != i and key.startswith(keys[i] + " ")), None)
        if full is not None:
            repeats.append(Repeat(line.number, text, sentences[full][0].number))
            spans = split_sentences(line.text)
            line.text = join_spans(line.text, [(a, b) for a, b in spans if line.text[a:b] != text])
    for p in paragraphs:
        p.lines = [line for line in p.lines if line.text]
    repeats.sort(key=lambda r: r.line)
    return repeats


def plain_drop(p: Paragraph, seen: dict[str, int], min_words: int, repeats: list[Repeat]) -> None:
    for line in p.lines:
        spans = split_sentences(line.text)
        kept = []
        for start, end in spans:
            key = normalise(line.text[start:end])
            if len(key.split()) >= min_words:
                if key in seen:
                    repeats.append(Repeat(line.number, line.text[start:end], seen[key]))
                    continue
                seen[key] = line.number
            kept.append((start, end))
        if len(kept) < len(spans):
            line.text = join_spans(line.text, kept)
    p.lines = [line for line in p.lines if line.text]


def both_ways(lines: list[str], min_words: int, mode: ParagraphMode = "auto") -> tuple[object, object]:
    """(repeats, paragraph texts left) of the fast and of the plain implementation."""
    results = []
    for drop in (drop_repeated_sentences, plain_drop_repeated):
        paragraphs = split_paragraphs([Line(n, t) for n, t in enumerate(lines, 1)], mode)
        repeats = drop(paragraphs, min_words)
        results.append((repeats, [(p.index, p.text) for p in paragraphs if p.lines]))
    return results[0], results[1]


# ----------------------------------------------------------------------------------------------- behaviour

LEAD = "The council voted on Tuesday to expand the ferry service to three new stops."


def test_a_repeated_sentence_goes_and_the_first_copy_stays() -> None:
    repeats, left = both_ways([f"{LEAD} Officials welcomed it.", "", f"Residents cheered. {LEAD}"], 5)[0]
    assert repeats == [Repeat(3, LEAD, 1)]
    assert left == [(0, f"{LEAD} Officials welcomed it."), (1, "Residents cheered.")]


def test_a_repeat_in_other_quotes_and_case_goes_too() -> None:
    styled = "THE COUNCIL voted on Tuesday to expand the ferry service to three new stops\u2026"
    repeats, _ = both_ways([f"{LEAD} It passed.", "", f"Then it rained. \u201c{styled}\u201d"], 5)[0]
    assert [r.line for r in repeats] == [3]


def test_a_truncated_teaser_goes_when_the_full_sentence_is_there() -> None:
    teaser = "The council voted on Tuesday to expand the ..."
    repeats, left = both_ways([f"Read more. {teaser}", "", f"{LEAD} Officials welcomed it."], 5)[0]
    assert repeats == [Repeat(1, teaser, 3)]
    assert left[0] == (0, "Read more.")


def test_a_headline_stays_and_its_sentence_stays_in_the_story() -> None:
    repeats, left = both_ways([LEAD, "", f"{LEAD} Officials welcomed it."], 5)[0]
    assert repeats == [] and len(left) == 2


def test_short_sentences_are_never_repeats() -> None:
    assert both_ways(["Yes. No. Yes. No.", "", "Yes. It is."], 5)[0][0] == []


def test_normalised_sentences_are_the_split_sentences_normalised() -> None:
    text = "Mr. Smith left. \u201cHe said: No.\u201d Then U. S. troops came\u2026 "
    assert [(a, b) for a, b, *_ in normalised_sentences(text)] == split_sentences(text)
    assert [(norm, words) for _, _, norm, words, _ in normalised_sentences(text)] == [
        (normalise(text[a:b]), len(normalise(text[a:b]).split())) for a, b in split_sentences(text)
    ]


# ------------------------------------------------------------------------------------- same as the plain way

SENTENCES = [
    LEAD,
    "THE COUNCIL VOTED ON TUESDAY TO EXPAND THE FERRY SERVICE TO THREE NEW STOPS.",
    "The council voted on Tuesday to expand the \u2026",
    "The council voted on Tuesday to expand the ...",
    "\u201cWe are delighted,\u201d said Mr. Jones of the ferry company.",
    "\u00c3\u00a9t\u00c3\u00a9 caf\u00e9 cafe\u0301 \u2014 the summer caf\u00e9 opened again today.",
    "Рада проголосувала за новий закон сьогодні.",  # Ukrainian
    "Share this article.",
    "Yes.",
    "It rained in the U.S. on Monday and again on Tuesday.",
    "Prices rose 3.5% in March, the statistics office said.",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.just(""), st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4).map(" ".join)), max_size=12),
    st.integers(0, 8),
    st.sampled_from(["auto", "lines", "blocks"]),
)
def test_fast_drop_equals_the_plain_one(lines: list[str], min_words: int, mode: ParagraphMode) -> None:
    fast, plain = both_ways(lines, min_words, mode)
    assert fast == plain


TOKENS = st.sampled_from(["ab", "Ab", "cd", "Mr", "U", " ", " ", " ", ".", ". ", "\u2026", "...", "!", "? ", "\u201c", "\u2019", "e\u0301", "\u0416"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(TOKENS, max_size=30).map("".join), max_size=8), st.integers(0, 3))
def test_fast_drop_equals_the_plain_one_on_generated_text(lines: list[str], min_words: int) -> None:
    fast, plain = both_ways([line.strip() for line in lines], min_words)
    assert fast == plain


def test_fast_drop_equals_the_plain_one_on_the_seeds() -> None:
    dropped = 0
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        # every sentence again, in paragraphs that differ from the first ones
        doubled = lines + [""] + [f"{a} {b}".strip() for a, b in zip(lines[1:], lines)]
        for min_words in (3, 5):
            fast, plain = both_ways(doubled, min_words)
            assert fast == plain
            dropped += len(fast[0])
    assert dropped > 100  # the doubled text does lose sentences
