"""Normalise text for comparison, shingle it, and compute MinHash signatures and LSH band keys.

Signatures follow datasketch's "affine32" scheme (32-bit shingle hashes, MurmurHash3 pre-mix, the
permutations of `datasketch.MinHash(num_perm, seed)`), computed for many paragraphs at once with numpy;
the tests check them against datasketch's own `MinHash.update_batch`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from .config import DuplicateConfig
from .paragraphs import split_sentences

# Version of normalise, exact_key, the shingle hashes, sentence keys and facts below: a saved index
# records it, and refuses to mix fingerprints of another version. Bump it when any of them changes.
NORMALISATION_VERSION = 1
# Everything that is not a letter, a mark or a digit separates words for comparison: punctuation,
# quotes and dashes of every style vanish.
SEPARATOR_PATTERN = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_M64 = np.uint64(0x9E3779B97F4A7C15)
# Shingles whose permuted hashes are computed at once (a block of num_perm x this many uint32).
SHINGLES_PER_BLOCK = 1 << 12


def normalise(text: str) -> str:
    """The comparison form of a text: NFKC, case-folded, punctuation as single spaces.

    >>> normalise("“Ukraine’s  DEFENCE” — it's here…")
    'ukraine s defence it s here'
    """
    return _normalised(text)


# The punctuation outside ASCII that text in Latin script holds most (curly quotes, dashes, guillemets):
# separators that NFKC and case folding leave alone and that combine with nothing, so they may become
# spaces first; most such text is then ASCII and takes the fast path below.
COMMON_SEPARATORS = "\u2019\u2018\u201c\u201d\u2014\u2013\u00ab\u00bb"
# For ASCII: letters lower-cased, digits kept, every other byte (the separators) a space.
_ASCII_WORDS = bytes(ord(chr(c).lower()) if c < 128 and chr(c).isalnum() else 32 for c in range(256))


# The same sentences recur in many lines and documents (teasers, quotes, prompts): remember the latest
# results, per process.
@lru_cache(maxsize=1 << 15)
def _normalised(text: str) -> str:
    if not text.isascii():
        text = _without_common_separators(text)
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text).casefold()
            if not text.isascii():
                return SEPARATOR_PATTERN.sub(" ", text).strip()
    # ASCII (3x faster than the pattern): NFKC changes nothing, case folding is lower-casing, the
    # separators are the bytes that are not letters or digits, and split() drops the spaces at the ends.
    return b" ".join(text.encode("ascii").translate(_ASCII_WORDS).split()).decode("ascii")


def _without_common_separators(text: str) -> str:
    """`text` with each of COMMON_SEPARATORS a space (one character for one: offsets stay)."""
    if not text.isascii():
        for mark in COMMON_SEPARATORS:
            if mark in text:
                text = text.replace(mark, " ")
    return text


def normalised_sentences(text: str) -> tuple[tuple[int, int, str, int, int], ...]:
    """Each sentence of `text` as (start, end, normalised text, words in it, exact key): what repeated
    sentences and fingerprints both compare.

    >>> normalised_sentences("Mr. Smith left. He said “no”.")[1][2:4]
    ('he said no', 3)
    """
    return _sentence_keys(text)


# A document's lines are split and normalised sentence by sentence for repeats, and again, as one-line
# paragraphs, for fingerprints: remember the latest results, per process.
@lru_cache(maxsize=1 << 14)
def _sentence_keys(text: str) -> tuple[tuple[int, int, str, int, int], ...]:
    spans = split_sentences(text)
    plain = _without_common_separators(text)
    if not plain.isascii():
        out = []
        for start, end in spans:
            norm = _normalised(text[start:end])
            out.append((start, end, norm, _words(norm), exact_key(norm)))
        return tuple(out)
    # ASCII once the common separators are spaces (most lines): _normalised's fast path over the whole
    # line at once (the replacements keep every offset), its words and bytes reused for count and key.
    data = plain.encode("ascii").translate(_ASCII_WORDS)
    keys = []
    for start, end in spans:
        words = data[start:end].split()
        norm = b" ".join(words)
        keys.append((start, end, norm.decode("ascii"), len(words), _bytes_key(norm)))
    return tuple(keys)


def normalise_by_sentence(text: str) -> str:
    """normalise(text), from the text's sentences as `normalised_sentences` remembers them: what lies
    between sentences is whitespace, which separates words and combines with nothing under NFKC, so the
    normalised sentences joined by single spaces are the normalised text.

    >>> normalise_by_sentence("Mr. Smith left.  He said \u201cno\u201d.")
    'mr smith left he said no'
    """
    return " ".join([norm for _, _, norm, _, _ in _sentence_keys(text) if norm])


def _words(normalised: str) -> int:
    """len(normalised.split()), faster: normalise leaves single spaces between words and none at the ends."""
    return normalised.count(" ") + 1 if normalised else 0


# A fact-bearing token: a number, or a capitalised word (a name) that does not open its sentence.
FACT_PATTERN = regex.compile(r"(?<![.!?:;\"“«]\s{0,3}|^)\b\p{Lu}[\p{L}\p{M}]+|\b\p{N}[\p{N}.,:]*")


def facts(text: str) -> tuple[tuple[int, int], ...]:
    """The names and numbers of a text, sorted, each as (exact key, loose key): what two fills of one
    template do not share. The loose key (the word's letters, sorted) lets a name of four letters or more
    with two letters swapped still match; numbers match only exactly (loose key -1).

    >>> len(facts("Police in Leeds arrested 12 people on Monday. Officers said so."))
    3
    """
    return tuple((exact, loose if has else -1) for exact, loose, has in _fact_rows(text))


def _fact_rows(text: str) -> list[tuple[int, int, bool]]:
    """facts(text) as Fingerprints stores them: (exact key, loose key or 0, whether the loose key applies),
    in the same order (a pair's row sorts as the pair does: -1 below every key, and 0 with False below 0
    with True)."""
    return sorted(set(map(_fact_keys, FACT_PATTERN.findall(text))))


# Names and numbers recur across a corpus: remember their keys, per process.
@lru_cache(maxsize=1 << 16)
def _fact_keys(token: str) -> tuple[int, int, bool]:
    word = token.casefold().rstrip(".,:")
    if word.isalpha() and len(word) >= 4:
        return exact_key(word), exact_key("".join(sorted(word))), True
    return exact_key(word), 0, False


def exact_key(normalised: str) -> int:
    """A 64-bit key of a normalised text, for exact-duplicate grouping (stable across runs)."""
    return _bytes_key(normalised.encode("utf-8"))


def _bytes_key(data: bytes) -> int:
    """exact_key of the text whose UTF-8 encoding is `data`."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


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


def ngram_hashes(values: np.ndarray, size: int) -> np.ndarray:
    """64-bit hashes of every run of `size` consecutive values (one run when there are fewer): a
    polynomial hash, then MurmurHash3's finaliser.

    >>> h = ngram_hashes(np.array([1, 2, 3, 1, 2], dtype=np.uint64), 2)
    >>> len(h), bool(h[0] == h[3])
    (4, True)
    """
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
    return np.unique((ngram_hashes(values, size) >> np.uint64(32)).astype(np.uint32))


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) parameters of datasketch's affine32 permutations for this size and seed."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def signatures(hash_sets: list[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signatures, one row per non-empty hash set, as datasketch would compute them."""
    if not hash_sets:
        return np.zeros((0, num_perm), dtype=np.uint32)
    return _signatures(np.concatenate(hash_sets), np.array([len(h) for h in hash_sets], dtype=np.int64), num_perm, seed)


def _signatures(hashes: np.ndarray, counts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """Signatures of consecutive runs of 32-bit shingle hashes (`counts` of them each, none empty;
    repeats within a run change nothing: a minimum is a minimum)."""
    a, b = permutations(num_perm, seed)
    a, b = a[:, None], b[:, None]
    offsets = np.concatenate(([0], np.cumsum(counts)))
    mixed = fmix32(hashes)
    out = np.empty((num_perm, len(counts)), dtype=np.uint32)
    # Whole runs, about SHINGLES_PER_BLOCK shingles at a time: a (num_perm x shingles) block stays in
    # cache, and each permutation's minimum is reduced along a contiguous row. Every block is computed
    # in the same memory: fresh memory for each costs its page faults (1.4x the time for 64 documents).
    buffer = np.empty((num_perm, min(SHINGLES_PER_BLOCK, len(hashes))), dtype=np.uint32)
    first = 0
    while first < len(counts):
        last = max(int(np.searchsorted(offsets, offsets[first] + SHINGLES_PER_BLOCK, side="right")) - 1, first + 1)
        start, stop = offsets[first], offsets[last]
        if stop - start > SHINGLES_PER_BLOCK:  # one run longer than a block (a huge paragraph): fold it in pieces
            low = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
            for piece in range(start, stop, SHINGLES_PER_BLOCK):
                block = _permuted(a, b, mixed[piece : min(stop, piece + SHINGLES_PER_BLOCK)], buffer)
                np.minimum(low, block.min(axis=1), out=low)
            out[:, first] = low
        else:
            block = _permuted(a, b, mixed[start:stop], buffer)
            out[:, first:last] = np.minimum.reduceat(block, offsets[first:last] - start, axis=1)
        first = last
    return np.ascontiguousarray(out.T)


def _permuted(a: np.ndarray, b: np.ndarray, mixed: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """a * mixed + b (mod 2**32) for every permutation (row) and shingle (column), written into `buffer`."""
    block = np.multiply(a, mixed[None, :], out=buffer[:, : len(mixed)])
    block += b
    return block


def char_signatures(texts: list[str], size: int, num_perm: int, seed: int) -> np.ndarray:
    """Signatures of the character shingles of normalised texts (each at least `size` characters), all
    hashed in one pass over their concatenation: equal to `signatures` of their `shingle_hashes`.

    >>> texts = ["the talks ended without a deal", "officials said the boats would cut commuting times"]
    >>> bool((char_signatures(texts, 5, 128, 1) == signatures([shingle_hashes(t) for t in texts])).all())
    True
    """
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    values = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    hashes = (ngram_hashes(values, size) >> np.uint64(32)).astype(np.uint32)
    counts = lengths - size + 1  # shingles that start in each text and end in it
    starts = np.cumsum(lengths) - lengths
    ends = np.cumsum(counts)
    return _signatures(hashes[np.repeat(starts - (ends - counts), counts) + np.arange(int(ends[-1]))], counts, num_perm, seed)


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    """Bands and rows from datasketch's optimiser (the one `MinHashLSH` uses) for this threshold and
    error weights. Called directly because `MinHashLSH` itself refuses a single band, which is the right
    answer at threshold 1."""
    return _optimal_param(threshold, num_perm, fp_weight, fn_weight)


def band_keys(sigs: np.ndarray, bands: int, rows: int, which: np.ndarray | None = None) -> np.ndarray:
    """One 64-bit key per band and signature (of the signatures `which`, when given): rows that agree
    on a whole band share its key."""
    count = len(sigs) if which is None else len(which)
    keys = np.empty((count, bands), dtype=np.uint64)
    for band in range(bands):
        h = np.full(count, band, dtype=np.uint64)
        for col in range(band * rows, (band + 1) * rows):
            column = sigs[:, col] if which is None else sigs[which, col]
            h = fmix64(h * _M64 + column.astype(np.uint64))
        keys[:, band] = h
    return keys


@dataclass(slots=True)
class Fingerprints:
    """What phase B needs of a run of paragraphs, as flat arrays and no text: per paragraph its exact key,
    whether it may be removed at all (`eligible`), its row in `sigs` (-1 when too short for MinHash) and
    its length in characters; the keys of its sentences and of its names and numbers (`facts`: exact key,
    loose key, whether the loose key applies) concatenated, paragraph i's ending at `sentence_ends[i]`
    and `fact_ends[i]`. A million paragraphs hold about 0.7 GB, mostly signatures (README, Memory)."""

    keys: np.ndarray  # uint64
    eligible: np.ndarray  # bool
    sig_rows: np.ndarray  # int64
    sigs: np.ndarray  # uint32, (signed paragraphs, num_perm)
    lengths: np.ndarray  # int64
    sentence_keys: np.ndarray  # uint64
    sentence_ends: np.ndarray  # int64
    fact_keys: np.ndarray  # uint64, (facts, 2)
    fact_loose: np.ndarray  # bool
    fact_ends: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(getattr(self, name).nbytes for name in self.__slots__)

    def sentences(self, i: int) -> tuple[int, ...]:
        """Paragraph i's sentence keys, in order."""
        start = int(self.sentence_ends[i - 1]) if i else 0
        return tuple(self.sentence_keys[start : self.sentence_ends[i]].tolist())

    def facts(self, i: int) -> tuple[tuple[int, int], ...]:
        """Paragraph i's names and numbers as (exact key, loose key or -1), as `facts` gives them."""
        start, end = (int(self.fact_ends[i - 1]) if i else 0), int(self.fact_ends[i])
        pairs = self.fact_keys[start:end].tolist()
        return tuple((e, k if has else -1) for (e, k), has in zip(pairs, self.fact_loose[start:end].tolist()))

    def select(self, rows: np.ndarray) -> Fingerprints:
        """The fingerprints of paragraphs `rows` (in that order), signatures renumbered."""
        rows = np.asarray(rows, dtype=np.int64)
        sig_rows = self.sig_rows[rows]
        signed = sig_rows >= 0
        sentence_keys, sentence_ends = _take_ragged(self.sentence_keys, self.sentence_ends, rows)
        fact_at, fact_ends = _take_ragged(np.arange(len(self.fact_loose)), self.fact_ends, rows)
        return Fingerprints(self.keys[rows], self.eligible[rows], np.where(signed, np.cumsum(signed) - 1, -1),
                            self.sigs[sig_rows[signed]], self.lengths[rows], sentence_keys, sentence_ends,
                            self.fact_keys[fact_at], self.fact_loose[fact_at], fact_ends)


def _take_ragged(values: np.ndarray, ends: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The parts `rows` of a concatenation (part i ends at ends[i]), concatenated, and their new ends."""
    starts = np.concatenate(([0], ends[:-1]))[rows] if len(ends) else np.zeros(0, dtype=np.int64)
    counts = ends[rows] - starts if len(ends) else np.zeros(0, dtype=np.int64)
    new_ends = np.cumsum(counts, dtype=np.int64)
    at = np.repeat(starts - (new_ends - counts), counts) + np.arange(int(new_ends[-1]) if len(new_ends) else 0)
    return values[at], new_ends


def concatenate(parts: list[Fingerprints], num_perm: int, release: bool = False) -> Fingerprints:
    """Fingerprints of several runs of paragraphs, one after the other. Each array is allocated once at
    its full size and filled part by part; with `release`, each part leaves the list once copied, so the
    memory needed is the whole plus one part, not twice the whole.

    >>> dup = DuplicateConfig()
    >>> both = concatenate([fingerprint(["One short line."], dup), fingerprint(["Another one.", "A third."], dup)], dup.num_perm)
    >>> len(both), both.sentence_ends.tolist()
    (3, [1, 2, 3])
    """
    if not parts:
        return empty_fingerprints(num_perm)
    names = Fingerprints.__slots__
    out = {}
    for name in names:
        first = getattr(parts[0], name)
        out[name] = np.empty((sum(len(getattr(p, name)) for p in parts), *first.shape[1:]), dtype=first.dtype)
    at = dict.fromkeys(names, 0)
    queue = parts if release else list(parts)
    queue.reverse()
    while queue:
        part = queue.pop()
        # Row numbers and ends within the part become numbers within the whole.
        shift = {"sig_rows": at["sigs"], "sentence_ends": at["sentence_keys"], "fact_ends": at["fact_loose"]}
        for name in names:
            values = getattr(part, name)
            target = out[name][at[name] : at[name] + len(values)]
            if name == "sig_rows":
                target[:] = np.where(values >= 0, values + shift[name], -1)
            else:
                target[:] = values + shift[name] if name in shift else values
        for name in names:
            at[name] += len(getattr(part, name))
    return Fingerprints(**out)


def empty_fingerprints(num_perm: int) -> Fingerprints:
    """Fingerprints of no paragraph."""
    none = np.zeros(0, dtype=np.int64)
    return Fingerprints(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=bool), none, np.zeros((0, num_perm), dtype=np.uint32), none,
                        np.zeros(0, dtype=np.uint64), none, np.zeros((0, 2), dtype=np.uint64), np.zeros(0, dtype=bool), none)


def fingerprint(texts: list[str], dup: DuplicateConfig) -> Fingerprints:
    """Exact keys and sentence keys for every paragraph text, MinHash signatures for those long enough.

    >>> f = fingerprint(["Short.", "The council voted on Tuesday to expand the ferry service to three new stops."],
    ...                 DuplicateConfig())
    >>> f.sig_rows.tolist(), f.sigs.shape, len(f.sentences(1)), len(f.facts(1))
    ([-1, 0], (1, 128), 1, 1)
    """
    keys, sig_rows, signed, sentence_keys, sentence_counts, fact_rows, fact_counts = [], [], [], [], [], [], []
    norm_lengths = []
    for text in texts:
        sentences = _sentence_keys(text)
        if len(sentences) == 1:  # the paragraph is its one sentence: its normal form, words and key
            _, _, norm, words, key = sentences[0]
        else:
            norm = normalise_by_sentence(text)
            words, key = _words(norm), exact_key(norm)
        keys.append(key)
        norm_lengths.append(len(norm))
        sentence_keys.extend([sentence[4] for sentence in sentences])
        sentence_counts.append(len(sentences))
        if words >= dup.min_words and words:  # no words, no shingles to sign (even with min_words 0)
            sig_rows.append(len(signed))
            signed.append(norm)
        else:
            sig_rows.append(-1)
        found = _fact_rows(text)
        fact_rows.extend(found)
        fact_counts.append(len(found))
    if signed and dup.shingle == "char" and min(map(len, signed)) >= dup.shingle_size:
        sigs = char_signatures(signed, dup.shingle_size, dup.num_perm, dup.seed)
    else:
        sigs = signatures([shingle_hashes(norm, dup.shingle, dup.shingle_size) for norm in signed], dup.num_perm, dup.seed)
    fact_table = np.array(fact_rows, dtype=np.uint64).reshape(-1, 3)  # exact key, loose key or 0, 1 if it applies
    return Fingerprints(
        keys=np.array(keys, dtype=np.uint64),
        eligible=np.array(norm_lengths, dtype=np.int64) >= dup.min_chars,
        sig_rows=np.array(sig_rows, dtype=np.int64),
        sigs=sigs,
        lengths=np.array([len(t) for t in texts], dtype=np.int64),
        sentence_keys=np.array(sentence_keys, dtype=np.uint64),
        sentence_ends=np.cumsum(np.array(sentence_counts, dtype=np.int64)),
        fact_keys=np.ascontiguousarray(fact_table[:, :2]),
        fact_loose=fact_table[:, 2] == 1,
        fact_ends=np.cumsum(np.array(fact_counts, dtype=np.int64)),
    )
