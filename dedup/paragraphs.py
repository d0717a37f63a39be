"""Split a document's lines into paragraphs, and a line into sentences, keeping exact offsets."""

from __future__ import annotations

from functools import lru_cache

import regex

from .config import ParagraphMode
from .records import Line, Paragraph

# Terminal punctuation, closing quotes or brackets (group 1: where the sentence ends), then the space
# before the next sentence (none is needed after CJK full stops).
BOUNDARY_PATTERN = regex.compile(r"([.!?…。！？]+[\"'”’»)\]]*)(?:\s+|(?<=[。！？][\"'”’»)\]]*)(?=\S))")
# What may open a sentence: a capital, a digit, an opening quote, bracket or dash, or a letter of a
# script without case (CJK, Arabic, ...).
OPENER_PATTERN = regex.compile(r"[\p{Lu}\p{N}\"'“‘«(\[¿¡\-–—「『\p{Lo}]")
# A line that ends a sentence (for paragraph and teaser heuristics) ends with one of these stops, then
# maybe closing quotes or brackets (CLOSERS, as in BOUNDARY_PATTERN).
SENTENCE_END_STOPS = ".!?…。！？:;"
CLOSERS = "\"'”’»)]"
# One letter, or dotted initials without the final stop ("U.S", "e.g"): the stop after them is not an end.
INITIALS_PATTERN = regex.compile(r"\p{L}(?:\.\p{L})*")
# How far back from a full stop _after_abbreviation looks for the word before it, at first.
WORD_REACH = 24
# Abbreviations after which a full stop does not end a sentence (lower-cased, without the stop).
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st sr jr gen col lt sgt capt cmdr adm gov sen rep rev hon pres vs etc e.g i.e "
    "no nos art fig jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp approx dept est "
    "mt ft vol ed eds p pp ca cf al op univ ave blvd hr hrs min mins nr tel".split()
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) span of each sentence of `text`; the text between spans is whitespace.

    >>> t = "Mr. Smith left. He said: \\"No.\\" Then U. S. troops came."
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Mr. Smith left.', 'He said: "No."', 'Then U. S. troops came.']
    """
    return list(_sentence_spans(text))


# A line is split into sentences by the rules, the repeat finder and the fingerprints in turn: remember
# the latest results, per process.
@lru_cache(maxsize=1 << 14)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    size = len(text)
    for match in BOUNDARY_PATTERN.finditer(text):
        end = match.end()
        if end >= size or not OPENER_PATTERN.match(text, end):
            continue
        # the stops and closers (group 1) are the match without its trailing whitespace
        first, stop = match.span(1)
        if stop - first == 1 and text[first] == "." and _after_abbreviation(text, first):
            continue
        spans.append((start, stop))
        start = end
    if start < size and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return tuple(spans)


def _after_abbreviation(text: str, stop: int) -> bool:
    """True when the full stop at `stop` follows an abbreviation or a one-letter initial."""
    if stop == 0 or text[stop - 1].isspace():
        return False
    # the word before: back to the last space (str.rsplit's whitespace is str.isspace's), found in the
    # characters just before unless the word is longer than they are
    parts = text[max(stop - WORD_REACH, 0) : stop].rsplit(None, 1)
    if len(parts) == 1 and stop > WORD_REACH:
        parts = text[:stop].rsplit(None, 1)
    word = parts[-1].lstrip("(\"'“‘").lower()
    if word in ABBREVIATIONS:
        return True
    # initials have a stop at every other character: most words fail that before the pattern runs
    return not word[1::2].strip(".") and INITIALS_PATTERN.fullmatch(word) is not None


def ends_sentence(text: str) -> bool:
    """True when a line ends with sentence punctuation (a full stop, colon, question mark, ...), maybe
    closed by quotes or brackets; a final newline is ignored.

    >>> ends_sentence("He said: \u201cNo.\u201d"), ends_sentence("Read more (2)")
    (True, False)
    """
    # string methods, not a pattern searched from the start of the line: 5x faster
    stripped = text.removesuffix("\n").rstrip(CLOSERS)
    return stripped != "" and stripped[-1] in SENTENCE_END_STOPS


def split_paragraphs(lines: list[Line], mode: ParagraphMode = "auto") -> list[Paragraph]:
    """Group lines into paragraphs; blank lines (text "") separate blocks.

    `blocks`: each blank-line block is a paragraph. `lines`: each line is one. `auto`: a block is one
    paragraph when it looks hard-wrapped (short lines that mostly do not end sentences), else each of
    its lines is a paragraph, as in scraped text with one paragraph per line.
    """
    paragraphs: list[Paragraph] = []
    block: list[Line] = []
    blocks = 0

    def flush() -> None:
        nonlocal blocks
        if not block:
            return
        if mode == "blocks" or (mode == "auto" and _hard_wrapped(block)):
            groups = [list(block)]
        else:
            groups = [[line] for line in block]
        paragraphs.extend(Paragraph(len(paragraphs), group, blocks) for group in groups)
        blocks += 1
        block.clear()

    for line in lines:
        if line.text:
            block.append(line)
        else:
            flush()
    flush()
    return paragraphs


def join_paragraphs(paragraphs: list[Paragraph], mode: ParagraphMode = "auto") -> str | None:
    """The text of the paragraphs left: blocks apart by a blank line, the paragraphs of one block on
    lines of their own (None when none is left). When what is left of a block that `auto` split line by
    line would now read as hard-wrapped, its lines stay apart by blank lines instead, so that cleaning
    the output again splits it the same way.

    >>> lines = [Line(1, "Home"), Line(2, "A line of some thirty or more characters"), Line(3, ""), Line(4, "Next.")]
    >>> join_paragraphs(split_paragraphs(lines)[1:])
    'A line of some thirty or more characters\\n\\nNext.'
    >>> wrapped = [Line(1, "first line of the text we keep, without an end"), Line(2, "1:0"), Line(3, "last")]
    >>> join_paragraphs([p for p in split_paragraphs(wrapped) if p.text != "1:0"])
    'first line of the text we keep, without an end\\n\\nlast'
    """
    blocks: dict[int, list[Paragraph]] = {}
    for p in paragraphs:
        if p.lines:
            blocks.setdefault(p.block, []).append(p)
    texts = []
    for group in blocks.values():
        apart = mode == "auto" and len(group) > 1 and _hard_wrapped([line for p in group for line in p.lines])
        texts.append(("\n\n" if apart else "\n").join(p.text for p in group))
    return "\n\n".join(texts) if texts else None


def _hard_wrapped(block: list[Line]) -> bool:
    """A block of two or more lines wrapped at a fixed width: every line but the last is 30-100
    characters long and fewer than half of them end a sentence."""
    body = block[:-1]
    if not body or any(not 30 <= len(line.text) <= 100 for line in body):
        return False
    return sum(ends_sentence(line.text) for line in body) * 2 < len(body)
