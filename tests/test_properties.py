"""Properties of cleaning on generated documents: real seed sentences (some as mojibake), boilerplate
lines, blank lines, repeated paragraphs and random Unicode. Cleaning is idempotent, never invents
text, is deterministic, and does not depend on the number of worker processes."""

from __future__ import annotations

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import DedupConfig, Document, clean_corpus, clean_text, repair_text, strip_boilerplate
from dedup.executors import prepare_in_processes
from dedup.paragraphs import split_sentences
from dedup.pipeline import run

from conftest import SEEDS


def _seed_sentences() -> list[str]:
    out = set()
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            line = line.replace("\u00a0", " ").strip()
            out.update(line[a:b] for a, b in split_sentences(line) if len(line[a:b].split()) >= 4)
    # Sentences of prose only: the seeds' own boilerplate ("Skip to content") comes in as boilerplate lines.
    return sorted(x for x in out if strip_boilerplate(x) == x)


SENTENCES = _seed_sentences()
BOILERPLATE = ["Skip to content", "17 minutes ago", "Share this article", "Image: Jane Doe/AFP", "https://t.co/abc123"]



def mis_decode(text: str) -> str:
    return text.encode("utf-8").decode("sloppy-windows-1252")


@st.composite
def documents(draw: st.DrawFn, prose: bool = True) -> str:
    """Lines of real sentences (drawn from a small pool per document, so that sentences repeat), some
    as mojibake, boilerplate lines, blank lines, random Unicode, and later copies of earlier lines.
    With `prose`, at least one line of real sentences is there (a document that is nothing but
    boilerplate is the subject of test_clean_text_accepts_any_document)."""
    pool = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4))
    sentence = st.sampled_from(pool)
    prose_line = st.lists(st.one_of(sentence, sentence, sentence.map(mis_decode)), min_size=1, max_size=4).map(" ".join)
    line = st.one_of(prose_line, prose_line, st.sampled_from(BOILERPLATE), st.just(""), st.text(max_size=30))
    lines = draw(st.lists(line, max_size=10))
    if prose:
        lines.insert(draw(st.integers(0, len(lines))), draw(prose_line))
    for _ in range(draw(st.integers(0, 3))):  # repeat some lines (paragraphs) later in the document
        if lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(draw(st.integers(i + 1, len(lines))), lines[i])
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(documents(prose=False))
def test_clean_text_accepts_any_document(text: str) -> None:
    # Empty documents, all-boilerplate documents and lone short lines included.
    assert isinstance(clean_text(text), str)


@PROPERTY
@given(documents())
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@PROPERTY
@given(documents())
def test_clean_text_never_invents_text(text: str) -> None:
    repaired = repair_text(text)
    for out_line in clean_text(text).split("\n"):
        for a, b in split_sentences(out_line):
            assert out_line[a:b] in repaired, out_line[a:b]


@PROPERTY
@given(documents())
def test_clean_text_is_deterministic(text: str) -> None:
    assert clean_text(text) == clean_text(text)
    first = list(clean_corpus([text, text]))
    second = list(clean_corpus([text, text]))
    assert first == second


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=1, max_size=5))
def test_result_does_not_depend_on_the_number_of_workers(texts: list[str]) -> None:
    config = DedupConfig()
    docs = [Document(f"d{i}", t, "", i) for i, t in enumerate(texts)]
    one = list(run(docs, config, prepare_all=lambda d: prepare_in_processes(d, config, 1)))
    two = list(run(docs, config, prepare_all=lambda d: prepare_in_processes(d, config, 2)))
    assert one == two
