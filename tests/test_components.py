"""Phase B without gathering pairs: each band's verified pairs are the candidate pairs of that band
that pass verification, so their union is the verification of every candidate; labels merged in any
order and tree shape are the components of all pairs; walking components in groups of any size gives
the same matches. Checked on real paragraphs of the seeds with planted chains of edited copies."""

from __future__ import annotations

import random
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import DedupConfig
from dedup.cluster import (
    IN_PROCESS,
    NO_LABELS,
    Components,
    Labels,
    MapBands,
    Representatives,
    _similarity,
    band_pairs,
    components,
    facts_agree,
    labels_here,
    merge_labels,
    verified_pairs,
    walk_components,
)
from dedup.fingerprint import band_keys, concatenate, fingerprint, lsh_params
from dedup.pipeline import cluster_corpus

from conftest import ROOT, SEEDS


def reference_labels(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Each node of `edges` with the smallest node of its component, by a plain union-find."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {node: find(node) for node in parent}


def as_dict(labels: Labels) -> dict[int, int]:
    assert np.array_equal(labels.nodes, np.unique(labels.nodes))  # distinct, ascending
    return dict(zip(labels.nodes.tolist(), labels.roots.tolist()))


edge_lists = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=120)


@settings(max_examples=150, deadline=None)
@given(edge_lists, st.randoms(use_true_random=False))
def test_components_are_a_union_find_whatever_the_order_of_the_pairs(edges, rng) -> None:
    a, b = (np.array(side, dtype=np.int64) for side in zip(*edges)) if edges else (np.zeros(0, dtype=np.int64),) * 2
    expected = reference_labels(edges)
    assert as_dict(components(a, b)) == expected
    shuffled = [(b, a) if rng.random() < 0.5 else (a, b) for a, b in rng.sample(edges, len(edges))]
    a2, b2 = (np.array(side, dtype=np.int64) for side in zip(*shuffled)) if shuffled else (a, b)
    assert as_dict(components(a2, b2)) == expected


@settings(max_examples=150, deadline=None)
@given(edge_lists, st.integers(1, 8), st.randoms(use_true_random=False))
def test_labels_merged_in_any_tree_are_the_components_of_all_pairs(edges, parts, rng) -> None:
    pieces: list[list[tuple[int, int]]] = [[] for _ in range(parts)]
    for edge in edges:
        pieces[rng.randrange(parts)].append(edge)
    level = [components(np.array([a for a, _ in p], dtype=np.int64), np.array([b for _, b in p], dtype=np.int64)) for p in pieces]
    while len(level) > 1:  # merge two random label maps at a time, as the tree of Ray tasks does in some order
        first = level.pop(rng.randrange(len(level)))
        second = level.pop(rng.randrange(len(level)))
        level.append(merge_labels(first, second))
    assert as_dict(level[0]) == reference_labels(edges)
    assert as_dict(merge_labels(level[0], NO_LABELS)) == as_dict(level[0])


def edited(text: str, rng: random.Random, changes: int) -> str:
    words = text.split()
    for i in rng.sample(range(len(words)), changes):
        words[i] = rng.choice(["however", "nearly", "official", "report", "earlier"])
    return " ".join(words)


def chained_corpus() -> list[str]:
    """The seeds' long paragraphs, each followed later by a chain of copies, each copy an edit of the
    one before (so the last is far from the first), and some verbatim repeats."""
    rng = random.Random(11)
    originals = [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()
                 if len(line.split()) >= 30]
    paragraphs = list(originals)
    for text in originals:
        chain = [text]
        for _ in range(rng.randrange(1, 5)):
            chain.append(edited(chain[-1], rng, max(2, len(text.split()) // 10)))
        paragraphs.extend(chain[1:])
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(chain))
    return paragraphs


def representatives(paragraphs: list[str]) -> Representatives:
    dup = DedupConfig().duplicates
    prints = fingerprint(paragraphs, dup)
    bands, rows = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
    return Representatives(prints, np.flatnonzero(prints.sig_rows >= 0), bands, rows, dup.threshold)


def test_verified_pairs_of_each_band_are_its_candidates_that_pass_verification() -> None:
    shared = representatives(chained_corpus())
    prints, reps, n = shared.prints, shared.reps, len(shared.reps)
    keys = band_keys(prints.sigs, shared.bands, shared.rows, prints.sig_rows[reps])
    candidates = np.unique(np.concatenate([band_pairs(keys[:, band]) for band in range(shared.bands)]))
    a, b = candidates // n, candidates % n
    similar = _similarity(prints.sigs, np.stack((prints.sig_rows[reps[a]], prints.sig_rows[reps[b]]), axis=1)) >= shared.threshold
    agree = np.array([facts_agree(prints.facts(int(reps[i])), prints.facts(int(reps[j]))) for i, j in zip(a.tolist(), b.tolist())])
    expected = candidates[similar & agree]
    per_band = [verified_pairs(shared, band) for band in range(shared.bands)]
    assert all(np.isin(codes, candidates).all() for codes in per_band)
    assert np.array_equal(np.unique(np.concatenate(per_band)), expected)
    assert len(expected) > 100 and len(expected) < len(candidates)  # verification removes some candidates
    labels = labels_here(shared)
    assert as_dict(labels) == reference_labels(list(zip((expected // n).tolist(), (expected % n).tolist())))


def one_per_component(group: Components) -> list[Components]:
    ends = [*group.starts[1:].tolist(), len(group.paragraphs)]
    return [Components(group.paragraphs[a:b], group.prints.select(np.arange(a, b)), group.fixed[a:b], np.zeros(1, dtype=np.int64),
                       group.threshold) for a, b in zip(group.starts.tolist(), ends)]


def all_in_one(groups: list[Components]) -> Components:
    offsets = np.cumsum([0] + [len(g.paragraphs) for g in groups])
    return Components(np.concatenate([g.paragraphs for g in groups]), concatenate([g.prints for g in groups], groups[0].prints.sigs.shape[1]),
                      np.concatenate([g.fixed for g in groups]), np.concatenate([g.starts + o for g, o in zip(groups, offsets)]), groups[0].threshold)


def test_walking_components_in_groups_of_any_size_and_order_gives_the_same_matches() -> None:
    paragraphs = chained_corpus()
    config = DedupConfig()
    prints = fingerprint(paragraphs, config.duplicates)
    matches = cluster_corpus([prints], config)
    assert len(matches) > 50 and any(m.similarity < config.duplicates.threshold for m in matches)  # chains were followed

    def singly(groups):  # every component its own group, walked last first
        return reversed([walk_components(c) for g in groups for c in one_per_component(g)])

    def together(groups):
        groups = list(groups)
        return [walk_components(all_in_one(groups))] if groups else []

    for walk in (singly, together):
        assert cluster_corpus([prints], config, map_bands=MapBands(IN_PROCESS.labels, walk)) == matches


def test_the_phase_b_benchmark_times_every_step_on_the_same_components(capsys) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import phaseb

    every = representatives(chained_corpus())
    prints = every.prints
    first = {}  # the first signed paragraph of each distinct text: the representatives phase B takes
    for g in np.flatnonzero(prints.eligible & (prints.sig_rows >= 0)).tolist():
        first.setdefault(int(prints.keys[g]), g)
    shared = Representatives(prints, np.array(sorted(first.values())), every.bands, every.rows, every.threshold)
    assert len(shared.reps) < len(every.reps)  # the corpus has verbatim repeats
    phaseb.time_steps(prints, DedupConfig(), ray=False)
    printed = capsys.readouterr().out
    assert f"{len(shared.reps):,} representatives" in printed and "a band's task" in printed
    assert f"{len(labels_here(shared).nodes):,} labelled" in printed
