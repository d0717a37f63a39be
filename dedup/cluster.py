"""Group paragraphs into duplicate clusters: exact normalised keys, then LSH band keys on MinHash
signatures, then verification, then a keep decision per paragraph. Holds no text: only keys,
signatures and paragraph numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .fingerprint import Fingerprints, band_keys


@dataclass(frozen=True, slots=True)
class Match:
    """Paragraph `removed` duplicates paragraph `kept` (both global numbers in input order)."""

    removed: int
    kept: int
    similarity: float


@dataclass(slots=True)
class ParagraphTable:
    """Every paragraph of a corpus as numbers, row g = paragraph g in input order.

    `prints`: their fingerprints (exact keys, eligibility, signatures, lengths, sentence keys for
    containment, and the keys of the names and numbers, which copies share and fills of one template do
    not); `rank`: preference, lowest kept first (input order by default); `fixed`: kept whatever else is
    found (an index's paragraphs, kept by earlier runs), never removed.
    """

    prints: Fingerprints
    rank: np.ndarray
    fixed: np.ndarray


# A near-copy may be this much longer than the copy kept for it, no more (truncations, appended tags).
MAX_GROWTH = 1.5
# A copy of a copy is removed for the kept paragraph only when still this similar to it directly.
CHAIN_FLOOR = 0.45
# Names and numbers each side must have and the other lack before two paragraphs count as other facts.
MIN_FACT_CHANGES = 3
# A contained paragraph is checked against at most this many candidate containers (best ranked first).
MAX_CONTAINERS = 64


def find_clusters(table: ParagraphTable, threshold: float, bands: int, rows: int, map_bands: MapBands | None = None) -> list[Match]:
    """Decide which paragraphs are duplicates of another, kept one.

    Exact copies go first, then near-duplicates: within a cluster the best-ranked paragraph is kept and
    another goes when its estimated Jaccard similarity to a kept member reaches `threshold`, or when it
    copies a removed copy and is still CHAIN_FLOOR similar to that one's kept member (so chains of
    pairwise-similar paragraphs never remove a paragraph unlike everything kept). Last, a paragraph whose
    sentences all stand in one longer paragraph goes as contained in it. Every Match points at a
    paragraph that is kept; a `fixed` paragraph is never removed. Returns one Match per removed
    paragraph, ordered by `removed`. `map_bands` groups the LSH bands (in this process by default).
    """
    prints = table.prints
    members = np.flatnonzero(prints.eligible)
    if len(members) == 0:
        return []
    order = members[np.lexsort((table.rank[members], prints.keys[members]))]
    sorted_keys = prints.keys[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    representative = order[np.repeat(starts, np.diff(np.append(starts, len(order))))]
    matches = {g: Match(g, rep, 1.0) for g, rep in zip(order.tolist(), representative.tolist()) if g != rep and not table.fixed[g]}

    reps = order[starts]
    reps = reps[prints.sig_rows[reps] >= 0]
    reps = reps[np.argsort(table.rank[reps], kind="stable")]
    near = _near_duplicates(table, reps, threshold, bands, rows, map_bands or each_band)
    matches.update((m.removed, m) for m in near)
    matches.update((m.removed, m) for m in _contained(table, matches))
    return [_resolve(matches, matches[g]) for g in sorted(matches)]


def _resolve(matches: dict[int, Match], match: Match) -> Match:
    """Follow kept pointers until a kept paragraph; the similarity is the weakest link's."""
    seen = {match.removed}
    kept, similarity = match.kept, match.similarity
    while kept in matches and kept not in seen:
        seen.add(kept)
        similarity = min(similarity, matches[kept].similarity)
        kept = matches[kept].kept
    return Match(match.removed, kept, similarity)


def _contained(table: ParagraphTable, removed: dict[int, Match]) -> Iterator[Match]:
    """Yield a Match for each eligible paragraph whose sentences all occur in one longer paragraph
    (a headline repeated as a lead sentence) and that is kept; the best ranked such container is chosen.
    `removed` is read as it grows: a paragraph found contained is no container for later ones."""
    prints = table.prints
    counts = np.diff(prints.sentence_ends, prepend=0)
    owners = np.repeat(np.arange(len(prints), dtype=np.int64), counts)
    order = np.lexsort((owners, prints.sentence_keys))
    keys, owners = prints.sentence_keys[order], owners[order]
    distinct = np.concatenate(([True], (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])))
    keys, owners = keys[distinct], owners[distinct]  # (key, paragraph) once each, by key then paragraph
    has = np.flatnonzero(prints.eligible & (counts > 0) & ~table.fixed)
    firsts = prints.sentence_keys[prints.sentence_ends[has] - counts[has]]
    low, high = np.searchsorted(keys, firsts, "left"), np.searchsorted(keys, firsts, "right")
    shared = high - low > 1  # another paragraph holds the first sentence
    for g, lo, hi in zip(has[shared].tolist(), low[shared].tolist(), high[shared].tolist()):
        if g in removed:
            continue
        wanted = set(prints.sentences(g))
        candidates = [q for q in owners[lo:hi].tolist() if prints.lengths[q] > prints.lengths[g] and q not in removed]
        candidates.sort(key=lambda q: table.rank[q])
        for q in candidates[:MAX_CONTAINERS]:
            if wanted <= set(prints.sentences(q)):
                yield Match(g, q, 1.0)
                break


# Maps band_pairs over the columns of a band-key matrix (one column per band), yielding each band's codes
# in any order: in this process by default, or as one Ray task per band (executors/ray.py).
MapBands = Callable[[np.ndarray], Iterable[np.ndarray]]


def band_pairs(column: np.ndarray) -> np.ndarray:
    """The pairs of rows that share a key in one band, as sorted distinct int64 codes i * rows + j (i < j).

    Within a bucket each member is paired with the bucket's first member and with its predecessor, not
    with every other member: linear in the bucket's size, and a bucket of near-copies stays connected.

    >>> band_pairs(np.array([7, 3, 7, 7, 3], dtype=np.uint64)).tolist()  # buckets {0, 2, 3} and {1, 4}
    [2, 3, 9, 13]
    """
    n = np.int64(len(column))
    order = np.argsort(column, kind="stable")
    column = column[order]
    same = column[1:] == column[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    run_start = np.maximum.accumulate(np.where(np.concatenate(([True], ~same)), np.arange(len(order)), 0))
    later = np.flatnonzero(same) + 1
    first = np.concatenate((order[later - 1], order[run_start[later]]))
    second = np.concatenate((order[later], order[later]))
    low, high = np.minimum(first, second), np.maximum(first, second)
    return np.unique((low * n + high)[low != high])


def each_band(keys: np.ndarray) -> Iterator[np.ndarray]:
    """band_pairs of each band of `keys`, one after the other in this process."""
    for band in range(keys.shape[1]):
        yield band_pairs(keys[:, band])


def candidate_pairs(keys: np.ndarray, map_bands: MapBands = each_band) -> np.ndarray:
    """Pairs (i, j), i < j, of rows that share a band key, as an (n, 2) array without repeats, sorted.

    Each band's pairs (band_pairs, mapped over the bands by `map_bands`) come as one int64 code per pair
    and are merged as they come, so memory holds the distinct pairs, not one copy per band they share;
    the merge is a set union, so the result does not depend on where or in which order bands ran.
    """
    n = np.int64(len(keys))
    codes = np.zeros(0, dtype=np.int64)
    for found in map_bands(keys):
        codes = np.union1d(codes, found)
    return np.stack((codes // n, codes % n), axis=1) if len(codes) else np.zeros((0, 2), dtype=np.int64)


def _near_duplicates(table: ParagraphTable, reps: np.ndarray, threshold: float, bands: int, rows: int,
                     map_bands: MapBands) -> Iterator[Match]:
    """Yield a Match for every representative (given best ranked first) that is a verified
    near-duplicate of a kept one.

    Candidate pairs are verified first (estimated Jaccard >= threshold); components of verified pairs
    are then walked in rank order, each member compared with the members kept (or removed) so far. A member more than
    MAX_GROWTH times as long as a kept one is never removed as its copy: that similarity comes from
    holding the kept text plus more, and removing it would lose the more (containment handles the
    shorter one instead). Two paragraphs whose names and numbers mostly differ are not copies however
    alike their wording (fills of one template: different facts).
    """
    if len(reps) < 2:
        return
    prints = table.prints
    sigs, rep_rows = prints.sigs, prints.sig_rows[reps]  # representative i's signature: sigs[rep_rows[i]] (no copy)
    rep_lengths = prints.lengths[reps]
    rep_facts = _Facts(prints, reps)
    pairs = candidate_pairs(band_keys(sigs, bands, rows, rep_rows), map_bands)
    similar = pairs[_similarity(sigs, rep_rows[pairs]) >= threshold]
    similar = similar[[facts_agree(rep_facts[a], rep_facts[b]) for a, b in similar.tolist()]].reshape(-1, 2)
    parent = list(range(len(reps)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in similar.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    components: dict[int, list[int]] = {}
    for i in np.unique(similar).tolist():  # ascending: best ranked first
        components.setdefault(find(i), []).append(i)
    for component in components.values():
        kept = [component[0]]
        target: dict[int, int] = {}  # removed member -> the kept member it copies

        def copy_of(i: int) -> tuple[int, float] | None:
            """The kept member that i copies, directly or through a removed copy, with i's similarity."""
            sims = _copy_similarity(sigs, rep_rows, rep_lengths, rep_facts, kept, i)
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                return kept[best], float(sims[best])
            removed = list(target)
            via = _copy_similarity(sigs, rep_rows, rep_lengths, rep_facts, removed, i) if removed else np.zeros(0)
            if not len(via) or via.max() < threshold:
                return None
            k = target[removed[int(np.argmax(via))]]
            direct = float(_copy_similarity(sigs, rep_rows, rep_lengths, rep_facts, [k], i)[0])
            return (k, direct) if direct >= CHAIN_FLOOR else None

        for i in component[1:]:
            found = None if table.fixed[reps[i]] else copy_of(i)
            if found is None:
                kept.append(i)
                continue
            target[i] = found[0]
            yield Match(int(reps[i]), int(reps[found[0]]), found[1])


class _Facts:
    """The facts of representative i (paragraph reps[i]), read from the fingerprints when first asked."""

    def __init__(self, prints: Fingerprints, reps: np.ndarray) -> None:
        self.prints, self.reps = prints, reps
        self.known: dict[int, tuple[tuple[int, int], ...]] = {}

    def __getitem__(self, i: int) -> tuple[tuple[int, int], ...]:
        found = self.known.get(i)
        if found is None:
            found = self.known[i] = self.prints.facts(int(self.reps[i]))
        return found


def _copy_similarity(sigs: np.ndarray, sig_rows: np.ndarray, lengths: np.ndarray, facts: _Facts, others: list[int], i: int) -> np.ndarray:
    """Estimated Jaccard similarity of paragraph i to each of `others`, 0 where i cannot be their copy
    (paragraph k's signature is sigs[sig_rows[k]])."""
    sims = (sigs[sig_rows[others]] == sigs[sig_rows[i]]).mean(axis=1)
    sims[lengths[others] * MAX_GROWTH < lengths[i]] = 0.0
    sims[[not facts_agree(facts[k], facts[i]) for k in others]] = 0.0
    return sims


def facts_agree(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """False when each side has several names and numbers the other lacks and most are not shared: a
    changed word, a misspelt name, a cut or an added credit still agrees; a template filled with other
    names and numbers does not."""
    exact_a, exact_b = {e for e, _ in a}, {e for e, _ in b}
    only_a = [loose for e, loose in a if e not in exact_b]
    only_b = [loose for e, loose in b if e not in exact_a]
    # A name whose letters are those of a name on the other side, swapped, is the same name misspelt.
    pool = Counter(loose for loose in only_b if loose >= 0)
    matched = 0
    for loose in only_a:
        if loose >= 0 and pool[loose] > 0:
            pool[loose] -= 1
            matched += 1
    differ_a, differ_b = len(only_a) - matched, len(only_b) - matched
    shared = len(a) - differ_a
    return min(differ_a, differ_b) < MIN_FACT_CHANGES or shared * 2 >= shared + differ_a + differ_b


def _similarity(sigs: np.ndarray, pairs: np.ndarray, batch: int = 65536) -> np.ndarray:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair of rows."""
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), batch):
        a, b = pairs[start : start + batch].T
        out[start : start + batch] = (sigs[a] == sigs[b]).mean(axis=1)
    return out
