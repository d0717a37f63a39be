"""Corpus input and output through `dedup clean`: txt folders (nested), single files, JSONL and gzip
JSONL, mirrored names and fields, empty documents, encodings, atomic writes and untouched inputs."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest

from dedup.cli import main
from dedup.corpus import atomic_writer

from conftest import PARA, PARA_COPY, files_under, ok, read_jsonl, write, write_jsonl

OTHER = "A separate plan for cycle lanes will be discussed next month by the transport committee."


def clean(runner, *args: object):
    return runner.invoke(main, ["clean", *map(str, args)])


@pytest.fixture
def txt_tree(tmp_path: Path) -> Path:
    """A folder of .txt files with nested subfolders, mojibake, boilerplate and a near-duplicate pair."""
    root = tmp_path / "in"
    write(
        root / "a.txt",
        f"Skip to content\nThe cafÃ© is open on Sundays and serves breakfast until noon.\n17 minutes ago\n\n{PARA}\nShare this article\n",
    )
    write(root / "sub" / "deeper" / "b.txt", f"Residents gathered at the town hall for the announcement.\n\n{PARA_COPY}\n{OTHER}\n")
    write(root / "sub" / "c.txt", "Share this article\n17 minutes ago\n")  # nothing but boilerplate
    write(root / "sub" / "notes.md", "# not an input\n")  # unsupported names inside a folder are ignored
    return root


# --- txt folders -------------------------------------------------------------------------------------


def test_folder_output_mirrors_nested_relative_names(runner, txt_tree, tmp_path):
    out = tmp_path / "out"
    result = clean(runner, txt_tree, "--out", out)
    ok(result)
    # c.txt is only boilerplate: not written; notes.md is not an input.
    assert files_under(out) == ["a.txt", "sub/deeper/b.txt"]


def test_txt_cleaning_repairs_mojibake_strips_boilerplate_and_near_duplicates(runner, txt_tree, tmp_path):
    out = tmp_path / "out"
    ok(clean(runner, txt_tree, "--out", out))
    a = (out / "a.txt").read_text(encoding="utf-8")
    assert a == f"The café is open on Sundays and serves breakfast until noon.\n\n{PARA}\n"
    b = (out / "sub" / "deeper" / "b.txt").read_text(encoding="utf-8")
    assert "Wednesday" not in b and "extra boats" not in b
    assert [line for line in b.splitlines() if line] == ["Residents gathered at the town hall for the announcement.", OTHER]


def test_empty_txt_document_is_not_written_and_is_counted(runner, txt_tree, tmp_path):
    out = tmp_path / "out"
    result = clean(runner, txt_tree, "--out", out)
    ok(result)
    assert not (out / "sub" / "c.txt").exists()
    assert re.search(r"documents: 3 in, 2 written, 1 left empty", result.stderr), result.stderr


def test_single_txt_file_goes_to_out_under_its_name(runner, txt_tree, tmp_path):
    out = tmp_path / "out"
    ok(clean(runner, txt_tree / "sub" / "deeper" / "b.txt", "--out", out))
    assert files_under(out) == ["b.txt"]
    # Alone, the copy is not a duplicate of anything: it stays.
    assert PARA_COPY in (out / "b.txt").read_text(encoding="utf-8")


def test_crlf_and_bom_input_is_read_as_lines(runner, tmp_path):
    text = "\ufeffHello there, my good old friend.\r\nSkip to content\r\nAnother line of ordinary prose here.\r\n"
    src = write(tmp_path / "in" / "w.txt", text.encode("utf-8"))
    out = tmp_path / "out"
    ok(clean(runner, src.parent, "--out", out))
    assert (out / "w.txt").read_bytes() == b"Hello there, my good old friend.\nAnother line of ordinary prose here.\n"


def test_corpus_of_short_lines_only_is_cleaned(runner, tmp_path):
    """Paragraphs under --min-chars are never duplicates; a corpus holding only such lines still runs."""
    root = tmp_path / "in"
    write(root / "short.txt", "Hello there friend.\nSkip to content\nYes.\n")
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out)
    ok(result)
    assert (out / "short.txt").read_text(encoding="utf-8") == "Hello there friend.\nYes.\n"


def test_non_utf8_txt_is_decoded_with_a_warning(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "latin.txt", "café – naïve readers enjoy the long summer evenings by the river.\n".encode("cp1252"))
    write(root / "plain.txt", "Plain UTF-8 text needs no warning at all, here or anywhere.\n")
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out)
    ok(result)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert len(warnings) == 1, result.stderr
    assert "latin.txt" in warnings[0]
    assert (out / "latin.txt").read_text(encoding="utf-8") == "café – naïve readers enjoy the long summer evenings by the river.\n"
    assert (out / "plain.txt").read_text(encoding="utf-8") == "Plain UTF-8 text needs no warning at all, here or anywhere.\n"


def test_unchanged_corpus_is_copied_byte_for_byte(runner, tmp_path):
    root = tmp_path / "in"
    texts = {
        "one.txt": "The river rose two metres overnight after days of heavy rain in the hills.\n",
        "two/two.txt": "Farmers moved their cattle to higher ground before the water reached the fields.\n",
    }
    for name, text in texts.items():
        write(root / name, text)
    out = tmp_path / "out"
    ok(clean(runner, root, "--out", out))
    assert {n: (out / n).read_text(encoding="utf-8") for n in files_under(out)} == texts


# --- JSONL -------------------------------------------------------------------------------------------


def test_jsonl_keeps_fields_and_order_replacing_only_text(runner, tmp_path):
    records = [
        {"url": "http://example.org/1", "id": "doc-1", "text": f"Skip to content\n{PARA}", "meta": {"lang": "en", "n": [1, 2]}},
        {"z": None, "text": "The cafÃ© is open on Sundays and serves breakfast until noon.", "a": 1.5, "id": "doc-2"},
    ]
    src = write_jsonl(tmp_path / "in" / "part.jsonl", records)
    out = tmp_path / "out"
    ok(clean(runner, src, "--out", out))
    assert files_under(out) == ["part.jsonl"]
    got = read_jsonl(out / "part.jsonl")
    assert [list(r) for r in got] == [list(r) for r in records]
    assert got[0]["text"] == PARA
    assert got[1]["text"] == "The café is open on Sundays and serves breakfast until noon."
    for before, after in zip(records, got):
        assert {k: v for k, v in after.items() if k != "text"} == {k: v for k, v in before.items() if k != "text"}


def test_jsonl_record_left_empty_is_left_out(runner, tmp_path):
    records = [
        {"id": "keep-1", "text": "The first record is ordinary prose about the weather in spring."},
        {"id": "empty", "text": "Share this article\n17 minutes ago"},
        {"id": "blank", "text": ""},
        {"id": "keep-2", "text": "The last record is also ordinary prose, about a football match."},
    ]
    src = write_jsonl(tmp_path / "in" / "part.jsonl", records)
    out = tmp_path / "out"
    result = clean(runner, src, "--out", out)
    ok(result)
    assert [r["id"] for r in read_jsonl(out / "part.jsonl")] == ["keep-1", "keep-2"]
    assert re.search(r"documents: 4 in, 2 written, 2 left empty", result.stderr), result.stderr


def test_gzip_jsonl_round_trip(runner, tmp_path):
    records = [
        {"id": 7, "text": "Skip to content\nAnother paragraph entirely different from everything else here.", "k": [1, 2]},
        {"id": 8, "text": "The cafÃ© is open on Sundays and serves breakfast until noon."},
    ]
    root = tmp_path / "in"
    write_jsonl(root / "shards" / "part-0.jsonl.gz", records, compress=True)
    out = tmp_path / "out"
    ok(clean(runner, root, "--out", out))
    assert files_under(out) == ["shards/part-0.jsonl.gz"]
    with gzip.open(out / "shards" / "part-0.jsonl.gz", "rb") as handle:  # a real gzip stream
        lines = handle.read().decode("utf-8").splitlines()
    got = [json.loads(line) for line in lines]
    assert got == [
        {"id": 7, "text": "Another paragraph entirely different from everything else here.", "k": [1, 2]},
        {"id": 8, "text": "The café is open on Sundays and serves breakfast until noon."},
    ]


def test_text_and_id_field_options(runner, tmp_path):
    records = [{"uid": "u-1", "body": f"Skip to content\n{PARA}", "text": "not this one"}]
    src = write_jsonl(tmp_path / "in" / "c.jsonl", records)
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    ok(clean(runner, src, "--out", out, "--report", report, "--text-field", "body", "--id-field", "uid"))
    assert read_jsonl(out / "c.jsonl") == [{"uid": "u-1", "body": PARA, "text": "not this one"}]
    removals = read_jsonl(report)
    assert [(r["doc"], r["line"], r["text"]) for r in removals] == [("u-1", 1, "Skip to content")]


def test_mixed_inputs_mirror_each_root(runner, txt_tree, tmp_path):
    jsonl = write_jsonl(tmp_path / "data" / "x.jsonl", [{"id": "x1", "text": "Some prose that only this record holds, about bridges."}])
    single = write(tmp_path / "loose" / "single.txt", "A loose file given directly on the command line, about tunnels.\n")
    out = tmp_path / "out"
    ok(clean(runner, txt_tree, jsonl, single, "--out", out))
    assert files_under(out) == ["a.txt", "single.txt", "sub/deeper/b.txt", "x.jsonl"]


# --- atomic output, untouched input -------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_inputs_are_never_modified(runner, txt_tree, tmp_path):
    write_jsonl(txt_tree / "j" / "part.jsonl", [{"id": "j1", "text": f"Skip to content\n{PARA_COPY}"}])
    write_jsonl(txt_tree / "j" / "part.jsonl.gz", [{"id": "j2", "text": "Share this article\nSome words."}], compress=True)
    write(txt_tree / "latin.txt", "café – naïve readers enjoy the long summer evenings by the river.\n".encode("cp1252"))
    before = snapshot(txt_tree)
    out = tmp_path / "out"
    ok(clean(runner, txt_tree, "--out", out, "--report", out / "report.jsonl", "--jobs", "2"))
    assert snapshot(txt_tree) == before


def test_no_temporary_files_remain(runner, txt_tree, tmp_path):
    write_jsonl(txt_tree / "j" / "part.jsonl.gz", [{"id": "j2", "text": "Share this article\nSome words."}], compress=True)
    out = tmp_path / "out"
    ok(clean(runner, txt_tree, "--out", out, "--report", out / "report.jsonl"))
    names = [p.name for p in out.rglob("*")]
    assert names and not [n for n in names if n.endswith(".tmp") or n.startswith(".")], names


def test_second_run_needs_overwrite_and_then_replaces_outputs(runner, txt_tree, tmp_path):
    out = tmp_path / "out"
    ok(clean(runner, txt_tree, "--out", out))
    first = snapshot(out)
    refused = clean(runner, txt_tree, "--out", out)
    assert refused.exit_code == 2 and "--overwrite" in refused.stderr, refused.stderr
    assert snapshot(out) == first
    ok(clean(runner, txt_tree, "--out", out, "--overwrite"))
    assert {k: v[0] for k, v in snapshot(out).items()} == {k: v[0] for k, v in first.items()}


def test_atomic_writer_leaves_nothing_when_the_write_fails(tmp_path):
    target = tmp_path / "out" / "doc.txt"
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as handle:
            handle.write("half a document")
            raise RuntimeError("crash mid-write")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_writer_keeps_the_old_file_when_the_write_fails(tmp_path):
    target = write(tmp_path / "doc.txt", "old complete content\n")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as handle:
            handle.write("new partial")
            raise RuntimeError("crash mid-write")
    assert target.read_text(encoding="utf-8") == "old complete content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.txt"]


def test_failed_rename_leaves_no_partial_file(runner, txt_tree, tmp_path):
    out = tmp_path / "out"
    (out / "a.txt").mkdir(parents=True)  # an output name taken by a folder: the final rename must fail
    (out / "a.txt" / "keep").write_text("x", encoding="utf-8")
    result = clean(runner, txt_tree, "--out", out, "--overwrite")
    assert result.exit_code == 1 and "a.txt" in result.stderr, result.stderr
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert (out / "a.txt" / "keep").read_text(encoding="utf-8") == "x"


def test_outputs_are_readable_like_ordinary_files(runner, txt_tree, tmp_path):
    """Atomic writing must not leave outputs with the temporary file's private 0600 mode."""
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        ok(clean(runner, txt_tree, "--out", out))
    finally:
        os.umask(old)
    assert (out / "a.txt").stat().st_mode & 0o777 == 0o644
