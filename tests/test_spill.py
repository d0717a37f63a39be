"""Phase A's text waits for phase C in a Spill: in memory up to a limit, then in a private temporary
folder that is removed at the end, after an error, and when the consumer stops early. Spilling never
changes the result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dedup import DedupConfig, Document, InputError
from dedup.executors import prepare_in_processes
from dedup.pipeline import Spill, run

from conftest import PARA, PARA_COPY, SEEDS, SHARED


def corpus() -> list[Document]:
    """The seeds, pages of ../shared/eval (when present) and near copies: boilerplate, repeats, duplicates."""
    docs = [Document(p.name, p.read_text(encoding="utf-8"), "", 0) for p in sorted(SEEDS.glob("*.txt"))]
    eval_file = SHARED / "eval" / "linebench-dev.jsonl"
    if eval_file.exists():
        with open(eval_file, encoding="utf-8") as handle:
            for _, line in zip(range(30), handle):
                record = json.loads(line)
                docs.append(Document(record["id"], "\n".join(record["lines"]), "", 0))
    docs += [Document("copy-a", f"Skip to content\n{PARA}\nShare this article", "", 0), Document("copy-b", PARA_COPY, "", 0)]
    return [Document(d.id, d.text, d.source, i) for i, d in enumerate(docs)]


def results(spill_folder: Path, spill_after: int, jobs: int = 1) -> list[tuple]:
    config = DedupConfig()
    out = run(corpus(), config, lambda d: prepare_in_processes(d, config, jobs), spill_after=spill_after, spill_folder=spill_folder)
    return [(c.id, c.text, [r.to_json() for r in c.removals]) for c in out]


def test_spilling_changes_nothing_and_leaves_no_file(tmp_path: Path) -> None:
    held = results(tmp_path, spill_after=1 << 30)
    spilled = results(tmp_path, spill_after=0)
    assert spilled == held
    assert sum(1 for _, _, removals in held for r in removals if r["reason"] == "duplicate") >= 3
    assert list(tmp_path.iterdir()) == []


def test_spilling_with_two_workers_gives_the_same_result(tmp_path: Path) -> None:
    assert results(tmp_path, spill_after=0, jobs=2) == results(tmp_path, spill_after=1 << 30, jobs=1)
    assert list(tmp_path.iterdir()) == []


def test_the_spill_is_on_disk_while_documents_are_written_and_gone_after(tmp_path: Path) -> None:
    out = run(corpus(), DedupConfig(), spill_after=0, spill_folder=tmp_path)
    next(out)
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("dedup-spill-") and (folder / "documents.pickle").stat().st_size > 10_000
    rest = list(out)
    assert len(rest) == len(corpus()) - 1 and list(tmp_path.iterdir()) == []


def test_a_small_limit_spills_only_past_it(tmp_path: Path) -> None:
    spill = Spill(limit=10, folder=tmp_path)
    spill.add(b"0123456789")
    assert list(tmp_path.iterdir()) == []  # within the limit: held in memory
    spill.add(b"x")
    assert len(list(tmp_path.iterdir())) == 1
    spill.close()
    assert list(tmp_path.iterdir()) == []


def test_the_spill_is_removed_when_reading_fails(tmp_path: Path) -> None:
    def documents() -> Iterator[Document]:
        yield from corpus()[:-1]
        raise InputError("data.jsonl:7: malformed JSON")

    with pytest.raises(InputError, match="malformed"):
        list(run(documents(), DedupConfig(), spill_after=0, spill_folder=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_the_spill_is_removed_when_the_consumer_fails_or_stops(tmp_path: Path) -> None:
    out = run(corpus(), DedupConfig(), spill_after=0, spill_folder=tmp_path)
    with pytest.raises(OSError, match="disk full"):
        for i, _ in enumerate(out):
            assert list(tmp_path.iterdir())
            if i == 3:
                raise OSError("disk full")  # a write failure: the caller abandons the generator
    out.close()
    assert list(tmp_path.iterdir()) == []
    stopped = run(corpus(), DedupConfig(), spill_after=0, spill_folder=tmp_path)
    next(stopped)
    del stopped  # dropped half-way: closed by the garbage collector
    assert list(tmp_path.iterdir()) == []
