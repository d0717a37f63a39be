"""Measure phase B's memory (global clustering, `cluster_corpus`) on the throughput benchmark's corpus.

    python bench/phaseb_memory.py [--size 100MB] [--jobs 2]

1. Phase A over the corpus of bench/corpusgen.py (generated into /tmp/dedup-bench unless there), its
   fingerprints concatenated as `pipeline.run` does; saved next to the corpus (prints-*.npz) and reused.
2. Phase B alone in this process: the peak resident set is reset first (Linux /proc/self/clear_refs), so
   the peak above the resident set before it is what clustering adds to the fingerprints it reads.
   Printed per paragraph and per million paragraphs, with the fingerprints' own bytes for scale.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpusgen import DEFAULT_CACHE, ensure_corpus, parse_size  # noqa: E402

from dedup import DedupConfig  # noqa: E402
from dedup.corpus import Source, read_source  # noqa: E402
from dedup.executors import prepare_in_processes  # noqa: E402
from dedup.fingerprint import Fingerprints, concatenate  # noqa: E402
from dedup.pipeline import cluster_corpus  # noqa: E402


def status_kb(field: str) -> int:
    """A `kB` field of /proc/self/status (VmRSS: resident now, VmHWM: peak since the last reset)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status (Linux only)")


def prints_of(corpus: Path, config: DedupConfig, jobs: int) -> Fingerprints:
    """Phase A's fingerprints of the corpus, from the cache file when an earlier run saved them."""
    cache = corpus.with_name(f"prints-{corpus.stem}.npz")
    if cache.exists():
        with np.load(cache) as saved:
            return Fingerprints(**{name: saved[name] for name in Fingerprints.__slots__})
    parts = [chunk.prints for chunk in prepare_in_processes(read_source(Source(corpus, corpus.name), 0), config, jobs)]
    prints = concatenate(parts, config.duplicates.num_perm, release=True)
    np.savez(cache, **{name: getattr(prints, name) for name in Fingerprints.__slots__})
    return prints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100MB")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    config = DedupConfig()
    started = time.perf_counter()
    prints = prints_of(ensure_corpus(parse_size(args.size), cache_dir=DEFAULT_CACHE), config, args.jobs)
    print(f"phase A or cache: {time.perf_counter() - started:.1f} s, {len(prints):,} paragraphs, "
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


if __name__ == "__main__":
    main()
