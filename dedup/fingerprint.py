"""Normalise text for comparison, shingle it, and compute MinHash signatures and LSH band keys.

Signatures follow datasketch's "affine32" scheme (32-bit shingle hashes, MurmurHash3 pre-mix, the
permutations of `datasketch.MinHash(num_perm, seed)`), computed for many paragraphs at once with numpy;
the tests check them against datasketch's own `MinHash.update_batch`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

import numpy as np
import regex
from datasketch import MinHash
from datasketch.lsh import _optimal_param

# Version of normalise, exact_key, the shingle hashes, sentence keys and facts below: a saved index
# records it, and refuses to mix fingerprints of another version. Bump it when any of them changes.
NORMALISATION_VERSION = 1
# Everything that is not a letter, a mark or a digit separates words for comparison: punctuation,
# quotes and dashes of every style vanish.
SEPARATOR_PATTERN = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_M64 = np.uint64(0x9E3779B97F4A7C15)
_ROWS_PER_CHUNK = 1 << 15


def normalise(text: str) -> str:
    """The comparison form of a text: NFKC, case-folded, punctuation as single spaces.

    >>> normalise("“Ukraine’s  DEFENCE” — it's here…")
    'ukraine s defence it s here'
    """
    return SEPARATOR_PATTERN.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


# A fact-bearing token: a number, or a capitalised word (a name) that does not open its sentence.
FACT_PATTERN = regex.compile(r"(?<![.!?:;\"“«]\s{0,3}|^)\b\p{Lu}[\p{L}\p{M}]+|\b\p{N}[\p{N}.,:]*")


def facts(text: str) -> tuple[tuple[int, int], ...]:
    """The names and numbers of a text, sorted, each as (exact key, loose key): what two fills of one
    template do not share. The loose key (the word's letters, sorted) lets a name of four letters or more
    with two letters swapped still match; numbers match only exactly (loose key -1).

    >>> len(facts("Police in Leeds arrested 12 people on Monday. Officers said so."))
    3
    """
    found = set()
    for token in FACT_PATTERN.findall(text):
        word = token.casefold().rstrip(".,:")
        loose = exact_key("".join(sorted(word))) if word.isalpha() and len(word) >= 4 else -1
        found.add((exact_key(word), loose))
    return tuple(sorted(found))


def exact_key(normalised: str) -> int:
    """A 64-bit key of a normalised text, for exact-duplicate grouping (stable across runs)."""
    return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest(), "little")


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: an avalanching bijection on uint64 arrays."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, the pre-mix datasketch applies before its permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _ngram_hashes(values: np.ndarray, size: int) -> np.ndarray:
    """64-bit hashes of every run of `size` consecutive values (one run when there are fewer)."""
    size = max(1, min(size, len(values)))
    count = len(values) - size + 1
    h = np.zeros(count, dtype=np.uint64)
    for k in range(size):
        h = h * _M64 + values[k : k + count]
    return fmix64(h)


def _word_values(normalised: str) -> np.ndarray:
    words = normalised.split()
    return np.array([exact_key(word) for word in words], dtype=np.uint64)


def shingle_hashes(normalised: str, shingle: str = "char", size: int = 5) -> np.ndarray:
    """The distinct 32-bit hashes of a normalised text's shingles (`size` characters or words)."""
    if shingle == "char":
        values = np.frombuffer(normalised.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    else:
        values = _word_values(normalised)
    if len(values) == 0:
        return np.zeros(0, dtype=np.uint32)
    return np.unique((_ngram_hashes(values, size) >> np.uint64(32)).astype(np.uint32))


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) parameters of datasketch's affine32 permutations for this size and seed."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def signatures(hash_sets: list[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signatures, one row per non-empty hash set, as datasketch would compute them."""
    if not hash_sets:
        return np.zeros((0, num_perm), dtype=np.uint32)
    a, b = permutations(num_perm, seed)
    lengths = np.array([len(h) for h in hash_sets])
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    mixed = fmix32(np.concatenate(hash_sets))
    out = np.empty((len(hash_sets), num_perm), dtype=np.uint32)
    # Process whole hash sets in chunks of about _ROWS_PER_CHUNK shingles to bound memory.
    first = 0
    while first < len(hash_sets):
        last = int(np.searchsorted(offsets, offsets[first] + _ROWS_PER_CHUNK, side="right"))
        last = max(last, first + 1)
        start = offsets[first]
        stop = offsets[last] if last < len(hash_sets) else len(mixed)
        permuted = mixed[start:stop, None] * a[None, :] + b[None, :]
        out[first:last] = np.minimum.reduceat(permuted, offsets[first:last] - start, axis=0)
        first = last
    return out


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    """Bands and rows from datasketch's optimiser (the one `MinHashLSH` uses) for this threshold and
    error weights. Called directly because `MinHashLSH` itself refuses a single band, which is the right
    answer at threshold 1."""
    return _optimal_param(threshold, num_perm, fp_weight, fn_weight)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band and signature: rows that agree on a whole band share its key."""
    keys = np.empty((len(sigs), bands), dtype=np.uint64)
    for band in range(bands):
        h = np.full(len(sigs), band, dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):
            h = fmix64(h * _M64 + sigs[:, col].astype(np.uint64))
        keys[:, band] = h
    return keys
