"""Documents rebuilt from the input and the report: `restore` (the undo) and `explain`. The laws: putting
nothing back gives the cleaned output byte for byte, putting everything back gives the repaired input,
putting one reason or rule back adds exactly its removals."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup import DedupConfig, Document, clean_corpus, repair_text
from dedup.cli import main
from dedup.paragraphs import split_sentences
from dedup.review import PARAGRAPH_REASONS, REASONS, Entry, read_report, restore_filter, review_corpus, review_document
from dedup.runner import clean_files

from conftest import CLEANED, PARA, PARA_COPY, SEEDS, SHARED, files_under, ok, read_jsonl, write, write_jsonl
from test_properties import PROPERTY, documents


def restore(runner, inputs, report, out, *args: str):
    return runner.invoke(main, ["restore", *map(str, inputs), "--report", str(report), "--out", str(out), *args])


def corpus_files(folder: Path) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in files_under(folder) if name != "report.jsonl"}


@pytest.fixture
def jsonl_corpus(tmp_path: Path) -> Path:
    """A JSONL shard with boilerplate, a sentence-level rule, a repeated sentence, near-duplicate
    paragraphs across records, a record that is all boilerplate, and an extra field to keep."""
    return write_jsonl(tmp_path / "in" / "news.jsonl", [
        {"id": "a", "src": "x", "text": "Skip to content\nThe mayor opened the bridge on Monday. Sign up for our newsletter.\n\n"
                                        f"{PARA}\nThe mayor opened the bridge on Monday. It cost ten million euros to build."},
        {"id": "b", "src": "y", "text": f"17 minutes ago\n{PARA_COPY}\nResidents cheered as the first cars crossed the river at noon."},
        {"id": "c", "src": "z", "text": "Share this article\n17 minutes ago"},
    ])


# --- the laws --------------------------------------------------------------------------------------------


def test_restoring_nothing_gives_the_committed_cleaned_output(runner, tmp_path):
    out = tmp_path / "out"
    result = restore(runner, [SEEDS], CLEANED / "report.jsonl", out)
    ok(result)
    assert corpus_files(out) == corpus_files(CLEANED)
    assert "restored: nothing; 5 documents written" in result.stderr


def test_restoring_nothing_gives_the_cleaned_jsonl(runner, jsonl_corpus, tmp_path):
    report = tmp_path / "report.jsonl"
    ok(runner.invoke(main, ["clean", str(jsonl_corpus), "--out", str(tmp_path / "clean"), "--report", str(report)]))
    reasons = Counter(r["reason"] for r in read_jsonl(report))
    assert reasons == {"boilerplate": 5, "duplicate": 2}, reasons
    ok(restore(runner, [jsonl_corpus], report, tmp_path / "restored"))
    assert (tmp_path / "restored" / "news.jsonl").read_bytes() == (tmp_path / "clean" / "news.jsonl").read_bytes()


def test_restoring_everything_gives_the_repaired_input(runner, tmp_path):
    out = tmp_path / "out"
    ok(restore(runner, [SEEDS], CLEANED / "report.jsonl", out, *(f"--reason={r}" for r in REASONS)))
    for name, text in corpus_files(out).items():
        assert text == repair_text((SEEDS / name).read_text(encoding="utf-8")) + "\n", name


def test_restoring_everything_in_jsonl_keeps_fields_and_brings_back_emptied_records(runner, jsonl_corpus, tmp_path):
    report = tmp_path / "report.jsonl"
    ok(runner.invoke(main, ["clean", str(jsonl_corpus), "--out", str(tmp_path / "clean"), "--report", str(report)]))
    assert [r["id"] for r in read_jsonl(tmp_path / "clean" / "news.jsonl")] == ["a", "b"]
    ok(restore(runner, [jsonl_corpus], report, tmp_path / "all", *(f"--reason={r}" for r in REASONS)))
    restored = read_jsonl(tmp_path / "all" / "news.jsonl")
    original = read_jsonl(jsonl_corpus)
    assert [{k: v for k, v in r.items() if k != "text"} for r in restored] == [{k: v for k, v in r.items() if k != "text"} for r in original]
    assert [r["text"] for r in restored] == [repair_text(r["text"]) for r in original]


@pytest.mark.parametrize("choice", [["--reason", "duplicate"], ["--rule", "timestamps"], ["--rule", "navigation.skip_link"],
                                    ["--rule", "urls"]])
def test_restoring_one_reason_or_rule_puts_back_exactly_its_lines(runner, tmp_path, choice):
    """Whole lines and paragraphs put back come back as exactly their lines; no other line changes."""
    report = CLEANED / "report.jsonl"
    out = tmp_path / "out"
    result = restore(runner, [SEEDS], report, out, *choice)
    ok(result)
    reasons, rules = ([choice[1]], []) if choice[0] == "--reason" else ([], [choice[1]])
    back = [e.removal for entries in read_report(report).values() for e in entries if restore_filter(reasons, rules)(e.removal)]
    assert back, choice
    assert f"restored: {back[0].reason} {len(back)};" in result.stderr
    cleaned, restored = corpus_files(CLEANED), corpus_files(out)
    assert cleaned.keys() == restored.keys()
    for name in cleaned:
        before = Counter(line for line in cleaned[name].split("\n") if line)
        after = Counter(line for line in restored[name].split("\n") if line)
        expected = Counter(line for r in back if r.doc == name for line in r.text.split("\n"))
        if choice[1] == "timestamps" and name == "002_8c011e64549327f4.txt":
            # "date 2022-11-29" was a prefix of line 1, whose rest ("1. Skip to content") still goes.
            assert "date 2022-11-29" in expected
        assert after - before == expected, name
        assert not before - after, name


def test_restoring_repeated_sentences_puts_each_back_into_its_line(runner, tmp_path):
    first = "The mayor opened the new bridge on Monday morning. It cost ten million euros to build."
    second = "Crowds had gathered on both banks since dawn. The mayor opened the new bridge on Monday morning. Boats sounded horns."
    root = write(tmp_path / "in" / "bridge.txt", f"{first}\n{second}\n").parent
    report = tmp_path / "report.jsonl"
    ok(runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "clean"), "--report", str(report)]))
    assert (tmp_path / "clean" / "bridge.txt").read_text(encoding="utf-8") == (
        f"{first}\nCrowds had gathered on both banks since dawn. Boats sounded horns.\n")
    assert [r["reason"] for r in read_jsonl(report)] == ["repeated_sentence"]
    ok(restore(runner, [root], report, tmp_path / "out", "--reason", "repeated_sentence"))
    assert (tmp_path / "out" / "bridge.txt").read_text(encoding="utf-8") == f"{first}\n{second}\n"


@PROPERTY
@given(st.lists(documents(), min_size=1, max_size=3), st.sampled_from(["auto", "lines", "blocks"]),
       st.sets(st.sampled_from(REASONS)))
def test_rebuild_laws_on_generated_documents(texts, paragraphs, reasons):
    config = DedupConfig.from_options(paragraphs=paragraphs)
    docs = [Document(f"d{i}", text, order=i) for i, text in enumerate(texts)]
    cleaned = list(clean_corpus(docs, config))
    for doc, result in zip(docs, cleaned, strict=True):
        entries = [Entry(r, n) for n, r in enumerate(result.removals, 1)]
        assert review_document(doc, entries, config).text == result.text
        everything = review_document(doc, entries, config, restore=lambda r: True).text
        assert (everything or "") == repair_text(doc.text)
        some = review_document(doc, entries, config, restore=restore_filter(reasons, []))
        for entry in entries:
            # What is put back shows, unless it lies in a paragraph removed for a reason not put back.
            covered = any(s.removal and s.removal.removal.reason in PARAGRAPH_REASONS for s in some.lines[entry.removal.line - 1].segments)
            if entry.removal.reason in reasons and not covered:
                # A paragraph put back may get its repeated sentences back too: each of its sentences shows.
                for line in entry.removal.text.split("\n"):
                    assert all(line[a:b] in (some.text or "") for a, b in split_sentences(line))


@pytest.mark.skipif(not (SHARED / "eval" / "linebench-dev.jsonl").exists(), reason="../shared/eval is not here")
@pytest.mark.parametrize("paragraphs", ["auto", "blocks"])
def test_rebuild_reproduces_real_pages(tmp_path, paragraphs):
    """102 scraped pages (menus, footers, copies across pages): every rebuilt page equals clean's output."""
    pages = [json.loads(line) for line in (SHARED / "eval" / "linebench-dev.jsonl").read_text(encoding="utf-8").splitlines()]
    shard = write_jsonl(tmp_path / "pages.jsonl", [{"id": p["id"][:12], "text": "\n".join(p["lines"])} for p in pages])
    config = DedupConfig.from_options(paragraphs=paragraphs)
    report = tmp_path / "report.jsonl"
    clean_files([str(shard)], str(tmp_path / "out"), config, report=str(report))
    written = iter(read_jsonl(tmp_path / "out" / "pages.jsonl"))
    rebuilt = [review.text for _, review in review_corpus([str(shard)], report, config)]
    assert len(read_jsonl(report)) > 2000
    assert [text for text in rebuilt if text is not None] == [r["text"] for r in written]


# --- errors --------------------------------------------------------------------------------------------


def test_a_report_from_other_input_is_refused_naming_the_report_line(runner, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    name = "002_8c011e64549327f4.txt"
    write(seeds / name, (seeds / name).read_text(encoding="utf-8").replace("17 minutes ago", "18 minutes ago"))
    result = restore(runner, [seeds], CLEANED / "report.jsonl", tmp_path / "out")
    assert result.exit_code == 2
    number = next(i for i, r in enumerate(read_jsonl(CLEANED / "report.jsonl"), 1) if r["text"] == "17 minutes ago")
    assert f"report.jsonl:{number}: removal '17 minutes ago' not found in {name} line 8" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_malformed_report_and_a_missing_document_are_one_line_errors(runner, tmp_path):
    bad = write(tmp_path / "bad.jsonl", '{"doc": "a.txt", "line": 1, "text": "x", "reason": "boilerplate"}\n{"doc": \n')
    result = restore(runner, [SEEDS], bad, tmp_path / "out")
    assert result.exit_code == 2 and "bad.jsonl:2: malformed JSON" in result.stderr
    other = write(tmp_path / "other.jsonl", '{"doc": "nope.txt", "line": 1, "text": "x", "reason": "boilerplate"}\n')
    result = restore(runner, [SEEDS], other, tmp_path / "out")
    assert result.exit_code == 2 and "other.jsonl:1: document 'nope.txt' is not in the input" in result.stderr
    result = restore(runner, [SEEDS], CLEANED / "report.jsonl", SEEDS / "out")
    assert result.exit_code == 2 and "--out must not be the input folder or inside it" in result.stderr


# --- explain -------------------------------------------------------------------------------------------


def test_explain_shows_each_removal_inline_with_its_reason(runner):
    name = "004_453328af226c7621.txt"
    result = runner.invoke(main, ["explain", name, str(SEEDS), "--report", str(CLEANED / "report.jsonl")])
    ok(result)
    lines = result.stdout.split("\n")
    source = (SEEDS / name).read_text(encoding="utf-8").split("\n")
    mine = [r for r in read_jsonl(CLEANED / "report.jsonl") if r["doc"] == name]
    duplicate = next(r for r in mine if r["reason"] == "duplicate")
    marked = next(i for i, line in enumerate(lines) if re.match(rf"- +{duplicate['line']}  \[-", line))
    assert f"duplicate of {name} line {duplicate['kept']['line']}, similarity {duplicate['similarity']:g}" in lines[marked + 1]
    numbered = [line for line in lines if line[:1] in " -~" and line[2:5].strip().isdigit()]
    assert len(numbered) == len(source) - (source[-1] == "")
    assert "\033[" not in result.stdout
    coloured = runner.invoke(main, ["explain", name, str(SEEDS), "--report", str(CLEANED / "report.jsonl"), "--color"])
    assert "\033[9;31m" in coloured.stdout


def test_explain_an_unknown_document_is_a_user_error(runner):
    result = runner.invoke(main, ["explain", "nope.txt", str(SEEDS), "--report", str(CLEANED / "report.jsonl")])
    assert result.exit_code == 2 and "nope.txt: no document with this id" in result.stderr


def test_a_document_made_of_copies_comes_back_with_duplicate_document(runner, tmp_path):
    other = "Officials expect about four thousand passengers a day once all stops open, the harbour authority said on Tuesday."
    root = tmp_path / "in"
    write(root / "a.txt", f"{PARA}\n{other}\nThe ferries will be painted blue and white, like the old harbour boats of the city.\n")
    write(root / "b.txt", f"By Jane Doe\n{PARA_COPY}\n{other}\nMore soon.\n")
    report = tmp_path / "report.jsonl"
    ok(runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "clean"), "--report", str(report)]))
    assert files_under(tmp_path / "clean") == ["a.txt"]
    assert [r["reason"] for r in read_jsonl(report)] == ["boilerplate", "duplicate", "duplicate", "duplicate_document"]
    ok(restore(runner, [root], report, tmp_path / "one", "--reason", "duplicate_document"))
    assert (tmp_path / "one" / "b.txt").read_text(encoding="utf-8") == "More soon.\n"
    ok(restore(runner, [root], report, tmp_path / "two", "--reason", "duplicate_document", "--reason", "duplicate"))
    assert (tmp_path / "two" / "b.txt").read_text(encoding="utf-8") == f"{PARA_COPY}\n{other}\nMore soon.\n"
    shown = runner.invoke(main, ["explain", "b.txt", str(root), "--report", str(report)]).stdout.split("\n")
    assert shown[-3] == "- 4  [-More soon.-]" and shown[-1] == "", shown  # no line shown for the file's last line end
    assert re.fullmatch(r"     duplicate_document of a\.txt line 1, similarity 0\.9\d+", shown[-2]), shown


def test_rebuild_finds_repeated_sentences_where_clean_removed_them():
    # Found by the property above. A repeated sentence "N" also opens the longer sentence "N Q": the
    # removal is the whole sentence at the end. A sentence "Q" repeated inside a removed run "P Q" of
    # the same line is not taken from that run.
    quote = '"And we have seen before that this way of accusing others is actually a way to try create a pretext to do the same themselves."'
    nato = "NATO intensifies support as Ukraine faces harsh winter"
    place = "The parliament building in Bucharest where the NATO summit is taking place"
    texts = [f"{nato}\n{nato} {quote} {nato}", f"{quote}\n{quote} {place}\n{quote} {place} {quote} {quote}\n{quote} {place} {quote} {quote}"]
    config = DedupConfig()
    docs = [Document(f"d{i}", text, order=i) for i, text in enumerate(texts)]
    for doc, result in zip(docs, clean_corpus(docs, config), strict=True):
        assert any(r.reason == "repeated_sentence" for r in result.removals)
        entries = [Entry(r, n) for n, r in enumerate(result.removals, 1)]
        assert review_document(doc, entries, config).text == result.text
