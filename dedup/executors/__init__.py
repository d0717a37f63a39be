"""Executors own parallelism: they map phase A over documents, in input order, with N workers."""

from .local import prepare_in_processes

__all__ = ["prepare_in_processes"]
