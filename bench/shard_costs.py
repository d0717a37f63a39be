"""What one shard costs each side of `--executor ray`, measured in this process with the functions the
tasks run, for the README's estimate of a large run (CPU seconds: on a shared machine they vary less
than wall-clock time).

    python bench/shard_costs.py [--size 10MB] [CORPUS.jsonl]

On one input file (by default bench/corpusgen.py's corpus of --size): a reading task's work (reading,
phase A a chunk at a time: corpus.read_source, ray.prepare_chunk), the driver's phase B over the
chunks' compact arrays (pipeline.decide), a writing task's work (ray.finish_sources: phase C and the
atomic write), and the bytes that go back to the driver (the pickled Read) and stay in Ray's object
store (the chunks' text).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # measure the dedup of this checkout, whatever else is installed
sys.path.insert(0, str(BENCH))

from corpusgen import ensure_corpus, parse_size  # noqa: E402

from dedup import DedupConfig  # noqa: E402
from dedup.corpus import Source, read_source  # noqa: E402
from dedup.executors.ray import Read, finish_sources, prepare_chunk  # noqa: E402
from dedup.pipeline import chunked, decide  # noqa: E402
from dedup.runner import Output  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, help="a JSONL file (default: the generated corpus of --size)")
    parser.add_argument("--size", default="10MB", help="size of the generated corpus [default: 10MB]")
    args = parser.parse_args(argv)
    path = args.corpus or ensure_corpus(parse_size(args.size))
    config, source, clock = DedupConfig(), Source(path, path.name), time.process_time
    t0 = clock()
    docs = list(read_source(source, 0))
    t1 = clock()
    chunks = [prepare_chunk(config, chunk) for chunk in chunked(docs)]
    t2 = clock()
    text = [chunk.text for chunk in chunks]
    for chunk in chunks:
        chunk.text = b""
    back = len(pickle.dumps(Read(chunks, len(docs), 0, []), protocol=pickle.HIGHEST_PROTOCOL))
    t3 = clock()
    decisions = decide(chunks, config)
    t4 = clock()
    with tempfile.TemporaryDirectory() as out:
        finish_sources(config, Output(Path(out), "text", "id", False, 0, True), 0, [source], text, decisions.verdicts,
                       decisions.repeated, False, ".")
    t5 = clock()
    paragraphs, size = int(decisions.ends[-1]), path.stat().st_size
    print(f"{path.name}: {size / 1e6:.1f} MB, {len(docs):,} documents, {len(chunks)} chunks, {paragraphs:,} paragraphs")
    print(f"reading task: read {t1 - t0:.2f} s, phase A {t2 - t1:.2f} s ({(t2 - t1) / len(chunks) * 1000:.0f} ms per chunk)")
    print(f"driver: phase B {t4 - t3:.2f} s; writing task: phase C and write {t5 - t4:.2f} s")
    print(f"back to the driver {back / 1e6:.1f} MB ({back / paragraphs:.0f} bytes per paragraph); "
          f"text in the object store {sum(map(len, text)) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
