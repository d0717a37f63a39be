"""`--executor ray` on a local Ray with 2 CPUs (started once for this module): reading, phase A and the
writing as one task per source give the local executor's output byte for byte, on the seeds and on a
generated corpus of thousands of documents in JSONL, Parquet and text shards, with its warnings and
errors; a task whose worker dies is retried by Ray; an interrupted run resumes from its completed
sources; stdin goes to phase A tasks a chunk at a time."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray

import dedup.executors.ray as on_ray
from dedup import DedupConfig, WorkerError, clean_corpus
from dedup.cli import main
from dedup.cluster import Representatives, labels_here
from dedup.corpus import discover
from dedup.executors import ray_cluster
from dedup.executors.ray import MAX_RETRIES, prepare_chunk, prepare_on_ray
from dedup.executors.ray_cluster import labels_on_ray
from dedup.fingerprint import fingerprint
from dedup.pipeline import Spill, cluster_corpus, run
from dedup.records import Document
from dedup.runner import MANIFEST, run_key

from conftest import CLEANED, PARA, PARA_COPY, SEEDS, SHARED, write, write_jsonl

LINEBENCH = SHARED / "eval" / "linebench-dev.jsonl"
PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def clean(runner, *args: object, **kwargs: object):
    return runner.invoke(main, ["clean", *map(str, args)], catch_exceptions=False, **kwargs)


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_seeds_on_ray_are_the_committed_cleaned_folder(runner, tmp_path):
    out = tmp_path / "cleaned"
    result = clean(runner, SEEDS, "--out", out, "--report", out / "report.jsonl", "--executor", "ray")
    assert result.exit_code == 0, result.stderr
    assert files_under(out) == files_under(CLEANED)
    assert "duplicate" in (out / "report.jsonl").read_text(encoding="utf-8")


def test_seeds_on_ray_through_file_urls_are_the_committed_cleaned_folder(runner, tmp_path):
    """Tasks open a storage URL themselves (fsspec in each worker): file:// in, out and report."""
    out = tmp_path / "cleaned"
    result = clean(runner, SEEDS.resolve().as_uri(), "--out", out.as_uri(), "--report", (out / "report.jsonl").as_uri(),
                   "--executor", "ray")
    assert result.exit_code == 0, result.stderr
    assert files_under(out) == files_under(CLEANED)


def test_stdout_on_ray_holds_only_the_cleaned_records(runner):
    on_ray = clean(runner, SEEDS, "--out", "-", "--executor", "ray", "--quiet")
    local = clean(runner, SEEDS, "--out", "-", "--quiet")
    assert on_ray.exit_code == local.exit_code == 0
    assert on_ray.stdout == local.stdout and len(on_ray.stdout.splitlines()) == 5


def source_lines() -> list[str]:
    """Real lines: the seeds', and the pages' of ../shared/eval when present (boilerplate and prose)."""
    lines = [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    if LINEBENCH.exists():
        for record in map(json.loads, LINEBENCH.read_text(encoding="utf-8").splitlines()):
            lines.extend(line for line in record["lines"] if line.strip())
    return lines


def generated_corpus(root: Path, documents: int = 2400) -> list[str]:
    """`documents` pages of runs of real lines with a numbered closing line, one in six carrying a planted
    copy (verbatim or with a word changed) of a line of a page at least 300 pages earlier (other
    chunks); written as three JSONL shards, a Parquet shard and a folder of text files. Returns the
    planted lines."""
    rng = random.Random(6)
    pool = source_lines()
    prose = [line for line in pool if len(line.split()) >= 15]
    pages, planted = [], []
    for i in range(documents):
        start = rng.randrange(len(pool))
        lines = pool[start : start + rng.randint(3, 8)] + [f"Page {i} of the generated corpus closes with this line about item {i * 7}."]
        if i >= 300 and i % 6 == 0:
            copy = rng.choice(pages[rng.randrange(i - 299)][:-1] or [rng.choice(prose)])
            if rng.random() < 0.5:
                words = copy.split()
                words[len(words) // 2] = "indeed"
                copy = " ".join(words)
            lines.insert(rng.randrange(len(lines)), copy)
            planted.append(copy)
        pages.append(lines)
    shards = [pages[k : k + documents // 5] for k in range(0, documents, documents // 5)]
    for n, shard in enumerate(shards[:3]):
        write_jsonl(root / "jsonl" / f"part-{n}.jsonl", [{"id": f"p{n}-{k}", "text": "\n".join(p), "k": k} for k, p in enumerate(shard)])
    (root / "parquet").mkdir(parents=True)
    pq.write_table(pa.table({"id": [f"q{k}" for k in range(len(shards[3]))], "text": ["\n\n".join(p) for p in shards[3]]}),
                   root / "parquet" / "part-3.parquet")
    for k, page in enumerate(shards[4]):
        write(root / "txt" / f"{k:04}.txt", "\n".join(page) + "\n")
    return planted


def test_a_generated_corpus_of_thousands_of_documents_is_byte_identical_to_local(runner, tmp_path, monkeypatch):
    root = tmp_path / "in"
    planted = generated_corpus(root)
    assert len(planted) > 300
    outs = {}
    for name, options in {"local": ["--jobs", "1"], "ray": ["--executor", "ray"]}.items():
        out, report = tmp_path / name, tmp_path / f"{name}.jsonl"
        if name == "ray":  # the tasks read and write the files: no text passes through the driver's spill
            monkeypatch.setattr(Spill, "add", lambda spill, blob: pytest.fail("the driver holds a chunk's text"))
        result = clean(runner, root, "--out", out, "--report", report, *options)
        assert result.exit_code == 0, result.stderr
        outs[name] = files_under(out), report.read_bytes(), result.stderr
    assert outs["ray"][0] == outs["local"][0]
    assert outs["ray"][1] == outs["local"][1]
    assert outs["ray"][2] == outs["local"][2]  # the summary
    names = sorted(outs["local"][0])
    assert names[:4] == ["jsonl/part-0.jsonl", "jsonl/part-1.jsonl", "jsonl/part-2.jsonl", "parquet/part-3.parquet"]
    if LINEBENCH.exists():  # from the seeds alone, pages mostly repeat each other and go whole as copies
        assert 300 < len(names[4:]) < 480  # a text file left empty is not written
    reasons = [json.loads(line)["reason"] for line in outs["local"][1].decode("utf-8").splitlines()]
    assert reasons.count("duplicate") >= 300 and reasons.count("boilerplate") >= 100


def test_a_run_interrupted_after_some_sources_resumes_on_ray_to_the_same_bytes(runner, tmp_path):
    root = tmp_path / "in"
    generated_corpus(root, documents=600)
    out = tmp_path / "out"
    assert clean(runner, root, "--out", out, "--report", tmp_path / "report.jsonl").exit_code == 0
    expected = files_under(out)
    sources = discover([root])
    # As a run interrupted after its first 3 sources leaves --out: those written, the manifest, no more.
    for source in sources[3:]:
        (out / source.output).unlink(missing_ok=True)
    key = run_key(sources, DedupConfig(), "text", "id", "fail")
    write(out / MANIFEST, json.dumps({"format": 1, "key": key, "sources": len(sources), "done": 3}) + "\n")
    before = {name: (out / name).stat().st_mtime_ns for name in files_under(out) if name != MANIFEST}
    result = clean(runner, root, "--out", out, "--report", tmp_path / "report.jsonl", "--executor", "ray", "--resume")
    assert result.exit_code == 0, result.stderr
    assert files_under(out) == expected
    assert {name: (out / name).stat().st_mtime_ns for name in before} == before  # the completed sources were not rewritten


def awkward_inputs(root: Path) -> None:
    """Inputs that make reading speak: a text file in cp1252, a binary file, a JSONL shard with a malformed
    line and invalid UTF-8 in a record, and a near copy across two files."""
    write(root / "a-legacy.txt", f"Caf\u00e9 prices rose again this week.\n\n{PARA}\n".encode("cp1252"))
    write(root / "b-binary.txt", b"\x00\x01 not text")
    lines = [json.dumps({"id": "b1", "text": "Skip to content\nA first record with enough words to stay."}), "{not json",
             json.dumps({"id": "b3", "text": "The third record, which ends in a bad byte: \u00e9"}).replace("\\u00e9", "\udce9")]
    write(root / "c-records.jsonl", ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    write(root / "d-copy.txt", f"{PARA_COPY}\n")


@pytest.mark.parametrize("on_error", ["skip", "fail"])
def test_warnings_and_errors_of_reading_reach_the_user_as_locally(runner, tmp_path, on_error):
    awkward_inputs(tmp_path / "in")
    results = {}
    for name, options in {"local": [], "ray": ["--executor", "ray"]}.items():
        out = tmp_path / name
        result = clean(runner, tmp_path / "in", "--out", out, "--report", tmp_path / f"{name}.jsonl", "--on-error", on_error, *options)
        results[name] = result.exit_code, result.stderr, files_under(out) if out.exists() else None
    assert results["ray"] == results["local"]
    code, stderr, files = results["local"]
    assert "a-legacy.txt: not UTF-8" in stderr and "b-binary.txt: binary file" in stderr
    assert "c-records.jsonl:2: malformed JSON" in stderr
    if on_error == "skip":
        assert code == 1 and "invalid characters replaced by U+FFFD in 1 records (first: line 3)" in stderr
        assert sorted(files) == ["a-legacy.txt", "c-records.jsonl"]  # d-copy.txt went as a copy of a-legacy.txt
    else:
        assert code == 2 and files is None  # the malformed line stops the run before anything is written


def dying_once(task, marker_folder: Path, source_name: str, leave: Path | None = None):
    """A reading or writing task whose worker process dies on its first attempt at the sources holding
    `source_name`, leaving a marker file (and the temporary file a write cut short leaves in `leave`)."""

    def wrapped(*args: object) -> object:
        sources = next(a for a in args if isinstance(a, list) and a and hasattr(a[0], "relative"))
        marker = marker_folder / f"{task.__name__}.{source_name.replace('/', '_')}"
        if any(s.relative == source_name for s in sources) and not marker.exists():
            marker.touch()
            if leave is not None:
                leave.mkdir(parents=True, exist_ok=True)
                (leave / f".{Path(source_name).name}.0123456789abcdef.dedup.tmp").write_text("half a file")
            os._exit(1)
        return task(*args)

    return wrapped


def test_reading_and_writing_tasks_whose_worker_dies_are_retried_and_the_output_is_unchanged(runner, tmp_path, monkeypatch):
    root = tmp_path / "in"
    generated_corpus(root, documents=600)
    assert clean(runner, root, "--out", tmp_path / "local", "--report", tmp_path / "local.jsonl").exit_code == 0
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setattr(on_ray, "read_sources", dying_once(on_ray.read_sources, markers, "jsonl/part-1.jsonl"))
    monkeypatch.setattr(on_ray, "finish_sources", dying_once(on_ray.finish_sources, markers, "txt/0007.txt", (tmp_path / "ray" / "txt")))
    result = clean(runner, root, "--out", tmp_path / "ray", "--report", tmp_path / "ray.jsonl", "--executor", "ray")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in markers.iterdir()) == ["finish_sources.txt_0007.txt", "read_sources.jsonl_part-1.jsonl"]
    assert files_under(tmp_path / "ray") == files_under(tmp_path / "local")  # no temporary file left either
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_a_run_on_ray_stopped_by_a_writing_task_that_always_dies_resumes_to_the_same_bytes(runner, tmp_path, monkeypatch):
    root = tmp_path / "in"
    generated_corpus(root, documents=600)
    assert clean(runner, root, "--out", tmp_path / "local", "--report", tmp_path / "local.jsonl").exit_code == 0
    monkeypatch.setattr("dedup.runner.MANIFEST_EVERY_S", 0.0)
    finish = on_ray.finish_sources

    def dies_at_the_parquet_shard(config, output, first, sources, *args):
        if sources[0].relative == "parquet/part-3.parquet":
            os._exit(1)
        return finish(config, output, first, sources, *args)

    monkeypatch.setattr(on_ray, "finish_sources", dies_at_the_parquet_shard)
    out, report = tmp_path / "ray", tmp_path / "ray.jsonl"
    result = clean(runner, root, "--out", out, "--report", report, "--executor", "ray")
    assert result.exit_code == 1
    assert f"a Ray task died {MAX_RETRIES + 1} times" in result.stderr and "run again with --resume" in result.stderr
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["done"] == 3 and not report.exists()
    written = {name: (out / name).stat().st_mtime_ns for name in ["jsonl/part-0.jsonl", "jsonl/part-1.jsonl", "jsonl/part-2.jsonl"]}
    monkeypatch.setattr(on_ray, "finish_sources", finish)
    result = clean(runner, root, "--out", out, "--report", report, "--executor", "ray", "--resume")
    assert result.exit_code == 0, result.stderr
    assert files_under(out) == files_under(tmp_path / "local")
    assert report.read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert {name: (out / name).stat().st_mtime_ns for name in written} == written  # completed sources are not written again


def test_an_index_on_ray_is_the_local_one_and_removes_the_same_copies(runner, tmp_path):
    today = tmp_path / "today"
    write(today / "new.txt", f"{PARA_COPY}\n")
    write_jsonl(today / "more.jsonl", [{"id": "m1", "text": (SEEDS / "003_642c55258581eea0.txt").read_text(encoding="utf-8")}])
    results = {}
    for name, options in {"local": [], "ray": ["--executor", "ray"]}.items():
        index = tmp_path / f"index-{name}"
        day1 = clean(runner, SEEDS, PAGES, "--out", tmp_path / f"{name}-1", "--index", index, *options)
        day2 = clean(runner, today, "--out", tmp_path / f"{name}-2", "--report", tmp_path / f"{name}.jsonl", "--index", index, *options)
        assert day1.exit_code == day2.exit_code == 0, day1.stderr + day2.stderr
        results[name] = files_under(tmp_path / f"{name}-2"), (tmp_path / f"{name}.jsonl").read_bytes(), files_under(index)
    assert results["ray"] == results["local"]
    reasons = [json.loads(line)["reason"] for line in results["local"][1].decode("utf-8").splitlines()]
    assert "duplicate_document" in reasons or "duplicate" in reasons


def test_stdin_on_ray_is_read_by_the_driver_and_cleaned_as_locally(runner):
    records = "".join(json.dumps({"id": f"s{i}", "text": text}) + "\n" for i, text in enumerate([PARA, "Skip to content", PARA_COPY]))
    on_ray_result = clean(runner, "-", "--out", "-", "--executor", "ray", "--quiet", input=records)
    local = clean(runner, "-", "--out", "-", "--quiet", input=records)
    assert on_ray_result.exit_code == local.exit_code == 0
    assert on_ray_result.stdout == local.stdout == json.dumps({"id": "s0", "text": PARA}) + "\n"


def page_documents(count: int = 400) -> list[Document]:
    pool = source_lines()
    return [Document(f"d{i}", "\n".join(pool[(i * 5) % len(pool) : (i * 5) % len(pool) + 6]), "pages.jsonl", i) for i in range(count)]


def killing_task(marker_folder: Path, chunks_to_kill: set[str], always: bool = False):
    """A Ray task for prepare_on_ray that, on the first attempt at a chunk starting with one of
    `chunks_to_kill` (every attempt when `always`), leaves a marker file and kills its own worker process."""

    def task(config: DedupConfig, docs: list[Document]) -> object:
        if docs[0].id in chunks_to_kill:
            marker = marker_folder / f"{docs[0].id}.{len(list(marker_folder.glob(docs[0].id + '.*')))}"
            if always or marker.name.endswith(".0"):
                marker.touch()
                os._exit(1)
        return prepare_chunk(config, docs)

    return task


def test_a_task_whose_worker_dies_is_retried_and_the_output_is_unchanged(tmp_path):
    config = DedupConfig()
    docs = page_documents()
    expected = [(c.id, c.text, c.removals) for c in run(docs, config)]
    task = killing_task(tmp_path, {"d0", "d192"})
    got = [(c.id, c.text, c.removals) for c in run(docs, config, lambda d: prepare_on_ray(d, config, task=task))]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d0.0", "d192.0"]  # both chunks' workers died once
    assert got == expected
    assert any(r.reason == "duplicate" for _, _, removals in expected for r in removals)


def test_a_phase_a_task_of_a_source_of_several_chunks_whose_worker_dies_is_retried(runner, tmp_path, monkeypatch):
    root = tmp_path / "in"
    generated_corpus(root, documents=600)  # JSONL shards of 120 documents: two chunks each, as two tasks
    assert clean(runner, root, "--out", tmp_path / "local").exit_code == 0
    read, kill = on_ray.read_sources, killing_task(tmp_path / "markers", {"p1-64"})
    (tmp_path / "markers").mkdir()

    def reading(*args: object) -> object:  # in the worker: its chunks' tasks run `kill`
        real, on_ray.prepare_chunk = on_ray.prepare_chunk, kill
        try:
            return read(*args)
        finally:
            on_ray.prepare_chunk = real

    monkeypatch.setattr(on_ray, "read_sources", reading)
    result = clean(runner, root, "--out", tmp_path / "ray", "--executor", "ray")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in (tmp_path / "markers").iterdir()] == ["p1-64.0"]
    assert files_under(tmp_path / "ray") == files_under(tmp_path / "local")


def test_a_task_that_always_dies_stops_the_run_with_a_worker_error(tmp_path):
    config = DedupConfig()
    task = killing_task(tmp_path, {"d64"}, always=True)
    with pytest.raises(WorkerError, match="a Ray task died 4 times"):
        list(run(page_documents(200), config, lambda d: prepare_on_ray(d, config, task=task)))
    assert len(list(tmp_path.iterdir())) == MAX_RETRIES + 1


def test_phase_b_on_ray_gives_the_labels_and_matches_of_this_process():
    config = DedupConfig()
    prints = fingerprint([text for doc in page_documents(600) for text in doc.text.split("\n")], config.duplicates)
    shared = Representatives(prints, np.flatnonzero(prints.sig_rows >= 0), 16, 8, config.duplicates.threshold)
    labels, local = labels_on_ray(shared), labels_here(shared)
    assert len(local.nodes) > 100 and np.array_equal(labels.nodes, local.nodes) and np.array_equal(labels.roots, local.roots)
    matches = cluster_corpus([prints], config)
    assert len(matches) > 100 and cluster_corpus([prints], config, map_bands=ray_cluster.on_ray()) == matches


def test_the_api_takes_the_same_names(seed_texts):
    texts = list(seed_texts.values()) * 2
    assert [c.text for c in clean_corpus(texts, executor="ray")] == [c.text for c in clean_corpus(texts)]


def test_without_ray_the_executor_is_a_one_line_error_naming_the_extra(runner, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as where it is not installed
    result = clean(runner, SEEDS, "--out", tmp_path / "out", "--executor", "ray")
    assert result.exit_code == 2
    assert result.stderr == "dedup: error: --executor ray needs Ray, which is not installed: pip install 'dedup-corpus[ray]'\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("options", "message"), [(["--ray-address", "auto"], "--ray-address is for --executor ray"),
                                                   (["--executor", "ray", "--jobs", "2"], "--jobs is for --executor local")])
def test_options_of_the_other_executor_are_refused(runner, tmp_path, options, message):
    result = clean(runner, SEEDS, "--out", tmp_path / "out", *options)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dedup: error: {message}") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
