"""The three phases on documents: A prepares each document (repair, strip, split, fingerprint), B
clusters every paragraph of the corpus, C drops duplicates and assembles the cleaned documents."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import TYPE_CHECKING, Any

import numpy as np

from .boilerplate import Stripper, load_rules
from .boilerplate.context import judge
from .boilerplate.engine import is_prose
from .cluster import Match, ParagraphTable, find_clusters
from .config import DedupConfig, DuplicateConfig, ParagraphMode
from .fingerprint import exact_key, facts, lsh_params, normalise, shingle_hashes, signatures
from .paragraphs import join_paragraphs, split_paragraphs, split_sentences
from .records import Document, Line, Paragraph, Removal
from .repair import repair_lines, split_lines
from .repeats import drop_repeated_sentences

if TYPE_CHECKING:
    from .index import Index


@dataclass(slots=True)
class Fingerprints:
    """What phase B needs of one document's paragraphs: no text, only keys, lengths and signatures."""

    keys: list[int]
    eligible: list[bool]
    sig_rows: list[int]
    sigs: np.ndarray
    lengths: list[int]
    sentences: list[tuple[int, ...]]
    facts: list[tuple[tuple[int, int], ...]]


def fingerprint(texts: list[str], dup: DuplicateConfig) -> Fingerprints:
    """Exact keys and sentence keys for every paragraph text, MinHash signatures for those long enough."""
    keys, eligible, sig_rows, hash_sets, sentences = [], [], [], [], []
    for text in texts:
        norm = normalise(text)
        keys.append(exact_key(norm))
        eligible.append(len(norm) >= dup.min_chars)
        sentences.append(tuple(exact_key(normalise(text[a:b])) for a, b in split_sentences(text)))
        if len(norm.split()) >= dup.min_words:
            sig_rows.append(len(hash_sets))
            hash_sets.append(shingle_hashes(norm, dup.shingle, dup.shingle_size))
        else:
            sig_rows.append(-1)
    sigs = signatures(hash_sets, dup.num_perm, dup.seed)
    return Fingerprints(keys, eligible, sig_rows, sigs, [len(t) for t in texts], sentences, [facts(t) for t in texts])


@dataclass(slots=True)
class Prepared:
    """A document after phase A: its paragraphs, what was removed so far, and its fingerprints."""

    id: str
    source: str
    fields: dict[str, Any] | None
    paragraphs: list[Paragraph]
    removals: list[Removal]
    fingerprints: Fingerprints
    bytes_in: int
    repeat_keys: np.ndarray  # per paragraph: its exact key when it may go as repeated boilerplate, else 0


@dataclass(slots=True)
class Cleaned:
    """A cleaned document: `text` is None when nothing was left; `removals` say what went and why."""

    id: str
    source: str
    text: str | None
    removals: list[Removal] = field(default_factory=list)
    fields: dict[str, Any] | None = None
    bytes_in: int = 0


class Preparer:
    """Phase A for one document at a time; holds the compiled rules, so build one per process."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        rules = load_rules(config.boilerplate.rules, config.boilerplate.disable)
        self.stripper = Stripper(rules) if config.boilerplate.strip_boilerplate else None

    def strip(self, lines: list[Line], doc_id: str) -> tuple[list[Line], list[Removal]]:
        """Remove boilerplate from repaired lines; return the lines left and the removals."""
        if self.stripper is None:
            return lines, []
        kept, hits = self.stripper.strip_lines(lines)
        return kept, [Removal(doc_id, hit.line, hit.text, "boilerplate", rule=hit.rule) for hit in hits]

    def prepare(self, doc: Document) -> Prepared:
        """Repair, strip, split into paragraphs, drop repeated sentences and fingerprint."""
        config = self.config
        texts = repair_lines(split_lines(doc.text), config.repair.repair)
        lines, removals = self.strip([Line(n, t) for n, t in enumerate(texts, 1)], doc.id)
        paragraphs = split_paragraphs(lines, config.paragraphs)
        if self.stripper is not None and config.boilerplate.context:
            verdicts = judge([p.text for p in paragraphs], page_lines=sum(1 for t in texts if t))
            removals.extend(Removal(doc.id, p.first_line, p.text, "boilerplate", rule=f"context.{why}")
                            for p, why in zip(paragraphs, verdicts) if why is not None)
            paragraphs = [p for p, why in zip(paragraphs, verdicts) if why is None]
        dup = config.duplicates
        if dup.find_duplicates:
            for rep in drop_repeated_sentences(paragraphs, dup.min_sentence_words):
                kept = {"doc": doc.id, "line": rep.kept_line}
                removals.append(Removal(doc.id, rep.line, rep.text, "repeated_sentence", kept=kept, similarity=1.0))
            paragraphs = [p for p in paragraphs if p.lines]
        for i, p in enumerate(paragraphs):
            p.index = i
        removals.sort(key=lambda r: r.line)
        fingerprints = fingerprint([p.text for p in paragraphs] if dup.find_duplicates else [], dup)
        return Prepared(doc.id, doc.source, doc.fields, paragraphs, removals, fingerprints,
                        len(doc.text.encode("utf-8")), self.repeat_keys(paragraphs, fingerprints))

    def repeat_keys(self, paragraphs: list[Paragraph], fingerprints: Fingerprints) -> np.ndarray:
        """Exact keys of the paragraphs that may go as repeated boilerplate (not prose), 0 for the rest."""
        if self.stripper is None or not self.config.boilerplate.repeated_min_docs:
            return np.zeros(len(paragraphs), dtype=np.uint64)
        keys = fingerprints.keys or [exact_key(normalise(p.text)) for p in paragraphs]
        return np.array([0 if is_prose(p.text) else k for p, k in zip(paragraphs, keys)], dtype=np.uint64)

def cluster_corpus(fingerprints: list[Fingerprints], config: DedupConfig, priorities: list[int] | None = None,
                   fixed: Fingerprints | None = None) -> list[Match]:
    """Phase B: find duplicate paragraphs across all documents. Paragraphs are numbered globally in input
    order (document by document); `priorities[d]` ranks document d's source (lower wins). `fixed` holds
    paragraphs kept by earlier runs (an index): numbered after the documents', ranked before them, never removed."""
    dup = config.duplicates
    if not fingerprints:
        return []
    ranks = list(priorities) if priorities else [0] * len(fingerprints)
    if fixed is not None:
        fingerprints, ranks = [*fingerprints, fixed], [*ranks, -1]
    rows, offset, priority = [], 0, []
    for f, level in zip(fingerprints, ranks):
        rows.extend(r + offset if r >= 0 else -1 for r in f.sig_rows)
        offset += len(f.sigs)
        priority.extend([level] * len(f.keys))
    lengths = np.array([n for f in fingerprints for n in f.lengths], dtype=np.int64)
    preference = -lengths if dup.keep == "longest" else np.zeros_like(lengths)
    rank = np.empty(len(lengths), dtype=np.int64)
    rank[np.lexsort((np.arange(len(lengths)), preference, np.array(priority, dtype=np.int64)))] = np.arange(len(lengths))
    table = ParagraphTable(
        keys=np.array([k for f in fingerprints for k in f.keys], dtype=np.uint64),
        eligible=np.array([e for f in fingerprints for e in f.eligible], dtype=bool),
        sig_rows=np.array(rows, dtype=np.int64),
        sigs=np.concatenate([f.sigs for f in fingerprints]),
        rank=rank,
        lengths=lengths,
        sentences=[s for f in fingerprints for s in f.sentences],
        facts=[x for f in fingerprints for x in f.facts],
        fixed=np.repeat([f is fixed for f in fingerprints], [len(f.keys) for f in fingerprints]),
    )
    bands, per_band = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
    return find_clusters(table, dup.threshold, bands, per_band)


def repeated_keys(per_document: list[np.ndarray], min_docs: int) -> set[int]:
    """Keys (non-zero) found in at least max(min_docs, log2 of the document count) documents: a site's
    menu or disclaimer recurs across its pages; the bar rises slowly with the corpus, and min_docs keeps a
    corpus of two documents from losing what they happen to share.

    >>> sorted(repeated_keys([np.array([5, 7], dtype=np.uint64), np.array([5, 0, 5], dtype=np.uint64),
    ...                       np.array([5, 7], dtype=np.uint64)], 3))
    [5]
    """
    if not min_docs or len(per_document) < min_docs:
        return set()
    unique = [np.unique(keys) for keys in per_document]
    keys, counts = np.unique(np.concatenate(unique), return_counts=True)
    bar = max(min_docs, math.ceil(math.log2(len(per_document))))
    return {int(k) for k in keys[(counts >= bar) & (keys != 0)]}


def assemble(prepared: Prepared, dropped: dict[int, tuple[str, int, float]], document_threshold: float = 1.0,
             repeated: set[int] | frozenset[int] = frozenset(), indexed: set[int] | frozenset[int] = frozenset(),
             edges: Stripper | None = None, mode: ParagraphMode = "auto") -> Cleaned:
    """Phase C for one document: drop its paragraphs whose key is `repeated` across the corpus (as
    `repeated_boilerplate`) and its duplicate paragraphs (`dropped` maps a paragraph index to the kept
    copy's document id, line and similarity), and join what is left. When copies of other documents
    make up `document_threshold` or more of its text, what is left goes too, as `duplicate_document`;
    copies kept in an index (`indexed` paragraphs) count as another document's even under the same id
    (a recrawled page). Last, `edges` applies its edge rules to the lines left, and what is left is
    joined as `mode` split it (join_paragraphs)."""
    removals = list(prepared.removals)
    paragraphs = []
    for p in prepared.paragraphs:
        if repeated and int(prepared.repeat_keys[p.index]) in repeated:
            removals.append(Removal(prepared.id, p.first_line, p.text, "repeated_boilerplate"))
        else:
            paragraphs.append(p)
    copied = Counter[tuple[str, int]]()
    for p in paragraphs:
        if p.index in dropped and (dropped[p.index][0] != prepared.id or p.index in indexed):
            copied[dropped[p.index][:2]] += len(p.text)
    total = sum(len(p.text) for p in paragraphs)
    whole = bool(copied) and copied.total() >= document_threshold * total
    source = copied.most_common(1)[0][0] if whole else None
    left: list[Paragraph] = []
    for p in paragraphs:
        if p.index in dropped:
            doc, line, similarity = dropped[p.index]
            removals.append(Removal(prepared.id, p.first_line, p.text, "duplicate",
                                    kept={"doc": doc, "line": line}, similarity=similarity))
        elif source is not None:
            removals.append(Removal(prepared.id, p.first_line, p.text, "duplicate_document",
                                    kept={"doc": source[0], "line": source[1]},
                                    similarity=round(copied.total() / total, 4)))
        else:
            left.append(p)
    if edges is not None:
        kept_lines, hits = edges.strip_edges([line for p in left for line in p.lines])
        if hits:
            removals.extend(Removal(prepared.id, hit.line, hit.text, "boilerplate", rule=hit.rule) for hit in hits)
            kept_numbers = {line.number for line in kept_lines}
            left = [Paragraph(p.index, [x for x in p.lines if x.number in kept_numbers], p.block) for p in left]
    removals.sort(key=lambda r: r.line)
    text = join_paragraphs(left, mode)
    return Cleaned(prepared.id, prepared.source, text, removals, prepared.fields, prepared.bytes_in)


PrepareAll = Callable[[Iterable[Document]], Iterable[Prepared]]


def run(documents: Iterable[Document], config: DedupConfig, prepare_all: PrepareAll | None = None,
        index: Index | None = None) -> Iterator[Cleaned]:
    """Run the three phases over documents in input order and yield each cleaned document.

    `prepare_all` maps phase A over the documents (in order); by default it runs in this process.
    Phase B needs every fingerprint before anything can be written, so all prepared documents are held
    until clustering ends. With an `index`, paragraphs that copy one of its paragraphs go too, and each
    document's kept paragraphs are added to it as the document is yielded.
    """
    prepared = list(prepare_all(documents) if prepare_all else map(Preparer(config).prepare, documents))
    dup = config.duplicates
    matches = []
    if dup.find_duplicates:
        priorities = [source_rank(doc, dup.source_priority) for doc in prepared]
        matches = cluster_corpus([p.fingerprints for p in prepared], config, priorities, index.fingerprints() if index is not None else None)
    # Global paragraph number -> (document position, paragraph index); numbers past these are the index's.
    locate = [(d, p.index) for d, doc in enumerate(prepared) for p in doc.paragraphs]
    dropped: dict[int, dict[int, tuple[str, int, float]]] = {}
    from_index: dict[int, set[int]] = {}  # document position -> paragraphs whose kept copy is the index's
    for m in matches:
        d, i = locate[m.removed]
        if index is not None and m.kept >= len(locate):
            kept = index.kept_copy(m.kept - len(locate))
            from_index.setdefault(d, set()).add(i)
        else:
            kd, ki = locate[m.kept]
            kept = (prepared[kd].id, prepared[kd].paragraphs[ki].first_line)
        dropped.setdefault(d, {})[i] = (*kept, m.similarity)
    repeated = repeated_keys([doc.repeat_keys for doc in prepared], config.boilerplate.repeated_min_docs)
    boilerplate = config.boilerplate
    edges = Stripper(load_rules(boilerplate.rules, boilerplate.disable)) if boilerplate.strip_boilerplate else None
    for d, doc in enumerate(prepared):
        gone = dropped.get(d, {})
        cleaned = assemble(doc, gone, dup.document_threshold, repeated, from_index.get(d, set()), edges, config.paragraphs)
        if index is not None:
            _mark_index_copies(cleaned, doc, from_index.get(d, set()), gone)
            index.add(doc.id, doc.fingerprints, [] if cleaned.text is None else
                      [(p.index, p.first_line) for p in doc.paragraphs
                       if p.index not in gone and int(doc.repeat_keys[p.index]) not in repeated])
        yield cleaned


def _mark_index_copies(cleaned: Cleaned, doc: Prepared, indexed: set[int], dropped: dict[int, tuple[str, int, float]]) -> None:
    """Mark with `"index": true` the report entries whose kept copy is a paragraph of the index: those of
    the `indexed` paragraphs, and a whole-document removal naming one of their copies."""
    lines = {p.first_line for p in doc.paragraphs if p.index in indexed}
    copies = {dropped[i][:2] for i in indexed}
    for removal in cleaned.removals:
        if removal.kept is not None and (removal.reason == "duplicate" and removal.line in lines or
                                         removal.reason == "duplicate_document" and (removal.kept["doc"], removal.kept["line"]) in copies):
            removal.kept["index"] = True


def source_rank(doc: Prepared, patterns: tuple[str, ...]) -> int:
    """Position of the first pattern matching the document's source or id (len(patterns) if none)."""
    return next((i for i, pattern in enumerate(patterns) if fnmatch(doc.source, pattern) or fnmatch(doc.id, pattern)), len(patterns))
