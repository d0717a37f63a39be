"""The index: fingerprints of every paragraph a corpus kept (`dedup clean --index DIR`), so that tomorrow's
crawl is cleaned against today's. It holds no text: exact keys, lengths, MinHash signatures, sentence and
fact keys, and the document id and line that name each kept copy in the report.

On disk, DIR/manifest.json records the fingerprint settings and names a generation folder of numpy arrays
(.npy, read with allow_pickle=False) with the length and blake2b digest of each file, and a digest of its
own content. A save writes a new generation folder, then replaces the manifest in one rename, then removes
the old generation: a reader finds the old index or the new one, never a mix, and a failed save leaves
the old one as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .config import DuplicateConfig
from .corpus import atomic_writer
from .errors import ConfigError, InputError
from .fingerprint import NORMALISATION_VERSION, Fingerprints, permutations

FORMAT = "dedup-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SCHEME = "datasketch affine32"
GENERATION_PATTERN = re.compile(r"g[0-9]{6}")
# Documents added are joined into one array per column this many at a time, not held as small arrays each.
BATCH_DOCUMENTS = 1024

# Every array of an index: numpy dtype (little-endian) and dimensions. Paragraphs are rows in the order
# they were kept. Ragged parts (a paragraph's sentence keys and facts, a document's id) are concatenated,
# their sizes kept in the *_counts and *_lengths arrays, so adding a run's paragraphs is concatenation.
ARRAYS: dict[str, tuple[str, int]] = {
    "keys": ("<u8", 1),  # exact normalised key
    "lengths": ("<i8", 1),  # characters
    "lines": ("<i8", 1),  # first line of the paragraph in its document
    "signed": ("|b1", 1),  # has a MinHash signature (min_words or more)
    "signatures": ("<u4", 2),  # one row of num_perm values per signed paragraph
    "sentence_counts": ("<i8", 1),
    "sentence_keys": ("<u8", 1),
    "fact_counts": ("<i8", 1),
    "fact_keys": ("<u8", 2),  # (exact key, loose key) of each name or number
    "fact_loose": ("|b1", 1),  # whether the loose key applies (names of four letters or more)
    "document_paragraphs": ("<i8", 1),  # paragraphs of each document, documents in the order they were kept
    "document_id_lengths": ("<i8", 1),  # UTF-8 bytes of each document's id
    "document_ids": ("|u1", 1),
}


class CorruptIndexError(InputError):
    """An index that cannot be trusted: a file missing, cut short or changed, or arrays that disagree."""


def index_settings(dup: DuplicateConfig) -> dict[str, Any]:
    """The settings an index's fingerprints depend on: an index built with others cannot be used.
    `permutations` is a digest of datasketch's permutation parameters, so a datasketch that derives
    other permutations from the same seed is caught too.

    >>> settings = index_settings(DuplicateConfig())
    >>> settings["scheme"], settings["num_perm"], settings["shingle"], settings["shingle_size"]
    ('datasketch affine32', 128, 'char', 5)
    """
    a, b = permutations(dup.num_perm, dup.seed)
    digest = hashlib.blake2b(a.astype("<u4").tobytes() + b.astype("<u4").tobytes(), digest_size=8).hexdigest()
    return {"scheme": SCHEME, "seed": dup.seed, "num_perm": dup.num_perm, "permutations": digest, "shingle": dup.shingle,
            "shingle_size": dup.shingle_size, "min_words": dup.min_words, "min_chars": dup.min_chars,
            "normalisation_version": NORMALISATION_VERSION}


class Index:
    """The paragraphs kept by earlier runs (`arrays`, see ARRAYS), plus those `add` records during a run,
    which `save_index` writes together with the old ones."""

    def __init__(self, settings: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.settings = settings
        self.arrays = arrays
        self._batches: list[dict[str, np.ndarray]] = []
        self._pending: list[dict[str, np.ndarray]] = []
        self._document_of = np.repeat(np.arange(len(arrays["document_paragraphs"])), arrays["document_paragraphs"])
        self._id_ends = np.cumsum(arrays["document_id_lengths"])

    def __len__(self) -> int:
        """Paragraphs in the index as loaded (not counting those added since)."""
        return len(self.arrays["keys"])

    def kept_copy(self, row: int) -> tuple[str, int]:
        """The document id and first line of indexed paragraph `row`, for the report."""
        doc = int(self._document_of[row])
        end = int(self._id_ends[doc])
        start = end - int(self.arrays["document_id_lengths"][doc])
        return self.arrays["document_ids"][start:end].tobytes().decode("utf-8"), int(self.arrays["lines"][row])

    def fingerprints(self) -> Fingerprints:
        """The indexed paragraphs as fingerprints, for phase B (all eligible)."""
        a = self.arrays
        signed = a["signed"]
        return Fingerprints(
            keys=a["keys"],
            eligible=np.ones(len(self), dtype=bool),
            sig_rows=np.where(signed, np.cumsum(signed) - 1, -1),
            sigs=a["signatures"].astype(np.uint32, copy=False),
            lengths=a["lengths"],
            sentence_keys=a["sentence_keys"],
            sentence_ends=np.cumsum(a["sentence_counts"]),
            fact_keys=a["fact_keys"],
            fact_loose=a["fact_loose"],
            fact_ends=np.cumsum(a["fact_counts"]),
        )

    def add(self, doc_id: str, fingerprints: Fingerprints, kept: list[tuple[int, int]]) -> None:
        """Record a document's kept paragraphs, given as (paragraph index, first line). Only eligible ones
        are recorded: a paragraph under min_chars joins no comparison, so it can never be a kept copy."""
        rows = [(i, line) for i, line in kept if fingerprints.eligible[i]]
        if not rows:
            return
        f = fingerprints.select(np.array([i for i, _ in rows], dtype=np.int64))
        encoded = doc_id.encode("utf-8")
        self._pending.append({
            "keys": f.keys,
            "lengths": f.lengths,
            "lines": np.array([line for _, line in rows], dtype=np.int64),
            "signed": f.sig_rows >= 0,
            "signatures": f.sigs,
            "sentence_counts": np.diff(f.sentence_ends, prepend=0),
            "sentence_keys": f.sentence_keys,
            "fact_counts": np.diff(f.fact_ends, prepend=0),
            "fact_keys": f.fact_keys,
            "fact_loose": f.fact_loose,
            "document_paragraphs": np.array([len(rows)], dtype=np.int64),
            "document_id_lengths": np.array([len(encoded)], dtype=np.int64),
            "document_ids": np.frombuffer(encoded, dtype=np.uint8),
        })
        if len(self._pending) == BATCH_DOCUMENTS:
            self._batches.append(_concatenate(self._pending))
            self._pending = []

    def merged(self) -> dict[str, np.ndarray]:
        """The arrays of the old paragraphs and the added ones, in that order."""
        return _concatenate([self.arrays, *self._batches, *self._pending])


def _concatenate(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Parts of an index joined into one: every array is the concatenation of the parts' arrays."""
    return {name: np.concatenate([part[name] for part in parts]).astype(dtype, copy=False) for name, (dtype, _) in ARRAYS.items()}


def empty_index(dup: DuplicateConfig) -> Index:
    """An index without paragraphs, for a first run.

    >>> len(empty_index(DuplicateConfig()))
    0
    """
    shapes = {"signatures": (0, dup.num_perm), "fact_keys": (0, 2)}
    return Index(index_settings(dup), {name: np.zeros(shapes.get(name, (0,)), dtype=dtype) for name, (dtype, _) in ARRAYS.items()})


def load_index(path: str | os.PathLike[str], dup: DuplicateConfig, apart_from: Iterable[str | os.PathLike[str]] = ()) -> Index:
    """The index in folder `path` for a run with these settings; an empty one when the folder does not
    exist or is empty. Raises ConfigError when it was built with other settings or overlaps a folder of
    `apart_from` (the inputs and the output), and CorruptIndexError when any file is missing, cut short,
    changed or inconsistent."""
    if not dup.find_duplicates:
        raise ConfigError("--index needs duplicate finding; drop --no-find-duplicates")
    folder = Path(path)
    for other in apart_from:
        a, b = folder.resolve(), Path(other).resolve()
        if a == b or a in b.parents or b in a.parents:
            raise ConfigError(f"{folder}: --index must lie apart from the input and --out ({other})")
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise CorruptIndexError(f"{manifest_path}: missing, so {folder} is not a dedup index; give a new or empty folder to start one")
        return empty_index(dup)
    manifest = _read_manifest(manifest_path)
    settings = index_settings(dup)
    differ = [key for key in settings if manifest["settings"].get(key) != settings[key]]
    if "seed" in differ or "num_perm" in differ:  # the permutations follow from them
        differ = [key for key in differ if key != "permutations"]
    if differ:
        built = ", ".join(f"{key}={manifest['settings'].get(key)!r}" for key in differ)
        now = ", ".join(f"{key}={settings[key]!r}" for key in differ)
        raise ConfigError(f"{folder}: index built with {built}, but this run has {now}; clean with the index's settings or start a new index")
    generation = folder / manifest["generation"]
    arrays = {name: _read_array(generation / f"{name}.npy", manifest["files"][name], ARRAYS[name]) for name in ARRAYS}
    _check(arrays, generation, manifest["paragraphs"], dup.num_perm)
    return Index(settings, arrays)


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=32)).hexdigest()


def _body_digest(body: dict[str, Any]) -> str:
    return hashlib.blake2b(json.dumps(body, sort_keys=True).encode("ascii"), digest_size=32).hexdigest()


def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest's content after checking its own digest and shape: it names every file to trust."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        body = manifest["body"]
        if manifest.get("format") != FORMAT:
            raise CorruptIndexError(f"{path}: not a dedup index manifest")
        if manifest["digest"] != _body_digest(body):
            raise CorruptIndexError(f"{path}: content does not match its digest (edited or damaged)")
        if body["format_version"] != FORMAT_VERSION:
            raise ConfigError(f"{path}: index format {body['format_version']}; this dedup reads format {FORMAT_VERSION}")
        if not GENERATION_PATTERN.fullmatch(body["generation"]) or set(body["files"]) != set(ARRAYS) or not all(
                isinstance(f["bytes"], int) and isinstance(f["blake2b"], str) for f in body["files"].values()):
            raise CorruptIndexError(f"{path}: names other files than an index holds")
        if not isinstance(body["settings"], dict) or not isinstance(body["paragraphs"], int):
            raise CorruptIndexError(f"{path}: malformed settings or paragraph count")
        return dict(body)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise CorruptIndexError(f"{path}: malformed manifest ({type(err).__name__}: {err})") from None


def _read_array(path: Path, expected: dict[str, Any], kind: tuple[str, int]) -> np.ndarray:
    """One array file, after checking its length and digest against the manifest."""
    try:
        size = path.stat().st_size
        if size != expected["bytes"]:
            raise CorruptIndexError(f"{path}: {size} bytes where the manifest says {expected['bytes']} (cut short or changed)")
        if _file_digest(path) != expected["blake2b"]:
            raise CorruptIndexError(f"{path}: content does not match the manifest's blake2b digest (changed or damaged)")
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise CorruptIndexError(f"{path}: missing") from None
    except (ValueError, OSError) as err:
        raise CorruptIndexError(f"{path}: cannot be read as a numpy array ({err})") from None
    dtype, ndim = kind
    if array.dtype != np.dtype(dtype) or array.ndim != ndim:
        raise CorruptIndexError(f"{path}: holds {array.dtype} in {array.ndim} dimensions, not {np.dtype(dtype)} in {ndim}")
    return array


def _check(a: dict[str, np.ndarray], generation: Path, paragraphs: int, num_perm: int) -> None:
    """Refuse arrays that disagree with one another (sizes, counts, ids), naming the file at fault."""
    n = len(a["keys"])
    expectations = [
        ("keys", n == paragraphs, f"{n} paragraphs where the manifest says {paragraphs}"),
        *((name, len(a[name]) == n, f"{len(a[name])} rows where keys.npy has {n}")
          for name in ("lengths", "lines", "signed", "sentence_counts", "fact_counts")),
        ("signatures", a["signatures"].shape == (int(a["signed"].sum()), num_perm),
         f"shape {a['signatures'].shape}, not one row of {num_perm} per signed paragraph"),
        ("sentence_keys", (a["sentence_counts"] >= 0).all() and a["sentence_counts"].sum() == len(a["sentence_keys"]),
         "does not hold the keys sentence_counts.npy counts"),
        ("fact_keys", a["fact_keys"].shape[1:] == (2,) and (a["fact_counts"] >= 0).all()
         and a["fact_counts"].sum() == len(a["fact_keys"]) == len(a["fact_loose"]), "does not hold the facts fact_counts.npy counts"),
        ("document_paragraphs", (a["document_paragraphs"] > 0).all() and a["document_paragraphs"].sum() == n,
         f"does not count the {n} paragraphs"),
        ("document_ids", len(a["document_id_lengths"]) == len(a["document_paragraphs"]) and (a["document_id_lengths"] >= 0).all()
         and a["document_id_lengths"].sum() == len(a["document_ids"]), "does not hold the ids document_id_lengths.npy counts"),
        ("lines", (a["lines"] >= 1).all() and (a["lengths"] >= 0).all(), "holds a line number under 1 or a negative length"),
    ]
    for name, holds, problem in expectations:
        if not holds:
            raise CorruptIndexError(f"{generation / name}.npy: {problem}")
    try:
        a["document_ids"].tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptIndexError(f"{generation / 'document_ids'}.npy: document ids are not UTF-8") from None


def save_index(index: Index, path: str | os.PathLike[str]) -> None:
    """Write the index with the paragraphs added since it was loaded into folder `path`, atomically: a new
    generation folder first, then the manifest that names it replaced in one rename, then the old
    generation removed. A failure at any point leaves the old index loadable."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[1:]) for p in folder.iterdir() if GENERATION_PATTERN.fullmatch(p.name) and p.is_dir()]
    name = f"g{max(numbers, default=0) + 1:06d}"
    generation = folder / name
    generation.mkdir()
    files = {}
    arrays = index.merged()
    for array_name, array in arrays.items():
        target = generation / f"{array_name}.npy"
        with open(target, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
        files[array_name] = {"bytes": target.stat().st_size, "blake2b": _file_digest(target)}
    body = {"format_version": FORMAT_VERSION, "settings": index.settings, "generation": name,
            "paragraphs": len(arrays["keys"]), "documents": len(arrays["document_paragraphs"]), "files": files}
    manifest = {"format": FORMAT, "digest": _body_digest(body), "body": body}
    with atomic_writer(folder / MANIFEST) as handle:
        handle.write(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    for old in folder.iterdir():
        if old.name != name and GENERATION_PATTERN.fullmatch(old.name) and old.is_dir():
            shutil.rmtree(old)
