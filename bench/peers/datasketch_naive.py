"""datasketch used the plain way: one MinHash per paragraph fed token by token with `update`, then
`MinHashLSH.query` and `insert`; a paragraph with a candidate is counted as a duplicate (no verification)."""

from common import paragraphs, parse_args, report, shingles
from datasketch import MinHash, MinHashLSH


def main() -> None:
    args = parse_args(__doc__)
    lsh = MinHashLSH(num_perm=args.num_perm, params=(args.bands, args.rows))
    seen = duplicates = 0
    for key, text in enumerate(paragraphs(args.corpus)):
        m = MinHash(num_perm=args.num_perm, seed=args.seed)
        for shingle in shingles(text, args.shingle, args.shingle_size):
            m.update(shingle.encode("utf-8"))
        seen += 1
        if lsh.query(m):
            duplicates += 1
        else:
            lsh.insert(key, m)
    report(paragraphs=seen, duplicates=duplicates)


if __name__ == "__main__":
    main()
