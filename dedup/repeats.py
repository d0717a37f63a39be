"""Sentences repeated inside one document: a repeat goes, the first copy stays; a truncated teaser
("... and the ...") goes when the document holds the full sentence it cuts short."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from .boilerplate.engine import join_spans
from .fingerprint import normalise
from .paragraphs import split_sentences
from .records import Paragraph

# A sentence cut short by a teaser or search snippet.
TRUNCATED_PATTERN = regex.compile(r"(?:\.\.\.|…)\s*$")


@dataclass(frozen=True, slots=True)
class Repeat:
    """Sentence `text` on line `line` repeats (or truncates) the sentence on line `kept_line`."""

    line: int
    text: str
    kept_line: int


@dataclass(slots=True)
class _Sentence:
    paragraph: int
    line: int
    start: int
    end: int
    key: str
    truncated: bool


def drop_repeated_sentences(paragraphs: list[Paragraph], min_words: int) -> list[Repeat]:
    """Remove repeated and truncated sentences of `min_words` words or more from the paragraphs'
    lines, in place. A paragraph that repeats an earlier one as a whole is left for paragraph-level
    deduplication, except for repeats inside itself."""
    sentences: list[_Sentence] = []
    whole_repeats: set[int] = set()
    seen_paragraphs: set[str] = set()
    for p in paragraphs:
        key = normalise(p.text)
        if key in seen_paragraphs:
            whole_repeats.add(p.index)
        seen_paragraphs.add(key)
        for n, line in enumerate(p.lines):
            for start, end in split_sentences(line.text):
                text = line.text[start:end]
                truncated = TRUNCATED_PATTERN.search(text) is not None
                sentences.append(_Sentence(p.index, n, start, end, normalise(text), truncated))

    first: dict[str, _Sentence] = {}
    drop: dict[tuple[int, int], list[tuple[_Sentence, _Sentence]]] = {}
    by_line = {(p.index, n): line for p in paragraphs for n, line in enumerate(p.lines)}
    for s in sentences:
        if len(s.key.split()) < min_words:
            continue
        original = first.get(s.key)
        if original is None:
            first[s.key] = s
            full = _completion(s, sentences) if s.truncated else None
            if full is not None:
                drop.setdefault((s.paragraph, s.line), []).append((s, full))
        elif s.paragraph not in whole_repeats or original.paragraph == s.paragraph:
            drop.setdefault((s.paragraph, s.line), []).append((s, original))

    repeats: list[Repeat] = []
    for (paragraph, n), dropped in drop.items():
        line = by_line[(paragraph, n)]
        gone = {(s.start, s.end) for s, _ in dropped}
        for s, kept in dropped:
            repeats.append(Repeat(line.number, line.text[s.start : s.end], by_line[(kept.paragraph, kept.line)].number))
        spans = [span for span in split_sentences(line.text) if span not in gone]
        line.text = join_spans(line.text, spans)
    for p in paragraphs:
        p.lines = [line for line in p.lines if line.text]
    repeats.sort(key=lambda r: r.line)
    return repeats


def _completion(teaser: _Sentence, sentences: list[_Sentence]) -> _Sentence | None:
    """The first other sentence that starts with the words of a truncated one."""
    prefix = teaser.key + " "
    return next((s for s in sentences if s is not teaser and s.key.startswith(prefix)), None)
