"""Parquet input and output: documents read in batches, duplicates found across Parquet and JSONL, every
other column kept in value and type, row groups mirrored, null text left out, errors as one line, atomic
output, and a clear error when pyarrow is missing."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import parquet_io
from dedup.cli import main
from dedup.corpus import Source, atomic_file
from dedup.parquet_io import ParquetMirror, read_parquet

from conftest import PARA, PARA_COPY, SEEDS, files_under, ok, read_jsonl, write, write_jsonl

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
UTC = dt.UTC


def table(texts: list[str | None], text_type=None):
    """A table around `texts` with columns of several types, the text column in the middle."""
    n = len(texts)
    return pa.table({
        "row": pa.array(range(100, 100 + n), pa.int64()),
        "text": pa.array(texts, text_type or pa.string()),
        "score": pa.array([i / 3 for i in range(n)], pa.float64()),
        "tags": pa.array([[f"t{i}", "news"][: i % 3] for i in range(n)], pa.list_(pa.string())),
        "seen": pa.array([dt.datetime(2026, 11, 1 + i % 28, 8, i % 60, 7, 123456, tzinfo=UTC) for i in range(n)],
                         pa.timestamp("us", tz="UTC")),
        "maybe": pa.array([None if i % 2 else i * 7 for i in range(n)], pa.int32()),
        "nothing": pa.nulls(n),
    }, metadata={"made_by": "test_parquet"})


TEXTS = [
    *SEED_TEXTS,
    "Skip to content\n" + PARA_COPY + "\nThe new boats were built at a shipyard in the north over the last two years.",
    None,
    "",
    "Share this article\nSign up for our newsletter",
]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A JSONL file holding PARA, then a Parquet file (three rows a row group) holding the seeds, its near
    copy, a null text, an empty text and a boilerplate-only text."""
    root = tmp_path / "in"
    write_jsonl(root / "a.jsonl", [{"id": "harbour", "text": "Ferries\n" + PARA}])
    root.mkdir(exist_ok=True)
    pq.write_table(table(TEXTS), root / "b.parquet", row_group_size=3)
    return root


def test_duplicates_found_across_jsonl_and_parquet(runner, tmp_path, mixed):
    result = runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "out"), "--report", str(tmp_path / "r.jsonl")])
    ok(result)
    assert files_under(tmp_path / "out") == ["a.jsonl", "b.parquet"]
    copies = [r for r in read_jsonl(tmp_path / "r.jsonl") if r["reason"] == "duplicate" and r["text"] == PARA_COPY]
    assert copies == [{"doc": "b.parquet:6", "line": 2, "text": PARA_COPY, "reason": "duplicate",
                       "kept": {"doc": "harbour", "line": 2}, "similarity": copies[0]["similarity"]}]
    assert "b.parquet: 1 rows with a null 'text' are no documents and are left out of the output (first: row 7)" in result.stderr
    assert "documents: 9 in, 7 written, 2 left empty" in result.stderr


def test_output_keeps_every_other_column_and_the_schema(runner, tmp_path, mixed):
    ok(runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "out")]))
    before = pq.read_table(mixed / "b.parquet")
    after = pq.read_table(tmp_path / "out" / "b.parquet")
    assert after.schema.equals(before.schema, check_metadata=True)  # names, order, types, metadata
    # rows kept: the seeds and the near copy's remainder; gone: null, empty and boilerplate-only texts
    kept = [0, 1, 2, 3, 4, 5]
    assert after.column("row").to_pylist() == [100 + i for i in kept]
    expected = before.take(kept)
    for name in before.column_names:
        if name != "text":
            assert after.column(name).equals(expected.column(name)), name
    assert after.column("seen").to_pylist()[0] == dt.datetime(2026, 11, 1, 8, 0, 7, 123456, tzinfo=UTC)
    assert after.column("text").to_pylist()[5] == "The new boats were built at a shipyard in the north over the last two years."
    # the row groups of the input, less the rows dropped: 3 + 3 rows, then none (no empty group written)
    assert [g.num_rows for g in map(pq.ParquetFile(tmp_path / "out" / "b.parquet").metadata.row_group, range(2))] == [3, 3]
    assert pq.ParquetFile(tmp_path / "out" / "b.parquet").num_row_groups == 2


def test_parquet_text_is_cleaned_as_jsonl_text(runner, tmp_path, mixed):
    """The same records as JSONL give the same texts and the same report (ids aside)."""
    rows = [{"text": t} for t in TEXTS if t is not None]
    jsonl = write_jsonl(tmp_path / "j" / "b.jsonl", rows)
    write_jsonl(tmp_path / "j" / "a.jsonl", read_jsonl(mixed / "a.jsonl"))
    ok(runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "p"), "--report", str(tmp_path / "p.jsonl")]))
    ok(runner.invoke(main, ["clean", str(jsonl.parent), "--out", str(tmp_path / "q"), "--report", str(tmp_path / "q.jsonl")]))
    assert pq.read_table(tmp_path / "p" / "b.parquet").column("text").to_pylist() == [r["text"] for r in read_jsonl(tmp_path / "q" / "b.jsonl")]
    strip = lambda r: {k: v for k, v in r.items() if k not in ("doc", "kept")}  # noqa: E731  (ids: row 7 is null, so lines shift)
    assert list(map(strip, read_jsonl(tmp_path / "p.jsonl"))) == list(map(strip, read_jsonl(tmp_path / "q.jsonl")))


def test_ids_come_from_the_id_column(runner, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    t = table(["Share this article\n" + PARA, "Read more\n" + PARA_COPY]).append_column("key", pa.array([7, None]))
    pq.write_table(t, root / "c.parquet")
    ok(runner.invoke(main, ["clean", str(root / "c.parquet"), "--out", str(tmp_path / "o"), "--id-field", "key",
                            "--report", str(tmp_path / "r.jsonl")]))
    assert {r["doc"] for r in read_jsonl(tmp_path / "r.jsonl")} == {"7", "c.parquet:2"}
    out = pq.read_table(tmp_path / "o" / "c.parquet")
    assert out.column("text").to_pylist() == [PARA] and out.column("key").to_pylist() == [7]


@pytest.mark.parametrize("text_type", [pa.large_string(), pa.dictionary(pa.int32(), pa.string())], ids=["large", "dictionary"])
def test_other_string_types_of_the_text_column_are_kept(runner, tmp_path, text_type):
    root = tmp_path / "in"
    root.mkdir()
    pq.write_table(table(["Skip to content\n" + PARA, PARA_COPY], text_type), root / "d.parquet")
    ok(runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "o")]))
    out = pq.read_table(tmp_path / "o" / "d.parquet")
    assert out.schema.field("text").type == text_type and out.column("text").to_pylist() == [PARA]


def test_bad_parquet_is_one_line_error(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "broken.parquet", b"PAR1 this is not a parquet file")
    result = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and not (tmp_path / "o").exists()
    assert result.stderr.startswith(f"dedup: error: {root / 'broken.parquet'}: cannot read as Parquet") and len(result.stderr.splitlines()) == 1
    (root / "broken.parquet").unlink()
    pq.write_table(table([PARA]).rename_columns(["row", "body", "score", "tags", "seen", "maybe", "nothing"]), root / "e.parquet")
    result = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert ("e.parquet: no column 'text' (columns: row, body, score, tags, seen, maybe, nothing); "
            "choose the text column with --text-field") in result.stderr
    result = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "o"), "--text-field", "score"])
    assert result.exit_code == 2 and "e.parquet: column 'score' holds double, not strings" in result.stderr


def test_parquet_cannot_go_to_stdout(runner, tmp_path, mixed):
    result = runner.invoke(main, ["clean", str(mixed), "--out", "-"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "b.parquet: --out - writes JSON Lines, which cannot keep Parquet's column types; give --out a folder" in result.stderr


def test_missing_pyarrow_names_the_extra(runner, tmp_path, mixed, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and not (tmp_path / "o").exists()
    assert result.stderr == (f"dedup: error: {mixed / 'b.parquet'}: reading Parquet needs pyarrow; "
                             "install it with pip install 'dedup-corpus[parquet]'\n")
    ok(runner.invoke(main, ["clean", str(mixed / "a.jsonl"), "--out", str(tmp_path / "o")]))  # JSONL needs no pyarrow


def test_failed_run_leaves_no_parquet(runner, tmp_path, mixed, monkeypatch):
    def fail(self, text):
        raise OSError(28, "No space left on device", "b.parquet")

    monkeypatch.setattr(ParquetMirror, "add", fail)
    result = runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    # Outputs are written source by source: a.jsonl was complete and stays, recorded in the run manifest
    # for --resume; of b.parquet neither the file nor a temporary file is left.
    assert files_under(tmp_path / "o") == [".dedup-run.json", "a.jsonl"]
    monkeypatch.undo()
    ok(runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "o"), "--resume"]))
    assert files_under(tmp_path / "o") == ["a.jsonl", "b.parquet"]


def test_restore_and_explain_read_parquet(runner, tmp_path, mixed):
    ok(runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "o"), "--report", str(tmp_path / "r.jsonl")]))
    ok(runner.invoke(main, ["restore", str(mixed), "--out", str(tmp_path / "same"), "--report", str(tmp_path / "r.jsonl")]))
    assert pq.read_table(tmp_path / "same" / "b.parquet").equals(pq.read_table(tmp_path / "o" / "b.parquet"))
    ok(runner.invoke(main, ["restore", str(mixed), "--out", str(tmp_path / "back"), "--report", str(tmp_path / "r.jsonl"),
                            "--reason", "duplicate"]))
    assert PARA_COPY in pq.read_table(tmp_path / "back" / "b.parquet").column("text").to_pylist()[5]
    shown = runner.invoke(main, ["explain", "b.parquet:6", str(mixed), "--report", str(tmp_path / "r.jsonl"), "--no-color"])
    ok(shown)
    assert "duplicate of harbour line 2" in shown.stdout


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["text", "null", "dropped"]), min_size=0, max_size=40), st.integers(1, 7), st.integers(1, 5))
def test_mirror_keeps_exactly_the_rows_kept(tmp_path_factory, rows, group_rows, batch_rows):
    """Read then mirror with some documents left empty: the output is the input less the rows whose text was
    null or left empty, with the new texts, whatever the row groups and read batches."""
    folder = tmp_path_factory.mktemp("mirror")
    texts = [None if r == "null" else f"text {i} {r}" for i, r in enumerate(rows)]
    pq.write_table(table(texts), folder / "in.parquet", row_group_size=group_rows)
    parquet_io.BATCH_ROWS, saved = batch_rows, parquet_io.BATCH_ROWS
    try:
        docs = list(read_parquet(Source(folder / "in.parquet", "in.parquet"), 0))
    finally:
        parquet_io.BATCH_ROWS = saved
    assert [d.id for d in docs] == [f"in.parquet:{i + 1}" for i, r in enumerate(rows) if r != "null"]
    with atomic_file(folder / "out.parquet") as handle, ParquetMirror(folder / "in.parquet", handle, "text") as mirror:
        for doc in docs:
            mirror.add(None if doc.text.endswith("dropped") else doc.text.upper())
    kept = [i for i, r in enumerate(rows) if r == "text"]
    expected = table(texts).take(pa.array(kept, pa.int64()))
    expected = expected.set_column(1, "text", pa.array([texts[i].upper() for i in kept], pa.string()))
    assert pq.read_table(folder / "out.parquet").equals(expected.replace_schema_metadata({"made_by": "test_parquet"}))



def test_html_report_reads_parquet_again(runner, tmp_path, mixed):
    ok(runner.invoke(main, ["clean", str(mixed), "--out", str(tmp_path / "o"), "--report-html", str(tmp_path / "r.html")]))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "b.parquet:6" in page and "harbour" in page and "b.parquet:7" not in page  # row 7's text is null: no document
