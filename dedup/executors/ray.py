"""The phases as Ray tasks. Input files: one task per source (a run of small text files together) reads
it from the shared path and runs phase A; the compact arrays come back to the driver (phase B) and the
text stays in Ray's object store; then one task per source assembles and writes it (phase C). Phase B's
tasks are in ray_cluster.py; stdin, read by the driver, goes to one phase A task per chunk.
A bounded number of tasks is in flight, results are taken in order, so the output is byte for byte the
local executor's. A task whose worker process dies is retried by Ray itself (`max_retries`). Ray is
imported only when this executor runs: it is the optional `ray` extra."""

from __future__ import annotations

import bisect
import itertools
import os
import pickle
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..cluster import MapBands
from ..config import DedupConfig
from ..corpus import Source, Warn, read_source, remove_temporary
from ..errors import ConfigError, InputError, WorkerError
from ..pipeline import Prepared, PreparedChunk, Preparer, Verdict, chunked, decide, finisher_for, kept_paragraphs
from ..records import Document
from ..runner import Finished, Output, Progress, by_source, finish_source

if TYPE_CHECKING:
    from ..index import Index

# Times Ray runs a chunk's task again after its worker process died (killed, out of memory, node lost).
MAX_RETRIES = 3
# Tasks in flight per CPU of the cluster: enough to keep every worker busy, few enough that the chunks
# waiting to be taken in order do not fill the driver's memory.
TASKS_PER_CPU = 4
# How long --ray-address HOST:PORT may take to accept a connection.
CONNECT_TIMEOUT_S = 10.0
# Text files read and written by one task: a folder of small pages is not one task per page.
GROUP_TXT_FILES = 64

_preparers: dict[DedupConfig, Preparer] = {}


def prepare_chunk(config: DedupConfig, docs: list[Document]) -> PreparedChunk:
    """Phase A for one chunk in a Ray worker; the worker builds one Preparer per config and keeps it.

    >>> chunk = prepare_chunk(DedupConfig(), [Document("a", "Skip to content\\nHello there.", "a.txt", 0)])
    >>> chunk.ids, chunk.counts.tolist()
    (['a'], [1])
    """
    preparer = _preparers.get(config)
    if preparer is None:
        preparer = _preparers[config] = Preparer(config)
    return preparer.prepare_chunk(docs)


@dataclass
class Read:
    """What a reading task sends back to the driver for its sources: phase A's chunks without their text,
    how many documents and bytes of text it read, and the messages reading gave, in order, as
    (kind, message): "warn", "skip" (a part left out under --on-error skip), "error" (reading stopped) or
    "died" (a phase A task of one of its chunks died every time it ran)."""

    chunks: list[PreparedChunk]
    documents: int
    size: int
    messages: list[tuple[str, str]]


def read_sources(config: DedupConfig, sources: list[Source], text_field: str, id_field: str, skipping: bool,
                 cwd: str) -> tuple[Read, list[bytes]]:
    """Read sources (paths relative to `cwd`, the driver's folder, where it exists here) and run phase A on
    their documents a chunk at a time, the chunks of a source of several as tasks of their own (so one
    large file keeps every CPU busy); return the compact result and, apart, the chunks' text.

    >>> import tempfile; from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, "a.txt").write_bytes("Caf\\xe9 au lait.".encode("cp1252"))
    ...     read, text = read_sources(DedupConfig(), [Source(Path("a.txt"), "a.txt")], "text", "id", False, folder)
    >>> read.documents, read.chunks[0].ids, read.chunks[0].text, len(text), read.messages
    (1, ['a.txt'], b'', 1, [('warn', 'a.txt: not UTF-8; decoded as sloppy-windows-1252 (a guess)')])
    """
    messages: list[tuple[str, str]] = []
    warn: Warn = lambda message: messages.append(("warn", message))  # noqa: E731
    skip: Warn | None = (lambda message: messages.append(("skip", message))) if skipping else None  # noqa: E731
    read = Read([], 0, 0, messages)
    text: list[bytes] = []

    def counted(docs: Iterator[Document]) -> Iterator[Document]:
        for doc in docs:
            read.size += len(doc.text.encode("utf-8"))
            read.documents += 1
            yield doc

    with _in_folder(cwd):
        try:
            for source in sources:
                for chunk in _prepare_chunks(config, chunked(counted(read_source(source, 0, text_field, id_field, warn, skip)))):
                    text.append(chunk.text)
                    chunk.text = b""
                    read.chunks.append(chunk)
        except InputError as err:
            messages.append(("error", str(err)))
        except WorkerError as err:
            messages.append(("died", str(err)))
    return read, text


def _prepare_chunks(config: DedupConfig, chunks: Iterator[list[Document]]) -> Iterator[PreparedChunk]:
    """Phase A for one source's chunks, in order: here when it has one, else as one task per chunk."""
    first, second = next(chunks, None), next(chunks, None)
    if second is None:
        yield from [prepare_chunk(config, first)] if first is not None else []
        return
    yield from in_order(import_ray(), prepare_chunk, ((config, docs) for docs in itertools.chain([first, second], chunks)), TASKS_PER_CPU)


def finish_sources(config: DedupConfig, output: Output, first: int, sources: list[Source], text: list[bytes],
                   verdicts: dict[int, Verdict], repeated: set[int], want_kept: bool, cwd: str) -> list[Finished]:
    """Phase C for sources `first`, `first` + 1, ... of the run: assemble their documents (`text`, as
    read_sources gave it; `verdicts` by document position among them) and write each source's output.

    >>> from pathlib import Path
    >>> output = Output(Path("-"), "text", "id", False, 0, True)
    >>> doc = Prepared("a", "a.txt", None, 8, [("Hello.", 1, 0, (1,))], [], [0])
    >>> [f.report for f in finish_sources(DedupConfig(), output, 5, [Source(Path("a.txt"), "a.txt")],
    ...                                   [pickle.dumps([doc.encode()])], {0: Verdict({0: ("b", 1, 1.0)})}, set(), True, ".")]
    ['{"doc": "a", "line": 1, "text": "Hello.", "reason": "duplicate", "kept": {"doc": "b", "line": 1}, "similarity": 1.0}\\n']
    """
    finisher = finisher_for(config)
    documents = (Prepared.decode(values) for blob in text for values in pickle.loads(blob))
    finished, d = [], 0
    with _in_folder(cwd):
        for position, source, prepared in by_source(sources, documents, first):
            docs, kept = [], []
            for doc in prepared:
                verdict = verdicts.get(d) or Verdict()
                docs.append(finisher.finish(doc, verdict, repeated))
                if want_kept:
                    kept.append(kept_paragraphs(doc, verdict, repeated, docs[-1]))
                d += 1
            done = finish_source(output, position, source, docs)
            done.kept = kept if want_kept else None
            finished.append(done)
    return finished


@contextmanager
def _in_folder(cwd: str) -> Iterator[None]:
    """Run in the driver's folder, where it exists on this node, so that relative paths and the messages
    that name them are the driver's; on a cluster give absolute paths on storage every node mounts."""
    here = os.getcwd()
    moved = cwd != here and os.path.isdir(cwd)
    if moved:
        os.chdir(cwd)
    try:
        yield
    finally:
        if moved:
            os.chdir(here)


def source_groups(sources: list[Source], size: int = GROUP_TXT_FILES) -> list[list[Source]]:
    """Sources in tasks: one per file, except runs of text files (a page each), `size` at a time.

    >>> from pathlib import Path
    >>> [[s.relative for s in g] for g in source_groups([Source(Path(n), n) for n in ["a.txt", "b.txt", "c.jsonl", "d.txt"]], 2)]
    [['a.txt', 'b.txt'], ['c.jsonl'], ['d.txt']]
    """
    groups: list[list[Source]] = []
    for source in sources:
        if source.kind == ".txt" and groups and groups[-1][-1].kind == ".txt" and len(groups[-1]) < size:
            groups[-1].append(source)
        else:
            groups.append([source])
    return groups


def import_ray() -> ModuleType:
    """The ray module, or a ConfigError (exit 2) that names the extra to install."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray, which is not installed: pip install 'dedup-corpus[ray]'") from None
    return ray


def join_ray(ray_address: str | None = None) -> ModuleType:
    """Ray, joined: the Ray already started in this process, or the cluster at `ray_address` ("auto": the
    one `ray start` runs on this node), or else a local Ray on this machine's CPUs, which stays up for
    later runs in this process until it exits (Ray stops it then) or `ray.shutdown()`."""
    ray = import_ray()
    if not ray.is_initialized():
        _check_reachable(ray_address)
        try:
            ray.init(address=ray_address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except ConnectionError as err:
            raise ConfigError(f"--ray-address {ray_address}: cannot join the Ray cluster there ({err})") from None
    return ray


def _check_reachable(ray_address: str | None) -> None:
    """A ConfigError when `ray_address` is host:port and nothing listens there (Ray itself would keep
    trying to connect for minutes).

    >>> _check_reachable("127.0.0.1:1")
    Traceback (most recent call last):
    dedup.errors.ConfigError: --ray-address 127.0.0.1:1: no Ray cluster answers there (Connection refused); start one with `ray start --head`
    """
    host, _, port = (ray_address or "").rpartition(":")
    if not host or not port.isdigit() or "://" in ray_address:  # "auto", "ray://...": Ray's own to resolve
        return
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise ConfigError(f"--ray-address {ray_address}: no Ray cluster answers there ({err.strerror or err}); "
                          "start one with `ray start --head`") from None


def in_order(ray: ModuleType, function: Callable[..., Any], calls: Iterable[tuple[Any, ...]], per_cpu: int,
             returns: int = 1, lost: str = "nothing was written") -> Iterator[Any]:
    """function(*args) for each of `calls` as Ray tasks, results in the calls' order, at most `per_cpu`
    tasks per CPU of the cluster in flight; a task is retried MAX_RETRIES times when its worker dies.
    With `returns` > 1 the function returns that many values: the first comes back, the others stay in
    Ray's object store (a tuple of the value and their ObjectRefs). `lost` says, in the WorkerError that
    a task's last death raises, what the run leaves."""
    remote = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False, num_returns=returns)(function)
    in_flight = per_cpu * max(1, int(ray.cluster_resources().get("CPU", 1)))
    calls = iter(calls)
    pending: deque[Any] = deque()
    while True:
        while len(pending) < in_flight and (args := next(calls, None)) is not None:
            pending.append(remote.remote(*args))
        if not pending:
            return
        try:
            refs = pending.popleft()
            yield ray.get(refs) if returns == 1 else (ray.get(refs[0]), *refs[1:])
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError, ray.exceptions.OutOfMemoryError) as err:
            raise WorkerError(f"a Ray task died {MAX_RETRIES + 1} times (killed, or out of memory?); {lost}: "
                              f"{type(err).__name__}") from None


def prepare_on_ray(documents: Iterable[Document], config: DedupConfig, ray_address: str | None = None,
                   task: Callable[[DedupConfig, list[Document]], PreparedChunk] = prepare_chunk) -> Iterator[PreparedChunk]:
    """Prepare documents as Ray tasks, one per chunk, in input order (joining Ray as join_ray does).
    `task` is what a task runs on a chunk (tests pass one that kills its worker, to see Ray retry it);
    every node needs dedup installed."""
    ray = join_ray(ray_address)
    config_ref = ray.put(config)
    yield from in_order(ray, task, ((config_ref, chunk) for chunk in chunked(documents)), TASKS_PER_CPU)


def clean_on_ray(sources: list[Source], config: DedupConfig, output: Output, index: Index | None, warn: Warn,
                 skip: Warn | None, progress: Progress, writing: Callable[[], None], ray_address: str | None = None,
                 map_bands: MapBands | None = None) -> Iterator[Finished]:
    """Clean input files on Ray (joining it as join_ray does), each source's Finished in input order:
    reading and phase A as one task per source group, phase B on the driver (its bands by `map_bands`),
    phase C and the writing as one task per group. Messages from reading reach `warn` and `skip` in input
    order, and an unreadable input stops the run (InputError) before anything is written, as locally.
    `writing` is called once phase B is done, before the first writing task starts. With an index, the
    driver adds each document's kept paragraphs to it in order."""
    ray = join_ray(ray_address)
    config_ref, cwd = ray.put(config), os.getcwd()
    groups = source_groups(sources)
    reads = in_order(ray, read_sources, ((config_ref, group, output.text_field, output.id_field, skip is not None, cwd)
                                      for group in groups), TASKS_PER_CPU, returns=2)
    texts: deque[Any] = deque()
    sizes: list[int] = []  # documents per group

    def chunks() -> Iterator[PreparedChunk]:
        read = 0
        for read_back, text in reads:
            for kind, message in read_back.messages:
                if kind == "error":
                    raise InputError(message)
                if kind == "died":
                    raise WorkerError(message)
                (warn if kind == "warn" or skip is None else skip)(message)
            texts.append(text)
            sizes.append(read_back.documents)
            read += sizes[-1]
            progress.step("reading", read, size=read_back.size)
            yield from read_back.chunks

    decisions = decide(chunks(), config, index, map_bands)
    writing()
    repeated_ref = ray.put(decisions.repeated)
    judged = sorted(decisions.verdicts)
    starts = [0, *np.cumsum(sizes).tolist()]
    firsts = [0, *np.cumsum([len(group) for group in groups]).tolist()]

    def calls() -> Iterator[tuple[Any, ...]]:
        for g, group in enumerate(groups):
            start, end = starts[g], starts[g + 1]
            verdicts = {d - start: decisions.verdicts[d] for d in judged[bisect.bisect_left(judged, start) : bisect.bisect_left(judged, end)]}
            yield config_ref, output, firsts[g], group, texts.popleft(), verdicts, repeated_ref, index is not None, cwd

    d = 0
    lost = "the sources written before it are complete; run again with --resume to finish"
    for group, finished in zip(groups, in_order(ray, finish_sources, calls(), TASKS_PER_CPU, lost=lost)):
        for source in group:  # what an attempt whose worker died while writing left
            target = output.out_dir / source.output
            remove_temporary(target.parent, target.name)
        for done in finished:
            for kept in done.kept or []:
                assert index is not None
                index.add(decisions.ids[d], decisions.prints_of(d), kept)
                d += 1
            yield done
