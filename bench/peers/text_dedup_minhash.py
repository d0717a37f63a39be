"""text-dedup's MinHash (its `text_dedup.minhash` command) on paragraphs as records: the paragraphs are
written to a JSONL file, which its command loads with `datasets`, fingerprints, clusters and saves.
text-dedup shingles words only (it splits on non-word characters): `--shingle char` is not possible and
word n-grams of the same size are used; it needs at least one word n-gram (min_length 0 keeps all)."""

import json
import os
import sys
from pathlib import Path

from common import paragraphs, parse_args, report


def main() -> None:
    args = parse_args(__doc__)
    work = Path(args.workdir)
    data = work / "paragraphs.jsonl"
    with data.open("w", encoding="utf-8") as handle:
        seen = 0
        for text in paragraphs(args.corpus):
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
            seen += 1
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from text_dedup.minhash import main as minhash

    argv = ["--path", "json", "--data_files", str(data), "--split", "train", "--cache_dir", str(work / "cache"),
            "--output", str(work / "out"), "--column", "text", "--ngram", str(args.shingle_size), "--min_length", "0",
            "--num_perm", str(args.num_perm), "--threshold", str(args.threshold), "--b", str(args.bands),
            "--r", str(args.rows), "--seed", str(args.seed), "--num_proc", str(args.jobs)]
    try:
        minhash(argv, standalone_mode=False)
    except SystemExit as stop:
        if stop.code:
            sys.exit(stop.code)
    from datasets import load_from_disk

    kept = len(load_from_disk(str(work / "out")))
    report(paragraphs=seen, duplicates=seen - kept, shingle=f"word {args.shingle_size}-grams")


if __name__ == "__main__":
    main()
