"""Phase C a chunk at a time (runner.finish_chunk, on the local workers with --jobs 2) gives exactly what
assembling and writing the documents one by one gives: the same output bytes, report lines, summary and
index, whatever the chunk boundaries and the mix of sources. A worker that dies while writing leaves the
sources before it complete, and the run says how to finish it."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup import DedupConfig, Document
from dedup.corpus import discover, read_source
from dedup.errors import WorkerError
from dedup.index import load_index, save_index
from dedup.pipeline import Decisions, Preparer, Spill, Verdict, chunk_verdicts, chunked, prepare_and_decide, run
from dedup.report import Summary
from dedup.runner import Output, by_source, clean_files, encode, finish_chunk, report_lines, write_source

from conftest import SEEDS
from test_properties import PROPERTY, documents

SOURCES = ["a.jsonl", "b.txt", "c.jsonl.gz", "d.jsonl"]


@PROPERTY
@given(st.lists(st.integers(0, 40), max_size=12), st.lists(st.integers(0, 9), min_size=1, max_size=8))
def test_chunk_verdicts_give_each_chunk_its_own_verdicts_by_position(judged: list[int], counts: list[int]) -> None:
    verdicts = {d: Verdict({0: (f"doc{d}", d, 1.0)}) for d in judged if d < sum(counts)}
    decisions = Decisions([], None, np.zeros(0), verdicts, set())
    start, seen = 0, {}
    for count, mine in zip(counts, chunk_verdicts(decisions, counts), strict=True):
        assert all(0 <= d < count for d in mine)
        seen.update({start + d: v for d, v in mine.items()})
        start += count
    assert seen == verdicts


def _corpus(draw: st.DrawFn) -> list[Document]:
    """Documents of several sources in input order (a text file holds one), with copies across them."""
    docs: list[Document] = []
    for name in SOURCES:
        texts = draw(st.lists(documents(), min_size=0 if name != "a.jsonl" else 1, max_size=1 if name.endswith(".txt") else 6))
        if docs and texts and draw(st.booleans()):
            texts.append(docs[draw(st.integers(0, len(docs) - 1))].text)  # a copy of an earlier document
        for text in texts:
            fields = None if name.endswith(".txt") else {"id": f"{name}:{len(docs)}", "text": text, "n": len(docs)}
            docs.append(Document(f"{name}:{len(docs)}", text, name, len(docs), fields))
    return docs


@PROPERTY
@given(st.data(), st.integers(1, 5), st.booleans())
def test_phase_c_by_chunk_gives_what_document_by_document_gives(data: st.DataObject, size: int, stdout: bool) -> None:
    docs = _corpus(data.draw)
    config = DedupConfig()
    output = Output(Path("-") if stdout else Path("out"), "text", "id", False, 0, True)
    preparer = Preparer(config)
    with Spill() as spill:
        decisions, counts = prepare_and_decide(docs, config, spill, lambda d: map(preparer.prepare_chunk, chunked(d, size)))
        assert counts[:-1] == [size] * (len(counts) - 1)
        chunks = [finish_chunk(config, output, text, verdicts, decisions.repeated, False)
                  for text, verdicts in zip(spill.chunks(), chunk_verdicts(decisions, counts), strict=True)]
    one_by_one = list(run(docs, config))
    assert "".join(chunk.report for chunk in chunks) == report_lines(one_by_one)
    fast: dict[str, tuple[str, list[str | None], Summary]] = {}
    for piece in (piece for chunk in chunks for piece in chunk.pieces):
        lines, texts, summary = fast.setdefault(piece.source, ("", [], Summary()))
        summary.merge(piece.summary)
        fast[piece.source] = (lines + piece.lines, texts + piece.texts, summary)
    slow: dict[str, tuple[str, list[str | None], Summary]] = {}
    for doc in one_by_one:
        piece = encode([doc], doc.source, output)
        lines, texts, summary = slow.setdefault(doc.source, ("", [], Summary()))
        summary.merge(piece.summary)
        slow[doc.source] = (lines + piece.lines, texts + piece.texts, summary)
    assert fast == slow
    assert list(fast) == [name for name in SOURCES if any(d.source == name for d in docs)]


def _mixed_inputs(root: Path) -> Path:
    """A folder of the seeds' pages, and JSONL shards (one gzipped) of their paragraphs in several
    hundred records with copies across shards: many chunks, several sources in one chunk."""
    pages = sorted(SEEDS.glob("*.txt"))
    paragraphs = [p for page in pages for p in page.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    (root / "pages").mkdir(parents=True)
    for page in pages:
        (root / "pages" / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    for k, name in enumerate(["part-0.jsonl", "part-1.jsonl.gz", "part-2.jsonl"]):
        records = [{"id": f"{k}-{i}", "text": "\n\n".join(paragraphs[(i * 7 + k) % len(paragraphs) : (i * 7 + k) % len(paragraphs) + 3]),
                    "n": i} for i in range(150)]
        data = "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")
        (root / name).write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_workers_write_what_one_process_writes_document_by_document(tmp_path: Path) -> None:
    """The same bytes, report and index from --jobs 2 (phase C on the workers) as from assembling each
    document in this process and writing it with write_source."""
    inputs = _mixed_inputs(tmp_path / "in")
    config = DedupConfig()
    results = {}
    for jobs in (1, 2):
        out, report, index = tmp_path / f"out{jobs}", tmp_path / f"report{jobs}.jsonl", tmp_path / f"index{jobs}"
        summary = clean_files([str(inputs)], str(out), config, report=str(report), jobs=jobs, index=str(index))
        results[jobs] = _files(out), report.read_bytes(), _files(index), summary
    assert results[1] == results[2]
    assert len(results[1][0]) == 8 and results[1][3].removals["duplicate"] > 100

    sources = discover([str(inputs)])
    docs = (doc for source in sources for doc in read_source(source, 0))
    index = load_index(str(tmp_path / "index-slow"), config.duplicates, [])
    cleaned = list(run(docs, config, index=index))
    for position, source, mine in by_source(sources, cleaned):
        write_source(tmp_path / "slow", source, mine, "text", replacing=False)
    save_index(index, tmp_path / "index-slow")
    assert _files(tmp_path / "slow") == results[1][0]
    assert report_lines(cleaned).encode("utf-8") == results[1][1]
    assert _files(tmp_path / "index-slow") == results[1][2]


def dies_at_part_2(config, output, text, verdicts, repeated, want_kept):
    """finish_chunk, but the worker process dies at a chunk that holds documents of part-2.jsonl."""
    chunk = finish_chunk(config, output, text, verdicts, repeated, want_kept)
    if any(piece.source == "part-2.jsonl" for piece in chunk.pieces):
        os._exit(1)
    return chunk


def test_a_worker_that_dies_in_phase_c_leaves_complete_sources_and_resume_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.runner as runner

    inputs = _mixed_inputs(tmp_path / "in")
    config = DedupConfig()
    clean_files([str(inputs)], str(tmp_path / "whole"), config, jobs=2)
    whole = _files(tmp_path / "whole")
    monkeypatch.setattr(runner, "finish_chunk", dies_at_part_2)
    with pytest.raises(WorkerError, match="the sources written before it are complete; run again with --resume"):
        clean_files([str(inputs)], str(tmp_path / "out"), config, jobs=2)
    left = {name: data for name, data in _files(tmp_path / "out").items() if name != ".dedup-run.json"}
    assert "part-2.jsonl" not in left and ".dedup-run.json" in _files(tmp_path / "out")
    assert all(whole[name] == data for name, data in left.items())  # no temporary file, no half-written one
    monkeypatch.undo()
    clean_files([str(inputs)], str(tmp_path / "out"), config, jobs=2, resume=True)
    assert _files(tmp_path / "out") == whole


def test_a_source_spread_over_chunks_is_one_file_and_empty_sources_leave_none(tmp_path: Path) -> None:
    """Sources of no document, or none left, write no file (a JSONL shard of records all removed is an
    empty file), also when their neighbours share a chunk."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    page = (SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text(encoding="utf-8")
    (inputs / "a.jsonl").write_text("".join(json.dumps({"id": i, "text": page}) + "\n" for i in range(70)), encoding="utf-8")
    (inputs / "b.txt").write_text(page, encoding="utf-8")  # a copy of a.jsonl's first record: nothing left
    (inputs / "c.jsonl").write_text("", encoding="utf-8")
    (inputs / "d.jsonl").write_text(json.dumps({"id": "d", "text": page}) + "\n", encoding="utf-8")
    summary = clean_files([str(inputs)], str(tmp_path / "out"), DedupConfig(), jobs=2)
    written = _files(tmp_path / "out")
    assert sorted(written) == ["a.jsonl", "d.jsonl"]
    assert written["d.jsonl"] == b"" and len(written["a.jsonl"].splitlines()) == 1
    assert summary.documents_in == 72 and summary.documents_out == 1
