"""Which copy stays: containment, whole-document duplicates, keep policies and source priority."""

from __future__ import annotations

from dedup import Document, clean_corpus, find_duplicates
from dedup.cli import main

from conftest import PARA, PARA_COPY, read_jsonl, write

LEAD = "Flooding forces thousands from their homes in northern Italy"
BODY = (
    "Emergency services evacuated more than 10,000 people on Sunday as rivers burst their banks across the region. "
    "Officials said at least eight people had died and dozens more were missing."
)
OTHER = "The government has promised one hundred million euros in emergency aid for farmers and small firms in the valley."


def test_headline_repeated_as_lead_sentence_goes_as_contained() -> None:
    headline = LEAD + "."
    paragraph = f"{LEAD}. {BODY}"
    clusters = find_duplicates([headline, OTHER, paragraph])
    assert [(c.kept, c.duplicates) for c in clusters] == [(2, ((0, 1.0),))]


def test_contained_paragraph_goes_even_when_it_comes_first_in_another_document() -> None:
    out = list(clean_corpus([f"{LEAD}.\n\n{OTHER}", f"{LEAD}. {BODY}"]))
    assert out[0].text == OTHER
    (removal,) = out[0].removals
    assert (removal.reason, removal.kept, removal.similarity) == ("duplicate", {"doc": "1", "line": 1}, 1.0)
    assert out[1].text == f"{LEAD}. {BODY}"


def test_longer_paragraph_is_never_removed_as_copy_of_a_part_of_it() -> None:
    # The second text holds all of the first and as much again: similar by Jaccard, but removing it would
    # lose half its text. The first goes instead, as contained in the second.
    first = BODY
    second = f"{BODY} {OTHER} The river is expected to peak on Tuesday."
    clusters = find_duplicates([first, second])
    assert [(c.kept, [d for d, _ in c.duplicates]) for c in clusters] == [(1, [0])]


def test_keep_longest_keeps_the_fuller_copy() -> None:
    truncated = " ".join(PARA.split()[:-4]) + " ..."
    first = find_duplicates([truncated, PARA])
    longest = find_duplicates([truncated, PARA], keep="longest")
    assert first[0].kept == 0 and [d for d, _ in first[0].duplicates] == [1]
    assert longest[0].kept == 1 and [d for d, _ in longest[0].duplicates] == [0]


def test_source_priority_keeps_the_preferred_source() -> None:
    docs = [Document("blog-1", PARA_COPY, "blogs/a.txt"), Document("wire-1", PARA, "wire/a.txt")]
    default = list(clean_corpus(docs))
    preferred = list(clean_corpus(docs, source_priority=("wire/*",)))
    assert default[0].text == PARA_COPY and default[1].text is None
    assert preferred[0].text is None and preferred[1].text == PARA
    assert preferred[0].removals[0].kept == {"doc": "wire-1", "line": 1}


def test_document_of_copies_goes_whole_not_as_a_stub() -> None:
    original = f"{PARA}\n{BODY}\n{OTHER}"
    copy = f"A view from the flooded valley\n{PARA_COPY}\n{BODY}\n{OTHER}"
    out = list(clean_corpus([original, copy]))
    assert out[0].text == original
    assert out[1].text is None
    stub = [r for r in out[1].removals if r.reason == "duplicate_document"]
    assert [r.text for r in stub] == ["A view from the flooded valley"]
    assert stub[0].kept["doc"] == "0" and 0.9 <= stub[0].similarity <= 1.0


def test_document_with_enough_text_of_its_own_stays() -> None:
    own = "Local reporters spoke to residents who had spent the night on their roofs waiting for boats to arrive."
    out = list(clean_corpus([f"{PARA}\n{BODY}", f"{PARA_COPY}\n{own}\n{BODY}"]))
    assert out[1].text == own
    assert not [r for r in out[1].removals if r.reason == "duplicate_document"]


def test_cli_keep_options_route_through(runner, tmp_path) -> None:
    write(tmp_path / "in" / "a_blog.txt", PARA_COPY + "\n")
    write(tmp_path / "in" / "b_wire.txt", PARA + "\n")
    report = tmp_path / "r.jsonl"
    args = ["clean", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--report", str(report), "--source-priority", "*wire*"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "o" / "a_blog.txt").exists()
    assert (tmp_path / "o" / "b_wire.txt").read_text(encoding="utf-8") == PARA + "\n"
    assert read_jsonl(report)[0]["kept"] == {"doc": "b_wire.txt", "line": 1}
