"""Near-duplicate paragraphs through find_duplicates: the edits real copies go through are found, the
differences that make two paragraphs distinct are not; short paragraphs, chains and options.

Paragraphs of 30-60 words come from real text: the seeds' long lines (always) and content lines of the
line benchmark in ../shared/eval (when present). Whether a test case is well posed (for instance that
two paragraphs sharing a sentence really are far apart) is checked with a plain reference Jaccard
computed here, independent of dedup's own hashing.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Cluster, ConfigError, DuplicateConfig, find_duplicates
from dedup.cluster import CHAIN_FLOOR, MAX_GROWTH, Components, band_pairs, facts_agree, facts_agree_pairs, walk_components
from dedup.fingerprint import Fingerprints, fingerprint
from dedup.paragraphs import split_sentences

from conftest import SEEDS, SHARED

LINEBENCH = SHARED / "eval" / "linebench-dev.jsonl"
THRESHOLD = DuplicateConfig().threshold


# ----------------------------------------------------------------------------------- reference Jaccard


def ref_shingles(text: str, size: int = 5) -> set[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())
    return {text[i : i + size] for i in range(max(1, len(text) - size + 1))}


def ref_jaccard(a: str, b: str) -> float:
    x, y = ref_shingles(a), ref_shingles(b)
    return len(x & y) / len(x | y)


def distinct(paragraphs: list[str], limit: float = 0.3) -> list[str]:
    """Drop paragraphs that are already near an earlier one (real text holds real copies)."""
    out: list[str] = []
    for p in paragraphs:
        if all(ref_jaccard(p, q) < limit for q in out):
            out.append(p)
    return out


# -------------------------------------------------------------------------------------------- sources


def sentence_list(line: str) -> list[str]:
    return [line[a:b] for a, b in split_sentences(line)]


@cache
def seed_sentences() -> tuple[tuple[str, ...], ...]:
    """Sentences of every seed line, per seed."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\u00a0", " ")
        out.append(tuple(s for line in text.split("\n") for s in sentence_list(line.strip())))
    return tuple(out)


@cache
def seed_paragraphs() -> tuple[str, ...]:
    """Runs of consecutive seed sentences of 30-60 words."""
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").replace("\u00a0", " ").split("\n"):
            run: list[str] = []
            for sentence in sentence_list(line.strip()):
                run.append(sentence)
                words = len(" ".join(run).split())
                if words >= 30:
                    if words <= 60:
                        out.append(" ".join(run))
                    run = []
    return tuple(distinct(out))


@cache
def linebench_paragraphs() -> tuple[str, ...]:
    if not LINEBENCH.exists():
        return ()
    found = []
    with LINEBENCH.open(encoding="utf-8") as handle:
        for record in map(json.loads, handle):
            found += [t for t, label in zip(record["lines"], record["labels"]) if label == 1 and 30 <= len(t.split()) <= 60]
    return tuple(distinct(found[::6]))


def sources() -> list:
    return [
        pytest.param(seed_paragraphs, id="seeds"),
        pytest.param(linebench_paragraphs, id="linebench", marks=pytest.mark.skipif(not LINEBENCH.exists(), reason="no ../shared/eval")),
    ]


# ---------------------------------------------------------------------------------------------- edits

QUOTE_DASH = {'"': "\u201c", "\u201c": '"', "\u201d": '"', "'": "\u2019", "\u2019": "'", "\u2018": "'", "-": "\u2013", "\u2013": "-", "\u2014": " - "}
FILLERS = ["banana", "quickly", "several", "yesterday", "orange", "northern", "meeting", "council"]


def restyle_quotes_and_dashes(text: str, rng: random.Random) -> str:
    text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)  # straight pairs become curly pairs
    return "".join(QUOTE_DASH.get(ch, ch) if ch not in "\u201c\u201d" or rng.random() < 0.5 else ch for ch in text)


def whitespace_and_case(text: str, rng: random.Random) -> str:
    words = text.split()
    return "  " + "\t".join(w.upper() if i % 3 == 0 else w.lower() for i, w in enumerate(words)) + " \n "


def change_words(count: int) -> Callable[[str, random.Random], str]:
    def edit(text: str, rng: random.Random) -> str:
        words = text.split()
        for i in rng.sample([i for i, w in enumerate(words) if len(w) >= 3], count):
            words[i] = rng.choice([f for f in FILLERS if f != words[i].lower()])
        return " ".join(words)

    return edit


def insert_phrase(text: str, rng: random.Random) -> str:
    words = text.split()
    at = rng.randrange(1, len(words))
    return " ".join(words[:at] + ["according", "to", "senior", "officials"] + words[at:])


def drop_phrase(text: str, rng: random.Random) -> str:
    words = text.split()
    at = rng.randrange(0, len(words) - 4)
    return " ".join(words[:at] + words[at + 4 :])


def truncate(text: str, rng: random.Random) -> str:
    words = text.split()
    return " ".join(words[: round(len(words) * 0.85)]) + " ..."


def agency_tag(text: str, rng: random.Random) -> str:
    return text + " (Reuters)"


def scan_noise(text: str, rng: random.Random) -> str:
    """Two or three letters swapped or dropped in each of a few words."""
    words = text.split()
    for i in rng.sample([i for i, w in enumerate(words) if len(w) >= 5], 3):
        letters = list(words[i])
        for _ in range(rng.choice([2, 3]) // 2 + 1):
            j = rng.randrange(len(letters) - 1)
            if rng.random() < 0.5:
                letters[j], letters[j + 1] = letters[j + 1], letters[j]
            else:
                del letters[j]
        words[i] = "".join(letters)
    return " ".join(words)


EDITS = {
    "quotes_dashes": restyle_quotes_and_dashes,
    "whitespace_case": whitespace_and_case,
    "one_word": change_words(1),
    "two_words": change_words(2),
    "phrase_inserted": insert_phrase,
    "phrase_dropped": drop_phrase,
    "truncated": truncate,
    "agency_tag": agency_tag,
    "scan_noise": scan_noise,
}


def assert_pair_found(original: str, copy: str, threshold: float = THRESHOLD) -> None:
    clusters = find_duplicates([original, copy])
    assert len(clusters) == 1, (original, copy)
    cluster = clusters[0]
    assert cluster.kept == 0
    assert len(cluster.duplicates) == 1 and cluster.duplicates[0][0] == 1
    similarity = cluster.duplicates[0][1]
    assert threshold <= similarity <= 1.0


# ------------------------------------------------------------------------------ edits are still found


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
@pytest.mark.parametrize("source", sources())
def test_edited_copy_is_found(source, edit: str) -> None:
    paragraphs = source()
    assert len(paragraphs) >= 10
    changed = 0
    for n, original in enumerate(paragraphs):
        copy = EDITS[edit](original, random.Random(n))
        changed += copy != original
        assert_pair_found(original, copy)
    assert changed >= min(10, len(paragraphs) // 4), "the edit must actually change the text"


@pytest.mark.parametrize("source", sources())
def test_every_copy_is_found_in_one_corpus(source) -> None:
    """All originals, then every edited copy, in one call: each copy points at its own original."""
    originals = list(source())
    copies, expected = [], {}
    for n, original in enumerate(originals):
        for k, edit in enumerate(EDITS.values()):
            copies.append(edit(original, random.Random(1000 * n + k)))
            expected[len(originals) + len(copies) - 1] = n
    clusters = find_duplicates(originals + copies)
    found = {index: (c.kept, sim) for c in clusters for index, sim in c.duplicates}
    assert set(found) == set(expected)  # no original removed, every copy removed
    for index, (kept, sim) in found.items():
        assert kept == expected[index]
        assert THRESHOLD <= sim <= 1.0


def test_curly_quote_copy_from_seed_002() -> None:
    lines = (SEEDS / "002_8c011e64549327f4.txt").read_text(encoding="utf-8").split("\n")
    line = next(x for x in lines if "weapon of war" in x)
    copy = line.replace('"', "\u201c", 1).replace('"', "\u201d", 1).replace("\u00a0", " ")
    assert copy != line
    assert find_duplicates([line, copy]) == [Cluster(0, ((1, 1.0),))]


# ----------------------------------------------------------------------------------- distinct stay apart


def test_paragraphs_sharing_one_sentence_are_not_duplicates() -> None:
    """A = s + a1 + a2, B = s + b1 + b2 with sentences of similar length from different seeds."""
    pools = [[s for s in seed if 12 <= len(s.split()) <= 25] for seed in seed_sentences()]
    pools = [p for p in pools if len(p) >= 3]
    assert len(pools) >= 3
    pairs = 0
    for i, pool in enumerate(pools):
        other = pools[(i + 1) % len(pools)]
        third = pools[(i + 2) % len(pools)]
        for k in range(0, len(pool) - 2, 3):
            shared, a1, a2 = pool[k : k + 3]
            b1, b2 = other[k % (len(other) - 1)], third[k % (len(third) - 1)]
            a = " ".join([shared, a1, a2])
            b = " ".join([shared, b1, b2])
            if ref_jaccard(a, b) > 0.35:  # the shared sentence dominates: not the case under test
                continue
            pairs += 1
            assert find_duplicates([a, b]) == [], (a, b)
            assert find_duplicates([b, a]) == [], (b, a)
    assert pairs >= 10


@pytest.mark.parametrize("source", sources())
def test_unrelated_paragraphs_on_the_same_topic_are_not_duplicates(source) -> None:
    # The seeds are all about NATO ministers and Ukraine; linebench pages each hold one topic.
    paragraphs = list(source())
    assert all(ref_jaccard(a, b) < 0.3 for i, a in enumerate(paragraphs) for b in paragraphs[:i])
    assert find_duplicates(paragraphs) == []


# ---------------------------------------------------------------------------------- short paragraphs


def test_short_paragraphs_match_when_equal_after_normalisation() -> None:
    assert find_duplicates(["Patriot missiles for Ukraine?", "PATRIOT \u2014 missiles for \u201cUkraine\u201d"]) == [
        Cluster(0, ((1, 1.0),))
    ]


def test_short_paragraphs_do_not_match_when_nearly_equal() -> None:
    # Nine words each, one word apart: Jaccard well above 0.5, but under min_words=10 only exact keys count.
    a = "The ministers met in Brussels on Tuesday to talk."
    b = "The ministers met in Brussels on Tuesday to speak."
    assert len(a.split()) == 9 and ref_jaccard(a, b) > 0.6
    assert find_duplicates([a, b]) == []
    # the same edit on a ten-word paragraph is a near-duplicate
    assert find_duplicates([a + " today", b + " today"])[0].kept == 0


def test_paragraphs_under_min_chars_are_never_reported() -> None:
    assert find_duplicates(["Yes, he said.", "Yes, he said.", "yes he said"]) == []
    assert find_duplicates(["What now?"] * 3 + ["Patriot missiles for Ukraine?"]) == []


def test_short_and_long_paragraphs_together() -> None:
    long = seed_paragraphs()[0]
    texts = ["Patriot missiles for Ukraine?", long, "Yes.", "Patriot missiles for Ukraine?", long, "Yes."]
    assert find_duplicates(texts) == [Cluster(0, ((3, 1.0),)), Cluster(1, ((4, 1.0),))]


def test_empty_input() -> None:
    assert find_duplicates([]) == []


def test_nothing_eligible() -> None:
    assert find_duplicates(["Yes.", "No.", "Yes."]) == []


# ------------------------------------------------------------------------------------ keep first, chains


def test_kept_is_the_first_in_input_order() -> None:
    original = seed_paragraphs()[1]
    copy = change_words(2)(original, random.Random(0))
    assert find_duplicates([copy, original])[0].kept == 0
    clusters = find_duplicates([seed_paragraphs()[2], copy, original, copy])
    assert [c.kept for c in clusters] == [1]
    assert [i for i, _ in clusters[0].duplicates] == [2, 3]


def test_exact_copy_of_a_near_duplicate_points_at_the_kept_one() -> None:
    original = seed_paragraphs()[3]
    near = change_words(2)(original, random.Random(1))
    (cluster,) = find_duplicates([original, near, near])
    assert cluster.kept == 0
    assert [i for i, _ in cluster.duplicates] == [1, 2]
    assert cluster.duplicates[0][1] == cluster.duplicates[1][1] < 1.0


def chain() -> tuple[str, str, str]:
    words = max((line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").split("\n")), key=len).split()
    assert len(words) >= 156
    return " ".join(words[0:100]), " ".join(words[26:126]), " ".join(words[56:156])


def test_chain_never_removes_a_paragraph_unlike_everything_kept() -> None:
    a, b, c = chain()
    # A~B and B~C above the threshold; A~C under the floor below which a copy of a copy is no copy.
    assert ref_jaccard(a, b) > 0.55 and ref_jaccard(b, c) > 0.55 and ref_jaccard(a, c) < CHAIN_FLOOR - 0.05
    assert [i for i, _ in find_duplicates([b, c])[0].duplicates] == [1]  # B~C on its own
    clusters = find_duplicates([a, b, c])
    removed = {i for cl in clusters for i, _ in cl.duplicates}
    assert removed == {1}  # B goes (like A); C stays: it is unlike A, the only kept member
    assert clusters[0].kept == 0


def test_chain_in_the_other_order() -> None:
    a, b, c = chain()
    # C, B, A: B goes as a copy of C; A stays.
    clusters = find_duplicates([c, b, a])
    assert {i for cl in clusters for i, _ in cl.duplicates} == {1}


# ------------------------------------------------------------------------------- similarity and options


@pytest.mark.parametrize("source", sources())
def test_similarities_are_in_range(source) -> None:
    paragraphs = list(source())
    texts = paragraphs + [change_words(2)(p, random.Random(n)) for n, p in enumerate(paragraphs)] + paragraphs[:3]
    sims = [sim for c in find_duplicates(texts) for _, sim in c.duplicates]
    assert sims
    assert all(THRESHOLD <= s <= 1.0 for s in sims)
    assert sims.count(1.0) >= 3  # the exact copies


@pytest.mark.parametrize("source", sources())
def test_higher_threshold_finds_fewer(source) -> None:
    paragraphs = list(source())
    copies = [change_words(2)(p, random.Random(n)) for n, p in enumerate(paragraphs)] + paragraphs[:2]
    texts = paragraphs + copies
    default = [s for c in find_duplicates(texts) for _, s in c.duplicates]
    strict = [s for c in find_duplicates(texts, threshold=0.9) for _, s in c.duplicates]
    assert len(strict) < len(default)
    assert len(strict) >= 2  # the exact copies are still found
    assert all(s >= 0.9 for s in strict)


def test_threshold_one_finds_exact_copies_only() -> None:
    # threshold 1.0 is a valid option (0 < threshold <= 1): only copies equal after normalisation.
    original = seed_paragraphs()[0]
    texts = [original, original.upper(), change_words(1)(original, random.Random(0))]
    assert find_duplicates(texts, threshold=1.0) == [Cluster(0, ((1, 1.0),))]


def test_other_options_route_through() -> None:
    a = "The ministers met in Brussels on Tuesday to talk."
    b = "The ministers met in Brussels on Tuesday to speak."
    assert find_duplicates([a, b], min_words=5)[0].kept == 0
    assert find_duplicates(["Yes, he said.", "Yes, he said."], min_chars=5) == [Cluster(0, ((1, 1.0),))]
    original = seed_paragraphs()[0]
    copy = change_words(1)(original, random.Random(0))
    assert find_duplicates([original, copy], shingle="word", shingle_size=2, num_perm=256)[0].kept == 0
    with pytest.raises(ConfigError):
        find_duplicates([a, b], threshold=0)
    with pytest.raises(ConfigError):
        find_duplicates([a, b], no_such_option=1)


# ------------------------------------------------------------------------------- facts and templates

TEMPLATE = (
    "Police in {city} arrested {n} people on {day} after clashes near the {place}, officials said. A police spokesman "
    "said {m} officers were injured and that the investigation into the violence would continue over the coming days."
)


def test_fills_of_one_template_with_other_facts_are_not_duplicates() -> None:
    a = TEMPLATE.format(city="Leeds", n=12, day="Monday", place="Central Station", m=3)
    b = TEMPLATE.format(city="Marseille", n=40, day="Friday", place="Old Port", m=7)
    assert ref_jaccard(a, b) > 0.55  # alike in wording: only the facts tell them apart
    assert find_duplicates([a, b]) == []


def test_a_copy_with_a_misspelt_name_and_a_changed_word_is_still_a_copy() -> None:
    a = TEMPLATE.format(city="Leeds", n=12, day="Monday", place="Central Station", m=3)
    b = a.replace("Leeds", "Ledes").replace("officials", "authorities")
    assert [(c.kept, [d for d, _ in c.duplicates]) for c in find_duplicates([a, b])] == [(0, [1])]


def test_one_word_in_eight_rewritten_is_still_a_copy() -> None:
    paragraphs = [p for p in seed_paragraphs() if len(p.split()) >= 40][:10]
    assert len(paragraphs) >= 5
    for n, original in enumerate(paragraphs):
        rng = random.Random(n)
        words = original.split()
        for i in range(0, len(words), 8):
            words[i + rng.randrange(min(8, len(words) - i))] = rng.choice(["however", "nearly", "official", "report"])
        assert_pair_found(original, " ".join(words))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(1, 6), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_band_pairs_connect_every_bucket_with_distinct_sorted_pairs(rows: int, bands: int, spread: int, seed: int) -> None:
    keys = np.random.default_rng(seed).integers(0, spread, size=(rows, bands)).astype(np.uint64)
    per_band = [band_pairs(keys[:, band]) for band in range(bands)]
    assert all(np.array_equal(codes, np.unique(codes)) for codes in per_band)  # each band's sorted, no repeats
    codes = np.unique(np.concatenate(per_band))
    pairs = np.stack((codes // rows, codes % rows), axis=1) if rows else np.zeros((0, 2), dtype=np.int64)
    assert pairs.shape[1:] == (2,) and (pairs[:, 0] < pairs[:, 1]).all()
    assert [tuple(p) for p in pairs.tolist()] == sorted(set(map(tuple, pairs.tolist())))  # sorted, no repeats
    assert all((keys[a] == keys[b]).any() for a, b in pairs.tolist())  # every pair shares a band key
    assert len(pairs) <= 2 * rows * bands  # linear in the buckets' sizes, not quadratic
    parent = list(range(rows))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in pairs.tolist():
        parent[find(b)] = find(a)
    for band in range(bands):  # the members of each bucket end up connected
        for key in np.unique(keys[:, band]).tolist():
            members = np.flatnonzero(keys[:, band] == key).tolist()
            assert len({find(m) for m in members}) == 1


def plain_walk(group: Components) -> list[tuple[int, int, float]]:
    """walk_components as first written: every kept (or removed) member's names and numbers compared."""
    prints, threshold = group.prints, group.threshold
    facts = [prints.facts(i) for i in range(len(prints))]

    def similarity(others: list[int], i: int) -> np.ndarray:
        sims = (prints.sigs[prints.sig_rows[others]] == prints.sigs[prints.sig_rows[i]]).mean(axis=1)
        sims[prints.lengths[others] * MAX_GROWTH < prints.lengths[i]] = 0.0
        sims[[not facts_agree(facts[k], facts[i]) for k in others]] = 0.0
        return sims

    found = []
    kept, target = [0], {}
    for i in range(1, len(prints)):
        sims = similarity(kept, i)
        best = int(np.argmax(sims))
        if sims[best] >= threshold:
            target[i] = kept[best]
            found.append((i, kept[best], float(sims[best])))
            continue
        removed = list(target)
        via = similarity(removed, i) if removed else np.zeros(0)
        if len(via) and via.max() >= threshold:
            k = target[removed[int(np.argmax(via))]]
            direct = float(similarity([k], i)[0])
            if direct >= CHAIN_FLOOR:
                target[i] = k
                found.append((i, k, direct))
                continue
        kept.append(i)
    return found


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Leeds", "Marseille", "Porto", "Ghent"]), st.integers(2, 40),
                          st.sampled_from(["Monday", "Friday"]), st.integers(0, 3)), min_size=2, max_size=12))
def test_walking_a_component_compares_facts_as_the_plain_walk_does(fills: list[tuple[str, int, str, int]]) -> None:
    # Fills of one template (other facts: never copies) and edited copies of them (same facts: copies),
    # walked as one component: what is removed, for which kept member and at what similarity, is what
    # comparing every member's names and numbers with every kept one gives.
    edits = ["", " The station reopened later.", "officials", "authorities"]
    texts = []
    for city, n, day, edit in fills:
        text = TEMPLATE.format(city=city, n=n, day=day, place="Old Port", m=n % 7 + 1)
        texts.append(text.replace(edits[2], edits[3]) if edit == 2 else text + edits[edit] if edit else text)
    prints = fingerprint(texts, DuplicateConfig())
    n = len(texts)
    group = Components(np.arange(n), prints, np.zeros(n, dtype=bool), np.array([0]), 0.5)
    assert [(m.removed, m.kept, m.similarity) for m in walk_components(group)] == plain_walk(group)


# A paragraph's names and numbers as (exact key, loose key or -1); few distinct keys, so that sides share
# exact keys, repeat them, and share loose keys under other exact keys (misspellings).
_facts = st.lists(st.tuples(st.integers(0, 7), st.one_of(st.just(-1), st.integers(0, 4))), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(_facts, min_size=1, max_size=8), st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20))
def test_facts_agree_pairs_is_facts_agree_for_each_pair(paragraphs: list, pairs: list) -> None:
    """The vectorised verdicts of a band's pairs are facts_agree's, pair by pair, whichever side is first."""
    n = len(paragraphs)
    pairs = [(a % n, b % n) for a, b in pairs]
    flat = [fact for facts in paragraphs for fact in facts]
    none = np.zeros(n, dtype=np.int64)
    prints = Fingerprints(
        keys=none.astype(np.uint64), eligible=none.astype(bool), sig_rows=none - 1, sigs=np.zeros((0, 4), dtype=np.uint32),
        lengths=none, sentence_keys=np.zeros(0, dtype=np.uint64), sentence_ends=none,
        fact_keys=np.array([(e, max(loose, 0)) for e, loose in flat], dtype=np.uint64).reshape(-1, 2),
        fact_loose=np.array([loose >= 0 for _, loose in flat], dtype=bool),
        fact_ends=np.cumsum([len(facts) for facts in paragraphs], dtype=np.int64))
    assert [prints.facts(i) for i in range(n)] == [tuple(facts) for facts in paragraphs]
    first, second = np.array([a for a, _ in pairs], dtype=np.int64), np.array([b for _, b in pairs], dtype=np.int64)
    got = facts_agree_pairs(prints, first, second).tolist()
    assert got == [facts_agree(tuple(paragraphs[a]), tuple(paragraphs[b])) for a, b in pairs]


def test_facts_agree_pairs_on_real_paragraphs() -> None:
    """On the seeds' paragraphs, and on template fills that differ in names and numbers."""
    texts = [p for seed in sorted(SEEDS.glob("*.txt")) for p in seed.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    texts += [f"{who} met {other} in {town} on {day} May with {staff} staff and {cars} cars."
              for who, other, town, day, staff, cars in [("Smith", "Jones", "Leeds", 12, 40, 7), ("Smith", "Jones", "Leeds", 12, 40, 8),
                                                         ("Brown", "Green", "York", 3, 95, 2), ("Smtih", "Jones", "Leeds", 12, 41, 7)]]
    prints = fingerprint(texts, DuplicateConfig())
    rng = np.random.default_rng(5)
    first, second = rng.integers(0, len(texts), 500), rng.integers(0, len(texts), 500)
    last = len(texts) - 4
    first[:6], second[:6] = [last, last, last, last + 1, last + 2, last + 3], [last + 1, last + 2, last + 3, last + 2, last + 3, last]
    want = [facts_agree(prints.facts(int(a)), prints.facts(int(b))) for a, b in zip(first, second)]
    assert want[:3] == [True, False, True] and False in want[6:]
    assert facts_agree_pairs(prints, first, second).tolist() == want
