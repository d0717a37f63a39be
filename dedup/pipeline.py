"""The three phases on documents: A prepares each document (repair, strip, split, fingerprint), B
clusters every paragraph of the corpus, C drops duplicates and assembles the cleaned documents."""

from __future__ import annotations

import math
import os
import pickle
import shutil
import tempfile
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import lru_cache
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from .boilerplate import Stripper, load_rules
from .boilerplate.context import judge
from .boilerplate.engine import is_prose
from .cluster import MapBands, Match, ParagraphTable, find_clusters
from .config import DedupConfig, ParagraphMode
from .fingerprint import Fingerprints, concatenate, exact_key, fingerprint, lsh_params, normalise
from .paragraphs import join_paragraphs, split_paragraphs
from .records import Document, Line, Paragraph, Removal
from .repair import repair_lines, split_lines
from .repeats import drop_repeated_sentences

if TYPE_CHECKING:
    from .index import Index

# Documents prepared together: their paragraphs are fingerprinted in one batch, and a worker process
# sends them back as one message.
CHUNK_DOCUMENTS = 64
# Phase A's text (paragraphs and removals, for phase C) is held in memory up to this many bytes, then
# spilled to a private temporary folder, so a run's memory does not grow with the corpus's text.
SPILL_AFTER_BYTES = 16 << 20
# Chunks' fingerprints are joined into one batch this many at a time: the small arrays are freed early
# and their memory reused, and the large batches go back to the system once joined into the whole.
BATCH_CHUNKS = 128


@dataclass(slots=True)
class Prepared:
    """A document after phase A, as phase C needs it: its paragraphs as (text, first input line, block,
    the input line numbers of its lines), what was removed so far, and per paragraph the key under which
    it may go as repeated boilerplate (0 when it may not: prose)."""

    id: str
    source: str
    fields: dict[str, Any] | None
    bytes_in: int
    paragraphs: list[tuple[str, int, int, tuple[int, ...]]]
    removals: list[Removal]
    repeat_keys: list[int] = field(default_factory=list)

    def encode(self) -> tuple[Any, ...]:
        """Plain values only (fast to pickle)."""
        removals = [(r.line, r.text, r.reason, r.rule, r.kept, r.similarity) for r in self.removals]
        return self.id, self.source, self.fields, self.bytes_in, self.paragraphs, removals, self.repeat_keys

    @classmethod
    def decode(cls, values: tuple[Any, ...]) -> Prepared:
        """The document `encode` gave these values for."""
        doc_id, source, fields, bytes_in, paragraphs, removals, repeat_keys = values
        return cls(doc_id, source, fields, bytes_in, paragraphs, [Removal(doc_id, *r) for r in removals], repeat_keys)


@dataclass(slots=True)
class PreparedChunk:
    """Phase A's result for a run of documents: what phase B needs as compact arrays (fingerprints of
    every paragraph, documents in order; per document its id, paragraph count and source rank; per
    paragraph its first input line; each document's distinct repeat keys, concatenated), and the
    documents themselves for phase C, pickled (`text`)."""

    prints: Fingerprints
    ids: list[str]
    counts: np.ndarray
    ranks: np.ndarray
    first_lines: np.ndarray
    repeat_keys: np.ndarray
    text: bytes


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
        """Repair, strip, split into paragraphs and drop repeated sentences (no fingerprints yet)."""
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
        removals.sort(key=lambda r: r.line)
        return Prepared(doc.id, doc.source, doc.fields, len(doc.text.encode("utf-8")),
                        [(p.text, p.first_line, p.block, tuple(x.number for x in p.lines)) for p in paragraphs], removals)

    def prepare_chunk(self, docs: list[Document]) -> PreparedChunk:
        """Prepare documents and fingerprint all their paragraphs in one batch."""
        dup = self.config.duplicates
        prepared = [self.prepare(doc) for doc in docs]
        texts = [p[0] for doc in prepared for p in doc.paragraphs]
        prints = fingerprint(texts if dup.find_duplicates else [], dup)
        keys = self.repeat_keys(texts, prints)
        distinct, start = [], 0
        for doc in prepared:
            doc.repeat_keys = keys[start : start + len(doc.paragraphs)]
            start += len(doc.paragraphs)
            found = np.unique(np.array(doc.repeat_keys, dtype=np.uint64))
            distinct.append(found[found != 0])
        return PreparedChunk(
            prints=prints,
            ids=[doc.id for doc in prepared],
            counts=np.array([len(doc.paragraphs) for doc in prepared], dtype=np.int64),
            ranks=np.array([source_rank(doc, dup.source_priority) for doc in docs], dtype=np.int64),
            first_lines=np.array([p[1] for doc in prepared for p in doc.paragraphs], dtype=np.int64),
            repeat_keys=np.concatenate(distinct) if distinct else np.zeros(0, dtype=np.uint64),
            text=pickle.dumps([doc.encode() for doc in prepared], protocol=pickle.HIGHEST_PROTOCOL),
        )

    def repeat_keys(self, texts: list[str], prints: Fingerprints) -> list[int]:
        """Exact keys of the paragraphs that may go as repeated boilerplate (not prose), 0 for the rest."""
        if self.stripper is None or not self.config.boilerplate.repeated_min_docs:
            return [0] * len(texts)
        keys = prints.keys.tolist() if len(prints) == len(texts) else [exact_key(normalise(t)) for t in texts]
        return [0 if is_prose(t) else k for t, k in zip(texts, keys)]


def chunked(documents: Iterable[Document], size: int = CHUNK_DOCUMENTS) -> Iterator[list[Document]]:
    """Documents in lists of `size` (the last one shorter)."""
    docs = iter(documents)
    while chunk := list(islice(docs, size)):
        yield chunk


class Spill:
    """Phase A's text side, kept for phase C in input order: in memory up to `limit` bytes, then in a
    file of a private temporary folder (in `folder`, default $TMPDIR), removed on close, also after an
    error. Each chunk is one pickle of plain values written by this process for itself."""

    def __init__(self, limit: int = SPILL_AFTER_BYTES, folder: str | os.PathLike[str] | None = None) -> None:
        self.limit = limit
        self.folder = folder
        self.held: list[bytes] = []
        self.sizes: list[int] = []  # of every chunk added, in order
        self.size = 0
        self.path: str | None = None
        self.handle: IO[bytes] | None = None

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def add(self, blob: bytes) -> None:
        """Keep one chunk's pickled documents."""
        self.sizes.append(len(blob))
        if self.handle is None and self.size + len(blob) <= self.limit:
            self.held.append(blob)
            self.size += len(blob)
            return
        if self.handle is None:
            self.path = tempfile.mkdtemp(prefix="dedup-spill-", dir=self.folder)
            self.handle = open(os.path.join(self.path, "documents.pickle"), "w+b")  # noqa: SIM115 (closed by close())
            for held in self.held:
                self.handle.write(held)
            self.held, self.size = [], 0
        self.handle.write(blob)

    def documents(self) -> Iterator[Prepared]:
        """Every document added, in order, read back once."""
        for blob in self.chunks():
            yield from map(Prepared.decode, pickle.loads(blob))

    def chunks(self) -> Iterator[bytes]:
        """Every chunk added (its pickled documents), in order, read back once."""
        if self.handle is None:
            held, self.held = deque(self.held), []
            while held:
                yield held.popleft()
            return
        self.handle.seek(0)
        for size in self.sizes:
            yield self.handle.read(size)

    def close(self) -> None:
        """Remove the temporary folder, if any."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None
        self.held = []


def cluster_corpus(fingerprints: list[Fingerprints], config: DedupConfig, priorities: np.ndarray | None = None,
                   fixed: Fingerprints | None = None, map_bands: MapBands | None = None) -> list[Match]:
    """Phase B: find duplicate paragraphs across all documents. Paragraphs are numbered globally in input
    order (the parts one after the other); `priorities[g]` ranks paragraph g's source (lower wins).
    `fixed` holds paragraphs kept by earlier runs (an index): numbered after the others, ranked before
    them, never removed. `map_bands` runs the per-band and per-component work (Ray tasks, or in this process)."""
    dup = config.duplicates
    parts = [*fingerprints, *([fixed] if fixed is not None else [])]
    prints = parts[0] if len(parts) == 1 else concatenate(parts, dup.num_perm)
    if not len(prints):
        return []
    unfixed = len(prints) - (len(fixed) if fixed is not None else 0)
    priority = np.full(len(prints), -1, dtype=np.int64)
    priority[:unfixed] = 0 if priorities is None else priorities
    preference = -prints.lengths if dup.keep == "longest" else np.zeros_like(prints.lengths)
    rank = np.empty(len(prints), dtype=np.int64)
    rank[np.lexsort((np.arange(len(prints)), preference, priority))] = np.arange(len(prints))
    table = ParagraphTable(prints, rank, fixed=np.arange(len(prints)) >= unfixed)
    bands, per_band = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
    return find_clusters(table, dup.threshold, bands, per_band, map_bands)


def repeated_keys(distinct: np.ndarray, documents: int, min_docs: int) -> set[int]:
    """Keys (non-zero) found in at least max(min_docs, log2 of the document count) documents: a site's
    menu or disclaimer recurs across its pages; the bar rises slowly with the corpus, and min_docs keeps a
    corpus of two documents from losing what they happen to share. `distinct` holds each document's
    distinct keys, one document after the other.

    >>> sorted(repeated_keys(np.array([5, 7, 0, 5, 5, 7], dtype=np.uint64), 3, 3))
    [5]
    """
    if not min_docs or documents < min_docs:
        return set()
    keys, counts = np.unique(distinct, return_counts=True)
    bar = max(min_docs, math.ceil(math.log2(documents)))
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
    for i, (text, line, block, numbers) in enumerate(prepared.paragraphs):
        if repeated and prepared.repeat_keys[i] in repeated:
            removals.append(Removal(prepared.id, line, text, "repeated_boilerplate"))
        else:
            paragraphs.append(Paragraph(i, [Line(n, t) for n, t in zip(numbers, text.split("\n"))], block))
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
            doc, kept_line, similarity = dropped[p.index]
            removals.append(Removal(prepared.id, p.first_line, p.text, "duplicate",
                                    kept={"doc": doc, "line": kept_line}, similarity=similarity))
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
    return Cleaned(prepared.id, prepared.source, join_paragraphs(left, mode), removals, prepared.fields, prepared.bytes_in)


PrepareAll = Callable[[Iterable[Document]], Iterable[PreparedChunk]]


@dataclass(slots=True)
class Verdict:
    """Phase B's decision on one document: its duplicate paragraphs (paragraph index -> the kept copy's
    document id, first line and similarity) and those of them whose kept copy is the index's."""

    dropped: dict[int, tuple[str, int, float]] = field(default_factory=dict)
    indexed: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Decisions:
    """What phases A and B leave for phase C, by document position in input order: the documents' ids,
    their paragraphs' fingerprints (only for an index, None otherwise, so that phase C does not hold
    them; document d's end at `ends[d]`), the verdicts (none: nothing goes as
    a duplicate) and the keys of paragraphs repeated across the corpus."""

    ids: list[str]
    prints: Fingerprints | None
    ends: np.ndarray
    verdicts: dict[int, Verdict]
    repeated: set[int]

    def verdict(self, d: int) -> Verdict:
        return self.verdicts.get(d) or Verdict()

    def prints_of(self, d: int) -> Fingerprints:
        """The fingerprints of document d's paragraphs (for the index)."""
        assert self.prints is not None, "fingerprints are kept only for an index"
        return self.prints.select(np.arange(int(self.ends[d - 1]) if d else 0, int(self.ends[d])))


def decide(chunks: Iterable[PreparedChunk], config: DedupConfig, index: Index | None = None,
           map_bands: MapBands | None = None) -> Decisions:
    """Phase B over phase A's chunks, in input order: only their compact arrays are kept (their text is
    the caller's to keep for phase C). Paragraphs are numbered by their position in the chunks taken one
    after the other, so where the chunks were prepared does not change the result."""
    dup = config.duplicates
    batches, parts, ids, counts, ranks, first_lines, distinct = [], [], [], [], [], [], []
    for chunk in chunks:
        parts.append(chunk.prints)
        if len(parts) == BATCH_CHUNKS:
            batches.append(concatenate(parts, dup.num_perm, release=True))
        ids.extend(chunk.ids)
        counts.append(chunk.counts)
        ranks.append(chunk.ranks)
        first_lines.append(chunk.first_lines)
        distinct.append(chunk.repeat_keys)
    batches.append(concatenate(parts, dup.num_perm, release=True))
    prints = concatenate(batches, dup.num_perm, release=True)
    paragraphs = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    ends = np.cumsum(paragraphs)
    lines = np.concatenate(first_lines) if first_lines else np.zeros(0, dtype=np.int64)
    matches = []
    if dup.find_duplicates:
        priorities = np.repeat(np.concatenate(ranks), paragraphs) if ranks else None
        matches = cluster_corpus([prints], config, priorities, index.fingerprints() if index is not None else None, map_bands)
    verdicts: dict[int, Verdict] = {}
    total = len(lines)
    for m in matches:
        d = int(np.searchsorted(ends, m.removed, "right"))
        i = m.removed - int(ends[d] - paragraphs[d])
        verdict = verdicts.setdefault(d, Verdict())
        if index is not None and m.kept >= total:
            kept = index.kept_copy(m.kept - total)
            verdict.indexed.add(i)
        else:
            kept = (ids[int(np.searchsorted(ends, m.kept, "right"))], int(lines[m.kept]))
        verdict.dropped[i] = (*kept, m.similarity)
    repeated = repeated_keys(np.concatenate(distinct) if distinct else np.zeros(0, dtype=np.uint64), len(ids),
                             config.boilerplate.repeated_min_docs)
    return Decisions(ids, prints if index is not None else None, ends, verdicts, repeated)


class Finisher:
    """Phase C for one document at a time, given phase B's verdict on it and the corpus's repeated keys;
    holds the compiled edge rules, so build one per process."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        boilerplate = config.boilerplate
        self.edges = Stripper(load_rules(boilerplate.rules, boilerplate.disable)) if boilerplate.strip_boilerplate else None

    def finish(self, doc: Prepared, verdict: Verdict, repeated: set[int]) -> Cleaned:
        """The cleaned document (assemble), its removals whose kept copy is the index's marked so."""
        config = self.config
        cleaned = assemble(doc, verdict.dropped, config.duplicates.document_threshold, repeated, verdict.indexed,
                           self.edges, config.paragraphs)
        if verdict.indexed:
            _mark_index_copies(cleaned, doc, verdict.indexed, verdict.dropped)
        return cleaned


@lru_cache(maxsize=8)
def finisher_for(config: DedupConfig) -> Finisher:
    """This process's Finisher for `config`, built once (it compiles the edge rules): phase C's tasks
    and workers call it for every chunk."""
    return Finisher(config)


def kept_paragraphs(doc: Prepared, verdict: Verdict, repeated: set[int], cleaned: Cleaned) -> list[tuple[int, int]]:
    """The paragraphs a cleaned document keeps, as Index.add takes them: (paragraph index, first line).

    >>> doc = Prepared("a", "a.txt", None, 9, [("One.", 1, 0, (1,)), ("Two.", 3, 1, (3,))], [], [0, 0])
    >>> kept_paragraphs(doc, Verdict({1: ("b", 1, 1.0)}), set(), Cleaned("a", "a.txt", "One."))
    [(0, 1)]
    """
    if cleaned.text is None:
        return []
    return [(i, p[1]) for i, p in enumerate(doc.paragraphs) if i not in verdict.dropped and doc.repeat_keys[i] not in repeated]


def run(documents: Iterable[Document], config: DedupConfig, prepare_all: PrepareAll | None = None,
        index: Index | None = None, spill_after: int = SPILL_AFTER_BYTES,
        spill_folder: str | os.PathLike[str] | None = None, map_bands: MapBands | None = None) -> Iterator[Cleaned]:
    """Run the three phases over documents in input order and yield each cleaned document.

    `prepare_all` maps phase A over the documents (in order, a chunk at a time); by default it runs in
    this process. Phase B needs every fingerprint before anything can be written: it holds only the
    compact arrays of PreparedChunk, while the documents' text waits for phase C in a Spill (in memory up
    to `spill_after` bytes, then in a temporary folder in `spill_folder`, removed at the end). With an
    `index`, paragraphs that copy one of its paragraphs go too, and each document's kept paragraphs are
    added to it as the document is yielded. `map_bands` runs phase B's per-band and per-component work
    (cluster.MapBands): in this process by default, or as Ray tasks.
    """
    with Spill(spill_after, spill_folder) as spill:
        decisions, _ = prepare_and_decide(documents, config, spill, prepare_all, index, map_bands)
        finisher, repeated = Finisher(config), decisions.repeated
        for d, doc in enumerate(spill.documents()):
            verdict = decisions.verdict(d)
            cleaned = finisher.finish(doc, verdict, repeated)
            if index is not None:
                index.add(doc.id, decisions.prints_of(d), kept_paragraphs(doc, verdict, repeated, cleaned))
            yield cleaned


def prepare_and_decide(documents: Iterable[Document], config: DedupConfig, spill: Spill, prepare_all: PrepareAll | None = None,
                       index: Index | None = None, map_bands: MapBands | None = None) -> tuple[Decisions, list[int]]:
    """Phases A and B as `run` runs them: phase B's decisions, and the number of documents of each chunk
    whose text went to `spill` (in order), for phase C to take a chunk at a time."""
    if prepare_all is None:
        preparer = Preparer(config)
        prepare_all = lambda docs: map(preparer.prepare_chunk, chunked(docs))  # noqa: E731
    counts: list[int] = []

    def spilled(chunks: Iterable[PreparedChunk]) -> Iterator[PreparedChunk]:
        for chunk in chunks:
            spill.add(chunk.text)
            counts.append(len(chunk.ids))
            yield chunk

    return decide(spilled(prepare_all(documents)), config, index, map_bands), counts


def chunk_verdicts(decisions: Decisions, counts: Iterable[int]) -> Iterator[dict[int, Verdict]]:
    """Phase B's verdicts chunk by chunk, for chunks of `counts` documents in order, each by the position
    of the document in its chunk.

    >>> decisions = Decisions(["a", "b", "c"], None, np.array([1, 2, 3]), {2: Verdict({0: ("a", 1, 1.0)})}, set())
    >>> [sorted(v) for v in chunk_verdicts(decisions, [2, 1])]
    [[], [0]]
    """
    judged = sorted(decisions.verdicts)
    start = 0
    for count in counts:
        end = start + count
        yield {d - start: decisions.verdicts[d] for d in judged[bisect_left(judged, start) : bisect_left(judged, end)]}
        start = end


def _mark_index_copies(cleaned: Cleaned, doc: Prepared, indexed: set[int], dropped: dict[int, tuple[str, int, float]]) -> None:
    """Mark with `"index": true` the report entries whose kept copy is a paragraph of the index: those of
    the `indexed` paragraphs, and a whole-document removal naming one of their copies."""
    lines = {p[1] for i, p in enumerate(doc.paragraphs) if i in indexed}
    copies = {dropped[i][:2] for i in indexed}
    for removal in cleaned.removals:
        if removal.kept is not None and (removal.reason == "duplicate" and removal.line in lines or
                                         removal.reason == "duplicate_document" and (removal.kept["doc"], removal.kept["line"]) in copies):
            removal.kept["index"] = True


def source_rank(doc: Document, patterns: tuple[str, ...]) -> int:
    """Position of the first pattern matching the document's source or id (len(patterns) if none)."""
    return next((i for i, pattern in enumerate(patterns) if fnmatch(doc.source, pattern) or fnmatch(doc.id, pattern)), len(patterns))
