"""Fuzzing with hypothesis (well under a minute): the readers on arbitrary bytes either yield documents
or raise DedupError, never anything else; the rule engine on arbitrary lines never raises and only ever
deletes text."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.boilerplate import Stripper, builtin_rules
from dedup.corpus import SURROGATE_PATTERN, Source, read_source
from dedup.errors import DedupError
from dedup.records import Line

from conftest import PARA

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RULES = builtin_rules()
STRIPPER = Stripper(RULES)

# --- the readers ---------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
RECORD = st.fixed_dictionaries({"text": st.text(max_size=60) | st.just(PARA)}, optional={"id": JSON_VALUES, "meta": JSON_VALUES})
RECORD_LINE = RECORD.map(lambda r: json.dumps(r).encode("utf-8"))
ODD_LINE = st.sampled_from([b"", b"   ", b"{", b"[1]", b'{"text": 1}', b'{"id": 2}', b'"text"', b"\xff\xfe", b"\xef\xbb\xbf{}",
                            b'{"text": "\\ud800 lone"}', b"[" * 5000, b'{"text": "x", "n": 1' + b"0" * 5000 + b"}", b"\x00\x01"])
JSONL_BYTES = st.lists(st.one_of(RECORD_LINE, RECORD_LINE, ODD_LINE, st.binary(max_size=40)), max_size=8).map(b"\n".join)
FILE_BYTES = st.one_of(st.binary(max_size=400), JSONL_BYTES, st.text(max_size=200).map(lambda t: t.encode("utf-16")),
                       st.text(max_size=200).map(lambda t: t.encode("utf-8", errors="surrogatepass")))


def as_file(data: bytes, kind: str, how: str) -> bytes:
    """The bytes stored for `kind`: for .jsonl.gz, gzip of the data, cut short, or the raw data."""
    if kind != ".jsonl.gz" or how == "raw":
        return data
    packed = gzip.compress(data, mtime=0)
    return packed[: len(packed) // 2] if how == "cut" else packed


def read_all(data: bytes, kind: str, skip: list[str] | None) -> list:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{kind}"
        path.write_bytes(data)
        warnings: list[str] = []
        return list(read_source(Source(path, path.name), 0, warn=warnings.append, skip=None if skip is None else skip.append))


@FUZZ
@given(FILE_BYTES, st.sampled_from([".txt", ".jsonl", ".jsonl.gz"]), st.sampled_from(["packed", "cut", "raw"]))
def test_readers_yield_documents_or_a_dedup_error(data: bytes, kind: str, how: str) -> None:
    stored = as_file(data, kind, how)
    try:
        docs = read_all(stored, kind, None)
    except DedupError as err:
        assert "fuzz" in str(err) and "\n" not in str(err)
        docs = []
    skipped: list[str] = []
    lenient = read_all(stored, kind, skipped)  # with skip, a fault is reported and reading goes on
    assert len(lenient) >= len(docs)
    for doc in lenient:
        assert isinstance(doc.text, str) and not SURROGATE_PATTERN.search(doc.text)
        doc.text.encode("utf-8")
    assert [d.order for d in lenient] == list(range(len(lenient)))
    if kind == ".txt":
        assert len(lenient) <= 1 and skipped == []


# --- the rule engine -----------------------------------------------------------------------------------

EXAMPLES = sorted({text for rule in RULES for text in rule.match})
PIECE = st.one_of(st.sampled_from(EXAMPLES), st.just(PARA), st.text(max_size=30),
                  st.sampled_from([". ", " ", "! ", "|", " - ", "\u00a0", "..."]))
ENGINE_LINE = st.one_of(st.text(max_size=80), st.lists(PIECE, max_size=6).map("".join),
                        st.lists(PIECE, min_size=1, max_size=3).map(lambda p: "".join(p) * 40))


def is_subsequence(small: str, big: str) -> bool:
    chars = iter(big)
    return all(c in chars for c in small)


@FUZZ
@given(st.lists(ENGINE_LINE, max_size=8))
def test_rule_engine_never_raises_and_only_deletes(lines: list[str]) -> None:
    given_lines = [Line(n, text.strip()) for n, text in enumerate(lines, 1)]
    by_number = {line.number: line.text for line in given_lines}
    kept, hits = STRIPPER.strip_lines([Line(line.number, line.text) for line in given_lines])
    assert [line.number for line in kept] == sorted({line.number for line in kept})
    for line in kept:
        source = by_number[line.number]
        assert line.text or not source, line  # blank lines stay: they separate paragraphs
        if not any(hit.line == line.number for hit in hits):
            assert line.text == source
        # What is left is the input with pieces taken out (and a space where a middle sentence went).
        assert is_subsequence(line.text.replace(" ", ""), source.replace(" ", "")), (line.text, source)
    for hit in hits:
        assert hit.text and hit.text in by_number[hit.line], hit
        assert hit.rule in {rule.id for rule in RULES}
