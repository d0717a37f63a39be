"""Phase A as Ray tasks, one per chunk of documents (phase B's tasks are in ray_cluster.py); a bounded
number in flight, results taken in order, so the output is byte for byte the local executor's. A task
whose worker process dies is retried by Ray itself (`max_retries`). Ray is imported only when this
executor runs: it is the optional `ray` extra."""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

from ..config import DedupConfig
from ..errors import ConfigError, WorkerError
from ..pipeline import PreparedChunk, Preparer, chunked
from ..records import Document

# Times Ray runs a chunk's task again after its worker process died (killed, out of memory, node lost).
MAX_RETRIES = 3
# Tasks in flight per CPU of the cluster: enough to keep every worker busy, few enough that the chunks
# waiting to be taken in order do not fill the driver's memory.
TASKS_PER_CPU = 4
# How long --ray-address HOST:PORT may take to accept a connection.
CONNECT_TIMEOUT_S = 10.0

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


def in_order(ray: ModuleType, function: Callable[..., Any], calls: Iterable[tuple[Any, ...]], per_cpu: int) -> Iterator[Any]:
    """function(*args) for each of `calls` as Ray tasks, results in the calls' order, at most `per_cpu`
    tasks per CPU of the cluster in flight; a task is retried MAX_RETRIES times when its worker dies."""
    remote = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(function)
    in_flight = per_cpu * max(1, int(ray.cluster_resources().get("CPU", 1)))
    calls = iter(calls)
    pending: deque[Any] = deque()
    while True:
        while len(pending) < in_flight and (args := next(calls, None)) is not None:
            pending.append(remote.remote(*args))
        if not pending:
            return
        try:
            yield ray.get(pending.popleft())
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError, ray.exceptions.OutOfMemoryError) as err:
            raise WorkerError(f"a Ray task died {MAX_RETRIES + 1} times (killed, or out of memory?); nothing was written: "
                              f"{type(err).__name__}") from None


def prepare_on_ray(documents: Iterable[Document], config: DedupConfig, ray_address: str | None = None,
                   task: Callable[[DedupConfig, list[Document]], PreparedChunk] = prepare_chunk) -> Iterator[PreparedChunk]:
    """Prepare documents as Ray tasks, one per chunk, in input order (joining Ray as join_ray does).
    `task` is what a task runs on a chunk (tests pass one that kills its worker, to see Ray retry it);
    every node needs dedup installed."""
    ray = join_ray(ray_address)
    config_ref = ray.put(config)
    yield from in_order(ray, task, ((config_ref, chunk) for chunk in chunked(documents)), TASKS_PER_CPU)
