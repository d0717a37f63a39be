"""Measure the index (`dedup clean --index DIR`): bytes on disk per kept paragraph, and the time to load
an index of a million paragraphs.

    python bench/index_size.py [--source linebench-like.jsonl] [--scale 1000000]

1. Real paragraphs: the pages of a linebench-like JSONL file ({"lines": [...]}; by default
   ../shared/eval/linebench-dev.jsonl) and seeds/*.txt are cleaned as one corpus with default options
   into an empty index; the index's files are summed and divided by its paragraphs, per array file.
2. Scale: those arrays are repeated to `--scale` paragraphs or a few more, saved, and loaded back (checksums and
   consistency checks included) and turned into phase B's fingerprints, timed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from dedup import DuplicateConfig, clean_corpus, load_index, save_index
from dedup.index import ARRAYS, Index

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "eval" / "linebench-dev.jsonl"


def real_index(source: Path, folder: Path) -> Index:
    docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    if source.exists():
        with source.open(encoding="utf-8") as handle:
            docs += ["\n".join(json.loads(line)["lines"]) for line in handle]
    index = load_index(folder, DuplicateConfig())
    for _ in clean_corpus(docs, index=index):
        pass
    save_index(index, folder)
    return load_index(folder, DuplicateConfig())


def sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


def repeated(index: Index, times: int) -> Index:
    """The index's paragraphs (and documents) repeated `times` times: concatenation keeps it consistent."""
    return Index(index.settings, {name: np.concatenate([index.arrays[name]] * times) for name in ARRAYS})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--scale", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        index = real_index(args.source, folder)
        n = len(index)
        files = sizes(folder)
        total = sum(files.values())
        signed = int(index.arrays["signed"].sum())
        print(f"real paragraphs indexed: {n:,} ({signed / n:.0%} with a MinHash signature) in {index.arrays['document_paragraphs'].size:,} documents")
        print(f"on disk: {total:,} bytes = {total / n:,.0f} bytes per paragraph = {total / n:,.0f} MB per million paragraphs")
        for name, size in sorted(files.items(), key=lambda item: -item[1])[:5]:
            print(f"  {name:<28} {size / n:8,.1f} bytes per paragraph")
        if args.scale:
            big = repeated(index, -(-args.scale // n))
            scaled = Path(tmp) / "scaled"
            start = time.perf_counter()
            save_index(big, scaled)
            saved = time.perf_counter() - start
            start = time.perf_counter()
            loaded = load_index(scaled, DuplicateConfig())
            checked = time.perf_counter() - start
            start = time.perf_counter()
            loaded.fingerprints()
            converted = time.perf_counter() - start
            scaled_total = sum(sizes(scaled).values())
            print(f"{len(loaded):,} paragraphs: {scaled_total / 1e6:,.0f} MB on disk; save {saved:.1f} s, "
                  f"load with checks {checked:.1f} s, fingerprints for phase B {converted:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
