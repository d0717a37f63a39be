"""Executors own parallelism: they map phase A over documents, in input order, with N workers (local
processes, or tasks on a Ray cluster: the optional extra), and with Ray also phase B's work per band and
per group of components."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from ..cluster import MapBands
from ..config import DedupConfig
from ..errors import ConfigError
from ..pipeline import PrepareAll, PreparedChunk
from ..records import Document
from .local import prepare_in_processes

EXECUTORS = ("local", "ray")

__all__ = ["EXECUTORS", "Executor", "executor_for", "prepare_in_processes"]


class Executor(NamedTuple):
    """Where a run's work goes, as `run` takes it: phase A's mapper, and where phase B's band and
    component work runs (None: in this process)."""

    prepare_all: PrepareAll
    map_bands: MapBands | None = None


def executor_for(config: DedupConfig, executor: str = "local", jobs: int = 1, ray_address: str | None = None) -> Executor:
    """`jobs` local processes, or Ray tasks (joining `ray_address` when given); the result does not
    depend on the choice.

    >>> executor_for(DedupConfig(), "spark")
    Traceback (most recent call last):
    dedup.errors.ConfigError: executor must be local or ray, not 'spark'
    """
    if executor == "local":
        if ray_address is not None:
            raise ConfigError("--ray-address is for --executor ray")
        return Executor(lambda docs: prepare_in_processes(docs, config, jobs))
    if executor == "ray":
        if jobs != 1:
            raise ConfigError("--jobs is for --executor local; with --executor ray the tasks use every CPU of the Ray cluster")
        from .ray import import_ray, prepare_on_ray
        from .ray_cluster import on_ray

        import_ray()  # a missing extra is a usage error now, before any input is read

        def prepare(docs: Iterable[Document]) -> Iterator[PreparedChunk]:
            return prepare_on_ray(docs, config, ray_address)

        return Executor(prepare, on_ray(ray_address))
    raise ConfigError(f"executor must be local or ray, not {executor!r}")
