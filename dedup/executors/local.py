"""Phases A and C on local worker processes, results in input order, with a bounded number of chunks in
flight so that memory does not grow with the corpus. Workers send back compact results (arrays, the
documents' text already pickled, output lines already encoded), so the main process does little per
document. Phase B's bands are shared out between processes forked for them, which read the corpus's
fingerprints where they lie (copy on write) instead of receiving a copy."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from ..cluster import IN_PROCESS, Labels, MapBands, Representatives, labels_here, merge_labels
from ..config import DedupConfig
from ..errors import WorkerError
from ..pipeline import PreparedChunk, Preparer, chunked
from ..records import Document

R = TypeVar("R")
# Chunks in flight per worker: enough to keep each busy, few enough to bound the main process's memory.
IN_FLIGHT_PER_JOB = 4

_worker: Preparer | None = None
# The signals that stop a run: the main process's to handle, never a worker's.
STOPPING = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _held(hold: bool) -> Iterator[None]:
    """With `hold` (and where the system can), Ctrl-C and SIGTERM wait until the block ends; a process
    forked in it starts with them held."""
    if not hold or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _start(config: DedupConfig) -> None:
    global _worker
    # Ctrl-C and SIGTERM are the parent's to handle (it stops the pool): a worker neither prints a
    # traceback for them nor runs the parent's handlers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)  # held back since the fork (Workers.map)
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
        self.stop(cancel=error is not None)

    def stop(self, cancel: bool = False) -> None:
        """Stop the processes, if started: after the chunks in flight, or with `cancel` (an error, Ctrl-C)
        after those running only."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=cancel)
            self.pool = None

    def prepare(self, documents: Iterable[Document]) -> Iterator[PreparedChunk]:
        """Phase A over documents, a chunk at a time, in order. The processes stop once the last chunk is
        taken (phase B forks its own, which a process with the pool's threads must not do); the next
        `map` starts them again."""
        if self.jobs <= 1:
            yield from map(Preparer(self.config).prepare_chunk, chunked(documents))
            return
        yield from self.map(_prepare_chunk, ((chunk,) for chunk in chunked(documents)))
        self.stop()

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
                # The first submission forks the processes: they start with Ctrl-C and SIGTERM held back
                # (here these wait the moment it takes), so that a worker never runs this process's handlers.
                with _held(not pending):
                    pending.append(self.pool.submit(function, *args))
            if not pending:
                return
            yield pending.popleft().result()


def bands_in_processes(jobs: int) -> MapBands:
    """Phase B's band work shared out between `jobs` processes (labels_in_processes), the walk of the
    components here."""
    return MapBands(lambda shared: labels_in_processes(shared, jobs), IN_PROCESS.walk)


def labels_in_processes(shared: Representatives, jobs: int) -> Labels:
    """cluster.labels_here with the bands shared out: this process takes the first run of bands and
    `jobs` - 1 processes forked from it take the others, each reading the signatures in place; their
    labels are merged in band order (merge_labels is associative and commutative: the same labels).
    All in this process where there is no fork, or where other threads run (forking them is unsafe).
    """
    parts = np.array_split(np.arange(shared.bands), max(1, min(jobs, shared.bands)))
    if len(parts) == 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return labels_here(shared)
    children: list[tuple[int, int]] = []
    try:
        for part in parts[1:]:
            children.append(_fork_labels(shared, part))
        labels = labels_here(shared, parts[0])
        while children:
            labels = merge_labels(labels, _collect(*children.pop(0)))
        return labels
    finally:
        for pid, read in children:  # not collected (an error, Ctrl-C): none is left running
            os.close(read)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _fork_labels(shared: Representatives, bands: Iterable[int]) -> tuple[int, int]:
    """Fork a process that sends the labels of `bands` back through a pipe; its id and the pipe's end."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the parent's code
        code = 1
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            with os.fdopen(write, "wb") as out:
                pickle.dump(labels_here(shared, bands), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> Labels:
    """The labels a forked process sends through the pipe `read`, once it has exited."""
    try:
        with os.fdopen(read, "rb") as handle:
            data = handle.read()
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise WorkerError("a process of phase B died (killed, or out of memory?); nothing was written; "
                          "run again, with fewer --jobs if memory ran short")
    labels: Labels = pickle.loads(data)
    return labels


def prepare_in_processes(documents: Iterable[Document], config: DedupConfig, jobs: int) -> Iterator[PreparedChunk]:
    """Prepare documents on `jobs` processes (in this process when jobs is 1); same results either way."""
    with Workers(config, jobs) as workers:
        yield from workers.prepare(documents)
