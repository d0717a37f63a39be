"""Rebuild documents from the input and the removal report: every removal is located again in the
repaired text, so a document can be shown with its removals inline (`explain`, the HTML report) or
rebuilt with chosen removals put back (`restore`). The rebuild follows the pipeline's own steps (repair,
boilerplate, paragraphs, repeated sentences, duplicates, assembly), so putting nothing back gives the
cleaned output byte for byte."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from .boilerplate import load_rules
from .config import BoilerplateConfig, DedupConfig
from .corpus import Source, discover, read_source
from .errors import InputError, where
from .paragraphs import join_paragraphs, split_paragraphs, split_sentences
from .records import Document, Line, Removal
from .remote import Url, location
from .repair import repair_lines, split_lines

PARAGRAPH_REASONS = frozenset({"duplicate", "duplicate_document", "repeated_boilerplate"})
REASONS = ("boilerplate", "repeated_sentence", "duplicate", "duplicate_document", "repeated_boilerplate")


def whole_paragraph(removal: Removal) -> bool:
    """True for removals of a whole paragraph (after the split): duplicates, repeated boilerplate, and
    boilerplate judged by context."""
    return removal.reason in PARAGRAPH_REASONS or removal.reason == "boilerplate" and (removal.rule or "").startswith("context.")


@dataclass(slots=True)
class Entry:
    """One report record: the removal and the report line it came from (for messages)."""

    removal: Removal
    number: int


@dataclass(slots=True)
class Segment:
    """A piece of a repaired input line; `removal` says what took it out (None: it stayed)."""

    text: str
    removal: Entry | None = None


@dataclass(slots=True)
class ReviewLine:
    """One line of the repaired input, cut into kept and removed segments."""

    number: int
    segments: list[Segment]

    @property
    def original(self) -> str:
        return "".join(s.text for s in self.segments)

    @property
    def current(self) -> str:
        """The line as the pipeline sees it after the removals so far: a removed run between two kept
        pieces becomes one space, and the ends are stripped (what `join_spans` and prefix stripping do)."""
        out = ""
        gap = False
        for segment in self.segments:
            if segment.removal is not None:
                gap = gap or bool(out.strip())
            elif gap and segment.text.strip():
                out = out.rstrip() + " " + segment.text.lstrip()
                gap = False
            elif not gap:
                out += segment.text
        return out.strip()

    def take(self, text: str, entry: Entry, skip_first: bool = False, sentence: bool = False) -> bool:
        """Mark the kept occurrence of `text` as removed by `entry`; False when there is none.
        With `sentence`, an occurrence that is a whole sentence of its piece wins (the same words may
        also open a longer sentence); then one between word boundaries. `skip_first` passes over the
        first one (a sentence repeated within its own line keeps its first copy)."""
        candidates: list[tuple[int, int, bool, bool]] = []  # (segment, offset, whole sentence, at word boundaries)
        for i, segment in enumerate(self.segments):
            if segment.removal is not None:
                continue
            spans = set(split_sentences(segment.text)) if sentence else set()
            start = segment.text.find(text)
            while start >= 0 and text:
                before = segment.text[start - 1] if start else " "
                after = segment.text[start + len(text)] if start + len(text) < len(segment.text) else " "
                candidates.append((i, start, (start, start + len(text)) in spans, before.isspace() and after.isspace()))
                start = segment.text.find(text, start + 1)
        if skip_first:
            candidates = candidates[1:]
        if not candidates:
            return False
        i, start, _, _ = next((c for c in candidates if c[2]), next((c for c in candidates if c[3]), candidates[0]))
        segment = self.segments[i]
        end = start + len(text)
        pieces = [Segment(segment.text[:start]), Segment(text, entry), Segment(segment.text[end:])]
        self.segments[i : i + 1] = [p for p in pieces if p.text]
        return True

    def take_rest(self, entry: Entry) -> None:
        """Mark every kept piece of this line as removed by `entry` (a whole paragraph went)."""
        for segment in self.segments:
            if segment.removal is None and segment.text.strip():
                segment.removal = entry


@dataclass(slots=True)
class Review:
    """A document rebuilt: its lines with every applied removal marked, and the text written for it
    (None when nothing is left, as in `clean`)."""

    doc: Document
    lines: list[ReviewLine]
    text: str | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def shown(self) -> list[ReviewLine]:
        """The lines to show: all but the blank ones at the end (a file's last line end makes one)."""
        end = len(self.lines)
        while end and not self.lines[end - 1].segments:
            end -= 1
        return self.lines[:end]


def read_report(path: str | os.PathLike[str]) -> dict[str, list[Entry]]:
    """Read a JSONL removal report (a file or a storage URL) into entries by document id, in report order."""
    by_doc: dict[str, list[Entry]] = {}
    place = location(path)
    try:
        with io.TextIOWrapper(place.open("rb"), encoding="utf-8") if isinstance(place, Url) else open(place, encoding="utf-8") as handle:
            for number, raw in enumerate(handle, 1):
                if raw.strip():
                    entry = Entry(_parse_removal(raw, path, number), number)
                    by_doc.setdefault(entry.removal.doc, []).append(entry)
    except OSError as err:
        raise InputError(f"{path}: cannot read the report: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: cannot read the report: {err}") from None
    return by_doc


def _parse_removal(raw: str, path: object, number: int) -> Removal:
    try:
        record = json.loads(raw)
        removal = Removal(record["doc"], int(record["line"]), record["text"], record["reason"], record.get("rule"),
                          record.get("kept"), record.get("similarity"))
    except json.JSONDecodeError as err:
        raise InputError(f"{where(path, number)}: malformed JSON: {err.msg} (column {err.colno})") from None
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{where(path, number)}: not a removal record (doc, line, text, reason): {err}") from None
    if removal.reason not in REASONS:
        raise InputError(f"{where(path, number)}: unknown reason {removal.reason!r}; expected one of {', '.join(REASONS)}")
    return removal


def review_document(doc: Document, entries: list[Entry], config: DedupConfig, report: object = "report",
                    restore: Callable[[Removal], bool] | None = None) -> Review:
    """Rebuild one document from its input text and its report entries; removals for which `restore`
    is true are put back. Raises InputError when a removal cannot be found in the text (the input, the
    report or --repair / --paragraphs differ from the run that wrote the report).

    >>> doc = Document("a.txt", "Share this article\\nThe minister resigned on Monday.")
    >>> gone = Entry(Removal("a.txt", 1, "Share this article", "boilerplate", rule="share.article"), 1)
    >>> review_document(doc, [gone], DedupConfig()).text
    'The minister resigned on Monday.'
    >>> review_document(doc, [gone], DedupConfig(), restore=lambda r: True).text
    'Share this article\\nThe minister resigned on Monday.'
    """
    texts = repair_lines(split_lines(doc.text), config.repair.repair)
    lines = [ReviewLine(n, [Segment(t)] if t else []) for n, t in enumerate(texts, 1)]
    applied = [e for e in entries if not (restore and restore(e.removal))]
    restored = len(applied) < len(entries)

    def line_of(entry: Entry) -> ReviewLine:
        if not 1 <= entry.removal.line <= len(lines):
            raise _mismatch(report, entry, doc, f"{doc.id} has {len(lines)} lines")
        return lines[entry.removal.line - 1]

    def take(entry: Entry) -> None:
        removal = entry.removal
        same_line = removal.reason == "repeated_sentence" and (removal.kept or {}).get("line") == removal.line
        if not line_of(entry).take(removal.text, entry, skip_first=same_line, sentence=removal.reason == "repeated_sentence"):
            raise _mismatch(report, entry, doc, "its text is not on that line")

    edges = edge_rules(config.boilerplate)
    # On one line, longer removals are found first: a shorter one may also stand inside a longer one (a
    # repeated sentence inside a repeated run of sentences), never the other way round.
    in_place = sorted(applied, key=lambda e: (e.removal.line, -len(e.removal.text)))
    for entry in in_place:  # boilerplate rules first: the paragraphs are split on what they leave
        if entry.removal.reason == "boilerplate" and not whole_paragraph(entry.removal) and entry.removal.rule not in edges:
            take(entry)
    kept = [Line(line.number, line.current) for line in lines if line.current or not line.segments]
    paragraphs = split_paragraphs(kept, config.paragraphs)
    for entry in in_place:
        if entry.removal.reason == "repeated_sentence":
            take(entry)
    for p in paragraphs:
        for line in p.lines:
            line.text = lines[line.number - 1].current
        p.lines = [line for line in p.lines if line.text]
    paragraphs = [p for p in paragraphs if p.lines]
    gone: set[int] = set()
    for entry in applied:
        if whole_paragraph(entry.removal):
            line_of(entry)
            index = next((i for i, p in enumerate(paragraphs) if p.first_line == entry.removal.line), None)
            if index is None and restored:  # a line put back before it may have joined its paragraph
                index = next((i for i, p in enumerate(paragraphs) if any(x.number == entry.removal.line for x in p.lines)), None)
            if index is None or (not restored and paragraphs[index].text != entry.removal.text):
                raise _mismatch(report, entry, doc, "no paragraph with that text starts on that line")
            gone.add(index)
            for line in paragraphs[index].lines:
                lines[line.number - 1].take_rest(entry)
    for entry in applied:  # edge rules go last, on what is left, as in clean
        if entry.removal.reason == "boilerplate" and entry.removal.rule in edges:
            take(entry)
    left = []
    for i, p in enumerate(paragraphs):
        if i not in gone:
            p.lines = [Line(x.number, lines[x.number - 1].current) for x in p.lines if lines[x.number - 1].current]
            left.append(p)
    return Review(doc, lines, join_paragraphs(left, config.paragraphs), entries)


@lru_cache(maxsize=8)
def edge_rules(boilerplate: BoilerplateConfig) -> frozenset[str]:
    """Ids of the `edge` rules of a configuration: clean applies them last, after every other removal."""
    return frozenset(rule.id for rule in load_rules(boilerplate.rules, boilerplate.disable) if rule.unit == "edge")


def _mismatch(report: object, entry: Entry, doc: Document, why: str) -> InputError:
    removal = entry.removal
    return InputError(f"{where(report, entry.number)}: removal {removal.text[:40]!r} not found in {doc.id} line {removal.line} "
                      f"({why}); the report must come from a run on this input with the same --repair and --paragraphs")


def review_corpus(inputs: Iterable[str], report: str | os.PathLike[str], config: DedupConfig, text_field: str = "text",
                  id_field: str = "id", restore: Callable[[Removal], bool] | None = None,
                  only: str | None = None, out: str | None = None,
                  warn: Callable[[str], None] | None = None) -> Iterator[tuple[Source, Review]]:
    """Rebuild the documents of `inputs` (all, or only the one with id `only`) from `report`, in input
    order. Every document the report names must be in the input; `out`, when given, must lie apart from it."""
    entries = read_report(report)
    sources = discover(inputs, out)
    seen: set[str] = set()
    order = 0
    for source in sources:
        for doc in read_source(source, order, text_field, id_field, warn):
            order = doc.order + 1
            seen.add(doc.id)
            if only is None or doc.id == only:
                yield source, review_document(doc, entries.get(doc.id, []), config, report, restore)
    if only is not None and only not in seen:
        raise InputError(f"{only}: no document with this id in {', '.join(map(str, inputs))}")
    missing = sorted(set(entries) - seen) if only is None else []
    if missing:
        first = entries[missing[0]][0]
        raise InputError(f"{where(report, first.number)}: document {missing[0]!r} is not in the input "
                         f"({len(missing)} such documents); give the inputs the report was made from")


def restore_filter(reasons: Iterable[str], rules: Iterable[str]) -> Callable[[Removal], bool]:
    """A predicate for the removals to put back: those of one of `reasons`, or of one of `rules`
    (a rule id or a whole family).

    >>> put_back = restore_filter(["duplicate"], ["share"])
    >>> [put_back(Removal("d", 1, "x", r, rule=id)) for r, id in [("duplicate", None), ("boilerplate", "share.article"),
    ...                                                          ("boilerplate", "credits.photo")]]
    [True, True, False]
    """
    reasons, rules = frozenset(reasons), tuple(rules)

    def chosen(removal: Removal) -> bool:
        rule = removal.rule or ""
        return removal.reason in reasons or any(rule == r or rule.startswith(r + ".") for r in rules)

    return chosen



def render_explain(review: Review, colour: bool = False) -> str:
    """One document for the terminal: every input line with its number; a line that lost something is
    marked `-` (all of it went) or `~` (part of it), the removed text struck through in red (`colour`) or
    between [- and -], and the reasons follow on the next line.

    >>> doc = Document("a.txt", "Share this article\\nThe minister resigned on Monday.")
    >>> gone = Entry(Removal("a.txt", 1, "Share this article", "boilerplate", rule="share.article"), 1)
    >>> print(render_explain(review_document(doc, [gone], DedupConfig())))
    - 1  [-Share this article-]
         boilerplate share.article
      2  The minister resigned on Monday.
    """
    width = len(str(len(review.shown)))
    out: list[str] = []
    for line in review.shown:
        removed = [s.removal for s in line.segments if s.removal is not None]
        kept = any(s.removal is None and s.text.strip() for s in line.segments)
        mark = " " if not removed else "~" if kept else "-"
        text = "".join(_struck(s.text, colour) if s.removal else s.text for s in line.segments)
        out.append(f"{mark} {line.number:>{width}}  {text}".rstrip())
        for why in dict.fromkeys(describe(e.removal) for e in removed):
            out.append(" " * (width + 4) + (f"\033[2m{why}\033[0m" if colour else why))
    return "\n".join(out)


def _struck(text: str, colour: bool) -> str:
    return f"\033[9;31m{text}\033[0m" if colour else f"[-{text}-]"


def describe(removal: Removal) -> str:
    """Why a removal went, in a few words: the reason, the rule or the kept copy, the similarity.

    >>> describe(Removal("b.txt", 3, "x", "duplicate", kept={"doc": "a.txt", "line": 7}, similarity=0.93))
    'duplicate of a.txt line 7, similarity 0.93'
    """
    if removal.reason == "boilerplate":
        return f"boilerplate {removal.rule}"
    text = removal.reason
    if removal.kept:
        text += f" of {removal.kept.get('doc')} line {removal.kept.get('line')}"
    if removal.similarity is not None:
        text += f", similarity {removal.similarity:g}"
    return text
