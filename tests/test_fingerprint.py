"""Fingerprints: the comparison form of a text, shingle hashes, MinHash signatures identical to
datasketch's affine32 MinHash, LSH band keys, and the LSH parameters datasketch would pick."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import DuplicateConfig
from dedup.fingerprint import (
    COMMON_SEPARATORS,
    FACT_PATTERN,
    SEPARATOR_PATTERN,
    SHINGLES_PER_BLOCK,
    Fingerprints,
    band_keys,
    concatenate,
    exact_key,
    facts,
    fingerprint,
    fmix64,
    lsh_params,
    ngram_hashes,
    normalise,
    normalise_by_sentence,
    normalised_sentences,
    shingle_hashes,
    signatures,
)
from dedup.paragraphs import split_sentences

from conftest import SEEDS, SHARED

CHUNK = SHINGLES_PER_BLOCK  # the number of shingles fingerprint.signatures processes at once


def datasketch_signature(hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda x: x, scheme="affine32")
    m.update_batch(hashes.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint64)


def random_sets(sizes: list[int], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for size in sizes:
        values = np.unique(rng.integers(0, 2**32, size=size, dtype=np.uint64).astype(np.uint32))
        while len(values) < size:  # top up the rare collisions so the size is exact
            values = np.unique(np.concatenate([values, rng.integers(0, 2**32, size=size - len(values), dtype=np.uint64).astype(np.uint32)]))
        out.append(values)
    return out


# ----------------------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ukraine's DEFENCE", "ukraine's defence"),  # case
        ("STRASSE", "stra\u00dfe"),  # case folding, not just lower()
        ("\u201cUkraine\u2019s defence\u201d", "\"Ukraine's defence\""),  # curly vs straight quotes
        ("\u00abdefence\u00bb and \u2018air\u2019", "\"defence\" and 'air'"),  # guillemets, single quotes
        ("the war \u2014 now \u2013 goes on", "the war - now - goes on"),  # dashes
        ("air-defence systems", "air defence systems"),  # hyphen vs space
        ("It's here\u2026", "It's here..."),  # ellipsis
        ("Hello, world! (Really?)", "hello world really"),  # punctuation
        ("  lots   of\tspace\n here ", "lots of space here"),  # whitespace runs and ends
        ("\uff2e\uff21\uff34\uff2f \ufb01rst", "NATO first"),  # NFKC: full width, ligature
        ("Caf\u0065\u0301", "Caf\u00e9"),  # NFD vs NFC
    ],
)
def test_normalise_folds_style_differences(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_normalise_result() -> None:
    assert normalise("\u201cUkraine\u2019s  DEFENCE\u201d \u2014 it's here\u2026") == "ukraine s defence it s here"


@pytest.mark.parametrize(
    ("a", "b"),
    [("air defence", "airdefence"), ("defence", "defense"), ("Kyiv", "Kiev"), ("2022", "2023"), ("caf\u00e9", "cafe")],
)
def test_normalise_keeps_words_and_letters_apart(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


def test_normalise_keeps_scripts_without_case() -> None:
    assert normalise("\u6211\u4eec\u5230\u4e86\u3002\u4ed6\u8d70\u4e86\u3002") == "\u6211\u4eec\u5230\u4e86 \u4ed6\u8d70\u4e86"


def by_the_pattern(text: str) -> str:
    """normalise by its definition alone (NFKC, case folding, the separator pattern): what the ASCII
    fast path must equal."""
    return SEPARATOR_PATTERN.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


# Text of the kinds phase A meets: ASCII, the punctuation the fast path replaces, accents precomposed
# and combining, Cyrillic, CJK, full-width letters, ligatures, mojibake, odd spaces and controls.
STYLED = st.lists(st.sampled_from([*"aZ09 .,'-_\t\n\x00\x7f~", *COMMON_SEPARATORS, "\u00e9", "e\u0301", "\u0130", "\u00df",
                                   "\u0414", "\u0436", "\u6211", "\uff21", "\ufb01", "\u2026", "\u00c3\u00a9", "\u00a0",
                                   "\u2028", "\u2019s", "\u00b4", "\u0338", "\U0001f600", "\u00bd", "\u2460"]),
                   max_size=40).map("".join)


def test_common_separators_may_become_spaces_before_nfkc() -> None:
    # Separators that NFKC and case folding keep as they are, of combining class 0, and found in no
    # character's canonical decomposition (so they compose with nothing), like the space: replacing one
    # by a space before NFKC gives what replacing it after would.
    inert = [*COMMON_SEPARATORS, " "]
    assert all(SEPARATOR_PATTERN.fullmatch(mark) for mark in inert)
    assert all(unicodedata.normalize("NFKC", m) == m == m.casefold() and unicodedata.combining(m) == 0 for m in inert)
    codes = {f"{ord(m):04X}" for m in inert}
    canonical = (unicodedata.decomposition(chr(c)) for c in range(0x110000))
    assert not any(d and not d.startswith("<") and codes & set(d.split()) for d in canonical)


def test_normalise_fast_path_equals_the_pattern_on_every_ascii_character() -> None:
    every = "".join(map(chr, range(128)))
    texts = [every, every[::-1], *(f"{chr(c)}Ab{chr(c)}{chr(c)}9 z{chr(c)}" for c in range(128))]
    assert [normalise(t) for t in texts] == [by_the_pattern(t) for t in texts]


@settings(max_examples=500, deadline=None)
@given(st.one_of(STYLED, st.text(max_size=40)))
def test_normalise_equals_the_pattern(text: str) -> None:
    norm = normalise(text)
    assert norm == by_the_pattern(text)
    # words are apart by single spaces, none at the ends: the spaces count the words
    assert len(norm.split()) == (norm.count(" ") + 1 if norm else 0)


def test_normalise_equals_the_pattern_on_real_text() -> None:
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    bench = SHARED / "eval" / "linebench-dev.jsonl"
    if bench.exists():
        lines += [line for line in bench.read_text(encoding="utf-8").splitlines()[:2000]]
    assert any(not line.isascii() for line in lines) and any(line.isascii() for line in lines)
    assert [normalise(line) for line in lines] == [by_the_pattern(line) for line in lines]


@settings(max_examples=200, deadline=None)
@given(st.lists(STYLED, max_size=6).map(". ".join))
def test_normalised_sentences_are_the_sentences_normalised(text: str) -> None:
    expected = []
    for a, b in split_sentences(text):
        norm = by_the_pattern(text[a:b])
        expected.append((a, b, norm, len(norm.split()), exact_key(norm)))
    assert list(normalised_sentences(text)) == expected
    assert fingerprint([text], DuplicateConfig()).sentences(0) == tuple(key for *_, key in expected)


def test_whitespace_separates_words_and_combines_with_nothing() -> None:
    # What normalise_by_sentence relies on: every character str.isspace() knows (the only thing between
    # sentences) is a separator, NFKC makes it whitespace of class 0, and no character's canonical
    # decomposition holds that whitespace, so nothing composes across it.
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    images = {ch for s in spaces for ch in unicodedata.normalize("NFKC", s)}
    assert all(SEPARATOR_PATTERN.fullmatch(s) for s in spaces)
    assert all(ch.isspace() and unicodedata.combining(ch) == 0 and ch.casefold() == ch for ch in images)
    codes = {f"{ord(ch):04X}" for ch in images}
    canonical = (unicodedata.decomposition(chr(c)) for c in range(0x110000))
    assert not any(d and not d.startswith("<") and codes & set(d.split()) for d in canonical)


SPACES = st.sampled_from([" ", "  ", "\n", "\t", "\x1c", "\x85", "\u00a0", "\u2028", "\u3000", "\u2009", "\u1680"])


# Sentences of styled text, each after a stop and whitespace of some kind, then maybe a combining mark.
SENTENCES = st.lists(st.tuples(STYLED, st.sampled_from(["", ".", "!", "\u3002", "\u2026"]), SPACES,
                               st.sampled_from(["", "\u0301", "\u0338", "A", "\u201c"])), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.one_of(SENTENCES.map(lambda parts: "".join("".join(part) for part in parts)), st.text(max_size=80)))
def test_normalise_by_sentence_equals_normalise(text: str) -> None:
    assert normalise_by_sentence(text) == normalise(text)


def test_normalise_by_sentence_equals_normalise_on_real_text() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += [line for text in texts for line in text.splitlines()]
    assert [normalise_by_sentence(t) for t in texts] == [normalise(t) for t in texts]


def test_exact_key_is_stable_and_distinguishes() -> None:
    assert exact_key("nato leaders") == exact_key("nato leaders")
    assert exact_key("nato leaders") != exact_key("nato leader")
    assert 0 <= exact_key("") < 2**64


# ------------------------------------------------------------------------------------------- shingles


def test_shingle_hashes_are_distinct_sorted_uint32() -> None:
    h = shingle_hashes(normalise("The talks ended without a deal, the talks ended."))
    assert h.dtype == np.uint32
    assert np.all(np.diff(h.astype(np.int64)) > 0)


def plain_ngram_hashes(values: list[int], size: int) -> list[int]:
    """ngram_hashes in Python integers: the polynomial hash of each run, then MurmurHash3's fmix64."""
    mask = 2**64 - 1
    size = max(1, min(size, len(values)))
    out = []
    for start in range(len(values) - size + 1):
        h = 0
        for value in values[start : start + size]:
            h = (h * 0x9E3779B97F4A7C15 + value) & mask
        for shift, multiplier in ((33, 0xFF51AFD7ED558CCD), (33, 0xC4CEB9FE1A85EC53), (33, 1)):
            h = ((h ^ (h >> shift)) * multiplier) & mask
        out.append(h)
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40), st.integers(1, 7))
def test_ngram_hashes_equal_the_plain_formula(values: list[int], size: int) -> None:
    array = np.array(values, dtype=np.uint64)
    before = array.copy()
    assert ngram_hashes(array, size).tolist() == plain_ngram_hashes(values, size)
    assert fmix64(array).tolist() == plain_ngram_hashes(values, 1)
    assert np.array_equal(array, before)  # the input is left as it is


def test_char_shingle_count() -> None:
    # "abcdefg" has 3 distinct 5-character shingles; "aaaaaaa" has 1; a text shorter than 5 has 1.
    assert len(shingle_hashes("abcdefg")) == 3
    assert len(shingle_hashes("aaaaaaa")) == 1
    assert len(shingle_hashes("abc")) == 1
    assert len(shingle_hashes("")) == 0


def test_word_shingles() -> None:
    text = normalise("one two three four five six seven")
    assert len(shingle_hashes(text, "word", 3)) == 5
    assert set(shingle_hashes(text, "word", 3).tolist()) != set(shingle_hashes(text, "char", 3).tolist())


def test_shingles_ignore_style_after_normalisation() -> None:
    a = shingle_hashes(normalise("\u201cWe will not back down,\u201d Stoltenberg said."))
    b = shingle_hashes(normalise("\"we will NOT back down\" - Stoltenberg said"))
    assert np.array_equal(a, b)


# ----------------------------------------------------------------------------------------- signatures

SIZES = [1, 2, 3, 5, 17, 128, 999, 4096, 1, 20000, 15000, CHUNK - 1, CHUNK, CHUNK + 1, 40000, 7]


def test_signatures_equal_datasketch_for_many_sizes() -> None:
    sets = random_sets(SIZES)
    assert sum(SIZES) > 3 * CHUNK  # several chunks, with sets straddling chunk borders
    sigs = signatures(sets, 128, 1)
    assert sigs.shape == (len(sets), 128)
    for size, hashes, row in zip(SIZES, sets, sigs):
        assert np.array_equal(row.astype(np.uint64), datasketch_signature(hashes)), size


def test_signature_of_one_set_larger_than_a_chunk() -> None:
    (hashes,) = random_sets([3 * CHUNK + 11], seed=5)
    assert np.array_equal(signatures([hashes])[0].astype(np.uint64), datasketch_signature(hashes))


@pytest.mark.parametrize(("num_perm", "seed"), [(2, 1), (64, 7), (256, 3), (128, 42)])
def test_signatures_follow_num_perm_and_seed(num_perm: int, seed: int) -> None:
    sets = random_sets([1, 50, 300], seed=seed)
    sigs = signatures(sets, num_perm, seed)
    assert sigs.shape == (3, num_perm)
    for hashes, row in zip(sets, sigs):
        assert np.array_equal(row.astype(np.uint64), datasketch_signature(hashes, num_perm, seed))


def test_signatures_of_a_batch_equal_signatures_one_by_one() -> None:
    sets = random_sets([3, CHUNK - 2, 10, CHUNK + 5, 1, 2000], seed=9)
    together = signatures(sets)
    for hashes, row in zip(sets, together):
        assert np.array_equal(signatures([hashes])[0], row)


def test_signatures_of_no_sets() -> None:
    assert signatures([], 64).shape == (0, 64)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.integers(0, 2**32 - 1), min_size=1, max_size=300), min_size=1, max_size=6))
def test_signatures_equal_datasketch_property(hash_sets: list[set[int]]) -> None:
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in hash_sets]
    sigs = signatures(arrays, 128, 1)
    for hashes, row in zip(arrays, sigs):
        assert np.array_equal(row.astype(np.uint64), datasketch_signature(hashes))


def test_signature_agreement_estimates_jaccard() -> None:
    # 1000 shared of 2000 in the union: Jaccard 0.5; 128 permutations estimate it within about 0.15.
    shared, a_only, b_only = random_sets([1000, 500, 500], seed=3)
    a = np.unique(np.concatenate([shared, a_only]))
    b = np.unique(np.concatenate([shared, b_only]))
    sigs = signatures([a, b], 128, 1)
    assert abs((sigs[0] == sigs[1]).mean() - 0.5) < 0.15


# -------------------------------------------------------------------------------------------- band keys


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_band_keys_equal_iff_band_rows_equal(data: st.DataObject) -> None:
    bands = data.draw(st.integers(1, 12))
    rows = data.draw(st.integers(1, 8))
    count = data.draw(st.integers(2, 8))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    # Few distinct values so that equal bands happen often; copy whole bands between rows as well.
    sigs = rng.integers(0, 3, size=(count, bands * rows), dtype=np.uint64).astype(np.uint32)
    for _ in range(data.draw(st.integers(0, 6))):
        i, j, band = rng.integers(count), rng.integers(count), rng.integers(bands)
        sigs[j, band * rows : (band + 1) * rows] = sigs[i, band * rows : (band + 1) * rows]
    keys = band_keys(sigs, bands, rows)
    assert keys.shape == (count, bands)
    for band in range(bands):
        part = sigs[:, band * rows : (band + 1) * rows]
        for i in range(count):
            for j in range(count):
                assert (keys[i, band] == keys[j, band]) == bool(np.array_equal(part[i], part[j]))


def test_band_keys_depend_on_the_band() -> None:
    # The same values in two different bands give different keys (bands are separate hash tables).
    sigs = np.array([[1, 2, 1, 2]], dtype=np.uint32)
    keys = band_keys(sigs, 2, 2)
    assert keys[0, 0] != keys[0, 1]


def test_band_keys_ignore_columns_outside_the_bands() -> None:
    a = np.array([[1, 2, 3, 4, 5]], dtype=np.uint32)
    b = np.array([[1, 2, 3, 4, 99]], dtype=np.uint32)
    assert np.array_equal(band_keys(a, 2, 2), band_keys(b, 2, 2))


# -------------------------------------------------------------------------------------------- LSH params


# datasketch refuses thresholds that leave it fewer than 2 bands (1.0 always; 0.9 with 16 permutations);
# test_duplicates.py checks what dedup does with a threshold of 1.0.
@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [32, 64, 128, 256])
@pytest.mark.parametrize("weights", [(0.3, 0.7), (0.5, 0.5)])
def test_lsh_params_equal_datasketch(threshold: float, num_perm: int, weights: tuple[float, float]) -> None:
    bands, rows = lsh_params(threshold, num_perm, *weights)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    assert (bands, rows) == (lsh.b, lsh.r)
    assert bands >= 1 and rows >= 1 and bands * rows <= num_perm


def test_default_lsh_params() -> None:
    assert lsh_params(0.5, 128, 0.3, 0.7) == (25, 5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), max_size=12), st.integers(1, 6))
def test_batched_fingerprints_equal_one_text_at_a_time(texts: list[str], min_words: int) -> None:
    """fingerprint() hashes the shingles of all texts in one pass; each signature must be the one
    computed from that text's own shingle hashes (the way datasketch is checked above)."""
    dup = DuplicateConfig(min_words=min_words)
    f = fingerprint(texts, dup)
    for i, text in enumerate(texts):
        norm = normalise(text)
        if f.sig_rows[i] >= 0:
            assert np.array_equal(f.sigs[f.sig_rows[i]], signatures([shingle_hashes(norm)])[0])
        assert (f.sig_rows[i] >= 0) == (len(norm.split()) >= min_words)


def fingerprint_by_definition(texts: list[str], dup: DuplicateConfig) -> tuple[list[int], list[bool], list[bool], list[tuple[int, ...]]]:
    """Exact keys, eligibility, whether signed, and sentence keys of each text from normalise and the split
    sentences alone: what fingerprint's shortcuts (a one-sentence paragraph's key is its sentence's, an
    ASCII line's sentences normalised from one translation of the line) must equal."""
    norms = [by_the_pattern(t) for t in texts]
    sentence_keys = [tuple(exact_key(by_the_pattern(t[a:b])) for a, b in split_sentences(t)) for t in texts]
    return ([exact_key(n) for n in norms], [len(n) >= dup.min_chars for n in norms],
            [len(n.split()) >= max(dup.min_words, 1) for n in norms], sentence_keys)


def fingerprint_fields(f: Fingerprints) -> tuple[list[int], list[bool], list[bool], list[tuple[int, ...]]]:
    return f.keys.tolist(), f.eligible.tolist(), (f.sig_rows >= 0).tolist(), [f.sentences(i) for i in range(len(f))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(SENTENCES.map(lambda parts: "".join("".join(part) for part in parts)), STYLED, st.text(max_size=60)),
                max_size=8), st.integers(0, 4), st.integers(0, 30))
def test_fingerprint_keys_equal_their_definition(texts: list[str], min_words: int, min_chars: int) -> None:
    dup = DuplicateConfig(min_words=min_words, min_chars=min_chars)
    assert fingerprint_fields(fingerprint(texts, dup)) == fingerprint_by_definition(texts, dup)


def test_fingerprint_keys_equal_their_definition_on_real_text() -> None:
    texts = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")]
    texts += [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    bench = SHARED / "eval" / "linebench-dev.jsonl"
    if bench.exists():
        texts += bench.read_text(encoding="utf-8").splitlines()[:2000]
    ascii_lines = [t for t in texts if t.translate(dict.fromkeys(map(ord, COMMON_SEPARATORS))).isascii()]
    assert 0 < len(ascii_lines) < len(texts)  # both ways of normalising sentences are met
    dup = DuplicateConfig()
    assert fingerprint_fields(fingerprint(texts, dup)) == fingerprint_by_definition(texts, dup)


def facts_by_definition(text: str) -> tuple[tuple[int, int], ...]:
    """facts as its docstring defines them: each token's word (case-folded, without trailing stops and
    commas) keyed exactly, and by its sorted letters when it is a word of four letters or more."""
    pairs = set()
    for token in FACT_PATTERN.findall(text):
        word = token.casefold().rstrip(".,:")
        pairs.add((exact_key(word), exact_key("".join(sorted(word))) if word.isalpha() and len(word) >= 4 else -1))
    return tuple(sorted(pairs))


FACTS = st.lists(st.sampled_from(["Leeds", "LEEDS", "Sdeel", "Ann", "12", "12.", "3,5:", "École", "İstanbul", "½",
                                  "٣", ". ", "said ", " ", "“", "on Monday", "O'Neill", "ß"]), max_size=20).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(FACTS, st.text(max_size=60)), max_size=8))
def test_facts_equal_their_definition_and_fingerprints_keep_them(texts: list[str]) -> None:
    prints = fingerprint(texts, DuplicateConfig())
    assert [facts(t) for t in texts] == [facts_by_definition(t) for t in texts] == [prints.facts(i) for i in range(len(texts))]


def test_facts_equal_their_definition_on_real_text() -> None:
    texts = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")]
    prints = fingerprint(texts, DuplicateConfig())
    expected = [facts_by_definition(t) for t in texts]
    assert any(loose == -1 for f in expected for _, loose in f) and any(loose >= 0 for f in expected for _, loose in f)
    assert [facts(t) for t in texts] == expected == [prints.facts(i) for i in range(len(texts))]


def test_concatenated_parts_equal_the_fingerprints_of_the_whole() -> None:
    texts = [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").split("\n") if line.strip()]
    dup = DuplicateConfig()
    whole = fingerprint(texts, dup)
    parts = [fingerprint(texts[k : k + 7], dup) for k in range(0, len(texts), 7)]
    joined = concatenate(parts, dup.num_perm, release=True)
    assert parts == []  # released as they were copied
    for name in Fingerprints.__slots__:
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name), err_msg=name)
    assert joined.nbytes == whole.nbytes > 0
    rows = np.array([5, 0, len(texts) - 1, 5])
    picked = joined.select(rows)
    assert [picked.sentences(i) for i in range(4)] == [whole.sentences(int(r)) for r in rows]
    assert [picked.facts(i) for i in range(4)] == [whole.facts(int(r)) for r in rows]
    np.testing.assert_array_equal(picked.sigs[picked.sig_rows[picked.sig_rows >= 0]], whole.sigs[whole.sig_rows[rows][whole.sig_rows[rows] >= 0]])
