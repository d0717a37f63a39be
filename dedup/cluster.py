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


def _near_duplicates(
    reps: np.ndarray, sig_rows: np.ndarray, sigs: np.ndarray, threshold: float, bands: int, rows: int
) -> Iterator[Match]:
    """Yield a Match for every representative that is a verified near-duplicate of a kept one."""
    if len(reps) < 2:
        return
    rep_sigs = sigs[sig_rows[reps]]
    keys = band_keys(rep_sigs, bands, rows)
    parent = np.arange(len(reps))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for band in range(bands):
        order = np.argsort(keys[:, band], kind="stable")
        same = keys[order[1:], band] == keys[order[:-1], band]
        for a, b in zip(order[:-1][same].tolist(), order[1:][same].tolist()):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(len(reps))])
    by_root = np.argsort(roots, kind="stable")  # members of a component stay in input order
    bounds = np.flatnonzero(np.diff(roots[by_root])) + 1
    for component in np.split(by_root, bounds):
        if len(component) < 2:
            continue
        kept = [int(component[0])]
        for i in component[1:].tolist():
            sims = (rep_sigs[kept] == rep_sigs[i]).mean(axis=1)
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                yield Match(int(reps[i]), int(reps[kept[best]]), float(sims[best]))
            else:
                kept.append(i)
