"""Phase A on local worker processes, results in input order, with a bounded number of chunks in flight
so that memory does not grow with the corpus. Workers send back compact chunks (arrays, and the
documents' text already pickled), so the main process does little per document."""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from ..config import DedupConfig
from ..pipeline import PreparedChunk, Preparer, chunked
from ..records import Document

_worker: Preparer | None = None


def _start(config: DedupConfig) -> None:
    global _worker
    # Ctrl-C and SIGTERM are the parent's to handle (it stops the pool): a worker neither prints a
    # traceback for them nor runs the parent's handlers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker = Preparer(config)


def _prepare_chunk(docs: list[Document]) -> PreparedChunk:
    assert _worker is not None, "worker used before its initializer ran"
    return _worker.prepare_chunk(docs)


def prepare_in_processes(documents: Iterable[Document], config: DedupConfig, jobs: int) -> Iterator[PreparedChunk]:
    """Prepare documents on `jobs` processes (in this process when jobs is 1); same results either way."""
    if jobs <= 1:
        yield from map(Preparer(config).prepare_chunk, chunked(documents))
        return
    chunks = chunked(documents)
    Preparer(config)  # compile the rules here, once: forked workers inherit them (rules.py caches them)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=(config,)) as pool:
        pending: deque[Future[PreparedChunk]] = deque()
        while True:
            while len(pending) < 4 * jobs and (chunk := next(chunks, None)) is not None:
                pending.append(pool.submit(_prepare_chunk, chunk))
            if not pending:
                return
            yield pending.popleft().result()
