"""Phases A and C on local worker processes, results in input order, with a bounded number of chunks in
flight so that memory does not grow with the corpus. Workers send back compact results (arrays, the
documents' text already pickled, output lines already encoded), so the main process does little per
document."""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from ..config import DedupConfig
from ..pipeline import PreparedChunk, Preparer, chunked
from ..records import Document

R = TypeVar("R")
# Chunks in flight per worker: enough to keep each busy, few enough to bound the main process's memory.
IN_FLIGHT_PER_JOB = 4

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


class Workers:
    """`jobs` local processes for a run's chunks (in this process when jobs is 1): phase A's, and any
    other function's (phase C's), each in input order. The processes start on first use, with the rules
    compiled once here before they fork, and serve every phase of the run; they stop on close.

    >>> with Workers(DedupConfig(), 1) as workers:
    ...     list(workers.map(divmod, [(7, 2), (9, 3)]))
    [(3, 1), (3, 0)]
    """

    def __init__(self, config: DedupConfig, jobs: int) -> None:
        self.config = config
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if self.pool is not None:
            # After an error or Ctrl-C the chunks not started are dropped; those running are waited for.
            self.pool.shutdown(wait=True, cancel_futures=error is not None)
            self.pool = None

    def prepare(self, documents: Iterable[Document]) -> Iterator[PreparedChunk]:
        """Phase A over documents, a chunk at a time, in order."""
        if self.jobs <= 1:
            return map(Preparer(self.config).prepare_chunk, chunked(documents))
        return self.map(_prepare_chunk, ((chunk,) for chunk in chunked(documents)))

    def map(self, function: Callable[..., R], calls: Iterable[tuple[Any, ...]]) -> Iterator[R]:
        """function(*args) for each of `calls`, results in the calls' order (`function` must be picklable:
        a module's function)."""
        if self.jobs <= 1:
            yield from (function(*args) for args in calls)
            return
        if self.pool is None:
            Preparer(self.config)  # compile the rules here, once: forked workers inherit them (rules.py caches them)
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_start, initargs=(self.config,))
        calls = iter(calls)
        pending: deque[Future[R]] = deque()
        while True:
            while len(pending) < IN_FLIGHT_PER_JOB * self.jobs and (args := next(calls, None)) is not None:
                pending.append(self.pool.submit(function, *args))
            if not pending:
                return
            yield pending.popleft().result()


def prepare_in_processes(documents: Iterable[Document], config: DedupConfig, jobs: int) -> Iterator[PreparedChunk]:
    """Prepare documents on `jobs` processes (in this process when jobs is 1); same results either way."""
    with Workers(config, jobs) as workers:
        yield from workers.prepare(documents)
