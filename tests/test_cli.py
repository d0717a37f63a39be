"""The `dedup` command: clean end to end, the removal report contract, the summary, user errors,
option validation, --jobs determinism, `dedup rules`, the committed cleaned/ folder and the console script."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from dedup.cli import main

from conftest import CLEANED, PARA, PARA_COPY, SEEDS, files_under, ok, read_jsonl, write, write_jsonl

REGENERATE = "dedup clean seeds --out cleaned --report cleaned/report.jsonl --overwrite"


def clean(runner, *args: object):
    return runner.invoke(main, ["clean", *map(str, args)])


def input_line(root: Path, doc: str, line: int) -> str:
    """The stripped text of 1-based line `line` of input file `doc` under `root`."""
    return (root / doc).read_text(encoding="utf-8").splitlines()[line - 1].strip()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two txt files (one nested) sharing a near-duplicate paragraph, with boilerplate and a repeated sentence."""
    root = tmp_path / "in"
    write(root / "a.txt", "\n".join([
        "Skip to content",
        "The mayor said the new ferries would start running in May. Tickets will cost two euros for adults.",
        "17 minutes ago",
        "",
        PARA,
        "Officials expect about four thousand passengers a day once all stops open.",
        "Tickets will cost two euros for adults. Children under twelve will travel free of charge.",
        "Share this article",
    ]) + "\n")
    write(root / "sub" / "b.txt", "\n".join([
        "Residents gathered at the town hall for the announcement on Tuesday evening.",
        "",
        PARA_COPY,
        "A separate plan for cycle lanes will be discussed next month by the transport committee.",
    ]) + "\n")
    return root


# --- the report ---------------------------------------------------------------------------------------


def test_report_records_each_removal(runner, corpus, tmp_path):
    report = tmp_path / "report.jsonl"
    ok(clean(runner, corpus, "--out", tmp_path / "out", "--report", report))
    got = [(r["doc"], r["line"], r["reason"]) for r in read_jsonl(report)]
    assert got == [
        ("a.txt", 1, "boilerplate"),
        ("a.txt", 3, "boilerplate"),
        ("a.txt", 7, "repeated_sentence"),
        ("a.txt", 8, "boilerplate"),
        ("sub/b.txt", 3, "duplicate"),
    ]


def test_report_fields_by_reason(runner, corpus, tmp_path):
    report = tmp_path / "report.jsonl"
    ok(clean(runner, corpus, "--out", tmp_path / "out", "--report", report))
    records = read_jsonl(report)
    assert records
    for r in records:
        assert isinstance(r["line"], int) and r["line"] >= 1
        assert isinstance(r["text"], str) and r["text"]
        if r["reason"] == "boilerplate":
            assert list(r) == ["doc", "line", "text", "reason", "rule"]
            assert re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", r["rule"]), r
        else:
            assert r["reason"] in ("duplicate", "repeated_sentence"), r
            assert list(r) == ["doc", "line", "text", "reason", "kept", "similarity"]
            assert set(r["kept"]) == {"doc", "line"}
            assert isinstance(r["similarity"], float) and 0 < r["similarity"] <= 1


def test_report_line_numbers_point_into_the_input(runner, corpus, tmp_path):
    report = tmp_path / "report.jsonl"
    ok(clean(runner, corpus, "--out", tmp_path / "out", "--report", report))
    records = read_jsonl(report)
    assert {r["reason"] for r in records} == {"boilerplate", "duplicate", "repeated_sentence"}
    for r in records:
        source = input_line(corpus, r["doc"], r["line"])
        if r["reason"] == "boilerplate":
            assert r["text"] == source, r
        elif r["reason"] == "repeated_sentence":
            assert r["text"] in source, r
            assert r["text"] in input_line(corpus, r["kept"]["doc"], r["kept"]["line"]), r
        else:
            assert r["text"].splitlines()[0] == source, r
    dup = next(r for r in records if r["reason"] == "duplicate")
    assert dup["text"] == PARA_COPY
    assert dup["kept"] == {"doc": "a.txt", "line": 5}
    assert input_line(corpus, "a.txt", 5) == PARA


def test_report_line_numbers_count_blank_and_crlf_lines(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "w.txt", b"\r\n\r\n\r\nThe opening line of real prose in this short document.\r\n\r\n\r\nSkip to content\r\n")
    report = tmp_path / "report.jsonl"
    ok(clean(runner, root, "--out", tmp_path / "out", "--report", report))
    assert [(r["line"], r["text"]) for r in read_jsonl(report)] == [(7, "Skip to content")]


def test_report_line_numbers_after_mojibake_repair(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "m.txt", "The cafÃ© is open on Sundays and serves breakfast until noon.\nâ€œQuoted wordsâ€ came next.\nShare this article\n")
    report = tmp_path / "report.jsonl"
    out = tmp_path / "out"
    ok(clean(runner, root, "--out", out, "--report", report))
    assert [(r["line"], r["text"]) for r in read_jsonl(report)] == [(3, "Share this article")]
    assert (out / "m.txt").read_text(encoding="utf-8").splitlines()[0] == "The café is open on Sundays and serves breakfast until noon."


def test_report_doc_for_jsonl_ids(runner, tmp_path):
    root = tmp_path / "in"
    lines = [
        json.dumps({"id": "doc-1", "text": f"Skip to content\n{PARA}"}),
        "",  # a blank line still counts for line numbers
        json.dumps({"url": "u", "text": f"Share this article\n{PARA_COPY}"}),
        json.dumps({"id": 42, "text": "17 minutes ago\nA closing record of ordinary prose about the weather."}),
    ]
    write(root / "nested" / "part.jsonl", "\n".join(lines) + "\n")
    report = tmp_path / "report.jsonl"
    ok(clean(runner, root, "--out", tmp_path / "out", "--report", report))
    got = [(r["doc"], r["line"], r["reason"], r.get("kept")) for r in read_jsonl(report)]
    assert got == [
        ("doc-1", 1, "boilerplate", None),
        ("nested/part.jsonl:3", 1, "boilerplate", None),
        ("nested/part.jsonl:3", 2, "duplicate", {"doc": "doc-1", "line": 2}),
        ("42", 1, "boilerplate", None),
    ]


# --- near duplicates across the corpus ------------------------------------------------------------------


def test_near_duplicate_across_files_keeps_first_in_input_order(runner, tmp_path):
    first = write(tmp_path / "one" / "z.txt", PARA_COPY + "\n")
    second = write(tmp_path / "two" / "a.txt", PARA + "\n")
    out = tmp_path / "out"
    result = clean(runner, first.parent, second.parent, "--out", out)
    ok(result)
    # The folder given first holds the kept copy, whatever the file names.
    assert (out / "z.txt").read_text(encoding="utf-8") == PARA_COPY + "\n"
    assert not (out / "a.txt").exists()
    assert re.search(r"documents: 2 in, 1 written, 1 left empty", result.stderr), result.stderr


def test_near_duplicate_between_txt_and_jsonl(runner, tmp_path):
    txt = write(tmp_path / "t" / "article.txt", f"{PARA}\nA different closing paragraph about the weather and the tides.\n")
    jsonl = write_jsonl(tmp_path / "j" / "rec.jsonl", [{"id": "r1", "text": f"{PARA_COPY}\nThe record has its own ending about harbour cranes."}])
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    ok(clean(runner, txt.parent, jsonl, "--out", out, "--report", report))
    assert [r["text"] for r in read_jsonl(out / "rec.jsonl")] == ["The record has its own ending about harbour cranes."]
    assert PARA in (out / "article.txt").read_text(encoding="utf-8")
    dups = [r for r in read_jsonl(report) if r["reason"] == "duplicate"]
    assert [(d["doc"], d["line"], d["kept"]) for d in dups] == [("r1", 1, {"doc": "article.txt", "line": 1})]

    # Given the other way round, the JSONL copy is first and stays.
    out2, report2 = tmp_path / "out2", tmp_path / "report2.jsonl"
    ok(clean(runner, jsonl, txt.parent, "--out", out2, "--report", report2))
    assert read_jsonl(out2 / "rec.jsonl")[0]["text"].startswith(PARA_COPY)
    assert PARA not in (out2 / "article.txt").read_text(encoding="utf-8")
    dups = [r for r in read_jsonl(report2) if r["reason"] == "duplicate"]
    assert [(d["doc"], d["kept"]) for d in dups] == [("article.txt", {"doc": "r1", "line": 1})]


def test_no_find_duplicates_keeps_copies(runner, corpus, tmp_path):
    out = tmp_path / "out"
    ok(clean(runner, corpus, "--out", out, "--no-find-duplicates"))
    assert PARA_COPY in (out / "sub" / "b.txt").read_text(encoding="utf-8")


# --- summary ------------------------------------------------------------------------------------------


def test_summary_counts_match_report(runner, corpus, tmp_path):
    write(corpus / "only_boilerplate.txt", "Share this article\n")
    report = tmp_path / "report.jsonl"
    result = clean(runner, corpus, "--out", tmp_path / "out", "--report", report)
    ok(result)
    err = result.stderr
    assert re.search(r"documents: 3 in, 2 written, 1 left empty", err), err
    assert re.search(r"bytes: [\d,]+ in, [\d,]+ out", err), err
    reasons: dict[str, int] = {}
    for r in read_jsonl(report):
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
    assert reasons == {"boilerplate": 4, "duplicate": 1, "repeated_sentence": 1}
    for reason, count in reasons.items():
        assert re.search(rf"\b{reason}\s+{count}\b", err), (reason, err)
    assert result.stdout == ""


def test_summary_bytes_are_the_files_bytes(runner, tmp_path):
    """Nothing to remove: bytes in = bytes out = the size of the (identical) input and output files."""
    root = tmp_path / "in"
    write(root / "one.txt", "The river rose two metres overnight after days of heavy rain in the hills.\n")
    write(root / "two.txt", "Farmers moved their cattle to higher ground before the water reached the fields.\n")
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out)
    ok(result)
    size_in = sum(p.stat().st_size for p in root.iterdir())
    size_out = sum(p.stat().st_size for p in out.iterdir())
    assert size_in == size_out
    assert f"bytes: {size_in:,} in, {size_out:,} out" in result.stderr, result.stderr


# --- errors -------------------------------------------------------------------------------------------


def assert_user_error(result, *names: str) -> str:
    assert result.exit_code == 2, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dedup: error: "), lines[0]
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def assert_nothing_written(out: Path) -> None:
    assert files_under(out) == [], files_under(out)


@pytest.fixture
def good_first(tmp_path: Path) -> Path:
    """An input folder whose first file (in order) is fine, so a streaming writer would already have written it."""
    root = tmp_path / "in"
    write(root / "a.txt", f"Skip to content\n{PARA}\n")
    return root


def test_error_missing_input(runner, good_first, tmp_path):
    out = tmp_path / "out"
    result = clean(runner, good_first, tmp_path / "missing.txt", "--out", out, "--report", out / "report.jsonl")
    assert_user_error(result, "missing.txt")
    assert_nothing_written(out)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="chmod 000 does not block reading as root")
def test_error_unreadable_file(runner, good_first, tmp_path):
    bad = write(good_first / "b.txt", "Some words that cannot be read.\n")
    bad.chmod(0)
    try:
        out = tmp_path / "out"
        result = clean(runner, good_first, "--out", out, "--report", out / "report.jsonl")
        assert_user_error(result, "b.txt")
        assert_nothing_written(out)
    finally:
        bad.chmod(0o644)


def test_error_folder_without_supported_files(runner, good_first, tmp_path):
    empty = tmp_path / "empty"
    write(empty / "notes.md", "# nothing to clean\n")
    out = tmp_path / "out"
    assert_user_error(clean(runner, good_first, empty, "--out", out), "empty")
    assert_nothing_written(out)


def test_error_unsupported_file_type(runner, good_first, tmp_path):
    csv = write(tmp_path / "table.csv", "a,b\n1,2\n")
    out = tmp_path / "out"
    assert_user_error(clean(runner, good_first, csv, "--out", out), "table.csv")
    assert_nothing_written(out)


def test_error_bad_rules_file(runner, good_first, tmp_path):
    rules = write(tmp_path / "bad.toml", "this is [[ not toml\n")
    out = tmp_path / "out"
    assert_user_error(clean(runner, good_first, "--out", out, "--rules", rules), "bad.toml")
    assert_nothing_written(out)


def promo_rule(path: Path, pattern: str, example: str) -> Path:
    """A user rule file with one line rule, `mine.promo`, and one `match` example."""
    return write(path, "\n".join(["[[rule]]", 'id = "mine.promo"', 'family = "mine"', 'description = "A promo line."',
                                  'unit = "line"', f"pattern = '''{pattern}'''", f'match = ["{example}"]']) + "\n")


def test_error_rules_file_with_failing_example(runner, good_first, tmp_path):
    rules = promo_rule(tmp_path / "mine.toml", "Buy now", "Buy later")  # its example does not match
    out = tmp_path / "out"
    assert_user_error(clean(runner, good_first, "--out", out, "--rules", rules), "mine.toml")
    assert_nothing_written(out)


def test_error_missing_rules_file(runner, good_first, tmp_path):
    out = tmp_path / "out"
    assert_user_error(clean(runner, good_first, "--out", out, "--rules", tmp_path / "nope.toml"), "nope.toml")
    assert_nothing_written(out)


def test_error_out_equals_input(runner, good_first):
    before = files_under(good_first)
    assert_user_error(clean(runner, good_first, "--out", good_first), str(good_first))
    assert files_under(good_first) == before


def test_error_out_inside_input(runner, good_first):
    out = good_first / "cleaned"
    assert_user_error(clean(runner, good_first, "--out", out), str(good_first))
    assert not out.exists()
    assert files_under(good_first) == ["a.txt"]


def test_error_input_inside_out(runner, good_first, tmp_path):
    out = tmp_path / "out"
    inside = write(out / "old" / "x.txt", f"{PARA}\n")
    assert_user_error(clean(runner, good_first, inside, "--out", out), "x.txt")
    assert files_under(out) == ["old/x.txt"]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"id": 1, "text": "fine"}\n{"id": 2, "text": \n', 2),  # malformed JSON
        ('{"id": 1, "text": "fine"}\n\n{"id": 3}\n', 3),  # no text field (blank line 2 still counts)
        ('{"id": 1, "text": "fine"}\n{"id": 2, "text": 5}\n', 2),  # text not a string
        ('{"id": 1, "text": "fine"}\n{"id": 2, "text": null}\n', 2),
        ('{"id": 1, "text": "fine"}\n["not", "an", "object"]\n', 2),  # not an object
    ],
    ids=["malformed", "missing-text", "int-text", "null-text", "not-object"],
)
def test_error_bad_jsonl_record(runner, good_first, tmp_path, content, line):
    write(good_first / "z.jsonl", content)
    out = tmp_path / "out"
    result = clean(runner, good_first, "--out", out, "--report", out / "report.jsonl")
    assert_user_error(result, f"z.jsonl:{line}:")
    assert_nothing_written(out)


def test_error_bad_jsonl_record_in_gzip_with_jobs(runner, tmp_path):
    root = tmp_path / "in"
    for i in range(40):  # more than one chunk of documents before the bad record
        write(root / f"a{i:02}.txt", f"Document {i} holds a sentence of ordinary prose about topic number {i}.\n")
    path = root / "z.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write('{"id": 1, "text": "fine"}\n{"id": 2, "body": "no text"}\n')
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out, "--report", out / "report.jsonl", "--jobs", "2")
    assert_user_error(result, "z.jsonl.gz:2:")
    assert_nothing_written(out)


def test_error_unknown_disable_family(runner, good_first, tmp_path):
    out = tmp_path / "out"
    assert_user_error(clean(runner, good_first, "--out", out, "--disable", "nosuchfamily"), "nosuchfamily")
    assert_nothing_written(out)


@pytest.mark.parametrize("option", [["--threshold", "0"], ["--threshold", "1.5"], ["--jobs", "0"], ["--repair", "maybe"]])
def test_bad_option_values_are_usage_errors(runner, good_first, tmp_path, option):
    out = tmp_path / "out"
    result = clean(runner, good_first, "--out", out, *option)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr and option[0] in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert_nothing_written(out)


def test_threshold_one_is_accepted(runner, good_first, tmp_path):
    ok(clean(runner, good_first, "--out", tmp_path / "out", "--threshold", "1"))


# --- --jobs ---------------------------------------------------------------------------------------------


def build_jobs_corpus(root: Path, seed_texts: dict[str, str]) -> list[str]:
    """70 documents (three chunks of 32) made of seed lines, with overlaps and planted copies across chunks;
    returns the report ids of the documents in input order."""
    prose = [line for text in seed_texts.values() for line in text.splitlines() if len(line.split()) >= 12]
    assert len(prose) > 30
    docs = []
    for i in range(70):
        k = (i * 3) % len(prose)
        lines = [prose[k], prose[(k + 1) % len(prose)], "Share this article", f"Closing note number {i} for this document, written for the test."]
        docs.append(lines)
    docs[45].append(prose[6].replace(" the ", " a ", 1))  # near copy of doc 2's first line, in chunk 1
    docs[68].insert(0, prose[31])  # exact copy of doc 10's second line, in chunk 2
    docs[33].append(docs[1][0])  # copy of doc 1's first line, in chunk 1
    for i, lines in enumerate(docs):
        if i % 3 == 0:
            write(root / f"d{i // 10}" / f"doc{i:03}.txt", "\n".join(lines) + "\n")
    write_jsonl(root / "m" / "mixed.jsonl", [{"id": f"j{i:03}", "text": "\n".join(lines)} for i, lines in enumerate(docs) if i % 3 == 1])
    write_jsonl(root / "z" / "mixed.jsonl.gz", [{"text": "\n".join(lines), "n": i} for i, lines in enumerate(docs) if i % 3 == 2], compress=True)
    txt_ids = sorted(f"d{i // 10}/doc{i:03}.txt" for i in range(70) if i % 3 == 0)
    jsonl_ids = [f"j{i:03}" for i in range(70) if i % 3 == 1]
    gz_ids = [f"z/mixed.jsonl.gz:{n}" for n in range(1, 1 + sum(1 for i in range(70) if i % 3 == 2))]
    return txt_ids + jsonl_ids + gz_ids


def test_jobs_two_is_byte_identical_to_jobs_one(runner, seed_texts, tmp_path):
    root = tmp_path / "in"
    order = {doc: n for n, doc in enumerate(build_jobs_corpus(root, seed_texts))}
    assert len(order) == 70
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        report = tmp_path / f"report{jobs}.jsonl"
        result = clean(runner, root, "--out", out, "--report", report, "--jobs", jobs)
        ok(result)
        outs[jobs] = ({n: (out / n).read_bytes() for n in files_under(out)}, report.read_bytes(), result.stderr)
    files1, report1, summary1 = outs[1]
    files2, report2, summary2 = outs[2]
    assert sorted(files1) == sorted(files2)
    for name in files1:
        assert files1[name] == files2[name], name
    assert report1 == report2
    assert summary1 == summary2
    # The run is not vacuous: duplicates were found, some of them between documents of different chunks.
    records = [json.loads(line) for line in report1.decode("utf-8").splitlines()]
    dups = [r for r in records if r["reason"] == "duplicate"]
    assert len(dups) >= 3
    assert {order[r["doc"]] // 32 != order[r["kept"]["doc"]] // 32 for r in dups} == {True, False}


# --- dedup rules ----------------------------------------------------------------------------------------


def shipped_rule_ids() -> dict[str, str]:
    folder = Path(__import__("dedup").__file__).parent / "boilerplate" / "rules"
    ids = {}
    for path in sorted(folder.glob("*.toml")):
        for rule in tomllib.loads(path.read_text(encoding="utf-8"))["rule"]:
            ids[rule["id"]] = rule["family"]
    return ids


def test_rules_lists_every_rule_id(runner):
    result = runner.invoke(main, ["rules"])
    ok(result)
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert sorted(listed) == sorted(shipped_rule_ids())
    assert any(rid.startswith("credits.") for rid in listed)


def test_rules_disable_credits(runner):
    full = [line.split()[0] for line in runner.invoke(main, ["rules"]).stdout.splitlines() if line.strip()]
    result = runner.invoke(main, ["rules", "--disable", "credits"])
    ok(result)
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    families = shipped_rule_ids()
    assert listed == [rid for rid in full if families[rid] != "credits"]
    assert not [rid for rid in listed if families[rid] == "credits"]
    assert len(listed) < len(full)


def test_rules_unknown_family_is_an_error(runner):
    assert_user_error(runner.invoke(main, ["rules", "--disable", "nosuchfamily"]), "nosuchfamily")


def test_extra_rules_file_is_listed_and_applied(runner, tmp_path):
    rules = promo_rule(tmp_path / "mine.toml", "(?i)buy now and save", "Buy now and save")
    listed = runner.invoke(main, ["rules", "--rules", str(rules)])
    ok(listed)
    assert "mine.promo" in listed.stdout.split()
    root = tmp_path / "in"
    write(root / "p.txt", f"Buy now and save\n{PARA}\n")
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    ok(clean(runner, root, "--out", out, "--report", report, "--rules", rules))
    assert (out / "p.txt").read_text(encoding="utf-8") == PARA + "\n"
    assert [(r["line"], r["rule"]) for r in read_jsonl(report)] == [(1, "mine.promo")]
    ok(clean(runner, root, "--out", tmp_path / "out2", "--rules", rules, "--disable", "mine"))
    assert (tmp_path / "out2" / "p.txt").read_text(encoding="utf-8").startswith("Buy now and save\n")


# --- the committed cleaned/ folder and the console script -------------------------------------------


def test_cleaned_folder_matches_a_fresh_run(runner, seeds_dir, tmp_path):
    out = tmp_path / "cleaned"
    ok(clean(runner, seeds_dir, "--out", out, "--report", out / "report.jsonl"))
    expected = files_under(CLEANED)
    assert files_under(out) == expected, f"cleaned/ is stale: regenerate it with `{REGENERATE}`"
    for name in expected:
        assert (out / name).read_bytes() == (CLEANED / name).read_bytes(), (
            f"cleaned/{name} differs from a fresh run: regenerate cleaned/ with `{REGENERATE}`"
        )


def test_console_script_on_seeds(tmp_path):
    exe = shutil.which("dedup")
    if exe is None:
        pytest.skip("the dedup console script is not installed")
    out = tmp_path / "out"
    proc = subprocess.run([exe, "clean", str(SEEDS), "--out", str(out)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert files_under(out) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(files_under(out)) == 5
    assert "documents: 5 in, 5 written, 0 left empty" in proc.stderr
    assert re.search(r"bytes: [\d,]+ in, [\d,]+ out", proc.stderr)
    assert "removed: " in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_unwritable_output_is_one_line_error(runner, tmp_path):
    (tmp_path / "in").mkdir()
    write(tmp_path / "in" / "a.txt", PARA + "\n")
    blocker = write(tmp_path / "blocker", "a file where a folder should be\n")
    result = runner.invoke(main, ["clean", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--report", str(blocker / "r.jsonl")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("dedup: error:") and "blocker" in lines[0]
