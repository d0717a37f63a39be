"""Group paragraphs into duplicate clusters: exact normalised keys, then LSH band keys on MinHash
signatures, then verification, then a keep decision per paragraph. Holds no text: only keys,
signatures and paragraph numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .fingerprint import band_keys


@dataclass(frozen=True, slots=True)
class Match:
    """Paragraph `removed` duplicates paragraph `kept` (both global numbers in input order)."""

    removed: int
    kept: int
    similarity: float


def find_clusters(
    keys: np.ndarray,
    eligible: np.ndarray,
    sig_rows: np.ndarray,
    sigs: np.ndarray,
    threshold: float,
    bands: int,
    rows: int,
) -> list[Match]:
    """Decide which paragraphs are duplicates of an earlier kept one.

    `keys[g]` is paragraph g's exact normalised key, `eligible[g]` whether it may be removed at all,
    `sig_rows[g]` its row in `sigs` (-1 when too short for MinHash). The first paragraph of a cluster in
    input order is kept; a later one goes when its estimated Jaccard similarity to a kept member of its
    cluster reaches `threshold` (chains of pairwise-similar paragraphs never remove a paragraph unlike
    everything kept). Returns one Match per removed paragraph, ordered by `removed`.
    """
    members = np.flatnonzero(eligible)
    if len(members) == 0:
        return []
    order = members[np.argsort(keys[members], kind="stable")]
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    representative = order[np.repeat(starts, np.diff(np.append(starts, len(order))))]

    reps = order[starts]
    reps = np.sort(reps[sig_rows[reps] >= 0])
    near = {m.removed: m for m in _near_duplicates(reps, sig_rows, sigs, threshold, bands, rows)}
    matches = list(near.values())
    for g, rep in zip(order.tolist(), representative.tolist()):
        if g != rep:
            # An exact copy of a paragraph that went as a near-duplicate points at what was kept instead.
            target = near.get(rep)
            matches.append(Match(g, target.kept, target.similarity) if target else Match(g, rep, 1.0))
    return sorted(matches, key=lambda m: m.removed)


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs (i, j), i < j, of rows that share a band key, as an (n, 2) array without repeats.

    Within a bucket each member is paired with the bucket's first member and with its predecessor, not
    with every other member: linear in the bucket's size, and a bucket of near-copies stays connected.
    """
    pairs = []
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        column = keys[order, band]
        same = column[1:] == column[:-1]
        if not same.any():
            continue
        run_start = np.maximum.accumulate(np.where(np.concatenate(([True], ~same)), np.arange(len(order)), 0))
        later = np.flatnonzero(same) + 1
        pairs.append(np.stack([order[later - 1], order[later]], axis=1))
        pairs.append(np.stack([order[run_start[later]], order[later]], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    found = np.sort(np.concatenate(pairs), axis=1)
    found = found[found[:, 0] != found[:, 1]]
    return np.unique(found, axis=0)


def _near_duplicates(
    reps: np.ndarray, sig_rows: np.ndarray, sigs: np.ndarray, threshold: float, bands: int, rows: int
) -> Iterator[Match]:
    """Yield a Match for every representative that is a verified near-duplicate of a kept one.

    Candidate pairs are verified first (estimated Jaccard >= threshold); components of verified pairs
    are then walked in input order, each member compared with the members kept so far.
    """
    if len(reps) < 2:
        return
    rep_sigs = sigs[sig_rows[reps]]
    pairs = candidate_pairs(band_keys(rep_sigs, bands, rows))
    similar = pairs[_similarity(rep_sigs, pairs) >= threshold]
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
    for i in np.unique(similar).tolist():  # ascending: input order
        components.setdefault(find(i), []).append(i)
    for component in components.values():
        kept = [component[0]]
        for i in component[1:]:
            sims = (rep_sigs[kept] == rep_sigs[i]).mean(axis=1)
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                yield Match(int(reps[i]), int(reps[kept[best]]), float(sims[best]))
            else:
                kept.append(i)


def _similarity(sigs: np.ndarray, pairs: np.ndarray, batch: int = 65536) -> np.ndarray:
    """Estimated Jaccard similarity (share of equal MinHash values) of each pair of rows."""
    out = np.empty(len(pairs))
    for start in range(0, len(pairs), batch):
        a, b = pairs[start : start + batch].T
        out[start : start + batch] = (sigs[a] == sigs[b]).mean(axis=1)
    return out
