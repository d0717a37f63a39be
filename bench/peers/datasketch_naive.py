"""datasketch used the plain way: one MinHash per paragraph fed token by token with `update`, then
`MinHashLSH.query` and `insert`; a paragraph with a candidate is counted as a duplicate (no verification)."""

from common import parse_args, query_then_insert
from datasketch import MinHash, MinHashLSH


def main() -> None:
    args = parse_args(__doc__)

    def minhash(shingles: set[str]) -> MinHash:
        m = MinHash(num_perm=args.num_perm, seed=args.seed)
        for shingle in shingles:
            m.update(shingle.encode("utf-8"))
        return m

    query_then_insert(args, MinHashLSH(num_perm=args.num_perm, params=(args.bands, args.rows)), minhash)


if __name__ == "__main__":
    main()
