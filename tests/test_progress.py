"""Progress and verbosity: the progress line (documents/s, MB/s, a bar once the total is known) only
where someone watches, --quiet (errors only), --verbose (info messages), and the summary table."""

from __future__ import annotations

import io
import re
import subprocess

from dedup.cli import main, progress_wanted
from dedup.runner import Progress

from conftest import SEEDS, read_jsonl, write


def test_progress_line_counts_documents_and_rates():
    stream = io.StringIO()
    progress = Progress(True, stream, every_s=0)
    for n in range(1, 4):
        progress.step("reading", n, size=1_000_000)
    for n in range(1, 4):
        progress.step("writing", n, 3, size=500_000)
    progress.done()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 6 and stream.getvalue().endswith("\n")
    assert re.match(r"reading 3 docs  3\.0 MB  [\d,]+ docs/s  [\d,.]+ MB/s", frames[2]), frames[2]
    assert re.match(r"writing \[#{8}\.{16}\]  33% 1/3 docs", frames[3]), frames[3]
    assert frames[5].startswith("writing [" + "#" * 24 + "] 100% 3/3 docs")


def test_progress_disabled_writes_nothing():
    stream = io.StringIO()
    progress = Progress(False, stream, every_s=0)
    progress.step("reading", 1, size=10)
    progress.done()
    assert stream.getvalue() == ""


def test_progress_only_on_a_terminal_outside_ci_and_not_quiet():
    assert progress_wanted(None, False, True, {})
    assert not progress_wanted(None, False, False, {})  # piped
    assert not progress_wanted(None, False, True, {"CI": "1"})
    assert not progress_wanted(None, True, True, {})
    assert progress_wanted(True, False, False, {"CI": "1"}) and not progress_wanted(False, False, True, {})


def test_forced_progress_shows_rates_and_piped_output_has_none(runner, tmp_path):
    result = runner.invoke(main, ["clean", str(SEEDS), "--out", str(tmp_path / "a"), "--progress"])
    assert result.exit_code == 0, result.output
    assert "docs/s" in result.stderr and "MB/s" in result.stderr and "writing [" in result.stderr
    proc = subprocess.run(["dedup", "clean", str(SEEDS), "--out", str(tmp_path / "b")], capture_output=True, text=True, check=True)
    assert "\r" not in proc.stderr and "docs/s" not in proc.stderr


def test_summary_table_matches_the_report(runner, tmp_path):
    report = tmp_path / "report.jsonl"
    result = runner.invoke(main, ["clean", str(SEEDS), "--out", str(tmp_path / "out"), "--report", str(report)])
    records = read_jsonl(report)
    rows = dict(re.findall(r"^  (\w+) +([\d,]+) +[\d,]+$", result.stderr, re.M))
    expected = {r: str(sum(x["reason"] == r for x in records)) for r in {x["reason"] for x in records}}
    assert rows == {**expected, "total": str(len(records))}
    assert re.search(r"^removed: +count +chars$", result.stderr, re.M)


def test_quiet_prints_errors_only_and_verbose_adds_info(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "latin1.txt", "Caf\xe9 au lait is served all day in the old station building, the owner said.\n".encode("latin-1"))
    quiet = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "q"), "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    normal = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "n")])
    assert "dedup: warning: " in normal.stderr and "not UTF-8" in normal.stderr and "dedup: info:" not in normal.stderr
    verbose = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "v"), "--verbose"])
    assert f"dedup: info: wrote 1 documents to {tmp_path / 'v'}" in verbose.stderr and "documents: 1 in" in verbose.stderr
    assert "dedup: info: near-duplicates: char 5-grams, 128 permutations as 32 bands x 4 rows, threshold 0.5" in verbose.stderr
    failed = runner.invoke(main, ["clean", str(tmp_path / "missing"), "--out", str(tmp_path / "x"), "-q"])
    assert failed.exit_code == 2 and "dedup: error: " in failed.stderr
    both = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "x"), "-q", "-v"])
    assert both.exit_code == 2 and "--quiet and --verbose exclude each other" in both.output
