"""The local executor's processes: phase B's bands shared out between processes forked for them give the
labels and matches of one process, the pool stops after phase A so that phase B may fork, and a forked
band process that dies stops the run with a message."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
from test_components import chained_corpus

from dedup import DedupConfig
from dedup.cluster import Representatives, labels_here
from dedup.errors import WorkerError
from dedup.executors import local
from dedup.executors.local import Workers, bands_in_processes, labels_in_processes
from dedup.fingerprint import fingerprint, lsh_params
from dedup.pipeline import cluster_corpus
from dedup.records import Document


def shared_corpus() -> Representatives:
    dup = DedupConfig().duplicates
    prints = fingerprint(chained_corpus(), dup)
    bands, rows = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
    return Representatives(prints, np.flatnonzero(prints.sig_rows >= 0), bands, rows, dup.threshold)


@pytest.mark.parametrize("jobs", [2, 3, 64])
def test_bands_shared_out_between_forked_processes_give_the_labels_of_one_process(jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = shared_corpus()
    forked = []
    real = local._fork_labels
    monkeypatch.setattr(local, "_fork_labels", lambda s, bands: forked.append(list(bands)) or real(s, bands))
    labels, here = labels_in_processes(shared, jobs), labels_here(shared)
    assert len(here.nodes) > 50
    assert np.array_equal(labels.nodes, here.nodes) and np.array_equal(labels.roots, here.roots)
    assert len(forked) == min(jobs, shared.bands) - 1 and forked[-1][-1] == shared.bands - 1


def test_phase_b_with_forked_bands_removes_the_same_paragraphs() -> None:
    config = DedupConfig()
    prints = fingerprint(chained_corpus(), config.duplicates)
    matches = cluster_corpus([prints], config)
    assert len(matches) > 50 and cluster_corpus([prints], config, map_bands=bands_in_processes(2)) == matches


def test_with_other_threads_running_the_bands_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "_fork_labels", lambda *_: pytest.fail("forked beside another thread"))
    shared = shared_corpus()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        labels = labels_in_processes(shared, 2)
    finally:
        stop.set()
        other.join()
    assert np.array_equal(labels.roots, labels_here(shared).roots)


def test_a_band_process_that_dies_stops_phase_b_and_leaves_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def dies(shared, bands=None):
        if os.getpid() != parent:
            os._exit(3)
        return real(shared, bands)

    parent, real = os.getpid(), local.labels_here
    monkeypatch.setattr(local, "labels_here", dies)
    with pytest.raises(WorkerError, match="a process of phase B died"):
        labels_in_processes(shared_corpus(), 3)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was reaped


def test_the_pool_stops_after_phase_a_and_starts_again_for_more_work() -> None:
    with Workers(DedupConfig(), 2) as workers:
        chunks = list(workers.prepare(Document(str(i), "A paragraph of words enough to count here.", "a.jsonl", i) for i in range(100)))
        assert [len(c.ids) for c in chunks] == [64, 36]
        assert workers.pool is None and threading.active_count() == 1
        assert list(workers.map(divmod, [(7, 2), (9, 4)])) == [(3, 1), (2, 1)]
        assert workers.pool is not None
    assert workers.pool is None


def test_workers_take_no_stop_signal_of_the_main_process_and_its_mask_is_restored() -> None:
    """Forked with Ctrl-C and SIGTERM held back, a worker sets its own handling (SIGTERM ends it, Ctrl-C is
    the main process's) and then lets them through; the main process's handlers and mask are as before."""
    import signal

    handler = lambda *_: None  # noqa: E731 (a handler of the main process's own, as the CLI installs)
    before = signal.signal(signal.SIGTERM, handler)
    try:
        with Workers(DedupConfig(), 2) as workers:
            calls = [(signal.SIGTERM,), (signal.SIGINT,)] * 4
            handlers = list(workers.map(signal.getsignal, calls))
            masks = list(workers.map(signal.pthread_sigmask, [(signal.SIG_BLOCK, [])] * 4))
        assert handlers == [signal.SIG_DFL, signal.SIG_IGN] * 4
        assert all(not {signal.SIGINT, signal.SIGTERM} & mask for mask in masks)
        assert signal.getsignal(signal.SIGTERM) is handler
        assert not {signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.signal(signal.SIGTERM, before)
