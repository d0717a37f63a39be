"""Clean files end to end: discover inputs, read documents, run the phases, write mirrored outputs and
the removal report, and count everything.

Outputs are written source by source in input order, each atomically. While a run writes, a small
manifest in --out records how many sources are complete and a key of the settings and inputs, so that an
interrupted run can be resumed to the same result; it is removed when the run ends.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from itertools import chain
from pathlib import Path
from typing import IO, TypeVar

from .boilerplate import load_rules
from .cluster import MapBands
from .config import DedupConfig
from .corpus import Source, atomic_file, atomic_writer, contains, discover, json_line, kind_of, read_source, relative_name, remove_temporary, to_json
from .errors import ConfigError, WorkerError, where
from .executors import Workers, executor_for
from .index import Index, load_index, save_index
from .parquet_io import ParquetMirror
from .pipeline import Cleaned, PrepareAll, Prepared, Preparer, Spill, Verdict, chunk_verdicts, finisher_for, kept_paragraphs, prepare_and_decide
from .records import Document
from .remote import Url, is_url, location
from .report import Summary
from .streams import STDIO, write_stdout

# A document as phase C takes it in (prepared) or gives it out (cleaned), or a run of them encoded.
Doc = TypeVar("Doc", Cleaned, Prepared, "Piece")
MANIFEST = ".dedup-run.json"
# How often the manifest is brought up to date while writing: a resumed run redoes at most this much.
MANIFEST_EVERY_S = 1.0
ON_ERROR = ("fail", "skip")


class Progress:
    """A progress line on stderr for long runs (only when enabled): documents done, a bar once the total
    is known, documents/s and MB/s of input text since the stage began."""

    def __init__(self, enabled: bool, stream: IO[str] | None = None, every_s: float = 0.25, width: int = 24) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.width = width
        self.stage = ""
        self.started = self.last = 0.0
        self.size = 0
        self.drawn = False

    def step(self, stage: str, done: int, total: int | None = None, size: int = 0) -> None:
        """Count one more document of `stage` (`size` bytes of input text, `done` so far, out of
        `total` when known); redraw at most every `every_s` seconds."""
        if not self.enabled:
            return
        now = time.monotonic()
        if stage != self.stage:
            self.stage, self.started, self.size, self.last = stage, now, 0, 0.0
        self.size += size
        if now - self.last >= self.every_s or done == total:
            self.last = now
            self.stream.write("\r" + self.line(done, total, now - self.started) + "\033[K")
            self.stream.flush()
            self.drawn = True

    def line(self, done: int, total: int | None, elapsed: float) -> str:
        """The progress line for `done` documents (of `total`) after `elapsed` seconds.

        >>> p = Progress(True, width=10)
        >>> p.stage, p.size = "writing", 3_000_000
        >>> p.line(50, 100, 2.0)
        'writing [#####.....]  50% 50/100 docs  25 docs/s  1.5 MB/s'
        """
        rate = f"{done / elapsed:,.0f} docs/s  {self.size / 1e6 / elapsed:,.1f} MB/s" if elapsed > 0 else ""
        if total:
            filled = self.width * done // total
            bar = "#" * filled + "." * (self.width - filled)
            return f"{self.stage} [{bar}] {done / total:4.0%} {done:,}/{total:,} docs  {rate}"
        return f"{self.stage} {done:,} docs  {self.size / 1e6:,.1f} MB  {rate}"

    def done(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\n")
            self.drawn = False


def clean_files(
    inputs: list[str],
    out: str,
    config: DedupConfig,
    report: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    jobs: int = 1,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
    index: str | None = None,
    on_error: str = "fail",
    failed: Callable[[str], None] | None = None,
    overwrite: bool = False,
    resume: bool = False,
    executor: str = "local",
    ray_address: str | None = None,
) -> Summary:
    """Clean every input into `out`, mirroring file names; return the summary of the run.

    A file or record that cannot be read raises InputError before anything is written; with
    `on_error="skip"` it is left out and its message goes to `failed` (to `warn` when None). An `out`
    that holds files is refused unless `overwrite` (this run's outputs replace files of the same names,
    other files stay) or `resume` (finish the interrupted run recorded there, to the same result). With
    `index` (a folder), paragraphs kept by earlier runs are removed too, and the folder is updated with
    this run's kept paragraphs once all output is written. Phase A runs on `jobs` local processes, or as
    tasks on Ray with `executor="ray"`, with phase B's band grouping (the cluster at `ray_address`, else
    a local Ray): same result.
    """
    if on_error not in ON_ERROR:
        raise ConfigError(f"on_error must be fail or skip, not {on_error!r}")
    if overwrite and resume:
        raise ConfigError("--overwrite and --resume exclude each other: --resume finishes an interrupted run, --overwrite starts again")
    if index is not None and is_url(index):
        raise ConfigError(f"{where(index)}: --index must be a local folder; storage URLs are for inputs, --out and --report")
    progress = progress or Progress(False)
    warn = warn or (lambda message: None)
    skip = (failed or warn) if on_error == "skip" else None
    sources = discover(inputs, out, warn, skip)
    Preparer(config)  # load and check every rule here, before any worker starts
    work = executor_for(config, executor, jobs, ray_address)
    kept_before = load_index(index, config.duplicates, [*inputs, out]) if index is not None else None
    out_dir = location(out)
    to_stdout = out == STDIO
    if to_stdout and (overwrite or resume):
        raise ConfigError("--overwrite and --resume need --out to be a folder, not - (stdout)")
    if resume and any(s.is_stdin for s in sources):
        raise ConfigError("-: --resume cannot read stdin again; save it to a file and clean that")
    if report is not None:
        _check_report(location(report), inputs)
    key = run_key(sources, config, text_field, id_field, on_error)
    done = 0 if to_stdout else _open_out(out_dir, sources, report, key, overwrite, resume, warn)
    if report is not None and location(report).parent.is_dir():
        remove_temporary(location(report).parent, location(report).name)  # a killed run's report, wherever it lies
    replacing = not to_stdout and out_dir.exists()
    read = 0

    def documents() -> Iterator[Document]:
        nonlocal read
        for source in sources:
            for doc in read_source(source, read, text_field, id_field, warn, skip):
                read = doc.order + 1
                if progress.enabled:  # the size costs an encoding of every text
                    progress.step("reading", read, size=len(doc.text.encode("utf-8")))
                yield doc

    summary = Summary()
    manifest = None if to_stdout else Manifest(out_dir / MANIFEST, key, len(sources))
    output = Output(out_dir, text_field, id_field, replacing, done, report is not None)

    def writing() -> None:  # every input is read and phase B is done; nothing is written yet
        if manifest is not None:
            manifest.record(done, force=True)

    with ExitStack() as stack:
        # Open before phase A: the local path streams each source's report lines into it as it writes.
        report_handle = stack.enter_context(atomic_writer(location(report))) if report else None
        if work.clean_sources is not None and not to_stdout and not any(s.is_stdin for s in sources):
            finished = work.clean_sources(sources, output, kept_before, warn, skip, progress, writing)
        else:  # phases A and C on the local workers (Ray's phase A with stdin or stdout: phase C here)
            workers = stack.enter_context(work.workers() if work.workers is not None else Workers(config, 1))
            prepare_all = workers.prepare if work.workers is not None else work.prepare_all
            spill = stack.enter_context(Spill())
            finished = _clean_in_chunks(sources, output, config, documents(), workers, prepare_all, spill, kept_before,
                                        work.map_bands, writing, report_handle.write if report_handle else None)
        try:
            first = next(finished, None)  # phases A and B: every input is read before anything is written
        except BrokenProcessPool:
            raise WorkerError("a worker process died (killed, or out of memory?); nothing was written; "
                              "run again, with fewer --jobs if memory ran short") from None
        try:
            for position, one in enumerate(chain([first] if first is not None else [], finished)):
                if report_handle is not None:
                    report_handle.write(one.report)
                summary.merge(one.summary)
                progress.step("writing", summary.documents_in, read or None, size=one.summary.bytes_in)
                if manifest is not None and position >= done:
                    manifest.record(position + 1)
        except BrokenProcessPool:
            left = "the output stops there" if manifest is None else "the sources written before it are complete; run again with --resume to finish"
            raise WorkerError(f"a worker process died (killed, or out of memory?); {left}") from None
    if index is not None and kept_before is not None:
        save_index(kept_before, index)  # only after every output file is in place
    if manifest is not None:
        manifest.remove()
    progress.done()
    return summary


@dataclass(frozen=True)
class Output:
    """Where and how a run writes each source: what a task that writes sources needs to know."""

    out_dir: Path | Url
    text_field: str
    id_field: str
    replacing: bool  # an earlier run's file where this run writes none is removed
    done: int  # sources an interrupted run completed: not written again
    report: bool


@dataclass
class Finished:
    """One source cleaned (and written, unless an interrupted run did): its report lines and summary,
    and for an index its documents' kept paragraphs."""

    report: str
    summary: Summary
    kept: list[list[tuple[int, int]]] | None = None


def finish_source(output: Output, position: int, source: Source, docs: Iterable[Cleaned],
                  report: Callable[[str], None] | None = None) -> Finished:
    """Write the cleaned documents of the source at `position` as they come (unless an interrupted run
    did) and count them; their report lines go to `report`, or into the Finished when None."""
    lines: list[str] = []
    emit = report or lines.append

    def encoded() -> Iterator[Piece]:
        for doc in docs:
            if output.report:
                emit(report_lines([doc]))
            yield encode([doc], source.relative, output)

    summary = write_counted(output, position, source, encoded())
    return Finished("".join(lines), summary)


def write_counted(output: Output, position: int, source: Source, pieces: Iterable[Piece]) -> Summary:
    """Write one source's encoded documents (unless an interrupted run did: position < output.done) and
    return their summary."""
    summary = Summary()

    def counted() -> Iterator[Piece]:
        for piece in pieces:
            summary.merge(piece.summary)
            yield piece

    if position >= output.done:
        write_pieces(output.out_dir, source, counted(), output.text_field, output.replacing)
    else:
        deque(counted(), maxlen=0)
    return summary


@dataclass(slots=True)
class Piece:
    """Cleaned documents of one source, one after the other, encoded for its output: JSON lines, or for
    text files and Parquet each document's text (None where nothing was left); and their summary."""

    source: str
    lines: str
    texts: list[str | None]
    summary: Summary


def encode(docs: Iterable[Cleaned], source: str, output: Output) -> Piece:
    """The Piece of cleaned documents of the source named `source` (relative), for `output`.

    >>> output = Output(Path("out"), "text", "id", False, 0, False)
    >>> piece = encode([Cleaned("1", "a.jsonl", "Hi.", fields={"id": 1, "text": "Hi there."})], "a.jsonl", output)
    >>> piece.lines, piece.summary.bytes_out
    ('{"id": 1, "text": "Hi."}\\n', 3)
    """
    kind, stdout = kind_of(source), str(output.out_dir) == STDIO
    lines: list[str] = []
    texts: list[str | None] = []
    summary = Summary()
    for doc in docs:
        summary.add_document(doc.bytes_in, _bytes_out(doc, kind), doc.removals, doc.id)
        if not stdout and kind in (".txt", ".parquet"):
            texts.append(doc.text)
        elif doc.text is not None:
            fields = doc.fields or ({output.id_field: doc.id} if stdout else {})
            lines.append(json_line(fields, output.text_field, doc.text))
    return Piece(source, "".join(lines), texts, summary)


def report_lines(docs: Iterable[Cleaned]) -> str:
    """The report's lines for cleaned documents: one JSON line per removal."""
    return "".join(to_json(removal.to_json()) + "\n" for doc in docs for removal in doc.removals)


@dataclass(slots=True)
class FinishedChunk:
    """Phase C's result for one chunk of documents: its sources' Pieces in order, its report lines, and
    for an index each document's kept paragraphs."""

    pieces: list[Piece]
    report: str
    kept: list[list[tuple[int, int]]] | None


def finish_chunk(config: DedupConfig, output: Output, text: bytes, verdicts: dict[int, Verdict], repeated: set[int],
                 want_kept: bool) -> FinishedChunk:
    """Phase C for one chunk of phase A's documents (`text` as Spill keeps it; `verdicts` by position in
    the chunk), where a worker runs it: assemble each document and encode its output and report lines,
    so that the main process only writes them (with the process's Finisher, finisher_for)."""
    finisher = finisher_for(config)
    cleaned: list[Cleaned] = []
    kept: list[list[tuple[int, int]]] | None = [] if want_kept else None
    for d, values in enumerate(pickle.loads(text)):
        doc = Prepared.decode(values)
        verdict = verdicts.get(d) or Verdict()
        cleaned.append(finisher.finish(doc, verdict, repeated))
        if kept is not None:
            kept.append(kept_paragraphs(doc, verdict, repeated, cleaned[-1]))
    pieces, start = [], 0
    for end in range(1, len(cleaned) + 1):
        if end == len(cleaned) or cleaned[end].source != cleaned[start].source:
            pieces.append(encode(cleaned[start:end], cleaned[start].source, output))
            start = end
    return FinishedChunk(pieces, report_lines(cleaned) if output.report else "", kept)


def _clean_in_chunks(sources: list[Source], output: Output, config: DedupConfig, documents: Iterable[Document],
                     workers: Workers, prepare_all: PrepareAll, spill: Spill, index: Index | None,
                     map_bands: MapBands | None, writing: Callable[[], None],
                     report: Callable[[str], None] | None) -> Iterator[Finished]:
    """Each source's Finished, in input order: phases A and B (phase A by `prepare_all`, its text kept in
    `spill`), then phase C a chunk at a time on `workers`, each source written as its chunks come back (a
    source's documents are never all held). `writing` is called once phases A and B are done, before the
    first output is written; report lines go to `report` as they come. With an index, each document's
    kept paragraphs are added to it in order."""
    decisions, counts = prepare_and_decide(documents, config, spill, prepare_all, index, map_bands)
    writing()
    calls = ((config, output, text, verdicts, decisions.repeated, index is not None)
             for text, verdicts in zip(spill.chunks(), chunk_verdicts(decisions, counts)))

    def pieces() -> Iterator[Piece]:
        d = 0
        for chunk in workers.map(finish_chunk, calls):
            if report is not None and chunk.report:
                report(chunk.report)
            for kept in chunk.kept or []:
                assert index is not None
                index.add(decisions.ids[d], decisions.prints_of(d), kept)
                d += 1
            yield from chunk.pieces

    for position, source, mine in by_source(sources, pieces()):
        yield Finished("", write_counted(output, position, source, mine))


def by_source(sources: list[Source], docs: Iterable[Doc], start: int = 0) -> Iterator[tuple[int, Source, Iterator[Doc]]]:
    """Documents of several sources, in input order, split by source: each source's position (counted
    from `start`), the source, and an iterator of its documents (empty when it has none), to be taken
    before the next source (what is left of it is skipped).

    >>> sources = [Source(Path(name), name) for name in ["a.txt", "b.txt", "c.txt"]]
    >>> docs = [Cleaned("1", "a.txt", "One."), Cleaned("2", "c.txt", "Two.")]
    >>> [(position, source.relative, [d.id for d in mine]) for position, source, mine in by_source(sources, docs)]
    [(0, 'a.txt', ['1']), (1, 'b.txt', []), (2, 'c.txt', ['2'])]
    """
    docs = iter(docs)
    ahead = next(docs, None)
    for position, source in enumerate(sources, start):

        def own(relative: str = source.relative) -> Iterator[Doc]:
            nonlocal ahead
            while ahead is not None and ahead.source == relative:
                yield ahead
                ahead = next(docs, None)

        mine = own()
        yield position, source, mine
        deque(mine, maxlen=0)


def _bytes_out(doc: Cleaned, kind: str) -> int | None:
    """Bytes of text a document adds to an output of type `kind` (a .txt file ends with a newline); None
    when empty."""
    if doc.text is None:
        return None
    return len(doc.text.encode("utf-8")) + (1 if kind == ".txt" else 0)


def write_source(out_dir: Path | Url, source: Source, docs: Iterable[Cleaned], text_field: str, replacing: bool,
                 id_field: str = "id") -> None:
    """Write one source's mirror under `out_dir` atomically, document by document as `docs` come (as
    write_pieces does). Every document of `docs` is taken."""
    output = Output(out_dir, text_field, id_field, replacing, 0, False)
    write_pieces(out_dir, source, (encode([doc], source.relative, output) for doc in docs), text_field, replacing)


def write_pieces(out_dir: Path | Url, source: Source, pieces: Iterable[Piece], text_field: str, replacing: bool) -> None:
    """Write one source's mirror under `out_dir` atomically, piece by piece as `pieces` come: a .txt
    file holds its text (no file when nothing was left), a JSONL shard or Parquet file its records left
    (empty when all went; no file for no records). When `replacing`, a file from an earlier run where this
    run writes none is removed. With `out_dir` `-`, the documents left go to stdout as JSON lines (a .txt
    file's as {id_field: id, text_field: text}). Every piece is taken."""
    pieces = iter(pieces)
    if str(out_dir) == STDIO:
        for piece in pieces:
            if piece.lines:
                write_stdout(piece.lines)
        return
    target = out_dir / source.output
    first = next(pieces, None)
    if first is None or source.kind == ".txt" and first.texts[0] is None:
        deque(pieces, maxlen=0)
        if replacing:
            target.unlink(missing_ok=True)
    elif source.kind == ".parquet":
        with atomic_file(target) as raw, ParquetMirror(source.path, raw, text_field) as mirror:
            for piece in chain([first], pieces):
                for text in piece.texts:
                    mirror.add(text)
    elif source.kind == ".txt":
        with atomic_writer(target) as handle:
            handle.write(f"{first.texts[0]}\n")
        deque(pieces, maxlen=0)
    else:
        with atomic_writer(target, compress=source.kind == ".jsonl.gz") as handle:
            for piece in chain([first], pieces):
                handle.write(piece.lines)


def _check_report(report: Path | Url, inputs: list[str]) -> None:
    if isinstance(report, Url) and not report.parent.has_root():
        raise ConfigError(f"{where(report)}: --report: no folder or bucket above it exists; create the bucket first")
    for given in inputs:
        if given != STDIO and contains(location(given), report):
            raise ConfigError(f"{where(report)}: --report must not be an input file or lie inside an input folder ({where(given)})")


def run_key(sources: list[Source], config: DedupConfig, text_field: str, id_field: str, on_error: str) -> str:
    """A digest of everything the output depends on: dedup's version, the options, every rule applied,
    and each input's name, size and modification time. A resumed run must have the same."""
    try:
        release = version("dedup-corpus")
    except PackageNotFoundError:
        release = "unknown"
    rules = [(r.id, r.unit, r.pattern) for r in load_rules(config.boilerplate.rules, config.boilerplate.disable)]
    settings = {"version": release, "config": asdict(config), "rules": rules, "fields": [text_field, id_field], "on_error": on_error}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode("utf-8"))
    for source in sources:
        size, mtime = _version(source)
        digest.update(f"{source.relative}\0{source.path}\0{size}\0{mtime}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _version(source: Source) -> tuple[int, int | str]:
    """An input's size and a mark of its version: the modification time, or a storage URL's checksum."""
    if source.is_stdin:
        return 0, 0
    if isinstance(source.path, Url):
        return source.path.version()
    stat = source.path.stat()
    return stat.st_size, stat.st_mtime_ns


def _open_out(out_dir: Path | Url, sources: list[Source], report: str | None, key: str, overwrite: bool, resume: bool,
              warn: Callable[[str], None]) -> int:
    """Check that --out may be written; return how many sources an interrupted run already completed."""
    if isinstance(out_dir, Url) and not out_dir.has_root():
        raise ConfigError(f"{where(out_dir)}: --out: neither it nor a folder or bucket above it exists; create the bucket first")
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{where(out_dir)}: --out is a file; give a folder")
    if not out_dir.exists() or _empty(out_dir):
        return 0
    manifest = out_dir / MANIFEST
    if resume:
        recorded = Manifest.load(manifest)
        if recorded is None:
            raise ConfigError(f"{where(out_dir)}: --resume: no interrupted run here (no readable {MANIFEST}); "
                              "use --overwrite to clean into it again")
        if recorded.get("key") != key or recorded.get("sources") != len(sources):
            raise ConfigError(f"{where(out_dir)}: --resume: the interrupted run here had other options, rules or inputs "
                              "(changed since); use --overwrite to start again, or rerun with what it had")
        remove_temporary(out_dir)
        return int(recorded["done"])
    if not overwrite:
        hint = "--resume to finish the interrupted run there" if manifest.exists() else "--overwrite to replace its outputs"
        raise ConfigError(f"{where(out_dir)}: --out already holds files; pass {hint}, or choose an empty folder")
    remove_temporary(out_dir)
    ours = {s.output for s in sources} | {MANIFEST}
    if report is not None and contains(out_dir, location(report)):
        ours.add(relative_name(location(report), out_dir))
    others = [name for name in _files(out_dir) if name not in ours]
    if others:
        warn(f"{where(out_dir)}: {len(others):,} files there are not outputs of this run and stay as they are "
             f"(first: {where(others[0])})")
    return 0


def _empty(folder: Path | Url) -> bool:
    if isinstance(folder, Url):
        return not folder.files()
    return next(folder.iterdir(), None) is None


def _files(folder: Path | Url) -> list[str]:
    """The files under `folder` by relative name, sorted."""
    if isinstance(folder, Url):
        return folder.files()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


class Manifest:
    """The run's progress record in --out: the run key, the number of sources and how many of them are
    complete (their outputs renamed into place). Written atomically, at most once a second."""

    def __init__(self, path: Path | Url, key: str, sources: int) -> None:
        self.path = path
        self.key = key
        self.sources = sources
        self.last = 0.0

    def record(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= MANIFEST_EVERY_S:
            self.last = now
            with atomic_writer(self.path) as handle:
                handle.write(json.dumps({"format": 1, "key": self.key, "sources": self.sources, "done": done}) + "\n")

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    @staticmethod
    def load(path: Path | Url) -> dict[str, object] | None:
        """The recorded state, or None when there is none or it cannot be read."""
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("format") != 1 or not isinstance(record.get("done"), int):
            return None
        return record
