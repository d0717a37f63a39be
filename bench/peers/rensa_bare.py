"""rensa (MinHash in Rust) as its README shows it: one RMinHash per paragraph updated with its shingles,
then RMinHashLSH query and insert; a paragraph with a candidate is a duplicate (no verification)."""

from common import parse_args, query_then_insert
from rensa import RMinHash, RMinHashLSH


def main() -> None:
    args = parse_args(__doc__)

    def minhash(shingles: set[str]) -> RMinHash:
        m = RMinHash(num_perm=args.num_perm, seed=args.seed)
        m.update(list(shingles))
        return m

    query_then_insert(args, RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=args.bands), minhash)


if __name__ == "__main__":
    main()
