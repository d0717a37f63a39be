"""rensa (MinHash in Rust) as its README shows it: one RMinHash per paragraph updated with its shingles,
then RMinHashLSH query and insert; a paragraph with a candidate is a duplicate (no verification)."""

from common import paragraphs, parse_args, report, shingles
from rensa import RMinHash, RMinHashLSH


def main() -> None:
    args = parse_args(__doc__)
    lsh = RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=args.bands)
    seen = duplicates = 0
    for key, text in enumerate(paragraphs(args.corpus)):
        m = RMinHash(num_perm=args.num_perm, seed=args.seed)
        m.update(list(shingles(text, args.shingle, args.shingle_size)))
        seen += 1
        if lsh.query(m):
            duplicates += 1
        else:
            lsh.insert(key, m)
    report(paragraphs=seen, duplicates=duplicates)


if __name__ == "__main__":
    main()
