"""Laws of whole runs on generated corpora (tests/test_properties.py holds those of one document): the
files and the report do not depend on --jobs or on the run; cleaning a cleaned corpus changes nothing;
output text comes from the repaired input; and taking a document out of the input never makes another
document lose text, unless as a duplicate."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import DedupConfig, clean_corpus, repair_text
from dedup.paragraphs import split_sentences
from dedup.runner import clean_files

from conftest import files_under, write, write_jsonl
from test_properties import documents

# Reasons that depend on the other documents of the corpus.
DUPLICATE_REASONS = {"duplicate", "duplicate_document", "repeated_boilerplate"}
LAW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def corpora(draw: st.DrawFn, min_size: int = 1) -> list[str]:
    """Documents of real sentences, where later documents often copy paragraphs of earlier ones."""
    texts = draw(st.lists(documents(), min_size=min_size, max_size=5))
    for _ in range(draw(st.integers(0, 3))):
        if len(texts) > 1:
            source, target = draw(st.integers(0, len(texts) - 1)), draw(st.integers(0, len(texts) - 1))
            lines = [line for line in texts[source].splitlines() if line.strip()]
            if lines and source != target:
                texts[target] += "\n\n" + draw(st.sampled_from(lines))
    return texts


def run_files(root: Path, out: Path, jobs: int) -> dict[str, bytes]:
    clean_files([str(root)], str(out), DedupConfig(), report=str(out / "report.jsonl"), jobs=jobs)
    return {name: (out / name).read_bytes() for name in files_under(out)}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(corpora())
def test_files_and_report_are_byte_identical_for_any_jobs_and_run(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "in"
        for i, text in enumerate(texts):
            if i % 2:
                write(root / f"t{i}.txt", text)
        write_jsonl(root / "shard.jsonl", [{"id": f"r{i}", "text": t} for i, t in enumerate(texts) if not i % 2])
        runs = [run_files(root, Path(folder) / f"out{n}", jobs) for n, jobs in enumerate((1, 2, 1))]
    assert runs[0] == runs[1] == runs[2]


@LAW
@given(corpora())
def test_cleaning_a_cleaned_corpus_changes_nothing(texts: list[str]) -> None:
    once = [doc.text for doc in clean_corpus(texts)]
    kept = [text for text in once if text is not None]
    assert [doc.text for doc in clean_corpus(kept)] == kept


@LAW
@given(corpora())
def test_corpus_output_is_drawn_from_the_repaired_input(texts: list[str]) -> None:
    for text, doc in zip(texts, clean_corpus(texts)):
        repaired = repair_text(text)
        for line in (doc.text or "").split("\n"):
            for a, b in split_sentences(line):
                assert line[a:b] in repaired, line[a:b]


@LAW
@given(corpora(min_size=2), st.data())
def test_removing_a_document_never_costs_another_non_duplicate_text(texts: list[str], data: st.DataObject) -> None:
    gone = data.draw(st.integers(0, len(texts) - 1))
    docs = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]
    full = {doc.id: doc for doc in clean_corpus(docs)}
    smaller = [doc for doc in docs if doc["id"] != f"d{gone}"]
    for doc in clean_corpus(smaller):
        removed_before = {(r.line, r.text) for r in full[doc.id].removals}
        for removal in doc.removals:
            assert removal.reason in DUPLICATE_REASONS or (removal.line, removal.text) in removed_before, removal
            if removal.kept is not None:  # the copy kept is one of the documents still there
                assert removal.kept["doc"] != f"d{gone}", removal
