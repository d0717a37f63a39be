"""Inputs, --out and --report on storage URLs: fsspec's memory:// filesystem in process (clean_files) and
file:// URLs through the command line give the bytes a run on local paths gives, in the same order;
--overwrite and --resume work there; errors are one line naming the URL; a Source on a URL is whole
once pickled, for a task in another process."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cli import main
from dedup.config import DedupConfig
from dedup.corpus import TEMP_SUFFIX, discover, read_source
from dedup.errors import ConfigError, InputError
from dedup.remote import Url
from dedup.runner import MANIFEST, clean_files

from conftest import PARA, PARA_COPY, SEEDS, files_under, ok, one_line_error, write, write_jsonl

MEMORY = fsspec.filesystem("memory")
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


def memory_snapshot(url: str) -> dict[str, bytes]:
    root = url.removeprefix("memory://").rstrip("/")
    return {name[len(f"/{root}/"):]: MEMORY.cat_file(name) for name in MEMORY.find(f"/{root}")}


def upload(folder: Path, url: str) -> None:
    for name, data in snapshot(folder).items():
        MEMORY.pipe_file(f"{url}/{name}", data)


@pytest.fixture
def bucket():
    """A bucket of its own on the process-wide memory:// filesystem, emptied afterwards."""
    name = f"memory://test-{uuid.uuid4().hex[:12]}"
    MEMORY.mkdir(name)
    yield name
    MEMORY.rm(name, recursive=True)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Every input kind: nested .txt seeds (mojibake, boilerplate, copies across files), a JSONL shard
    with a near copy, a gzip shard and a Parquet file of two row groups; names that sort differently by
    path string and by folder (`a.txt`, `a/`, `a-b.txt`)."""
    root = tmp_path / "in"
    for i, text in enumerate(SEED_TEXTS):
        write(root / ("a" if i % 2 else "b") / f"seed{i}.txt", text)
    write(root / "a.txt", "Skip to content\nThe cafÃ© is open on Sundays and serves breakfast until noon.\n\n" + PARA + "\n")
    write(root / "a-b.txt", "Share this article\n17 minutes ago\n")  # only boilerplate: no output
    write_jsonl(root / "shards" / "part-1.jsonl", [{"id": f"r{i}", "text": f"{PARA_COPY}\nRecord {i} has a line of its own.", "lang": "en"}
                                                    for i in range(3)])
    write_jsonl(root / "shards" / "part-2.jsonl.gz", [{"text": SEED_TEXTS[0]}, {"text": "A short note about the tide tables."}], compress=True)
    pq.write_table(pa.table({"id": list(range(4)), "text": [SEED_TEXTS[1], PARA, "", "The ferry timetable changes in May."]}),
                   root / "shards" / "rows.parquet", row_group_size=2)
    return root


def local_run(corpus: Path, out: Path) -> dict[str, bytes]:
    clean_files([str(corpus)], str(out), DedupConfig(), report=str(out / "report.jsonl"))
    return snapshot(out)


# --- memory:// in process -----------------------------------------------------------------------------


def test_memory_urls_give_the_bytes_of_local_paths(corpus, tmp_path, bucket):
    expected = local_run(corpus, tmp_path / "local")
    assert {"a.txt", "shards/part-1.jsonl", "shards/part-2.jsonl.gz", "shards/rows.parquet", "report.jsonl"} <= set(expected)
    upload(corpus, f"{bucket}/in")
    before = memory_snapshot(f"{bucket}/in")
    summary = clean_files([f"{bucket}/in"], f"{bucket}/out", DedupConfig(), report=f"{bucket}/out/report.jsonl")
    assert memory_snapshot(f"{bucket}/out") == expected
    assert memory_snapshot(f"{bucket}/in") == before  # input never modified
    assert summary.documents_in == 5 + 2 + 3 + 2 + 4


def test_a_url_is_listed_in_the_order_a_local_folder_is_walked(corpus, bucket):
    upload(corpus, f"{bucket}/in")
    local = [s.relative for s in discover([str(corpus)])]
    remote = discover([f"{bucket}/in"])
    assert [s.relative for s in remote] == local
    assert local.index("a/seed1.txt") < local.index("a-b.txt") < local.index("a.txt")  # by folder, not by string
    assert all(isinstance(s.path, Url) and str(s.path) == f"{bucket}/in/{s.relative}" for s in remote)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.lists(st.sampled_from(["a", "a.b", "a-b", "B", "_", "0"]), min_size=1, max_size=3).map(tuple), min_size=1, max_size=8))
def test_listing_order_law(paths):
    """Whatever the names, a URL prefix yields its files in the local walk's order."""
    names = sorted({"/".join(parts) + ".txt" for parts in paths})
    names = [n for n in names if not any(other.startswith(n.removesuffix(".txt") + ".txt/") for other in names)]
    url = f"memory://law-{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            write(Path(tmp) / name, "text\n")
            MEMORY.pipe_file(f"{url}/{name}", b"text\n")
        try:
            assert [s.relative for s in discover([url])] == [s.relative for s in discover([tmp])]
        finally:
            MEMORY.rm(url, recursive=True)


def test_overwrite_on_a_url_replaces_outputs_and_leaves_other_files(corpus, bucket):
    upload(corpus, f"{bucket}/in")
    out = f"{bucket}/out"
    clean_files([f"{bucket}/in"], out, DedupConfig())
    first = memory_snapshot(out)
    MEMORY.pipe_file(f"{out}/notes/mine.md", b"not an output of dedup\n")
    MEMORY.pipe_file(f"{out}/a.txt", b"an old output\n")
    MEMORY.pipe_file(f"{out}/a-b.txt", b"an old output of a document now left empty\n")
    with pytest.raises(ConfigError, match="already holds files; pass --overwrite"):
        clean_files([f"{bucket}/in"], out, DedupConfig())
    warnings: list[str] = []
    clean_files([f"{bucket}/in"], out, DedupConfig(), overwrite=True, warn=warnings.append)
    assert memory_snapshot(out) == {**first, "notes/mine.md": b"not an output of dedup\n"}
    assert any("1 files there are not outputs of this run" in w and "notes/mine.md" in w for w in warnings)


@pytest.mark.parametrize("store", ["memory", "file"])
def test_interrupted_url_run_leaves_complete_files_and_resumes_to_the_same_bytes(corpus, tmp_path, bucket, monkeypatch, store):
    """memory:// is an object store (each output put whole from a local temporary file), file:// a file
    system with a rename (a temporary file beside the output, moved into place): Ctrl-C as the third
    output is placed leaves the complete ones and no temporary file; --resume ends with the same bytes."""
    expected = local_run(corpus, tmp_path / "local")
    if store == "memory":
        upload(corpus, f"{bucket}/in")
        base, place, contents = bucket, "put", memory_snapshot
    else:
        shutil.copytree(corpus, tmp_path / "store" / "in")
        base, place = (tmp_path / "store").as_uri(), "move"

        def contents(url: str) -> dict[str, bytes]:
            return snapshot(tmp_path / "store" / url.rsplit("/", 1)[-1])
    out = f"{base}/out"
    args = ([f"{base}/in"], out, DedupConfig())
    outputs = []
    real_place = getattr(Url, place)

    def interrupt_third_output(self: Url, other: Url | str) -> None:
        target = other if isinstance(other, Url) else self
        outputs.extend([target.name] if target.name != MANIFEST else [])
        if len(outputs) == 3:
            raise KeyboardInterrupt
        real_place(self, other)

    monkeypatch.setattr("dedup.runner.MANIFEST_EVERY_S", 0)  # the manifest follows every output
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(Url, place, interrupt_third_output)
    with pytest.raises(KeyboardInterrupt):
        clean_files(*args, report=f"{out}/report.jsonl")
    monkeypatch.setattr(Url, place, real_place)
    left = contents(out)
    assert not [name for name in left if name.endswith(TEMP_SUFFIX)] and files_under(tmp_path / "tmp") == []
    # Complete: a/seed1.txt, a/seed3.txt and a-b.txt (left empty: no file); a.txt was being placed.
    assert sorted(left) == [MANIFEST, "a/seed1.txt", "a/seed3.txt"] and json.loads(left[MANIFEST])["done"] == 3
    assert all(left[name] == expected[name] for name in left if name != MANIFEST)
    with fsspec.open(f"{out}/.a.txt.0123456789abcdef{TEMP_SUFFIX}", "wb") as stale:  # what a killed run leaves
        stale.write(b"half of a.txt")
    with pytest.raises(ConfigError, match="--resume to finish"):
        clean_files(*args, report=f"{out}/report.jsonl")
    clean_files(*args, report=f"{out}/report.jsonl", resume=True)
    assert contents(out) == expected
    with pytest.raises(ConfigError, match="no interrupted run here"):
        clean_files(*args, resume=True)


def test_url_errors_name_the_url(corpus, bucket):
    upload(corpus, f"{bucket}/in")
    with pytest.raises(InputError, match=f"^{bucket}/missing: no such file or folder"):
        clean_files([f"{bucket}/missing"], f"{bucket}/out", DedupConfig())
    with pytest.raises(ConfigError, match="^memory://no-such-bucket/out: --out: neither it nor a folder or bucket above it exists"):
        clean_files([f"{bucket}/in"], "memory://no-such-bucket/out", DedupConfig())
    with pytest.raises(ConfigError, match="--out must not be the input folder or inside it"):
        clean_files([f"{bucket}/in"], f"{bucket}/in/out", DedupConfig())
    with pytest.raises(ConfigError, match="--report must not be an input file or lie inside an input folder"):
        clean_files([f"{bucket}/in"], f"{bucket}/out", DedupConfig(), report=f"{bucket}/in/report.jsonl")
    MEMORY.pipe_file(f"{bucket}/notes.md", b"# not an input\n")
    with pytest.raises(InputError, match="notes.md: unsupported file type"):
        clean_files([f"{bucket}/notes.md"], f"{bucket}/out", DedupConfig())
    assert not MEMORY.exists(f"{bucket}/out")


def test_a_pickled_url_source_is_read_in_another_process(corpus, tmp_path):
    """What a Ray task gets: the Source alone, opened again with fsspec in the task's own process."""
    (source,) = [s for s in discover([corpus.as_uri()]) if s.relative == "shards/part-2.jsonl.gz"]
    expected = [(d.id, d.text) for d in read_source(source, 0)]
    code = ("import pickle, sys; from dedup.corpus import read_source; "
            "print([(d.id, d.text) for d in read_source(pickle.loads(sys.stdin.buffer.read()), 0)])")
    proc = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(source), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == f"{expected}\n"
    assert expected[1] == ("shards/part-2.jsonl.gz:2", "A short note about the tide tables.")


# --- file:// through the command line ------------------------------------------------------------------


def test_file_urls_through_the_cli_give_the_bytes_of_local_paths(runner, corpus, tmp_path):
    expected = local_run(corpus, tmp_path / "local")
    before = snapshot(corpus)
    out = tmp_path / "remote"
    args = ["clean", corpus.as_uri(), "--out", out.as_uri(), "--report", (out / "report.jsonl").as_uri()]
    ok(runner.invoke(main, args))
    assert snapshot(out) == expected
    assert snapshot(corpus) == before
    one_line_error(runner.invoke(main, args), 2, out.as_uri(), "--overwrite")
    (out / "a.txt").write_text("an old output\n", encoding="utf-8")
    ok(runner.invoke(main, [*args, "--overwrite"]))
    assert snapshot(out) == expected


def test_file_url_errors_through_the_cli(runner, corpus, tmp_path):
    missing = (tmp_path / "nowhere").as_uri()
    one_line_error(runner.invoke(main, ["clean", missing, "--out", str(tmp_path / "out")]), 2, missing, "no such file or folder")
    # A file:// --out inside a local input is refused like a local one.
    inside = (corpus / "out").as_uri()
    one_line_error(runner.invoke(main, ["clean", str(corpus), "--out", inside]), 2, inside, "--out must not be")
    one_line_error(runner.invoke(main, ["clean", "nosuch://bucket/in", "--out", str(tmp_path / "out")]), 2, "nosuch://bucket/in",
                   "Protocol not known")
    assert not (tmp_path / "out").exists()


def test_without_fsspec_a_url_is_a_usage_error_naming_the_extra(runner, corpus, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec.core", None)  # import fsspec.core now fails
    result = runner.invoke(main, ["clean", "s3://bucket/corpus", "--out", str(tmp_path / "out")])
    one_line_error(result, 2, "s3://bucket/corpus", "pip install 'dedup-corpus[remote]'")
    result = runner.invoke(main, ["clean", str(corpus), "--out", "s3://bucket/cleaned"])
    one_line_error(result, 2, "s3://bucket/cleaned", "dedup-corpus[remote]")
    ok(runner.invoke(main, ["clean", str(corpus), "--out", str(tmp_path / "out")]))  # local paths need no fsspec


def test_html_report_explain_and_restore_read_url_inputs(runner, corpus, tmp_path):
    out, html, restored = tmp_path / "out", tmp_path / "report.html", tmp_path / "restored"
    report = out / "report.jsonl"
    ok(runner.invoke(main, ["clean", corpus.as_uri(), "--out", out.as_uri(), "--report", report.as_uri(), "--report-html", html.as_uri()]))
    assert "Skip to content" in html.read_text(encoding="utf-8")  # a.txt's boilerplate line, read back through the URL report
    result = runner.invoke(main, ["explain", "a.txt", corpus.as_uri(), "--report", str(report), "--no-color"])
    ok(result)
    assert "Skip to content" in result.output and "boilerplate" in result.output
    ok(runner.invoke(main, ["restore", corpus.as_uri(), "--report", str(report), "--out", restored.as_uri(), "--reason", "boilerplate"]))
    assert (restored / "a.txt").read_text(encoding="utf-8").startswith("Skip to content\nThe café is open")
    one_line_error(runner.invoke(main, ["clean", str(corpus), "--out", str(tmp_path / "o2"), "--index", "memory://x/index"]), 2,
                   "memory://x/index", "--index must be a local folder")


class NoCredentialsError(Exception):
    """Like botocore's: not an OSError."""


@pytest.mark.parametrize(("error", "reason"), [(PermissionError(13, "Access Denied"), "cannot list: Access Denied"),
                                               (NoCredentialsError("Unable to locate credentials"),
                                                "cannot list: NoCredentialsError: Unable to locate credentials")])
def test_a_prefix_that_cannot_be_listed_is_one_line_or_skipped(corpus, bucket, monkeypatch, error, reason):
    upload(corpus, f"{bucket}/in")
    upload(corpus / "shards", f"{bucket}/other")
    real_isdir = type(MEMORY).isdir

    def refuse(fs, path):
        if path.rstrip("/").endswith("/in"):
            raise error
        return real_isdir(fs, path)

    monkeypatch.setattr(type(MEMORY), "isdir", refuse)
    with pytest.raises(InputError, match=f"^{bucket}/in: {reason}$"):
        clean_files([f"{bucket}/in", f"{bucket}/other"], f"{bucket}/out", DedupConfig())
    failed: list[str] = []
    clean_files([f"{bucket}/in", f"{bucket}/other"], f"{bucket}/out", DedupConfig(), on_error="skip", failed=failed.append)
    assert failed == [f"{bucket}/in: {reason}"]
    assert sorted(memory_snapshot(f"{bucket}/out")) == ["part-1.jsonl", "part-2.jsonl.gz", "rows.parquet"]
