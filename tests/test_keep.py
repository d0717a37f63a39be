"""Which copy stays: containment, whole-document duplicates, keep policies and source priority."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import DedupConfig, Document, clean_corpus, cluster, find_duplicates
from dedup.cli import main
from dedup.cluster import Match, ParagraphTable
from dedup.fingerprint import fingerprint

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


SENTENCES = [
    "Flooding forces thousands from their homes in northern Italy.",
    "Officials said at least eight people had died and dozens more were missing.",
    "The government has promised one hundred million euros in emergency aid.",
    "Rivers burst their banks across the region on Sunday night.",
    "Schools in the valley will stay closed until the water recedes.",
]


def plain_contained(table: ParagraphTable, removed: set[int], limit: int) -> list[tuple[int, int]]:
    """Containment as first written: for each paragraph in order, every longer paragraph holding its first
    sentence, best ranked first, the first `limit` of them tried."""
    prints, removed, found = table.prints, set(removed), []
    for g in range(len(prints)):
        mine = prints.sentences(g)
        if not mine or not prints.eligible[g] or table.fixed[g] or g in removed:
            continue
        holders = [q for q in range(len(prints)) if mine[0] in prints.sentences(q)
                   and prints.lengths[q] > prints.lengths[g] and q not in removed]
        for q in sorted(holders, key=lambda q: table.rank[q])[:limit]:
            if set(mine) <= set(prints.sentences(q)):
                found.append((g, q))
                removed.add(g)
                break
    return found


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, len(SENTENCES) - 1), min_size=1, max_size=4), min_size=2, max_size=14),
       st.randoms(use_true_random=False), st.integers(1, 3))
def test_containment_finds_what_the_plain_definition_finds(picks: list[list[int]], rng, limit: int) -> None:
    # Many paragraphs share first sentences (the case that once made this step quadratic); ranks, fixed
    # paragraphs, earlier removals and the cap on containers tried are all drawn.
    prints = fingerprint([" ".join(SENTENCES[i] for i in pick) for pick in picks], DedupConfig().duplicates)
    n = len(picks)
    rank = np.array(rng.sample(range(n), n), dtype=np.int64)
    fixed = np.array([rng.random() < 0.15 for _ in range(n)])
    removed = {g for g in range(n) if rng.random() < 0.2 and not fixed[g]}
    table = ParagraphTable(prints, rank, fixed)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "MAX_CONTAINERS", limit)
        found = [(m.removed, m.kept) for m in cluster._contained(table, {g: Match(g, g, 1.0) for g in removed})]
    assert found == plain_contained(table, removed, limit)


@pytest.mark.parametrize("limit", [3, 4])
def test_containment_tries_only_the_best_ranked_containers(limit: int) -> None:
    # Three longer paragraphs hold the first sentence without holding the second; only the fourth by rank
    # contains the short one, so it is found when four containers are tried and not when three are.
    picks = [[0, 1], [0, 2, 3], [0, 3, 4], [0, 2, 4], [0, 1, 2]]
    prints = fingerprint([" ".join(SENTENCES[i] for i in pick) for pick in picks], DedupConfig().duplicates)
    table = ParagraphTable(prints, np.arange(len(picks)), np.zeros(len(picks), dtype=bool))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "MAX_CONTAINERS", limit)
        found = [(m.removed, m.kept) for m in cluster._contained(table, {})]
    assert found == ([(0, 4)] if limit == 4 else [])
    assert found == plain_contained(table, set(), limit)


@pytest.mark.parametrize("limit", [1, 64])
def test_a_paragraph_found_contained_is_no_container_and_takes_no_place(limit: int) -> None:
    # Paragraph 0 goes as contained in 2; paragraph 1, shorter, is held by both and is contained in 2, not
    # in the gone 0, and 0 does not count among the containers tried (with one tried, 2 is still it).
    picks = [[0, 1, 2], [0, 1], [0, 1, 2, 3]]
    prints = fingerprint([" ".join(SENTENCES[i] for i in pick) for pick in picks], DedupConfig().duplicates)
    table = ParagraphTable(prints, np.arange(len(picks)), np.zeros(len(picks), dtype=bool))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "MAX_CONTAINERS", limit)
        found = [(m.removed, m.kept) for m in cluster._contained(table, {})]
    assert found == [(0, 2), (1, 2)] == plain_contained(table, set(), limit)
