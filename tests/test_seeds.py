"""The five seed articles end to end (clean_corpus over the seeds in file order, ids = file names):
every listed piece of boilerplate goes, headings stay, repeats in seed 004 are kept once, and no other
sentence of any seed is lost."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

import pytest

from dedup import clean_corpus
from dedup.paragraphs import split_sentences

from conftest import SEEDS

# (seed, 1-based input line, text that must go). Whole lines unless the text is a part of its line.
BOILERPLATE = [
    ("000", 1, "Description"),
    ("000", 2, "Added on the 04/01/2022 17:12:53 - Copyright : Euronews EN"),
    ("000", 3, "IMAGES"),
    ("000", 4, "IMAGES"),
    ("000", 5, "IMAGES"),
    ("000", 6, "IMAGES"),
    ("000", 8, "Immigration"),
    ("001", 13, "This article is shared:"),
    ("001", 14, "EU Reporter publishes articles sourced from many outside sources that reflect a broad range of views. "
                "These articles do not necessarily reflect the views of EU Reporter."),
    ("002", 1, "date 2022-11-29"),
    ("002", 1, "1. Skip to content"),
    ("002", 2, "The parliament building in Bucharest where the NATO summit is taking place"),  # a photo's caption, as line 44
    ("002", 3, "Image: Bernd Riegert/DW"),
    ("002", 4, "PoliticsUkraine"),
    ("002", 8, "17 minutes ago"),
    ("002", 12, "https://p.dw.com/p/4KD8i"),
    ("002", 42, "rc/dj (AFP, dpa, Reuters, AP)"),
    ("002", 44, "The Chinese police form line during a protest against the COVID restrictions"),
    ("002", 46, "China: Police deployed in force to prevent protests"),
    ("002", 48, "Politics1 hour ago"),
    ("003", 3, "4 December 2024 16:16"),
    ("004", 9, "Don\u2019t worry we won\u2019t send you spam or share your email address with anyone."),
    ("004", 34, "Start your Independent Premium subscription today."),
    ("004", 16, "BELGIUM-NATO-UKRAINE-RUSSIA."),
]
HEADINGS = [
    ("002", "What has been said so far?"),
    ("002", "Patriot missiles for Ukraine?"),
    ("002", "Venue with past significance"),
    ("003", "Russia and China destabilise the West"),
]


@cache
def inputs() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@cache
def cleaned() -> dict[str, object]:
    docs = [{"id": name, "text": text} for name, text in inputs().items()]
    return {c.id: c for c in clean_corpus(docs)}


def name_of(seed: str) -> str:
    (name,) = [n for n in inputs() if n.startswith(seed + "_")]
    return name


def input_lines(seed: str) -> list[str]:
    """The seed's lines, whitespace normalised as repair does (the seeds hold no mojibake)."""
    return [line.replace("\u00a0", " ").strip() for line in re.split(r"\r\n?|\n", inputs()[name_of(seed)])]


def output(seed: str) -> str:
    return cleaned()[name_of(seed)].text or ""


def sentences(line: str) -> list[str]:
    return [line[a:b] for a, b in split_sentences(line)]


def quote_case_key(sentence: str) -> str:
    """A sentence compared up to case and quote style."""
    table = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2033": '"', "\u2018": "'", "\u2019": "'"})
    return " ".join(sentence.translate(table).casefold().split())


def words(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in unicodedata.normalize("NFKC", text).casefold()).split()


def teasers_with_completion(seed: str) -> set[str]:
    """Sentences cut short with "..." whose words begin another sentence of the same seed."""
    every = [s for line in input_lines(seed) for s in sentences(line)]
    out = set()
    for s in every:
        if re.search(r"(\.\.\.|\u2026)\s*$", s):
            head = words(s)
            if any(o is not s and words(o)[: len(head)] == head and len(words(o)) > len(head) for o in every):
                out.add(s)
    return out


SEED_IDS = ["000", "001", "002", "003", "004"]


def test_all_seeds_are_cleaned_in_order() -> None:
    assert list(cleaned()) == list(inputs())
    assert all(c.text for c in cleaned().values())


@pytest.mark.parametrize(("seed", "line", "text"), BOILERPLATE, ids=[f"{s}:{n}:{t[:20]}" for s, n, t in BOILERPLATE])
def test_listed_boilerplate_goes(seed: str, line: int, text: str) -> None:
    source = input_lines(seed)
    assert text in source[line - 1]  # the list matches the seed
    expected_gone = sum(1 for s, _, t in BOILERPLATE if s == seed and t == text)
    assert output(seed).count(text) == "\n".join(source).count(text) - expected_gone
    removals = [r for r in cleaned()[name_of(seed)].removals if r.line == line]
    assert any(r.reason == "boilerplate" for r in removals), removals


def test_caption_text_before_images_stays() -> None:
    lines = input_lines("000")
    out_lines = output("000").split("\n")
    for n in (3, 4, 5, 6):
        assert lines[n - 1].endswith(" IMAGES")
        assert lines[n - 1][: -len(" IMAGES")] in out_lines
    assert not any(line.endswith("IMAGES") for line in out_lines)


@pytest.mark.parametrize(("seed", "heading"), HEADINGS)
def test_headings_stay(seed: str, heading: str) -> None:
    assert heading in input_lines(seed)
    assert heading in output(seed).split("\n")


def test_seed_004_repeated_sentences_are_kept_once() -> None:
    counts = Counter(quote_case_key(s) for line in input_lines("004") for s in sentences(line))
    repeated = {key for key, n in counts.items() if n > 1}
    assert len(repeated) >= 4  # the article holds several repeats
    out = Counter(quote_case_key(s) for line in output("004").split("\n") for s in sentences(line))
    for key in repeated:
        assert out[key] == 1, key


def test_seed_004_duplicated_paragraphs_are_kept_once() -> None:
    lines = input_lines("004")
    assert lines[24] == lines[3] and lines[25] == lines[4]  # lines 25-26 repeat lines 4-5
    text = output("004")
    assert text.count(lines[3]) == 1
    first_sentence = sentences(lines[4])[0]
    assert text.count(first_sentence) == 1
    removals = {r.line: r for r in cleaned()[name_of("004")].removals if r.reason == "duplicate"}
    assert removals[25].kept == {"doc": name_of("004"), "line": 4}
    assert removals[26].kept == {"doc": name_of("004"), "line": 5}


@pytest.mark.parametrize("seed", SEED_IDS)
def test_no_other_sentence_is_lost(seed: str) -> None:
    text = output(seed)  # sentences of a line may be rejoined, never changed
    teasers = teasers_with_completion(seed)
    checked = 0
    for number, line in enumerate(input_lines(seed), 1):
        for s, n, piece in BOILERPLATE:
            if s == seed and n == number:
                line = line.replace(piece, " ")
        for sentence in sentences(line.strip()):
            if sentence in teasers:
                continue
            checked += 1
            # a repeat may survive as its first copy, written with other quotes or case
            assert sentence in text or quote_case_key(sentence) in quote_case_key(text), (number, sentence)
    assert checked >= 5


def test_seed_004_teaser_goes_for_its_full_sentence() -> None:
    (teaser,) = teasers_with_completion("004")
    assert teaser.startswith("NATO Secretary General Jens Stoltenberg on Thursday (24 March 2022)")
    assert teaser not in output("004")
    assert all(not teasers_with_completion(seed) for seed in SEED_IDS if seed != "004")


def test_removal_lines_point_at_the_removed_text() -> None:
    for name, c in cleaned().items():
        lines = input_lines(name[:3])
        for r in c.removals:
            source = lines[r.line - 1]
            if r.reason == "duplicate":
                assert r.text.split("\n")[0] in source or source.startswith(r.text.split("\n")[0][:40])
            else:
                assert r.text in source, (name, r)
