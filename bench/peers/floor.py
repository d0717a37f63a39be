"""The floor: read the corpus, split it into paragraphs (and words for word shingles) and hash every
shingle with one vectorised 64-bit hash (numpy), nothing else. Documents are hashed a thousand at a time,
joined by newlines (a shingle may cross a paragraph end: a negligible difference for a floor)."""

from itertools import islice

import numpy as np
from common import parse_args, report

from dedup.fingerprint import ngram_hashes  # the same vectorised 64-bit hash dedup's shingles use

BASE = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
BASE_INVERSE = np.uint64(pow(int(BASE), -1, 2**64))
BATCH = 1000


def word_values(codes: np.ndarray) -> np.ndarray:
    """A 64-bit value for every whitespace-separated word, from prefix sums of code * BASE**position."""
    space = codes <= 32
    edges = np.flatnonzero(np.diff(np.concatenate(([True], space, [True])).astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    powers = np.cumprod(np.full(len(codes), BASE, dtype=np.uint64))
    inverse = np.cumprod(np.full(len(codes), BASE_INVERSE, dtype=np.uint64))
    prefix = np.concatenate(([np.uint64(0)], np.cumsum(codes * powers, dtype=np.uint64)))
    return (prefix[ends] - prefix[starts]) * inverse[starts]


def main() -> None:
    args = parse_args(__doc__)
    import json

    seen = hashed = 0
    with open(args.corpus, encoding="utf-8") as handle:
        while batch := list(islice(handle, BATCH)):
            text = "\n".join(json.loads(line)["text"] for line in batch)
            seen += sum(1 for paragraph in text.split("\n") if paragraph.strip())
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            values = word_values(codes) if args.shingle == "word" else codes
            hashed += len(ngram_hashes(values, args.shingle_size))
    report(paragraphs=seen, shingles=hashed)


if __name__ == "__main__":
    main()
