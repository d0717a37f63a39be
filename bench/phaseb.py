"""Measure phase B (global clustering, `cluster_corpus`) on the throughput benchmark's corpus: its memory,
and the cost of its steps, in this process and (with --ray) as Ray tasks.

    python bench/phaseb.py [--size 100MB] [--jobs 2] [--ray]

1. Phase A over the corpus of bench/corpusgen.py (generated into /tmp/dedup-bench unless there), its
   fingerprints concatenated as `pipeline.run` does, in a child process; saved next to the corpus
   (prints-*.npz) and reused.
2. Phase B alone in a process that only loaded them: the peak resident set is reset first (Linux
   /proc/self/clear_refs), so the peak above the resident set before it is what clustering adds to the
   fingerprints it reads.
   Printed per paragraph and per million paragraphs, with the fingerprints' own bytes for scale.
3. The steps timed one by one in this process: a band's task (band_labels: keys, candidates,
   verification, labels), merging the labels, walking the components; with --ray, the same as Ray tasks
   on a local Ray with 2 CPUs (labels_on_ray twice: cold workers, then warm; walk_on_ray).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from functools import reduce
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpusgen import DEFAULT_CACHE, ensure_corpus, parse_size  # noqa: E402

from dedup import DedupConfig  # noqa: E402
from dedup.cluster import (  # noqa: E402
    NO_LABELS,
    ParagraphTable,
    Representatives,
    band_labels,
    component_groups,
    merge_labels,
    walk_components,
)
from dedup.corpus import Source, read_source  # noqa: E402
from dedup.executors import prepare_in_processes  # noqa: E402
from dedup.fingerprint import Fingerprints, concatenate, lsh_params  # noqa: E402
from dedup.pipeline import cluster_corpus  # noqa: E402

T = TypeVar("T")


def status_kb(field: str) -> int:
    """A `kB` field of /proc/self/status (VmRSS: resident now, VmHWM: peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status (Linux only)")


def save_prints(corpus: Path, cache: Path, config: DedupConfig, jobs: int) -> None:
    """Phase A's fingerprints of the corpus, saved to `cache`."""
    parts = [chunk.prints for chunk in prepare_in_processes(read_source(Source(corpus, corpus.name), 0), config, jobs)]
    prints = concatenate(parts, config.duplicates.num_perm, release=True)
    np.savez(cache, **{name: getattr(prints, name) for name in Fingerprints.__slots__})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100MB")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ray", action="store_true", help="also time the steps as Ray tasks")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)  # the child process of step 1
    args = parser.parse_args()
    config = DedupConfig()
    corpus = ensure_corpus(parse_size(args.size), cache_dir=DEFAULT_CACHE)
    cache = corpus.with_name(f"prints-{corpus.stem}.npz")
    if args.prepare_only:
        save_prints(corpus, cache, config, args.jobs)
        return
    if not cache.exists():
        subprocess.run([sys.executable, __file__, "--size", args.size, "--jobs", str(args.jobs), "--prepare-only"], check=True)
    with np.load(cache) as saved:
        prints = Fingerprints(**{name: saved[name] for name in Fingerprints.__slots__})
    print(f"{len(prints):,} paragraphs, "
          f"{int(np.count_nonzero(prints.sig_rows >= 0)):,} signed, fingerprints {prints.nbytes / 1e6:.0f} MB "
          f"({prints.nbytes / len(prints):.0f} bytes per paragraph)")
    before = status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
    started = time.perf_counter()
    matches = cluster_corpus([prints], config)
    added = (status_kb("VmHWM") - before) * 1024
    print(f"phase B: {time.perf_counter() - started:.1f} s, {len(matches):,} paragraphs removed; resident before "
          f"{before / 1024:.0f} MB, peak added {added / 1e6:.0f} MB = {added / len(prints):.0f} bytes per paragraph, "
          f"{added / len(prints):.0f} MB per million paragraphs")
    time_steps(prints, config, args.ray)


def timed(function: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    return function(), time.perf_counter() - started


def time_steps(prints: Fingerprints, config: DedupConfig, ray: bool) -> None:
    """Time phase B's steps over the representatives cluster_corpus would take (every signed paragraph
    with a distinct exact key, in input order)."""
    dup = config.duplicates
    bands, rows = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
    signed = np.flatnonzero(prints.eligible & (prints.sig_rows >= 0))
    reps = signed[np.sort(np.unique(prints.keys[signed], return_index=True)[1])]
    shared = Representatives(prints, reps, bands, rows, dup.threshold)
    per_band, band_s = [], []
    for band in range(bands):
        labels, seconds = timed(lambda band=band: band_labels(shared, band))
        per_band.append(labels)
        band_s.append(seconds)
    merged, merge_s = timed(lambda: reduce(merge_labels, per_band, NO_LABELS))
    table = ParagraphTable(prints, np.arange(len(prints)), np.zeros(len(prints), dtype=bool))
    groups = list(component_groups(table, reps, merged, dup.threshold))
    _, walk_s = timed(lambda: [walk_components(g) for g in groups])
    print(f"in this process, {len(reps):,} representatives, {bands} bands x {rows} rows: a band's task {1000 * np.mean(band_s):.0f} ms "
          f"(min {1000 * min(band_s):.0f}, max {1000 * max(band_s):.0f}), merging {merge_s:.2f} s, "
          f"{len(merged.nodes):,} labelled in {len(groups)} groups, walking {walk_s:.2f} s")
    if ray:
        import ray as ray_module

        from dedup.executors.ray_cluster import labels_on_ray, walk_on_ray

        ray_module.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        (_, cold), (labels, warm) = timed(lambda: labels_on_ray(shared)), timed(lambda: labels_on_ray(shared))
        _, walk_ray = timed(lambda: list(walk_on_ray(groups)))
        assert np.array_equal(labels.roots, merged.roots)
        print(f"on a local Ray with 2 CPUs: band tasks and merges {cold:.2f} s cold, {warm:.2f} s warm; walking {walk_ray:.2f} s")
        ray_module.shutdown()


if __name__ == "__main__":
    main()
