"""Pipes: `-` reads JSONL from stdin, `--out -` writes the kept documents as JSONL to stdout (nothing else
goes there), several inputs to one stdout, refusals, and a closed stdout ending every command quietly."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dedup.cli import main

from conftest import PARA, PARA_COPY, SEEDS, files_under, ok, read_jsonl, write, write_jsonl


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def seeds_jsonl(tmp_path: Path) -> Path:
    """The seeds as JSONL records with an id and an extra field, plus a near copy of a paragraph in two records."""
    rows = [{"id": p.stem, "url": f"https://example.org/{p.stem}", "text": p.read_text(encoding="utf-8")}
            for p in sorted(SEEDS.glob("*.txt"))]
    rows += [{"id": "ferry-1", "url": None, "text": PARA + "\nShare this article\n"},
             {"id": "ferry-2", "url": None, "text": "Residents gathered at the town hall on Tuesday evening.\n" + PARA_COPY}]
    return write_jsonl(tmp_path / "seeds.jsonl", rows)


def test_stdin_to_stdout_is_the_jsonl_file_output(runner, tmp_path, seeds_jsonl):
    ok(runner.invoke(main, ["clean", str(seeds_jsonl), "--out", str(tmp_path / "o"), "--report", str(tmp_path / "file.jsonl")]))
    result = runner.invoke(main, ["clean", "-", "--out", "-", "--report", str(tmp_path / "pipe.jsonl")],
                           input=seeds_jsonl.read_bytes())
    ok(result)
    assert result.stdout == (tmp_path / "o" / "seeds.jsonl").read_text(encoding="utf-8")
    out = records(result.stdout)
    assert [r["id"] for r in out] == [r["id"] for r in read_jsonl(seeds_jsonl)]  # ids and order kept
    assert "ferry-2" in [r["id"] for r in out] and PARA_COPY not in result.stdout  # the near copy went
    assert all(list(r) == ["id", "url", "text"] for r in out)
    # --report still writes its file, the same as for the file (ids from --id-field); the summary is on stderr
    assert (tmp_path / "pipe.jsonl").read_bytes() == (tmp_path / "file.jsonl").read_bytes()
    assert "documents: 7 in, 7 written" in result.stderr


def test_stdin_ids_without_id_field_are_dash_and_line(runner, tmp_path):
    lines = json.dumps({"text": PARA}) + "\n\n" + json.dumps({"text": "Share this article\n" + PARA_COPY}) + "\n"
    result = runner.invoke(main, ["clean", "-", "--out", "-", "--report", str(tmp_path / "r.jsonl")], input=lines)
    ok(result)
    assert records(result.stdout) == [{"text": PARA}]  # the second record was a copy and boilerplate: left empty
    report = read_jsonl(tmp_path / "r.jsonl")
    assert {r["doc"] for r in report} == {"-:3"}
    assert {r["reason"] for r in report} == {"boilerplate", "duplicate"}
    assert all(r["kept"]["doc"] == "-:1" for r in report if r["reason"] == "duplicate")


def test_stdin_into_a_folder_writes_stdin_jsonl(runner, tmp_path, seeds_jsonl):
    ok(runner.invoke(main, ["clean", str(seeds_jsonl), "--out", str(tmp_path / "a")]))
    ok(runner.invoke(main, ["clean", "-", "--out", str(tmp_path / "b")], input=seeds_jsonl.read_bytes()))
    assert files_under(tmp_path / "b") == ["stdin.jsonl"]
    assert (tmp_path / "b" / "stdin.jsonl").read_bytes() == (tmp_path / "a" / "seeds.jsonl").read_bytes()


NEW = "The new boats were built at a shipyard in the north of the country over the last two years."


def test_several_inputs_to_stdout_in_input_order(runner, tmp_path, seeds_jsonl):
    """A .txt folder, stdin and a JSONL file: one stream, in input order; a .txt document becomes
    {id_field: its path, text_field: its text}; copies are found across all of them."""
    folder = tmp_path / "txt"
    write(folder / "harbour.txt", PARA + "\n")
    write(folder / "news" / "oslo.txt", (SEEDS / "000_1ce991aefc085efe.txt").read_text(encoding="utf-8"))
    other = write_jsonl(tmp_path / "more.jsonl", [{"doc": "m1", "body": "Read more\n" + PARA_COPY + "\n" + NEW}])
    args = ["clean", str(folder), "-", str(other), "--out", "-", "--id-field", "doc", "--text-field", "body"]
    stdin = "".join(json.dumps({"doc": f"s{i}", "body": r["text"]}) + "\n" for i, r in enumerate(read_jsonl(seeds_jsonl)))
    result = runner.invoke(main, args, input=stdin)
    ok(result)
    out = records(result.stdout)
    ids = [r["doc"] for r in out]
    assert ids[:2] == ["harbour.txt", "news/oslo.txt"] and ids[-1] == "m1"
    # s0 is the Oslo seed again and s5 the harbour paragraph again (and boilerplate): all copies, dropped
    assert ids[2:-1] == ["s1", "s2", "s3", "s4", "s6"]
    assert out[0] == {"doc": "harbour.txt", "body": PARA}
    assert out[-1] == {"doc": "m1", "body": NEW}  # the near copy of harbour.txt's paragraph went
    # the same documents cleaned into a folder give the same texts
    ok(runner.invoke(main, [*args[:-6], "--out", str(tmp_path / "o"), *args[-4:]], input=stdin))
    assert (tmp_path / "o" / "harbour.txt").read_text(encoding="utf-8") == PARA + "\n"
    assert read_jsonl(tmp_path / "o" / "more.jsonl") == [out[-1]]
    assert [r["body"] for r in read_jsonl(tmp_path / "o" / "stdin.jsonl")] == [r["body"] for r in out[2:-1]]


def test_stdin_given_twice_is_refused(runner, seeds_jsonl, tmp_path):
    result = runner.invoke(main, ["clean", "-", str(seeds_jsonl), "-", "--out", str(tmp_path / "o")], input=seeds_jsonl.read_bytes())
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == "dedup: error: -: stdin given twice as an input; it can be read once"
    assert not (tmp_path / "o").exists()


def test_bad_stdin_names_the_line(runner):
    result = runner.invoke(main, ["clean", "-", "--out", "-"], input=json.dumps({"text": PARA}) + "\n{not json\n")
    assert result.exit_code == 2 and result.stdout == ""  # nothing is written before every input was read
    assert result.stderr.startswith("dedup: error: <stdin>:2: malformed JSON")
    # Invalid UTF-8 on stdin follows the JSONL decoding policy: replaced, counted, named in a warning.
    result = runner.invoke(main, ["clean", "-", "--out", "-"], input=b'{"text": "caf\xe9"}\n')
    assert result.exit_code == 0 and json.loads(result.stdout) == {"text": "caf\ufffd"}
    assert "<stdin>: 1 invalid characters replaced by U+FFFD in 1 records (first: line 1)" in result.stderr


def test_report_html_from_stdin_is_refused(runner, tmp_path, seeds_jsonl):
    result = runner.invoke(main, ["clean", "-", "--out", "-", "--report-html", str(tmp_path / "r.html")], input=seeds_jsonl.read_bytes())
    assert result.exit_code == 2 and result.stdout == ""
    assert "--report-html reads the input a second time" in result.stderr


def test_explain_and_restore_read_stdin_too(runner, tmp_path, seeds_jsonl):
    report = tmp_path / "r.jsonl"
    cleaned = runner.invoke(main, ["clean", "-", "--out", "-", "--report", str(report)], input=seeds_jsonl.read_bytes())
    ok(cleaned)
    same = runner.invoke(main, ["restore", "-", "--report", str(report), "--out", "-"], input=seeds_jsonl.read_bytes())
    ok(same)
    assert same.stdout == cleaned.stdout and "restored: nothing; 7 documents written to -" in same.stderr
    back = runner.invoke(main, ["restore", "-", "--report", str(report), "--out", "-", "--reason", "duplicate"], input=seeds_jsonl.read_bytes())
    ok(back)
    assert PARA_COPY in back.stdout and PARA_COPY not in cleaned.stdout
    shown = runner.invoke(main, ["explain", "ferry-2", "-", "--report", str(report), "--no-color"], input=seeds_jsonl.read_bytes())
    ok(shown)
    assert "[-" + PARA_COPY in shown.stdout and "duplicate of ferry-1 line 1" in shown.stdout


def test_console_pipeline(tmp_path, seeds_jsonl):
    """The shell pipeline of the README, through the installed command: stdout holds only the records."""
    proc = subprocess.run(f"cat {seeds_jsonl} | dedup clean - --out - > {tmp_path / 'cleaned.jsonl'}", shell=True,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "documents: 7 in, 7 written" in proc.stderr
    out = read_jsonl(tmp_path / "cleaned.jsonl")
    assert len(out) == 7 and all(r["text"] for r in out)


def closed_pipe_run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """Run dedup with a stdout whose reader is already gone: the first write meets a broken pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(["dedup", *args], input=stdin,
                              stdout=write_end, stderr=subprocess.PIPE, timeout=300, check=False)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [["rules"], ["rules", "list"], ["rules", "test", "Share this article"], ["config", "show"],
                                  ["--help"], ["clean", "-", "--out", "-"]])
def test_closed_stdout_ends_quietly(args, seeds_jsonl):
    proc = closed_pipe_run(args, seeds_jsonl.read_bytes())
    assert proc.returncode == (1 if args == ["--help"] else 141)  # help is printed by click, which exits 1 on EPIPE
    assert b"error" not in proc.stderr.lower() and b"Traceback" not in proc.stderr and b"Exception" not in proc.stderr


def test_head_takes_the_first_record(tmp_path, seeds_jsonl):
    """`| head -n 1` on more output than a pipe holds: one record, no error, nothing left half-written."""
    rows = read_jsonl(seeds_jsonl) * 12
    big = write_jsonl(tmp_path / "big.jsonl", [{**r, "id": f"{r['id']}-{i}"} for i, r in enumerate(rows)])
    proc = subprocess.run(f"dedup clean - --out - --no-find-duplicates --report {tmp_path / 'r.jsonl'} < {big} | head -n 1; "
                          "echo \"status ${PIPESTATUS[0]}\" >&2", shell=True, executable="/bin/bash", capture_output=True,
                          text=True, timeout=300, check=False)
    assert len(proc.stdout.splitlines()) == 1 and json.loads(proc.stdout)["id"] == "000_1ce991aefc085efe-0"
    assert proc.stderr.strip() == "status 141"
    assert files_under(tmp_path) == ["big.jsonl", "seeds.jsonl"]  # the cut run's report was not left behind
