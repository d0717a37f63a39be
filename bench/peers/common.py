"""What every peer script shares (standard library only: peers run in their own environment).

A peer reads the benchmark's JSONL corpus, takes each non-empty line of a document's text as one
paragraph (the corpus puts one paragraph on a line), and prints one JSON line of counts at the end."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from typing import Any


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("corpus", help="JSONL corpus with a 'text' field")
    parser.add_argument("workdir", help="an empty folder for intermediate files")
    parser.add_argument("--shingle", choices=["char", "word"], default="char")
    parser.add_argument("--shingle-size", type=int, default=5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--bands", type=int, default=32)
    parser.add_argument("--rows", type=int, default=4)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1)
    return parser.parse_args()


def paragraphs(corpus: str) -> Iterator[str]:
    """Every paragraph of every document, in input order."""
    with open(corpus, encoding="utf-8") as handle:
        for line in handle:
            for paragraph in json.loads(line)["text"].split("\n"):
                if paragraph.strip():
                    yield paragraph


def shingles(text: str, kind: str, size: int) -> set[str]:
    """Character or word n-grams of the lower-cased, whitespace-collapsed text (one shingle if shorter)."""
    norm = " ".join(text.lower().split())
    if kind == "word":
        words = norm.split()
        return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}
    return {norm[i : i + size] for i in range(max(1, len(norm) - size + 1))}


def query_then_insert(args: argparse.Namespace, lsh: Any, minhash: Callable[[set[str]], Any]) -> None:
    """The plain LSH loop: a paragraph whose MinHash (`minhash` of its shingles) has a candidate in `lsh`
    counts as a duplicate, else it is inserted; then report the counts."""
    seen = duplicates = 0
    for key, text in enumerate(paragraphs(args.corpus)):
        m = minhash(shingles(text, args.shingle, args.shingle_size))
        seen += 1
        if lsh.query(m):
            duplicates += 1
        else:
            lsh.insert(key, m)
    report(paragraphs=seen, duplicates=duplicates)


def report(**counts: object) -> None:
    """The one line the runner reads: counts of paragraphs seen and duplicates found, and notes."""
    print(json.dumps(counts), flush=True)
