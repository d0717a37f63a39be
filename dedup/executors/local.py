"""Phase A on local worker processes, results in input order, with a bounded number of documents in
flight so that memory does not grow with the corpus."""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from ..config import DedupConfig
from ..pipeline import Prepared, Preparer
from ..records import Document

CHUNK_DOCUMENTS = 32
_worker: Preparer | None = None


def _start(config: DedupConfig) -> None:
    global _worker
    # Ctrl-C and SIGTERM are the parent's to handle (it stops the pool): a worker neither prints a
    # traceback for them nor runs the parent's handlers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker = Preparer(config)


def _prepare_chunk(docs: list[Document]) -> list[Prepared]:
    assert _worker is not None, "worker used before its initializer ran"
    return [_worker.prepare(doc) for doc in docs]


def prepare_in_processes(documents: Iterable[Document], config: DedupConfig, jobs: int) -> Iterator[Prepared]:
    """Prepare documents on `jobs` processes (in this process when jobs is 1); same results either way."""
    if jobs <= 1:
        preparer = Preparer(config)
        yield from map(preparer.prepare, documents)
        return
    docs = iter(documents)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start, initargs=(config,)) as pool:
        pending: deque[Future[list[Prepared]]] = deque()
        while True:
            while len(pending) < 2 * jobs:
                chunk = list(islice(docs, CHUNK_DOCUMENTS))
                if not chunk:
                    break
                pending.append(pool.submit(_prepare_chunk, chunk))
            if not pending:
                return
            yield from pending.popleft().result()
