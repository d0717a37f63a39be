"""Phase B's work over the whole corpus as Ray tasks: one task per LSH band verifies that band's
candidate pairs and labels their components, a tree of tasks merges the labels pairwise, and tasks walk
groups of components. The driver sends the representatives' fingerprints once (one object shared by
every band task) and receives one label per representative that has a near-duplicate, never the pairs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..cluster import NO_LABELS, Components, Labels, MapBands, Match, Representatives, band_labels, merge_labels, walk_components
from .ray import MAX_RETRIES, TASKS_PER_CPU, in_order, join_ray


def labels_on_ray(shared: Representatives, ray_address: str | None = None) -> Labels:
    """cluster.labels_here as Ray tasks: band_labels of each band, then merge_labels of two results at a
    time, level by level, inside the cluster; only the last merge's labels come back."""
    ray = join_ray(ray_address)
    shared_ref = ray.put(shared)
    band_task = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(band_labels)
    merge_task = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(merge_labels)
    level = [band_task.remote(shared_ref, band) for band in range(shared.bands)]
    while len(level) > 2:
        level = [merge_task.remote(*level[i : i + 2]) if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    # The last merge runs through in_order, which turns a task that kept dying into a WorkerError.
    return next(in_order(ray, merge_labels, [(level[0], level[1] if len(level) > 1 else NO_LABELS)], 1))


def walk_on_ray(groups: Iterable[Components], ray_address: str | None = None) -> Iterator[list[Match]]:
    """walk_components of each group as a Ray task (each sent only its members' fingerprints), results
    in the groups' order."""
    return in_order(join_ray(ray_address), walk_components, ((group,) for group in groups), TASKS_PER_CPU)


def on_ray(ray_address: str | None = None) -> MapBands:
    """Phase B's band and component work on the Ray cluster at `ray_address` (joined as join_ray does)."""
    return MapBands(lambda shared: labels_on_ray(shared, ray_address), lambda groups: walk_on_ray(groups, ray_address))
