"""Executors own parallelism: they map phase A over documents, in input order, with N workers: local
processes (`local`) or tasks on a Ray cluster (`ray`, the optional extra)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..config import DedupConfig
from ..errors import ConfigError
from ..pipeline import PrepareAll, PreparedChunk
from ..records import Document
from .local import prepare_in_processes

EXECUTORS = ("local", "ray")

__all__ = ["EXECUTORS", "prepare_in_processes", "preparer_for"]


def preparer_for(config: DedupConfig, executor: str = "local", jobs: int = 1, ray_address: str | None = None) -> PrepareAll:
    """Phase A's mapper for `run`: `jobs` local processes, or Ray tasks (joining `ray_address` when
    given); the result does not depend on the choice.

    >>> preparer_for(DedupConfig(), "spark")
    Traceback (most recent call last):
    dedup.errors.ConfigError: executor must be local or ray, not 'spark'
    """
    if executor == "local":
        if ray_address is not None:
            raise ConfigError("--ray-address is for --executor ray")
        return lambda docs: prepare_in_processes(docs, config, jobs)
    if executor == "ray":
        from .ray import import_ray, prepare_on_ray

        import_ray()  # a missing extra is a usage error now, before any input is read

        def prepare(docs: Iterable[Document]) -> Iterator[PreparedChunk]:
            return prepare_on_ray(docs, config, ray_address)

        return prepare
    raise ConfigError(f"executor must be local or ray, not {executor!r}")
