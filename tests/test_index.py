"""The index of kept paragraphs (`--index DIR`): a round trip keeps every fingerprint, other settings and
damaged files are refused, a save is atomic, it never holds text, and cleaning A then B against the
index gives B what cleaning A and B together gives it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup.index
from dedup import (
    ConfigError,
    CorruptIndexError,
    DedupConfig,
    Document,
    DuplicateConfig,
    clean_corpus,
    load_index,
    save_index,
)
from dedup.cli import main
from dedup.index import ARRAYS, MANIFEST, empty_index
from dedup.paragraphs import split_sentences
from dedup.pipeline import cluster_corpus, fingerprint

from conftest import PARA, PARA_COPY, SEEDS, SHARED, write

DUP = DuplicateConfig()
LINEBENCH = SHARED / "eval" / "linebench-dev.jsonl"

# Hand-written paragraphs that no seed holds: tomorrow's news.
FRESH = [
    "The harbour authority said on Thursday that the new container terminal would open in the spring, two years "
    "later than planned, after a dispute with the builder over the cost of dredging the approach channel.",
    "Farmers in the valley have started harvesting grapes a fortnight early this year, blaming a dry summer that "
    "left the fruit small but sweet, and winemakers expect a smaller vintage of unusually high quality.",
    "The library will stay open until midnight during the exam weeks, the university announced, after students "
    "collected more than four thousand signatures asking for somewhere quiet to study late in the evening.",
]


def seed_docs(prefix: str = "a/") -> list[Document]:
    return [Document(prefix + p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


def seed_line(name: str, number: int) -> str:
    return (SEEDS / name).read_text(encoding="utf-8").splitlines()[number - 1].strip()


def build(docs: list[Document], folder: Path, **options: object) -> list:
    """Clean docs against the index in `folder` (made when missing) and save it: one day's run."""
    config = DedupConfig.from_options(**options)
    index = load_index(folder, config.duplicates)
    cleaned = list(clean_corpus(docs, config, index=index))
    save_index(index, folder)
    return cleaned


@pytest.fixture
def seeds_index(tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    build(seed_docs(), folder)
    return folder


def generation(folder: Path) -> Path:
    return folder / json.loads((folder / MANIFEST).read_text())["body"]["generation"]


# ------------------------------------------------------------------------------------------- round trip


def test_round_trip_keeps_every_kept_paragraph_and_its_fingerprints(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    cleaned = build(seed_docs(), folder)
    kept_texts = [p for c in cleaned if c.text for p in c.text.split("\n") if p.strip()]
    index = load_index(folder, DUP)
    expected = fingerprint([t for t in kept_texts], DUP)
    eligible = [i for i, e in enumerate(expected.eligible) if e]
    loaded = index.fingerprints()
    assert len(index) == len(eligible) > 60
    assert loaded.keys.tolist() == [int(expected.keys[i]) for i in eligible]
    assert loaded.lengths.tolist() == [int(expected.lengths[i]) for i in eligible]
    loaded_facts = [loaded.facts(i) for i in range(len(loaded))]
    assert [loaded.sentences(i) for i in range(len(loaded))] == [expected.sentences(i) for i in eligible]
    assert loaded_facts == [expected.facts(i) for i in eligible]
    assert any(loose == -1 for f in loaded_facts for _, loose in f) and any(loose >= 0 for f in loaded_facts for _, loose in f)
    rows = [int(expected.sig_rows[i]) for i in eligible]
    assert [r >= 0 for r in rows] == (loaded.sig_rows >= 0).tolist()
    np.testing.assert_array_equal(loaded.sigs, expected.sigs[[r for r in rows if r >= 0]])
    # Each indexed paragraph is named by its document and first input line.
    doc, line = index.kept_copy(0)
    assert doc == "a/000_1ce991aefc085efe.txt"
    assert seed_line("000_1ce991aefc085efe.txt", line).startswith(kept_texts[eligible[0]])  # a credit suffix was stripped


def test_saving_again_adds_only_new_paragraphs_and_keeps_the_old_first(seeds_index: Path) -> None:
    before = load_index(seeds_index, DUP)
    build([Document("b/fresh", "\n\n".join(FRESH)), *seed_docs("b/")], seeds_index)
    after = load_index(seeds_index, DUP)
    assert len(after) == len(before) + len(FRESH)
    np.testing.assert_array_equal(after.fingerprints().keys[: len(before)], before.fingerprints().keys)
    assert after.kept_copy(len(before)) == ("b/fresh", 1)
    assert after.kept_copy(len(before) + 2) == ("b/fresh", 5)
    assert [p.name for p in seeds_index.iterdir() if p.is_dir()] == [generation(seeds_index).name]  # old generation gone


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=120), max_size=8),
       doc_id=st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_any_fingerprints_round_trip(tmp_path: Path, texts: list[str], doc_id: str) -> None:
    dup = DuplicateConfig(min_words=3, min_chars=2)
    f = fingerprint(texts, dup)
    index = empty_index(dup)
    index.add(doc_id, f, [(i, i + 1) for i in range(len(texts))])
    folder = tmp_path / "roundtrip"
    shutil.rmtree(folder, ignore_errors=True)
    save_index(index, folder)
    loaded = load_index(folder, dup)
    eligible = [i for i, e in enumerate(f.eligible) if e]
    got = loaded.fingerprints()
    assert [(int(got.keys[r]), int(got.lengths[r]), got.sentences(r), got.facts(r)) for r in range(len(got))] == [
        (int(f.keys[i]), int(f.lengths[i]), f.sentences(i), f.facts(i)) for i in eligible]
    assert [loaded.kept_copy(r) for r in range(len(loaded))] == [(doc_id, i + 1) for i in eligible]


def test_missing_or_empty_folder_is_an_empty_index_and_another_folder_is_refused(tmp_path: Path) -> None:
    assert len(load_index(tmp_path / "new", DUP)) == 0
    (tmp_path / "empty").mkdir()
    assert len(load_index(tmp_path / "empty", DUP)) == 0
    write(tmp_path / "corpus" / "a.txt", PARA)
    with pytest.raises(CorruptIndexError, match="manifest.json: missing, so .*corpus is not a dedup index"):
        load_index(tmp_path / "corpus", DUP)


# ------------------------------------------------------------------------------------------ no text


def test_index_never_holds_text(seeds_index: Path) -> None:
    data = b"".join(p.read_bytes() for p in sorted(seeds_index.rglob("*")) if p.is_file())
    index = load_index(seeds_index, DUP)
    assert len(index) > 60
    for doc in seed_docs():
        for line in doc.text.splitlines():
            for a, b in split_sentences(line):
                words = line[a:b].split()
                if len(words) < 3:
                    continue
                piece = " ".join(words[:3])
                for encoding in ("utf-8", "utf-16-le", "utf-32-le"):
                    assert piece.encode(encoding) not in data, piece
                    assert piece.casefold().encode(encoding) not in data, piece
    for name in ARRAYS:
        array = np.load(generation(seeds_index) / f"{name}.npy", allow_pickle=False)
        assert array.dtype.kind in "uib", (name, array.dtype)  # numbers only: no strings, no objects


# --------------------------------------------------------------------------------------- the settings


@pytest.mark.parametrize(("setting", "value"), [
    ("seed", 2), ("num_perm", 64), ("shingle", "word"), ("shingle_size", 4), ("min_words", 8), ("min_chars", 30),
])
def test_other_fingerprint_settings_are_refused_naming_them(seeds_index: Path, setting: str, value: object) -> None:
    other = DedupConfig.from_options(**{setting: value}).duplicates
    with pytest.raises(ConfigError, match=rf"index built with {setting}=.*but this run has {setting}={value!r}") as err:
        load_index(seeds_index, other)
    assert "\n" not in str(err.value)
    assert "permutations" not in str(err.value)  # it follows from seed and num_perm: not named twice


def test_other_normalisation_version_is_refused(seeds_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dedup.index, "NORMALISATION_VERSION", dedup.index.NORMALISATION_VERSION + 1)
    with pytest.raises(ConfigError, match="normalisation_version=1, but this run has normalisation_version=2"):
        load_index(seeds_index, DUP)


def test_other_datasketch_permutations_for_the_same_seed_are_refused(seeds_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = dedup.index.permutations(DUP.num_perm, DUP.seed)
    monkeypatch.setattr(dedup.index, "permutations", lambda num_perm, seed: (a, b + np.uint32(1)))
    with pytest.raises(ConfigError, match="index built with permutations="):
        load_index(seeds_index, DUP)


def test_settings_of_the_clustering_may_change(seeds_index: Path) -> None:
    config = DedupConfig.from_options(threshold=0.7, keep="longest", document_threshold=0.5, min_sentence_words=3)
    assert len(load_index(seeds_index, config.duplicates)) > 0


# ------------------------------------------------------------------------------ damage is detected


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["signatures", "keys", "document_ids", "fact_loose"])
def test_a_flipped_byte_is_detected_naming_the_file(seeds_index: Path, name: str) -> None:
    flip_byte(generation(seeds_index) / f"{name}.npy")
    with pytest.raises(CorruptIndexError, match=rf"{name}\.npy: content does not match the manifest's blake2b digest"):
        load_index(seeds_index, DUP)


def test_a_cut_file_is_detected(seeds_index: Path) -> None:
    path = generation(seeds_index) / "signatures.npy"
    path.write_bytes(path.read_bytes()[:-512])
    with pytest.raises(CorruptIndexError, match=r"signatures\.npy: \d+ bytes where the manifest says \d+ \(cut short"):
        load_index(seeds_index, DUP)


def test_a_deleted_file_is_detected(seeds_index: Path) -> None:
    (generation(seeds_index) / "sentence_keys.npy").unlink()
    with pytest.raises(CorruptIndexError, match=r"sentence_keys\.npy: missing"):
        load_index(seeds_index, DUP)
    (seeds_index / MANIFEST).unlink()
    with pytest.raises(CorruptIndexError, match="is not a dedup index"):
        load_index(seeds_index, DUP)


def test_an_edited_manifest_is_detected(seeds_index: Path) -> None:
    path = seeds_index / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["body"]["settings"]["seed"] = 7  # made to match another run: the fingerprints would be wrong
    path.write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndexError, match=r"manifest\.json: content does not match its digest"):
        load_index(seeds_index, DedupConfig.from_options(seed=7).duplicates)
    path.write_text(json.dumps(manifest)[:-20])
    with pytest.raises(CorruptIndexError, match=r"manifest\.json: malformed manifest"):
        load_index(seeds_index, DUP)


def resave(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as an index with a valid manifest: digests alone cannot catch what it holds."""
    index = dedup.index.Index(dedup.index.index_settings(DUP), arrays)
    save_index(index, folder)


def test_arrays_that_disagree_are_refused_even_with_valid_digests(seeds_index: Path) -> None:
    arrays = dict(load_index(seeds_index, DUP).arrays)
    arrays["signed"] = ~arrays["signed"]
    resave(seeds_index, arrays)
    with pytest.raises(CorruptIndexError, match=r"signatures\.npy: shape .* not one row of 128 per signed paragraph"):
        load_index(seeds_index, DUP)
    arrays = dict(load_index(seeds_index.parent / "none", DUP).arrays)
    arrays["document_paragraphs"] = np.array([3], dtype=np.int64)
    arrays["document_id_lengths"] = np.array([1], dtype=np.int64)
    arrays["document_ids"] = np.array([65], dtype=np.uint8)
    resave(seeds_index, arrays)
    with pytest.raises(CorruptIndexError, match=r"document_paragraphs\.npy: does not count the 0 paragraphs"):
        load_index(seeds_index, DUP)


def test_a_pickled_array_is_refused(seeds_index: Path) -> None:
    path = generation(seeds_index) / "keys.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    manifest = json.loads((seeds_index / MANIFEST).read_text())
    manifest["body"]["files"]["keys"] = {"bytes": path.stat().st_size, "blake2b": dedup.index._file_digest(path)}
    manifest["digest"] = dedup.index._body_digest(manifest["body"])
    (seeds_index / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndexError, match=r"keys\.npy: cannot be read as a numpy array"):
        load_index(seeds_index, DUP)


# ------------------------------------------------------------------------------------ atomic update


@pytest.mark.parametrize("fail_after", [0, 5, len(ARRAYS)])
def test_a_failed_save_leaves_the_old_index_loadable(seeds_index: Path, monkeypatch: pytest.MonkeyPatch, fail_after: int) -> None:
    before = load_index(seeds_index, DUP)
    manifest = (seeds_index / MANIFEST).read_bytes()
    index = load_index(seeds_index, DUP)
    list(clean_corpus([Document("b/fresh", "\n\n".join(FRESH))], index=index))
    calls = []
    real_save, real_writer = np.save, dedup.index.atomic_writer

    def failing_save(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) > fail_after:
            raise OSError(28, "No space left on device")
        real_save(*args, **kwargs)

    def failing_writer(path: Path):  # the manifest is written last
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", failing_save)
    monkeypatch.setattr(dedup.index, "atomic_writer", failing_writer if fail_after == len(ARRAYS) else real_writer)
    with pytest.raises(OSError, match="No space left"):
        save_index(index, seeds_index)
    monkeypatch.undo()
    assert (seeds_index / MANIFEST).read_bytes() == manifest
    after = load_index(seeds_index, DUP)
    np.testing.assert_array_equal(after.fingerprints().keys, before.fingerprints().keys)
    # The next save succeeds and clears what the failed one left.
    save_index(index, seeds_index)
    assert len(load_index(seeds_index, DUP)) == len(before) + len(FRESH)
    assert len([p for p in seeds_index.iterdir() if p.is_dir()]) == 1


# ------------------------------------------------------------------------------- what gets removed


def test_copies_of_indexed_paragraphs_go_and_name_the_indexed_document(seeds_index: Path) -> None:
    text = seed_line("001_ab04b53dad78d05b.txt", 3)
    near = text.replace("warned", "cautioned").replace("this week", "this month")
    (cleaned,) = build([Document("b/today", f"{FRESH[0]}\n\n{near}\n\n{FRESH[1]}")], seeds_index)
    assert cleaned.text == f"{FRESH[0]}\n\n{FRESH[1]}"
    (removal,) = cleaned.removals
    assert removal.reason == "duplicate" and removal.text == near and 0.5 <= removal.similarity < 1.0
    assert removal.kept == {"doc": "a/001_ab04b53dad78d05b.txt", "line": 3, "index": True}
    assert removal.to_json()["kept"]["index"] is True


def test_indexed_paragraphs_win_even_against_a_longer_copy_with_keep_longest(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    build([Document("a", PARA)], folder, keep="longest")
    longer = PARA_COPY + " Photo: Reuters"
    (cleaned,) = build([Document("b", f"{longer}\n\n{FRESH[2]}")], folder, keep="longest")
    assert cleaned.text == FRESH[2]
    assert cleaned.removals[0].kept == {"doc": "a", "line": 1, "index": True}
    together = list(clean_corpus([Document("a", PARA), Document("b", f"{longer}\n\n{FRESH[2]}")], keep="longest"))
    assert together[1].text == f"{longer}\n\n{FRESH[2]}"  # without the index the longer copy would stay


def test_an_indexed_paragraph_contained_in_a_new_one_is_not_removed(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    headline = "Ministers agreed on Tuesday to send more air defence systems to Ukraine."
    build([Document("a", headline)], folder)
    story = f"{headline} Officials said the talks would continue in Brussels next week."
    (cleaned,) = build([Document("b", story)], folder)
    assert cleaned.text == story and cleaned.removals == []
    index = load_index(folder, DUP)
    assert [index.kept_copy(r) for r in range(len(index))] == [("a", 1), ("b", 1)]
    (again,) = build([Document("c", f"{headline}\n\n{FRESH[0]}")], folder)
    assert again.text == FRESH[0] and again.removals[0].kept == {"doc": "a", "line": 1, "index": True}


def test_fixed_paragraphs_are_never_removed_even_as_copies_of_one_another() -> None:
    """Phase B directly: index paragraphs that are exact or near copies of one another all stay."""
    headline = "The harbour ferry service will expand to three new stops."
    fixed = fingerprint([PARA, PARA_COPY, PARA, headline], DUP)
    corpus = [fingerprint([FRESH[0], PARA_COPY.upper(), headline], DUP)]
    matches = cluster_corpus(corpus, DedupConfig(), fixed=fixed)
    # Corpus paragraphs are 0-2, indexed ones 3-6: the corpus's copies go, for their exact indexed copies.
    assert [(m.removed, m.kept) for m in matches] == [(1, 4), (2, 6)]
    together = cluster_corpus([fixed, *corpus], DedupConfig())
    assert {m.removed for m in together} >= {1, 2}  # unfixed, the indexed near and exact copies would go


def test_paragraphs_of_a_document_left_empty_are_not_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    copy_doc = Document("copy", f"{PARA}\n\nShort line here today.\n\nOk.")  # ~all of it copies "first"
    _, copied = build([Document("first", PARA), copy_doc], folder)
    assert copied.text is None and [r.reason for r in copied.removals] == ["duplicate", "duplicate_document", "duplicate_document"]
    index = load_index(folder, DUP)
    assert [index.kept_copy(r)[0] for r in range(len(index))] == ["first"]


# --------------------------------------------------------------------- A then B equals A and B together


def day_two(rng_seed: int = 0) -> list[Document]:
    """Tomorrow's crawl: copies of today's paragraphs with the edits copies carry, a recrawled page,
    a headline repeated as a paragraph, copies within the new crawl, and new text."""
    s = {p.name: p.read_text(encoding="utf-8").splitlines() for p in sorted(SEEDS.glob("*.txt"))}
    p1 = s["001_ab04b53dad78d05b.txt"][2]
    p2 = s["002_8c011e64549327f4.txt"][23]
    p3 = s["003_642c55258581eea0.txt"][3]
    p4 = s["004_453328af226c7621.txt"][4]
    recrawl = "\n".join(s["000_1ce991aefc085efe.txt"]).replace("NATO", "Nato") + "\nThe gallery was updated twice since."
    headline = next(p4[a:b] for a, b in split_sentences(p4))
    docs = [
        Document("b/copies", "\n\n".join([
            p1.replace("warned", "cautioned"),  # one word changed
            FRESH[0],
            p2.replace("urgent", "pressing").upper(),  # a word and the case
            p3.replace(" was held", " was held, officials said,"),  # a phrase inserted
            " ".join(p4.split()[:-6]) + " ...",  # cut short
        ])),
        Document("b/recrawl", recrawl),
        Document("b/headline", f"{headline}\n\n{FRESH[1]}"),
        Document("b/first-of-new", f"{FRESH[2]}\n\n{PARA}"),
        Document("b/copy-of-new", f"{PARA_COPY}\n\n{p1}"),
    ]
    if LINEBENCH.exists():
        with LINEBENCH.open(encoding="utf-8") as handle:
            pages = [json.loads(line) for line, _ in zip(handle, range(12))]
        docs += [Document(f"b/page-{i}", "\n".join(page["lines"])) for i, page in enumerate(pages[6:])]
    return docs


def day_one() -> list[Document]:
    docs = seed_docs()
    if LINEBENCH.exists():
        with LINEBENCH.open(encoding="utf-8") as handle:
            pages = [json.loads(line) for line, _ in zip(handle, range(12))]
        docs += [Document(f"a/page-{i}", "\n".join(page["lines"])) for i, page in enumerate(pages[:6])]
        docs += [Document(f"a/again-{i}", "\n".join(page["lines"][::2])) for i, page in enumerate(pages[6:])]
    return docs


def outcome(cleaned: list) -> list[tuple]:
    """What a document came to, with the index marker left out of the report entries."""
    return [(c.id, c.text, [{**r.to_json(), "kept": {k: v for k, v in (r.kept or {}).items() if k != "index"}} for r in c.removals])
            for c in cleaned]


def test_cleaning_a_then_b_against_the_index_equals_cleaning_them_together(tmp_path: Path) -> None:
    a, b = day_one(), day_two()
    together = list(clean_corpus([*a, *b]))[len(a):]
    folder = tmp_path / "index"
    build(a, folder)
    separately = build(b, folder)
    assert outcome(separately) == outcome(together)
    # The case is not vacuous: B lost near copies, a contained headline and a whole recrawled page to A.
    from_a = [r for c in separately for r in c.removals if r.kept and r.kept.get("index")]
    assert all(r.kept["doc"].startswith("a/") for r in from_a)
    assert {r.reason for r in from_a} >= {"duplicate", "duplicate_document"}
    assert len([r for r in from_a if r.reason == "duplicate" and r.similarity < 1.0]) >= 3
    assert any(r.doc == "b/headline" and r.similarity == 1.0 for r in from_a)
    copy_of_new = next(c for c in separately if c.id == "b/copy-of-new")
    assert [(r.kept, r.reason) for r in copy_of_new.removals if r.text == PARA_COPY] == [({"doc": "b/first-of-new", "line": 3}, "duplicate")]
    assert next(c for c in separately if c.id == "b/recrawl").text is None


# ------------------------------------------------------------------------------------ command line


def clean(runner, *args: object):
    return runner.invoke(main, ["clean", *map(str, args)])


def test_cli_cleans_tomorrow_against_today(runner, tmp_path: Path) -> None:
    index = tmp_path / "index"
    result = clean(runner, SEEDS, "--out", tmp_path / "day1", "--index", index)
    assert result.exit_code == 0, result.output
    today = tmp_path / "today"
    write(today / "new.txt", f"{FRESH[0]}\n\n{seed_line('003_642c55258581eea0.txt', 4)}\n")
    result = clean(runner, today, "--out", tmp_path / "day2", "--report", tmp_path / "report.jsonl", "--index", index)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "day2" / "new.txt").read_text(encoding="utf-8") == FRESH[0] + "\n"
    (entry,) = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    assert entry["reason"] == "duplicate" and entry["kept"] == {"doc": "003_642c55258581eea0.txt", "line": 4, "index": True}
    assert load_index(index, DUP).kept_copy(len(load_index(index, DUP)) - 1) == ("new.txt", 1)


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dedup: error: ") and "Traceback" not in result.output, result.output
    return lines[0]


def test_cli_refuses_other_settings_and_a_damaged_index(runner, seeds_index: Path, tmp_path: Path) -> None:
    line = one_line_error(clean(runner, SEEDS, "--out", tmp_path / "o1", "--index", seeds_index, "--num-perm", "64"))
    assert "num_perm=128" in line and "num_perm=64" in line
    assert not (tmp_path / "o1").exists()
    flip_byte(generation(seeds_index) / "lengths.npy")
    line = one_line_error(clean(runner, SEEDS, "--out", tmp_path / "o2", "--index", seeds_index))
    assert "lengths.npy" in line
    assert not (tmp_path / "o2").exists()


def test_cli_refuses_an_index_inside_the_input_or_the_output_and_without_duplicate_finding(runner, tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a.txt", PARA)
    assert "--index must lie apart" in one_line_error(clean(runner, root, "--out", tmp_path / "o", "--index", root / "index"))
    assert "--index must lie apart" in one_line_error(clean(runner, root, "--out", tmp_path / "o", "--index", tmp_path / "o"))
    assert "--no-find-duplicates" in one_line_error(clean(runner, root, "--out", tmp_path / "o", "--index", tmp_path / "i", "--no-find-duplicates"))


def test_a_failed_run_leaves_the_index_as_it_was(runner, seeds_index: Path, tmp_path: Path) -> None:
    manifest = (seeds_index / MANIFEST).read_bytes()
    root = tmp_path / "in"
    write(root / "a.txt", FRESH[0])
    write(root / "b.jsonl", '{"text": "fine"}\n{"text": broken\n')
    result = clean(runner, root, "--out", tmp_path / "o", "--index", seeds_index)
    assert result.exit_code != 0
    assert (seeds_index / MANIFEST).read_bytes() == manifest
    assert fingerprint([FRESH[0]], DUP).keys[0] not in load_index(seeds_index, DUP).fingerprints().keys.tolist()


def test_same_run_same_index_bytes_however_documents_are_batched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(seed_docs(), tmp_path / "one")
    monkeypatch.setattr(dedup.index, "BATCH_DOCUMENTS", 2)
    build(seed_docs(), tmp_path / "two")

    def contents(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert contents(tmp_path / "one") == contents(tmp_path / "two")
    assert len(contents(tmp_path / "one")) == len(ARRAYS) + 1


def test_a_recrawled_page_with_the_same_id_goes_whole_as_a_copy_of_its_indexed_self(tmp_path: Path) -> None:
    page = (SEEDS / "000_1ce991aefc085efe.txt").read_text(encoding="utf-8")
    build([Document("site/page", page)], tmp_path / "index")
    again = build([Document("site/page", page + "\nThe gallery was updated twice since.")], tmp_path / "index")[0]
    assert again.text is None
    whole = [r for r in again.removals if r.reason == "duplicate_document"]
    assert "The gallery was updated twice since." in [r.text for r in whole]
    assert all(r.kept["doc"] == "site/page" and r.kept["index"] is True for r in whole)
