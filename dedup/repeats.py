"""Sentences repeated inside one document: a repeat goes, the first copy stays; a truncated teaser
("... and the ...") goes when the document holds the full sentence it cuts short."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .boilerplate.engine import join_spans
from .fingerprint import normalise_by_sentence, normalised_sentences
from .paragraphs import split_sentences
from .records import Line, Paragraph

# A sentence cut short by a teaser or search snippet.
TRUNCATED_PATTERN = regex.compile(r"(?:\.\.\.|…)\s*$")


@dataclass(frozen=True, slots=True)
class Repeat:
    """Sentence `text` on line `line` repeats (or truncates) the sentence on line `kept_line`."""

    line: int
    text: str
    kept_line: int


def drop_repeated_sentences(paragraphs: list[Paragraph], min_words: int) -> list[Repeat]:
    """Remove repeated and truncated sentences of `min_words` words or more from the paragraphs'
    lines, in place; a paragraph left without lines keeps its place with `lines == []`.

    Paragraphs are read in order. A sentence already seen in this paragraph goes. A sentence seen in an
    earlier paragraph goes too, unless its whole paragraph (once its own repeats are gone) equals an
    earlier surviving paragraph: that copy is left whole for paragraph-level deduplication. A paragraph
    that is a single sentence (a headline) does not take that sentence out of later paragraphs: the
    headline is the copy that goes, as contained in the longer paragraph, so the sentence stays in context.
    """
    repeats: list[Repeat] = []
    first: dict[str, int] = {}  # normalised sentence -> line of its first copy
    kept_paragraphs: set[str] = set()
    for p in paragraphs:
        _drop(p, {}, min_words, repeats)  # repeats inside the paragraph
        text = p.text
        whole = normalise_by_sentence(text)
        if whole in kept_paragraphs:
            continue
        if len(normalised_sentences(text)) == 1:
            kept_paragraphs.add(whole)
            continue
        if _drop(p, first, min_words, repeats):
            whole = normalise_by_sentence(p.text)
        if p.lines:
            kept_paragraphs.add(whole)
    _drop_truncated(paragraphs, min_words, repeats)
    for p in paragraphs:
        p.lines = [line for line in p.lines if line.text]
    repeats.sort(key=lambda r: r.line)
    return repeats


def _drop(p: Paragraph, seen: dict[str, int], min_words: int, repeats: list[Repeat]) -> bool:
    """Drop from `p` every long-enough sentence already in `seen`; add the others to `seen`. True when
    something went."""
    dropped = False
    for line in p.lines:
        sentences = normalised_sentences(line.text)
        kept: list[tuple[int, int]] = []
        for start, end, key, words, _ in sentences:
            if words >= min_words:
                if key in seen:
                    repeats.append(Repeat(line.number, line.text[start:end], seen[key]))
                    continue
                seen[key] = line.number
            kept.append((start, end))
        if len(kept) < len(sentences):
            line.text = join_spans(line.text, kept)
            dropped = True
    if dropped:
        p.lines = [line for line in p.lines if line.text]
    return dropped


def _drop_truncated(paragraphs: list[Paragraph], min_words: int, repeats: list[Repeat]) -> None:
    """Drop each truncated sentence whose words begin another sentence of the document."""
    if not any("..." in line.text or "…" in line.text for p in paragraphs for line in p.lines):
        return  # no sentence is cut short (most documents)
    sentences = [(line, line.text[a:b], key, words) for p in paragraphs for line in p.lines
                 for a, b, key, words, _ in normalised_sentences(line.text)]
    for i, (line, text, key, words) in enumerate(sentences):
        if words < min_words or "..." not in text and "…" not in text or not TRUNCATED_PATTERN.search(text):
            continue  # (the pattern is searched only where it may match: 6x faster)
        prefix = key + " "
        full = next((j for j, other in enumerate(sentences) if j != i and other[2].startswith(prefix)), None)
        if full is not None:
            repeats.append(Repeat(line.number, text, sentences[full][0].number))
            _remove_sentence(line, text)


def _remove_sentence(line: Line, text: str) -> None:
    spans = split_sentences(line.text)
    line.text = join_spans(line.text, [(a, b) for a, b in spans if line.text[a:b] != text])
