"""Clean files end to end: discover inputs, read documents, run the phases, write mirrored outputs and
the removal report, and count everything."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from .config import DedupConfig
from .corpus import Source, atomic_file, atomic_writer, discover, json_line, read_source
from .errors import ConfigError
from .executors import prepare_in_processes
from .index import load_index, save_index
from .parquet_io import ParquetMirror
from .pipeline import Cleaned, Preparer, run
from .records import Document
from .report import Summary
from .streams import STDIO, write_stdout


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
) -> Summary:
    """Clean every input into `out`, mirroring file names; return the summary of the run. With `index`
    (a folder), paragraphs kept by earlier runs are removed too, and the folder is updated with this
    run's kept paragraphs once all output is written."""
    progress = progress or Progress(False)
    sources = discover(inputs, out)
    Preparer(config)  # load and check every rule here, before any worker starts
    kept_before = load_index(index, config.duplicates, [*inputs, out]) if index is not None else None
    out_dir = Path(out)
    if report is not None and Path(report).resolve() in {s.path.resolve() for s in sources}:
        raise ConfigError(f"{report}: --report would overwrite an input file")
    by_name = {s.relative: s for s in sources}
    read = 0

    def documents() -> Iterator[Document]:
        nonlocal read
        for source in sources:
            for doc in read_source(source, read, text_field, id_field, warn):
                read = doc.order + 1
                progress.step("reading", read, size=len(doc.text.encode("utf-8")))
                yield doc

    summary = Summary()
    with ExitStack() as stack:
        report_handle = stack.enter_context(atomic_writer(Path(report))) if report else None
        writers: dict[str, Any] = {}
        written = 0
        for cleaned in run(documents(), config, lambda docs: prepare_in_processes(docs, config, jobs), kept_before):
            bytes_out = _write(cleaned, by_name[cleaned.source], out_dir, writers, stack, text_field, id_field)
            if report_handle is not None:
                for removal in cleaned.removals:
                    report_handle.write(json.dumps(removal.to_json(), ensure_ascii=False) + "\n")
            summary.add_document(cleaned.bytes_in, bytes_out, cleaned.removals, cleaned.id)
            written += 1
            progress.step("writing", written, read, size=cleaned.bytes_in)
    if index is not None and kept_before is not None:
        save_index(kept_before, index)  # only after every output file is in place
    progress.done()
    return summary


def _write(cleaned: Cleaned, source: Source, out_dir: Path, writers: dict[str, Any], stack: ExitStack,
           text_field: str, id_field: str = "id") -> int | None:
    """Write one cleaned document where its source's mirror lies (JSONL and Parquet files stay open until
    the end), or as a JSON line on stdout for --out - (a .txt file's as {id_field: id, text_field: text});
    return the bytes of text written, None when the document was left empty."""
    if str(out_dir) == STDIO:
        if cleaned.text is not None:
            write_stdout(json_line(cleaned.fields or {id_field: cleaned.id}, text_field, cleaned.text))
        return None if cleaned.text is None else len(cleaned.text.encode("utf-8"))
    target = out_dir / source.output
    if source.kind == ".parquet":
        mirror = writers.get(source.relative)
        if mirror is None:
            mirror = writers[source.relative] = stack.enter_context(ParquetMirror(source.path, stack.enter_context(atomic_file(target)), text_field))
        return mirror.add(cleaned.text)
    if source.kind == ".txt":
        if cleaned.text is None:
            return None
        text = cleaned.text + "\n"
        with atomic_writer(target) as handle:
            handle.write(text)
        return len(text.encode("utf-8"))
    handle = writers.get(source.relative)
    if handle is None:
        handle = writers[source.relative] = stack.enter_context(atomic_writer(target, compress=source.kind == ".jsonl.gz"))
    if cleaned.text is None:
        return None
    handle.write(json_line(cleaned.fields or {}, text_field, cleaned.text))
    return len(cleaned.text.encode("utf-8"))
