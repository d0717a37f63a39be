"""Smoke test of the throughput benchmark (bench/throughput.py) on a tiny corpus: the generator is
deterministic and realistic (boilerplate dedup strips, planted copies it finds, mojibake it repairs), and
the runner produces every row it should. No timing is asserted: figures come from the benchmark itself."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "bench"))

import corpusgen  # noqa: E402
import throughput  # noqa: E402

from dedup import find_duplicates, repair_text, strip_boilerplate  # noqa: E402

pytestmark = pytest.mark.skipif(not (SHARED / "eval" / "linebench-dev.jsonl").exists(), reason="no ../shared/eval")
SIZE = 200_000


@pytest.fixture(scope="module")
def sources() -> corpusgen.Sources:
    return corpusgen.load_sources()


@pytest.fixture(scope="module")
def records(sources: corpusgen.Sources) -> list[dict[str, str]]:
    return [json.loads(line) for line in corpusgen.Generator(sources, seed=0).lines(SIZE)]


def test_parse_size() -> None:
    assert corpusgen.parse_size("200KB") == 200_000
    assert corpusgen.parse_size("1.5 gb") == 1_500_000_000
    with pytest.raises(ValueError, match="KB, MB or GB"):
        corpusgen.parse_size("10 MiB")


def test_generator_is_deterministic_and_a_smaller_size_is_a_prefix(sources: corpusgen.Sources, tmp_path: Path) -> None:
    first = corpusgen.ensure_corpus(SIZE, 7, tmp_path / "a", sources)
    again = corpusgen.ensure_corpus(SIZE, 7, tmp_path / "b", sources)
    other = corpusgen.ensure_corpus(SIZE, 8, tmp_path / "a", sources)
    smaller = corpusgen.ensure_corpus(SIZE // 4, 7, tmp_path / "a", sources)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert first.read_bytes().startswith(smaller.read_bytes())
    assert SIZE <= first.stat().st_size < SIZE + 20_000
    # Reused from the cache, not regenerated: a changed file stays as it is.
    first.write_text("{}\n")
    assert corpusgen.ensure_corpus(SIZE, 7, tmp_path / "a", sources).read_text() == "{}\n"


def test_corpus_holds_boilerplate_copies_and_mojibake(records: list[dict[str, str]]) -> None:
    assert all(set(r) == {"id", "url", "text"} for r in records)
    texts = [r["text"] for r in records]
    lines = sum(len([x for x in t.split("\n") if x.strip()]) for t in texts)
    stripped = sum(len([x for x in strip_boilerplate(t).split("\n") if x.strip()]) for t in texts)
    assert lines - stripped > 0.03 * lines  # dedup's rules recognise the planted boilerplate
    paragraphs = [p for t in texts for p in t.split("\n") if len(p.split()) >= 10]
    duplicates = sum(len(c.duplicates) for c in find_duplicates(paragraphs))
    assert 0.02 * len(paragraphs) < duplicates < 0.4 * len(paragraphs)  # planted copies, but mostly new text
    assert any("\n\n" in t for t in texts) and any("\n\n" not in t for t in texts)  # both layouts


def test_corpus_holds_mojibake_that_dedup_repairs(sources: corpusgen.Sources) -> None:
    # 3% of documents, of which only those with non-ASCII text show it: drawn until some appear, so the
    # check does not depend on what the tiny corpus happens to hold.
    generator = corpusgen.Generator(sources, seed=0)
    texts = [generator.document()["text"] for _ in range(1500)]
    broken = [t for t in texts if "\u00e2\u20ac" in t or "\u00c3" in t]  # UTF-8 read as Windows-1252
    assert len(broken) >= 3
    assert all(repair_text(t) != t for t in broken)


def test_runner_reports_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.json"
    assert throughput.main(["--size", "200KB", "--peers", "datasketch,rensa", "--skip-slow-above", "100KB",
                            "--peers-python", str(tmp_path / "none" / "python"), "--cache-dir", str(tmp_path),
                            "--json", str(out)]) == 0
    run = json.loads(out.read_text())
    rows = {r["name"]: r for r in run["rows"]}
    assert list(rows) == ["dedup --jobs 1", "dedup --jobs 2", "dedup --executor ray", *throughput.STAGES, "floor", "datasketch", "rensa"]
    counted = throughput.corpus_stats(corpusgen.corpus_path(SIZE, 0, tmp_path), SIZE)
    for name in ["dedup --jobs 1", "dedup --jobs 2", "dedup --executor ray", *throughput.STAGES, "floor"]:
        assert rows[name]["seconds"] is not None and rows[name]["seconds"] > 0, rows[name]
        assert rows[name]["paragraphs"] == counted.paragraphs
    assert rows["dedup --jobs 1"]["rss"] > 10**7 and rows["floor"]["rss"] > 10**7
    assert f"paragraphs {counted.paragraphs:,}" in rows["floor"]["note"]  # the floor saw every paragraph
    assert rows["datasketch"]["seconds"] is None and "skip-slow-above" in rows["datasketch"]["note"]
    assert rows["rensa"]["seconds"] is None and "no peers environment" in rows["rensa"]["note"]
    table = capsys.readouterr().out
    assert "| dedup --jobs 2 |" in table and "| fingerprint |" in table and "| all stages |" in table
    assert (run["bands"], run["rows_per_band"]) == (32, 4)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("run-")]  # scratch space removed


def test_fastest_round_wins_and_a_failed_run_only_when_nothing_ran() -> None:
    def row(seconds: float | None, note: str = "") -> throughput.Row:
        return throughput.Row(SIZE, "dedup", "dedup --jobs 1", "", seconds, 0.2, 1000, note=note)

    assert throughput.fastest([row(3.0), row(None, "failed"), row(2.0)]).seconds == 2.0
    assert throughput.fastest([row(None, "failed (exit 1)"), row(None, "failed (exit 2)")]).note == "failed (exit 1)"
