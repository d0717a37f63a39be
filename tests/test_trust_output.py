"""Output that can be trusted: an --out holding files needs --overwrite or --resume, runs killed midway
(SIGKILL, SIGTERM, SIGINT) leave only complete files and resume to the same bytes, a killed worker
is one line and exit 1, and the exit codes the README lists."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dedup.cli import main
from dedup.corpus import TEMP_SUFFIX, discover
from dedup.runner import MANIFEST

from conftest import PARA, PARA_COPY, SEEDS, files_under, ok, one_line_error, write, write_jsonl

DEDUP = [sys.executable, "-c", "from dedup.cli import main; main()"]
OPTIONS = ["--no-strip-boilerplate"]  # the rules are tested elsewhere; here they would only slow every run


def clean(runner, *args: object):
    return runner.invoke(main, ["clean", *map(str, args)])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in files_under(folder)}


# --- an --out that holds files ------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    write(root / "a.txt", f"Skip to content\n{PARA}\n")
    write(root / "b.txt", f"{PARA_COPY}\nA closing line of its own about the evening tide and the pier.\n")
    return root


def test_non_empty_out_is_refused_without_overwrite(runner, small, tmp_path):
    out = tmp_path / "out"
    write(out / "notes.md", "mine\n")
    line = one_line_error(clean(runner, small, "--out", out), 2, str(out), "--overwrite")
    assert "already holds files" in line
    assert files_under(out) == ["notes.md"]


def test_overwrite_replaces_outputs_removes_stale_ones_and_leaves_other_files(runner, small, tmp_path):
    out = tmp_path / "out"
    write(out / "a.txt", "an old output\n")
    write(out / "b.txt", "an old output of a document that is now left empty\n")
    write(out / "notes" / "mine.md", "not an output of dedup\n")
    write(small / "b.txt", PARA_COPY + "\n")  # now a whole copy of a.txt's paragraph: not written
    result = clean(runner, small, "--out", out, "--overwrite")
    ok(result)
    assert files_under(out) == ["a.txt", "notes/mine.md"]
    assert (out / "a.txt").read_text(encoding="utf-8") == PARA + "\n"
    assert (out / "notes" / "mine.md").read_text(encoding="utf-8") == "not an output of dedup\n"
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert "1 files there are not outputs of this run" in warning and "notes/mine.md" in warning


def test_overwrite_and_resume_exclude_each_other(runner, small, tmp_path):
    one_line_error(clean(runner, small, "--out", tmp_path / "out", "--overwrite", "--resume"), 2, "--overwrite", "--resume")


def test_resume_needs_an_interrupted_run(runner, small, tmp_path):
    out = tmp_path / "out"
    ok(clean(runner, small, "--out", out, "--resume"))  # nothing there yet: a fresh run
    assert files_under(out) == ["a.txt", "b.txt"]  # and the manifest is gone once the run ends
    one_line_error(clean(runner, small, "--out", out, "--resume"), 2, str(out), MANIFEST, "--overwrite")


def test_resume_refuses_other_settings_or_inputs(runner, small, tmp_path):
    out = tmp_path / "out"
    ok(clean(runner, small, "--out", out))
    manifest = {"format": 1, "key": "0" * 64, "sources": 2, "done": 1}
    write(out / MANIFEST, json.dumps(manifest) + "\n")
    before = snapshot(out)
    line = one_line_error(clean(runner, small, "--out", out, "--resume"), 2, str(out), "other options, rules or inputs")
    assert "--resume" in line
    assert snapshot(out) == before
    # Without --resume, the interrupted run is pointed out.
    one_line_error(clean(runner, small, "--out", out), 2, "--resume to finish the interrupted run")


def test_report_inside_an_input_folder_is_refused(runner, small, tmp_path):
    one_line_error(clean(runner, small, "--out", tmp_path / "out", "--report", small / "report.jsonl"), 2, "--report")
    assert files_under(small) == ["a.txt", "b.txt"]


# --- runs killed midway ---------------------------------------------------------------------------------


def build_corpus(root: Path) -> None:
    """1,200 small files (enough that writing them takes a while) with planted copies, and two shards."""
    prose = [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines() if len(line.split()) >= 12]
    for i in range(1200):
        lines = [f"File {i} opens with its own short line.", prose[i % len(prose)] if i % 7 == 0 else f"Item {i} stays."]
        write(root / f"d{i // 150}" / f"f{i:04}.txt", "\n".join(lines) + "\n")
    write_jsonl(root / "j" / "part.jsonl", [{"id": f"j{i}", "text": f"{PARA}\nRecord {i} of the shard."} for i in range(50)])
    write_jsonl(root / "j" / "part.jsonl.gz", [{"text": f"{PARA_COPY}\nRecord {i}."} for i in range(50)], compress=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The corpus and the files of an uninterrupted run (report inside --out)."""
    base = tmp_path_factory.mktemp("interrupt")
    root = base / "in"
    build_corpus(root)
    out = base / "reference"
    proc = subprocess.run([*DEDUP, "clean", str(root), "--out", str(out), "--report", str(out / "report.jsonl"), *OPTIONS],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    files = snapshot(out)
    assert len(files) > 900 and b'"reason": "duplicate"' in files["report.jsonl"]
    return root, files


def start(root: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*DEDUP, "clean", str(root), "--out", str(out), "--report", str(out / "report.jsonl"), *OPTIONS, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(condition, proc: subprocess.Popen[str], timeout_s: float = 300) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, f"the run ended first: {proc.returncode}\n{proc.stderr.read() if proc.stderr else ''}"
        assert time.monotonic() < end, "the run did not get there"
        time.sleep(0.001)


def temporary_files(out: Path) -> list[str]:
    return [name for name in files_under(out) if name.endswith(TEMP_SUFFIX)]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143), (signal.SIGINT, 130)],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_run_killed_while_writing_resumes_to_the_same_bytes(reference, tmp_path, sig, code):
    root, expected = reference
    out = tmp_path / "out"
    proc = start(root, out)
    wait_until(lambda: (out / MANIFEST).exists(), proc)  # written just before the first output
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    if sig != signal.SIGKILL:
        assert stderr.strip().splitlines()[-1].startswith("dedup: interrupted;"), stderr
        assert temporary_files(out) == []
    # Midway: some outputs are missing, and every output there is complete.
    left = {name: data for name, data in snapshot(out).items() if name != MANIFEST and not name.endswith(TEMP_SUFFIX)}
    assert len(left) < len(expected) - 1 and "report.jsonl" not in left
    for name, data in left.items():
        assert data == expected[name], name
    done = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["done"]
    sources = [s.relative for s in discover([root])]
    kept = {name: os.stat(out / name).st_mtime_ns for name in sources[:done] if (out / name).exists()}

    resumed = subprocess.run([*DEDUP, "clean", str(root), "--out", str(out), "--report", str(out / "report.jsonl"), *OPTIONS, "--resume"],
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(out) == expected
    # Outputs the manifest recorded as complete were not written again.
    assert {name: os.stat(out / name).st_mtime_ns for name in kept} == kept


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(), reason="needs /proc/PID/task/PID/children")
def test_killed_worker_is_one_line_and_exit_1(reference, tmp_path):
    root, _ = reference
    out = tmp_path / "out"
    proc = start(root, out, "--jobs", "2")
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    wait_until(lambda: children.read_text().split(), proc)
    for pid in children.read_text().split():
        os.kill(int(pid), signal.SIGKILL)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("dedup: error: a worker process died"), line
    assert files_under(out) == []


# --- exit codes ---------------------------------------------------------------------------------------


def test_exit_codes(runner, small, tmp_path):
    ok(clean(runner, small, "--out", tmp_path / "o0"))  # 0: all done
    write(small / "z.jsonl", '{"text": "A fine record of plain prose."}\n{"text": \n')
    assert clean(runner, small, "--out", tmp_path / "o1", "--on-error", "skip").exit_code == 1  # 1: an input skipped
    assert clean(runner, small, "--out", tmp_path / "o2").exit_code == 2  # 2: bad input with --on-error fail
    assert clean(runner, small, "--out", tmp_path / "o3", "--on-error", "maybe").exit_code == 2  # 2: usage error
    assert files_under(tmp_path / "o2") == [] and files_under(tmp_path / "o3") == []


# --- phase C streams ---------------------------------------------------------------------------------


def test_a_source_is_written_document_by_document_as_phase_c_assembles_it(tmp_path, monkeypatch):
    """finish_source hands write_source its documents as they come: each record is written before the next
    document is assembled, so a one-file corpus of any size is never held whole; its report lines go out
    as they come too."""
    import dedup.runner as runner
    from dedup.pipeline import Cleaned
    from dedup.records import Removal

    events: list[str] = []
    real_json_line = runner.json_line
    monkeypatch.setattr(runner, "json_line", lambda fields, field, text: events.append(f"wrote {text}") or real_json_line(fields, field, text))

    def assembled():
        for n in range(3):
            events.append(f"made {n}")
            yield Cleaned(str(n), "a.jsonl", str(n), [Removal(str(n), 1, "Share this", "boilerplate", rule="share.x")], {"id": str(n)}, 10)

    output = runner.Output(tmp_path / "out", "text", "id", False, 0, True)
    source = runner.Source(tmp_path / "a.jsonl", "a.jsonl")
    reported: list[str] = []
    finished = runner.finish_source(output, 0, source, assembled(), reported.append)
    assert events == ["made 0", "wrote 0", "made 1", "wrote 1", "made 2", "wrote 2"]
    assert finished.report == "" and len(reported) == 3 and finished.summary.documents_in == 3
    assert [json.loads(line)["text"] for line in (tmp_path / "out" / "a.jsonl").read_text().splitlines()] == ["0", "1", "2"]
