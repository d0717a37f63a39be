"""datatrove's pipeline on its local executor: documents are read, repaired by its ftfy formatter and line
filtered by its C4 quality filter (defaults), split into paragraphs (one document per non-empty line,
the only step written here), then its four MinHash stages run (signatures, buckets, clusters, filter)
and the kept paragraphs are written. The input is first cut into `--jobs` shards, because datatrove
parallelises over files. datatrove has no similarity threshold (bands x rows decide alone); `--shingle
char` uses a tokenizer that returns characters, `--shingle word` its own English word tokenizer (spaCy)."""

import os
from pathlib import Path

from common import parse_args, report
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.filters import C4QualityFilter
from datatrove.pipeline.formatters import FTFYFormatter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer


class CharTokenizer(WordTokenizer):
    """Characters as tokens, so that datatrove's n-grams are character n-grams."""

    def word_tokenize(self, text: str) -> list[str]:
        return list(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def split_paragraphs(data, rank: int = 0, world_size: int = 1):
    for doc in data:
        lines = [line for line in doc.text.split("\n") if line.strip()]
        for i, line in enumerate(lines):
            yield Document(text=line, id=f"{doc.id}/{i}")


def shard(corpus: str, folder: Path, parts: int) -> None:
    """Cut the JSONL corpus into `parts` files of consecutive lines of about equal size."""
    folder.mkdir(parents=True)
    size = os.path.getsize(corpus)
    with open(corpus, "rb") as source:
        for part in range(parts):
            with open(folder / f"{part:05d}.jsonl", "wb") as target:
                while source.tell() < size * (part + 1) / parts or part == parts - 1:
                    line = source.readline()
                    if not line:
                        break
                    target.write(line)


def count_lines(folder: Path) -> int:
    return sum(sum(1 for _ in path.open("rb")) for path in folder.glob("*.jsonl"))


def main() -> None:
    args = parse_args(__doc__)
    work = Path(args.workdir)
    jobs = args.jobs
    shard(args.corpus, work / "input", jobs)
    config = MinhashConfig(n_grams=args.shingle_size, num_buckets=args.bands, hashes_per_bucket=args.rows, seed=args.seed,
                           hash_config=HashConfig(precision=64))
    language = CharTokenizer("chars") if args.shingle == "char" else "en"
    logs = work / "logs"

    def run(name: str, pipeline: list, tasks: int) -> None:
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=min(jobs, tasks), logging_dir=str(logs / name),
                              skip_completed=False).run()

    run("clean", [JsonlReader(str(work / "input")), FTFYFormatter(), C4QualityFilter(), split_paragraphs,
                  JsonlWriter(str(work / "paragraphs"), compression=None)], jobs)
    run("signatures", [JsonlReader(str(work / "paragraphs")), MinhashDedupSignature(str(work / "sigs"), config=config, language=language)], jobs)
    run("buckets", [MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=config)], args.bands)
    run("clusters", [MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=config)], 1)
    run("filter", [JsonlReader(str(work / "paragraphs")), MinhashDedupFilter(str(work / "remove")),
                   JsonlWriter(str(work / "out"), compression=None)], jobs)
    seen = count_lines(work / "paragraphs")
    report(paragraphs=seen, duplicates=seen - count_lines(work / "out"),
           shingle="characters" if args.shingle == "char" else "words (spaCy)")


if __name__ == "__main__":
    main()
