"""Executors own parallelism: they map phase A over documents, in input order, with N workers (local
processes, or tasks on a Ray cluster: the optional extra); with Ray also phase B's work per band and
per group of components, and for input files the reading, phase A and the writing of each source as one
task per source."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from ..cluster import MapBands
from ..config import DedupConfig
from ..errors import ConfigError
from ..pipeline import PrepareAll, PreparedChunk
from ..records import Document
from .local import Workers, bands_in_processes, prepare_in_processes

if TYPE_CHECKING:
    from ..corpus import Source, Warn
    from ..index import Index
    from ..runner import Finished, Output, Progress

    # Clean and write input files source by source: (sources, output, index, warn, skip, progress, writing)
    # -> each source's Finished, in input order; writing() is called before the first output is written.
    CleanSources = Callable[[list[Source], Output, Index | None, Warn, Warn | None, Progress, Callable[[], None]],
                            Iterator[Finished]]

EXECUTORS = ("local", "ray")

__all__ = ["EXECUTORS", "Executor", "Workers", "executor_for", "prepare_in_processes"]


class Executor(NamedTuple):
    """Where a run's work goes: phase A's mapper and where phase B's band and component work runs (None:
    in this process), as `run` takes them; for input files, what reads, cleans and writes them source
    by source (None: the runner does); and the local processes that run phases A and C for the runner
    (None: phase A by `prepare_all`, phase C in this process)."""

    prepare_all: PrepareAll
    map_bands: MapBands | None = None
    clean_sources: CleanSources | None = None
    workers: Callable[[], Workers] | None = None


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
        return Executor(lambda docs: prepare_in_processes(docs, config, jobs), bands_in_processes(jobs) if jobs > 1 else None,
                        workers=lambda: Workers(config, jobs))
    if executor == "ray":
        if jobs != 1:
            raise ConfigError("--jobs is for --executor local; with --executor ray the tasks use every CPU of the Ray cluster")
        from .ray import clean_on_ray, import_ray, prepare_on_ray
        from .ray_cluster import on_ray

        import_ray()  # a missing extra is a usage error now, before any input is read

        def prepare(docs: Iterable[Document]) -> Iterator[PreparedChunk]:
            return prepare_on_ray(docs, config, ray_address)

        bands = on_ray(ray_address)

        def clean_sources(sources: list[Source], output: Output, index: Index | None, warn: Warn, skip: Warn | None,
                          progress: Progress, writing: Callable[[], None]) -> Iterator[Finished]:
            return clean_on_ray(sources, config, output, index, warn, skip, progress, writing, ray_address, bands)

        return Executor(prepare, bands, clean_sources)
    raise ConfigError(f"executor must be local or ray, not {executor!r}")
