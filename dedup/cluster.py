"""Group paragraphs into duplicate clusters: exact normalised keys, then LSH band keys on MinHash
signatures, then verification, then a keep decision per paragraph. Holds no text: only keys,
signatures and paragraph numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

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
# Members of near-duplicate components walked by one task (whole components; a larger one alone).
MEMBERS_PER_GROUP = 1 << 14


def find_clusters(table: ParagraphTable, threshold: float, bands: int, rows: int, map_bands: MapBands | None = None) -> list[Match]:
    """Decide which paragraphs are duplicates of another, kept one.

    Exact copies go first, then near-duplicates: within a cluster the best-ranked paragraph is kept and
    another goes when its estimated Jaccard similarity to a kept member reaches `threshold`, or when it
    copies a removed copy and is still CHAIN_FLOOR similar to that one's kept member (so chains of
    pairwise-similar paragraphs never remove a paragraph unlike everything kept). Last, a paragraph whose
    sentences all stand in one longer paragraph goes as contained in it. Every Match points at a
    paragraph that is kept; a `fixed` paragraph is never removed. Returns one Match per removed
    paragraph, ordered by `removed`. `map_bands` runs the per-band and per-component work (in this
    process by default).
    """
    if not table.prints.eligible.any():
        return []
    matches, reps = _exact_copies(table)
    near = _near_duplicates(table, reps, threshold, bands, rows, map_bands or IN_PROCESS)
    matches.update((m.removed, m) for m in near)
    matches.update((m.removed, m) for m in _contained(table, matches))
    return [_resolve(matches, matches[g]) for g in sorted(matches)]


def _exact_copies(table: ParagraphTable) -> tuple[dict[int, Match], np.ndarray]:
    """A Match for each eligible paragraph whose exact key a better ranked one has (unless fixed), and the
    signed representatives of the exact-key groups (each group's best ranked), best ranked first."""
    prints = table.prints
    members = np.flatnonzero(prints.eligible)
    order = members[np.lexsort((table.rank[members], prints.keys[members]))]
    sorted_keys = prints.keys[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    representative = order[np.repeat(starts, np.diff(np.append(starts, len(order))))]
    copy = (order != representative) & ~table.fixed[order]
    matches = {g: Match(g, rep, 1.0) for g, rep in zip(order[copy].tolist(), representative[copy].tolist())}
    reps = order[starts]
    reps = reps[prints.sig_rows[reps] >= 0]
    return matches, reps[np.argsort(table.rank[reps], kind="stable")]


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
    (a headline repeated as a lead sentence) and that is kept: the best ranked container among the first
    MAX_CONTAINERS longer ones holding its first sentence. A paragraph found contained is no container for
    later ones. Containers must hold the paragraph's rarest sentence too, so only its holders are tried, and
    a paragraph with a sentence no other holds is passed over at once (at 1 GB, 413,000 of the 735,000
    paragraphs whose first sentence others hold, up to 3,332 others)."""
    prints = table.prints
    if not len(prints.sentence_keys):
        return
    counts = np.diff(prints.sentence_ends, prepend=0)
    owners = np.repeat(np.arange(len(prints), dtype=np.int64), counts)
    place = np.empty(len(prints), dtype=np.int64)  # each paragraph's place by rank, ties in input order
    place[np.argsort(table.rank, kind="stable")] = np.arange(len(prints))
    order = np.lexsort((place[owners], prints.sentence_keys))  # by key, then best ranked first
    keys, owners = prints.sentence_keys[order], owners[order]
    new_key = np.concatenate(([True], keys[1:] != keys[:-1]))
    distinct = new_key | np.concatenate(([True], owners[1:] != owners[:-1]))
    gone = np.zeros(len(prints), dtype=bool)
    gone[list(removed)] = True
    distinct[distinct] = ~gone[owners[distinct]]  # removed paragraphs neither contain nor are contained
    # Each sentence's key as the range [low, high) of the table of (key, paragraph) once each, by key.
    before = np.cumsum(distinct) - distinct
    key_starts = np.flatnonzero(new_key)
    low, high = before[key_starts], np.append(before[key_starts[1:]], np.count_nonzero(distinct))
    key_of = np.empty(len(order), dtype=np.int64)  # each sentence's key, numbered by that table
    key_of[order] = np.cumsum(new_key) - 1
    del keys, new_key, before, key_starts, order, place  # at 1 GB each is 60 MB
    owners = owners[distinct]
    has = np.flatnonzero(prints.eligible & (counts > 0) & ~table.fixed & ~gone)
    ends = np.cumsum(counts[has])
    key_of = key_of[np.repeat(prints.sentence_ends[has] - ends, counts[has]) + np.arange(ends[-1] if len(ends) else 0)]
    low, high = low[key_of], high[key_of]
    starts = ends - counts[has]
    rarest = starts + _argmin_per_run(high - low, starts)
    shared = high[rarest] - low[rarest] > 1  # another paragraph holds each of its sentences
    sentence_set = lru_cache(maxsize=1 << 16)(lambda q: frozenset(prints.sentences(q)))
    for g, first, rare in zip(has[shared].tolist(), starts[shared].tolist(), rarest[shared].tolist()):
        length, wanted = prints.lengths[g], None
        for q in owners[low[rare] : high[rare]].tolist():
            if gone[q] or prints.lengths[q] <= length:
                continue
            wanted = wanted or set(prints.sentences(g))
            if wanted <= sentence_set(q):
                if _within_cap(owners[low[first] : high[first]], q, prints.lengths, length, gone):
                    gone[g] = True
                    yield Match(g, q, 1.0)
                break


def _argmin_per_run(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The offset of the first smallest value within each run values[starts[k]:starts[k + 1]] (runs not empty).

    >>> _argmin_per_run(np.array([5, 2, 2, 7, 3, 1]), np.array([0, 3, 4])).tolist()
    [1, 0, 1]
    """
    if not len(starts):
        return starts
    lowest = np.flatnonzero(values == np.repeat(np.minimum.reduceat(values, starts), np.diff(starts, append=len(values))))
    return lowest[np.searchsorted(lowest, starts)] - starts


def _within_cap(holders: np.ndarray, container: int, lengths: np.ndarray, length: int, gone: np.ndarray) -> bool:
    """Whether `container` is among the first MAX_CONTAINERS of `holders` (ranked) that are longer than
    `length` and not gone: the containers tried for a paragraph of that length."""
    if len(holders) <= MAX_CONTAINERS:
        return True
    before = holders[: int(np.flatnonzero(holders == container)[0])]
    return int(np.count_nonzero((lengths[before] > length) & ~gone[before])) < MAX_CONTAINERS


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


@dataclass(frozen=True, slots=True)
class Representatives:
    """What every band's work reads (with Ray: one object in the object store, shared by the band
    tasks): representative i is paragraph reps[i] of `prints`, best ranked first; LSH `bands` x `rows`
    and the similarity `threshold` a candidate pair must reach."""

    prints: Fingerprints
    reps: np.ndarray
    bands: int
    rows: int
    threshold: float


class Labels(NamedTuple):
    """Connected components as labels: each of `nodes` (distinct, ascending) with its component's
    smallest node in `roots`. Nodes are representatives; one in no pair has no label."""

    nodes: np.ndarray
    roots: np.ndarray


NO_LABELS = Labels(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def verified_pairs(shared: Representatives, band: int) -> np.ndarray:
    """The pairs of representatives that share band `band`'s key and are verified near-duplicates
    (estimated Jaccard >= threshold, facts_agree), as sorted int64 codes i * len(reps) + j (i < j).

    The band's keys are computed here from the signatures, so no matrix of every band's keys exists, and
    only verified pairs leave: the union over the bands is the verification of every candidate pair.
    """
    prints, n = shared.prints, len(shared.reps)
    rows = prints.sig_rows[shared.reps]
    first = band * shared.rows
    # Keys are compared within this band only, so hashing its columns as band 0 of band_keys serves.
    codes = band_pairs(band_keys(prints.sigs[:, first : first + shared.rows], 1, shared.rows, rows)[:, 0])
    a, b = codes // n, codes % n
    keep = _similarity(prints.sigs, np.stack((rows[a], rows[b]), axis=1)) >= shared.threshold
    # facts_agree holds wherever a side has fewer than MIN_FACT_CHANGES names and numbers: ask it the rest.
    ask = np.flatnonzero(keep)
    ask = ask[np.minimum(_fact_counts(prints, shared.reps[a[ask]]), _fact_counts(prints, shared.reps[b[ask]])) >= MIN_FACT_CHANGES]
    keep[ask] = facts_agree_pairs(prints, shared.reps[a[ask]], shared.reps[b[ask]])
    return codes[keep]


def _fact_counts(prints: Fingerprints, paragraphs: np.ndarray) -> np.ndarray:
    """How many names and numbers each of `paragraphs` has."""
    ends = prints.fact_ends[paragraphs]
    return ends - np.where(paragraphs > 0, prints.fact_ends[paragraphs - 1], 0)


def band_labels(shared: Representatives, band: int) -> Labels:
    """Component labels of one band's verified pairs (what a band's task returns to be merged)."""
    codes = verified_pairs(shared, band)
    n = len(shared.reps)
    return components(codes // n, codes % n)


def merge_labels(first: Labels, second: Labels) -> Labels:
    """The components of the union of two sets of pairs, from their labels alone: a node's label is an
    edge to its root, so labels of labels are the labels of all pairs. Associative and commutative.

    >>> merge_labels(Labels(np.array([1, 2]), np.array([1, 1])), Labels(np.array([0, 2]), np.array([0, 0]))).roots.tolist()
    [0, 0, 0]
    """
    return components(np.concatenate((first.nodes, second.nodes)), np.concatenate((first.roots, second.roots)))


def components(a: np.ndarray, b: np.ndarray) -> Labels:
    """Connected components of the pairs (a[k], b[k]), vectorised: every root is hooked under the
    smallest root it is paired with, then paths are halved until each node points at its root; repeated
    until no pair joins two trees. Roots only ever decrease, so each is its component's smallest node.

    >>> components(np.array([5, 3, 9]), np.array([3, 7, 8]))
    Labels(nodes=array([3, 5, 7, 8, 9]), roots=array([3, 3, 3, 8, 8]))
    """
    nodes = np.unique(np.concatenate((a, b)))
    a, b = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    parent = np.arange(len(nodes))
    while True:
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            return Labels(nodes, nodes[parent])
        np.minimum.at(parent, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
        while not np.array_equal(up := parent[parent], parent):
            parent = up


def labels_here(shared: Representatives, bands: Iterable[int] | None = None) -> Labels:
    """The verified pairs of `bands` (every band by default) as component labels, band after band in
    this process."""
    labels = NO_LABELS
    for band in range(shared.bands) if bands is None else bands:
        labels = merge_labels(labels, band_labels(shared, band))
    return labels


@dataclass(frozen=True, slots=True)
class Components:
    """Components of near-duplicate representatives, with only what walking them needs: component k is
    rows starts[k] to starts[k + 1] (or the end), best ranked first; row i is paragraph `paragraphs[i]`,
    whose fingerprints are row i of `prints`, never removed where `fixed[i]`."""

    paragraphs: np.ndarray
    prints: Fingerprints
    fixed: np.ndarray
    starts: np.ndarray
    threshold: float


def component_groups(table: ParagraphTable, reps: np.ndarray, labels: Labels, threshold: float,
                     size: int = MEMBERS_PER_GROUP) -> Iterator[Components]:
    """Labels as Components to walk, components in order of their best ranked member and about `size`
    members a group (a component is never split)."""
    order = np.lexsort((labels.nodes, labels.roots))
    members, roots = labels.nodes[order], labels.roots[order]
    starts = np.flatnonzero(np.concatenate(([True], roots[1:] != roots[:-1]))) if len(roots) else np.zeros(0, dtype=np.int64)
    cuts = np.unique(starts[np.searchsorted(starts, np.arange(0, len(members), size), "right") - 1])
    for first, last in zip(cuts.tolist(), [*cuts[1:].tolist(), len(members)]):
        paragraphs = reps[members[first:last]]
        inside = starts[(starts >= first) & (starts < last)] - first
        yield Components(paragraphs, table.prints.select(paragraphs), table.fixed[paragraphs], inside, threshold)


def walk_components(group: Components) -> list[Match]:
    """A Match for every member of `group`'s components that is a near-duplicate of a kept member.

    Each component is walked in rank order, each member compared with the members kept (or removed)
    so far. A member more than MAX_GROWTH times as long as a kept one is never removed as its copy:
    that similarity comes from holding the kept text plus more, and removing it would lose the more
    (containment handles the shorter one instead). Two paragraphs whose names and numbers mostly differ
    are not copies however alike their wording (fills of one template: different facts).
    """
    prints, threshold = group.prints, group.threshold
    sigs, rows, lengths = prints.sigs, prints.sig_rows, prints.lengths
    facts = _Facts(prints, np.arange(len(prints)))
    found: list[Match] = []
    for first, last in zip(group.starts.tolist(), [*group.starts[1:].tolist(), len(prints)]):
        kept = [first]
        target: dict[int, int] = {}  # removed member -> the kept member it copies

        def copy_of(i: int) -> tuple[int, float] | None:
            """The kept member that i copies, directly or through a removed copy, with i's similarity."""
            sims = _copy_similarity(sigs, rows, lengths, facts, kept, i, threshold)
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                return kept[best], float(sims[best])
            removed = list(target)
            via = _copy_similarity(sigs, rows, lengths, facts, removed, i, threshold) if removed else np.zeros(0)
            if not len(via) or via.max() < threshold:
                return None
            k = target[removed[int(np.argmax(via))]]
            direct = float(_copy_similarity(sigs, rows, lengths, facts, [k], i, CHAIN_FLOOR)[0])
            return (k, direct) if direct >= CHAIN_FLOOR else None

        for i in range(first + 1, last):
            copy = None if group.fixed[i] else copy_of(i)
            if copy is None:
                kept.append(i)
                continue
            target[i] = copy[0]
            found.append(Match(int(group.paragraphs[i]), int(group.paragraphs[copy[0]]), copy[1]))
    return found


class MapBands(NamedTuple):
    """Where phase B's work over the whole corpus runs: `labels` turns Representatives into the
    component labels of every band's verified pairs, `walk` maps walk_components over groups and yields
    the results in the groups' order. In this process by default; on Ray, tasks (executors/ray_cluster.py)."""

    labels: Callable[[Representatives], Labels]
    walk: Callable[[Iterable[Components]], Iterable[list[Match]]]


IN_PROCESS = MapBands(labels_here, lambda groups: map(walk_components, groups))


def _near_duplicates(table: ParagraphTable, reps: np.ndarray, threshold: float, bands: int, rows: int,
                     map_bands: MapBands) -> Iterator[Match]:
    """Yield a Match for every representative (given best ranked first) that is a verified
    near-duplicate of a kept one: verified pairs per band, their components, and the walk of each
    component (walk_components)."""
    if len(reps) < 2:
        return
    labels = map_bands.labels(Representatives(table.prints, reps, bands, rows, threshold))
    for found in map_bands.walk(component_groups(table, reps, labels, threshold)):
        yield from found


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


def _copy_similarity(sigs: np.ndarray, sig_rows: np.ndarray, lengths: np.ndarray, facts: _Facts, others: list[int], i: int,
                     floor: float) -> np.ndarray:
    """Estimated Jaccard similarity of paragraph i to each of `others` (paragraph k's signature is
    sigs[sig_rows[k]]), 0 where i cannot be their copy. Callers only ask which reach `floor`, so the
    names and numbers are compared only for those: in a component of thousands that is a few pairs a
    member, not every kept one."""
    sims = (sigs[sig_rows[others]] == sigs[sig_rows[i]]).mean(axis=1)
    sims[lengths[others] * MAX_GROWTH < lengths[i]] = 0.0
    for j in np.flatnonzero(sims >= floor).tolist():
        if not facts_agree(facts[others[j]], facts[i]):
            sims[j] = 0.0
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


def facts_agree_pairs(prints: Fingerprints, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """facts_agree(prints.facts(first[k]), prints.facts(second[k])) for every k, by sorting all the pairs'
    facts at once: a band's verification asks it of tens of thousands of pairs.

    >>> from dedup.config import DuplicateConfig
    >>> from dedup.fingerprint import fingerprint
    >>> texts = ["Smith met Jones in Leeds on 12 May with 40 staff.", "Smith met Jones in Leeds on 12 May with 40 staff.",
    ...          "Brown met Green in York on 3 June with 95 staff."]
    >>> facts_agree_pairs(fingerprint(texts, DuplicateConfig()), np.array([0, 0]), np.array([1, 2])).tolist()
    [True, False]
    """
    pairs = np.arange(len(first))
    sides, counts = [], [_fact_counts(prints, first), _fact_counts(prints, second)]
    for side, (paragraphs, count) in enumerate(zip((first, second), counts)):
        ends = np.cumsum(count)
        at = np.repeat(prints.fact_ends[paragraphs] - ends, count) + np.arange(ends[-1] if len(ends) else 0)
        sides.append((np.repeat(pairs, count), at, np.full(len(at), side, dtype=np.int8)))
    pair, at, side = (np.concatenate(parts) for parts in zip(*sides))
    # A fact is one side's alone when no fact of the other side in its pair has its exact key.
    order, starts = _runs(pair, prints.fact_keys[at, 0])
    run = np.zeros(len(order), dtype=np.int64)
    run[starts] = 1
    run = np.cumsum(run) - 1
    both = (np.minimum.reduceat(side[order], starts) == 0) & (np.maximum.reduceat(side[order], starts) == 1)
    only = np.empty(len(order), dtype=bool)
    only[order] = ~both[run]
    only_first = np.bincount(pair[only & (side == 0)], minlength=len(pairs))
    only_second = np.bincount(pair[only & (side == 1)], minlength=len(pairs))
    # Loose keys shared by facts alone on both sides are one name misspelt: as many as the smaller count.
    loose = only & prints.fact_loose[at]
    pair, side = pair[loose], side[loose]
    order, starts = _runs(pair, prints.fact_keys[at[loose], 1])
    seconds = np.add.reduceat(side[order].astype(np.int64), starts)
    firsts = np.diff(starts, append=len(order)) - seconds
    matched = np.bincount(pair[order[starts]], weights=np.minimum(firsts, seconds), minlength=len(pairs)).astype(np.int64)
    differ_first, differ_second = only_first - matched, only_second - matched
    shared = counts[0] - differ_first
    return (np.minimum(differ_first, differ_second) < MIN_FACT_CHANGES) | (shared * 2 >= shared + differ_first + differ_second)


def _runs(pair: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order that sorts facts by (pair, key), and where each run of one pair and key starts in it."""
    order = np.lexsort((key, pair))
    p, k = pair[order], key[order]
    return order, np.flatnonzero(np.concatenate(([True], (p[1:] != p[:-1]) | (k[1:] != k[:-1]))))[: len(p)]


def _similarity(sigs: np.ndarray, pairs: np.ndarray, batch: int = 65536) -> np.ndarray:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair of rows."""
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), batch):
        a, b = pairs[start : start + batch].T
        out[start : start + batch] = (sigs[a] == sigs[b]).mean(axis=1)
    return out
