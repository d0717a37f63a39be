"""Bad input through `dedup clean`: other encodings and broken bytes, binary files, empty files and
fields, malformed JSONL with --on-error, a 50 MB line, many files, deep folders, symbolic links, odd
file names, and a user rule that backtracks without end. Each has a clear outcome and never a crash."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dedup import clean_text
from dedup.cli import main
from dedup.corpus import decode

from conftest import PARA, PARA_COPY, SEEDS, files_under, ok, read_jsonl, write, write_jsonl

# The command in a fresh process (real stderr, real signals), whether or not the console script is on PATH.
DEDUP = [sys.executable, "-c", "from dedup.cli import main; main()"]
CAFE = "Le café du coin ouvre à sept heures, même le dimanche, et ferme à midi."
QUOTED = "“Ça coûte 5 €”, dit-elle – et le garçon hésite."


def clean(runner, *args: object):
    return runner.invoke(main, ["clean", *map(str, args)])


def warnings_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


# --- encodings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text", "warned"),
    [
        (CAFE.encode("latin-1"), CAFE, "decoded as sloppy-windows-1252"),
        (QUOTED.encode("cp1252"), QUOTED, "decoded as sloppy-windows-1252"),
        (CAFE.encode("utf-16"), CAFE, None),  # BOM, native order
        (b"\xfe\xff" + QUOTED.encode("utf-16-be"), QUOTED, None),
        (b"\xff\xfe" + QUOTED.encode("utf-16-le"), QUOTED, None),
        (QUOTED.encode("utf-32"), QUOTED, None),
        (CAFE.encode("utf-8-sig"), CAFE, None),
        (CAFE.encode("utf-8").replace("é".encode(), b"\xe9", 1), CAFE.replace("é", "\ufffd", 1), "1 invalid characters replaced by U+FFFD"),
    ],
    ids=["latin-1", "cp1252", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-8-sig", "utf-8-one-bad-byte"],
)
def test_encodings_are_decoded_by_the_policy(runner, tmp_path, data, text, warned):
    root = tmp_path / "in"
    write(root / "doc.txt", data)
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out)
    ok(result)
    assert (out / "doc.txt").read_text(encoding="utf-8") == text + "\n"
    warnings = warnings_of(result)
    if warned is None:
        assert warnings == [], warnings
    else:
        assert len(warnings) == 1 and "doc.txt" in warnings[0] and warned in warnings[0], warnings


def test_mostly_utf8_with_broken_bytes_keeps_its_utf8_and_counts_replacements():
    data = (CAFE + " " + QUOTED).encode("utf-8")
    broken = data[:10] + b"\xff\xfe\xfd" + data[10:] + b"\xc3"  # three stray bytes and a cut-off character
    decoded = decode(broken)
    assert decoded.encoding == "utf-8"
    assert decoded.replaced == 4
    assert decoded.text.replace("\ufffd", "") == CAFE + " " + QUOTED
    # A U+FFFD that the input itself holds is not counted as a replacement.
    assert decode("already \ufffd here, \xe9".encode("utf-8") + b"\xff").replaced == 1


def test_invalid_utf8_in_a_jsonl_line_is_replaced_and_counted(runner, tmp_path):
    good = json.dumps({"id": "a", "text": PARA}).encode("utf-8")
    bad = json.dumps({"id": "b", "text": "Le caf\u00e9 ferme."}, ensure_ascii=False).encode("utf-8").replace("é".encode(), b"\xe9")
    src = write(tmp_path / "in" / "mixed.jsonl", b"\xef\xbb\xbf" + good + b"\n" + bad + b"\n")
    out = tmp_path / "out"
    result = clean(runner, src, "--out", out)
    ok(result)
    assert [r["text"] for r in read_jsonl(out / "mixed.jsonl")] == [PARA, "Le caf\ufffd ferme."]
    (warning,) = warnings_of(result)
    assert "mixed.jsonl" in warning and "first: line 2" in warning and "1 invalid characters" in warning and "in 1 records" in warning


def test_lone_surrogates_in_jsonl_are_replaced_in_text_and_kept_escaped_elsewhere(runner, tmp_path):
    src = write(tmp_path / "in" / "s.jsonl", '{"id": "x\\ud800", "text": "Broken \\udc00 escape in ordinary text.", "m": "\\udfff"}\n')
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    result = clean(runner, src, "--out", out, "--report", report, "--repair", "off")
    ok(result)
    (warning,) = warnings_of(result)
    assert "s.jsonl" in warning and "1 invalid characters replaced" in warning
    line = (out / "s.jsonl").read_bytes()
    line.decode("utf-8")  # valid UTF-8
    record = json.loads(line)
    assert record == {"id": "x\ud800", "text": "Broken \ufffd escape in ordinary text.", "m": "\udfff"}


# --- binary, empty and malformed input ----------------------------------------------------------------


def test_binary_files_in_a_folder_are_skipped_with_a_warning(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "a.txt", PARA + "\n")
    write(root / "image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    with gzip.open(write(root / "blob.jsonl.gz", b"").as_posix(), "wb") as handle:
        handle.write(b"\0\1\2 not json at all")
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out)
    ok(result)
    assert files_under(out) == ["a.txt"]
    warnings = warnings_of(result)
    assert len(warnings) == 2, warnings
    assert any("image.txt" in w and "binary" in w for w in warnings)
    assert any("blob.jsonl.gz" in w and "binary" in w for w in warnings)
    assert "documents: 1 in, 1 written" in result.stderr


def test_empty_files_and_empty_text_fields(runner, tmp_path):
    root = tmp_path / "in"
    write(root / "empty.txt", b"")
    write(root / "blank.txt", "\n \n\t\n")
    write(root / "none.jsonl", b"")
    write_jsonl(root / "fields.jsonl", [{"id": "e", "text": ""}, {"id": "k", "text": PARA}, {"id": "w", "text": "  \n "}])
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out)
    ok(result)
    # Empty .txt documents and a JSONL file without records leave no output; a shard keeps its records left.
    assert files_under(out) == ["fields.jsonl"]
    assert read_jsonl(out / "fields.jsonl") == [{"id": "k", "text": PARA}]
    assert "documents: 5 in, 1 written, 4 left empty" in result.stderr, result.stderr


MALFORMED = '{"id": 1, "text": "A first record of plain prose about the harbour."}\n{"id": 2, "text": \n[1, 2]\n{"id": 4}\n' \
            '{"id": 5, "text": "The last record is fine and stays in the output."}\n'


def test_malformed_jsonl_fails_by_default_naming_file_and_line(runner, tmp_path):
    src = write(tmp_path / "in" / "z.jsonl", MALFORMED)
    out = tmp_path / "out"
    result = clean(runner, src, "--out", out)
    assert result.exit_code == 2
    no_traceback(result)
    (line,) = result.stderr.splitlines()
    assert line.startswith("dedup: error: ") and "z.jsonl:2: malformed JSON" in line
    assert files_under(out) == []


def test_malformed_jsonl_lines_are_skipped_and_listed_with_on_error_skip(runner, tmp_path):
    src = write(tmp_path / "in" / "z.jsonl", MALFORMED)
    out = tmp_path / "out"
    result = clean(runner, src, "--out", out, "--on-error", "skip")
    assert result.exit_code == 1
    no_traceback(result)
    skipped = [line for line in result.stderr.splitlines() if line.startswith("dedup: skipped: ")]
    assert len(skipped) == 3, result.stderr
    assert [s.split(": ")[2] for s in skipped] == [f"{src}:2", f"{src}:3", f"{src}:4"]
    assert "malformed JSON" in skipped[0] and "expected a JSON object" in skipped[1] and "'text' is missing" in skipped[2]
    assert "3 inputs skipped" in result.stderr.splitlines()[-1]
    assert [r["id"] for r in read_jsonl(out / "z.jsonl")] == [1, 5]


def test_truncated_gzip_keeps_what_was_read_with_on_error_skip(runner, tmp_path):
    records = [{"id": i, "text": f"Record {i} tells its own story about ferry number {i} and its crew."} for i in range(2000)]
    full = write_jsonl(tmp_path / "full.jsonl.gz", records, compress=True).read_bytes()
    root = tmp_path / "in"
    write(root / "a.txt", PARA + "\n")
    write(root / "cut.jsonl.gz", full[: len(full) // 2])
    failed = clean(runner, root, "--out", tmp_path / "out1")
    assert failed.exit_code == 2 and "cut.jsonl.gz: cannot read after line" in failed.stderr, failed.stderr
    out = tmp_path / "out2"
    result = clean(runner, root, "--out", out, "--on-error", "skip")
    assert result.exit_code == 1, result.stderr
    no_traceback(result)
    kept = read_jsonl(out / "cut.jsonl.gz")
    assert 0 < len(kept) < 2000 and kept == records[: len(kept)]
    assert (out / "a.txt").read_text(encoding="utf-8") == PARA + "\n"


def test_unreadable_file_is_listed_with_on_error_skip(runner, tmp_path, monkeypatch):
    root = tmp_path / "in"
    write(root / "a.txt", PARA + "\n")
    write(root / "b.txt", "Some words that cannot be read.\n")
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:  # as chmod 000 would, also when the tests run as root
        if path.name == "b.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert clean(runner, root, "--out", tmp_path / "out1").exit_code == 2
    result = clean(runner, root, "--out", tmp_path / "out2", "--on-error", "skip")
    assert result.exit_code == 1
    (skipped,) = [line for line in result.stderr.splitlines() if line.startswith("dedup: skipped: ")]
    assert "b.txt: cannot read: Permission denied" in skipped
    assert files_under(tmp_path / "out2") == ["a.txt"]


# --- size and shape -----------------------------------------------------------------------------------


def test_a_50_mb_single_line_is_cleaned(tmp_path):
    """One record whose text is a single 50 MB line (a paragraph, then one endless token): read, cleaned
    and written whole, in a process of its own."""
    line = PARA + " " + "x" * (50 * 1024 * 1024)
    src = write_jsonl(tmp_path / "in" / "huge.jsonl", [{"id": "huge", "text": line}])
    out = tmp_path / "out"
    proc = subprocess.run([*DEDUP, "clean", str(src), "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert read_jsonl(out / "huge.jsonl") == [{"id": "huge", "text": line}]


def test_many_tiny_files(runner, tmp_path):
    """2,000 files in 20 folders (100,000 measured by hand: see the README); every one is written."""
    root = tmp_path / "in"
    for i in range(2000):
        write(root / f"d{i // 100:02}" / f"f{i:05}.txt", f"Ferry {i} leaves island {i % 97} at dawn.\n")
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    result = clean(runner, root, "--out", out, "--report", report)
    ok(result)
    assert files_under(out) == files_under(root)
    assert (out / "d19" / "f01999.txt").read_text(encoding="utf-8") == (root / "d19" / "f01999.txt").read_text(encoding="utf-8")
    assert "documents: 2000 in, 2000 written" in result.stderr


def test_deeply_nested_folders(runner, tmp_path):
    root = tmp_path / "in"
    deep = root.joinpath(*["d"] * 400)
    write(deep / "deep.txt", PARA + "\n")
    write(root / "top.txt", PARA_COPY + "\n")
    out = tmp_path / "out"
    ok(clean(runner, root, "--out", out, "--no-find-duplicates"))
    assert files_under(out) == ["/".join(["d"] * 400 + ["deep.txt"]), "top.txt"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symbolic_links_are_not_followed_out_of_the_input(runner, tmp_path):
    outside = tmp_path / "outside"
    write(outside / "secret.txt", "A private note that lies outside the input folder and must not be read.\n")
    root = tmp_path / "in"
    write(root / "a.txt", PARA + "\n")
    write(root / "sub" / "b.txt", "Another ordinary paragraph of prose about the tides and the moon.\n")
    (root / "file_out.txt").symlink_to(outside / "secret.txt")
    (root / "dir_out").symlink_to(outside, target_is_directory=True)
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "alias.txt").symlink_to(root / "a.txt")  # inside the input: read under its own name
    (root / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    out = tmp_path / "out"
    result = clean(runner, root, "--out", out, "--no-find-duplicates")
    ok(result)
    assert files_under(out) == ["a.txt", "alias.txt", "sub/b.txt"]
    warnings = warnings_of(result)
    for name in ("file_out.txt", "dir_out", "loop", "broken.txt"):
        assert sum(name in w for w in warnings) == 1, (name, warnings)
    assert not any("secret" in p for p in files_under(out))


ODD_NAMES = ["with space.txt", "ünïcödé 名前.txt", "new\nline.txt", "tab\tand 'quote'.txt", "-starts-with-dash.txt"]


@pytest.mark.skipif(sys.platform != "linux", reason="names with newlines and raw bytes need a Linux file system")
def test_odd_file_names(runner, tmp_path):
    root = tmp_path / "in"
    prose = [line for line in (SEEDS / "004_453328af226c7621.txt").read_text(encoding="utf-8").splitlines()
             if len(line.split()) >= 12 and clean_text(line) == line]
    texts = {name: prose[i] + "\n" for i, name in enumerate(ODD_NAMES)}
    for name, text in texts.items():
        write(root / name, text)
    raw_name = os.fsdecode(b"latin-\xe9.txt")  # not UTF-8: kept as the same bytes
    write(root / raw_name, "A file whose name is not UTF-8 holds ordinary prose about the harbour.\n")
    out, report = tmp_path / "out", tmp_path / "report.jsonl"
    write(root / "sub" / "x y.txt", "Skip to content\nThe last file has a boilerplate line for the report.\n")
    result = clean(runner, root, "--out", out, "--report", report)
    ok(result)
    for name, text in texts.items():
        assert (out / name).read_text(encoding="utf-8") == text
    assert os.listdir(os.fsencode(out)).count(b"latin-\xe9.txt") == 1
    assert [r["doc"] for r in read_jsonl(report)] == ["sub/x y.txt"]


def test_odd_name_in_an_error_stays_on_one_line(runner, tmp_path):
    src = write(tmp_path / "in" / "bad\nname.jsonl", '{"text": 1}\n')
    result = clean(runner, src, "--out", tmp_path / "out")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "bad\\nname.jsonl:1:" in line


# --- a user rule that backtracks without end ----------------------------------------------------------

RUNAWAY_RULE = """
[[rule]]
id = "mine.runaway"
family = "mine"
description = "A pattern that backtracks exponentially on a line of a's that does not end the way it wants."
unit = "line"
pattern = '''(a|a)+$'''
languages = ["en"]
match = ["aaa"]
"""


def test_runaway_user_rule_is_stopped_and_named(tmp_path):
    rules = write(tmp_path / "runaway.toml", RUNAWAY_RULE)
    root = tmp_path / "in"
    write(root / "a.txt", PARA + "\n" + "a" * 60 + "!\n")
    out = tmp_path / "out"
    proc = subprocess.run([*DEDUP, "clean", str(root), "--out", str(out), "--rules", str(rules)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert warnings and all("mine.runaway" in w and str(rules) in w and "no match" in w for w in warnings), proc.stderr
    # The line the rule gave up on is kept (a timeout never removes text).
    assert (out / "a.txt").read_text(encoding="utf-8") == PARA + "\n" + "a" * 60 + "!\n"
