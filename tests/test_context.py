"""Boilerplate by context and repetition on hand-written pages: the article span, headings, guards,
language detection, repeated boilerplate across documents, and that every removal names its signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dedup import DedupConfig, clean_corpus, clean_text
from dedup.boilerplate.context import FEATURES, default_model, judge, unit_features, unit_scores
from dedup.boilerplate.language import detect_language, words_of
from dedup.cli import main
from dedup.pipeline import repeated_keys

from conftest import PARA, write

PAGES = Path(__file__).parent / "pages"
FERRY = (PAGES / "ferry_en.txt").read_text(encoding="utf-8")
ARTICLE = [line for line in FERRY.splitlines() if not line.startswith("* ")][1:]  # drop the nav run's heading
NAV = ["* Climate crisis", "* Wildlife", "* Energy", "* Pollution", "* Farming", "* Oceans", "* Cities", "* Most viewed",
       "* About us", "* Contact", "* Newsletters", "* Podcasts"]


def removals_of(text: str, **options) -> list:
    return next(clean_corpus([text], **options)).removals


def test_a_page_keeps_its_article_span_with_headline_and_subheading() -> None:
    kept = clean_text(FERRY).splitlines()
    assert kept == ARTICLE
    assert "What happens next" in kept  # between two paragraphs: a heading
    assert all(not line.startswith("* ") for line in kept)  # the menu and the list of other stories


def test_a_short_line_in_a_run_of_navigation_goes_and_the_same_line_between_paragraphs_stays() -> None:
    lines = FERRY.splitlines()
    assert lines.count("What happens next") == 2
    removed = [r for r in removals_of(FERRY) if r.text == "What happens next"]
    assert [r.line for r in removed] == [lines.index("What happens next") + 1]  # the one inside the menu


OTHER_STORIES = ["Lifeboat crew rescue two walkers cut off by the tide", "Seafront cafe wins national award for its fish soup",
                 "New cycle path to link the harbour with the old town", "Storm damage closes pier for the rest of the season"]


def test_a_headline_among_other_stories_scores_below_the_same_line_between_paragraphs() -> None:
    headline = OTHER_STORIES[0]
    alone = [*ARTICLE[:2], headline, *ARTICLE[2:]]  # between two paragraphs, like a sub-heading
    in_run = [*ARTICLE, *OTHER_STORIES]  # after the article, with the other stories' headlines
    run = FEATURES.index("headline_run")
    assert unit_features(alone)[2, run] == np.log1p(1)
    assert unit_features(in_run)[len(ARTICLE), run] == np.log1p(len(OTHER_STORIES))
    assert unit_features(in_run)[0, run] == np.log1p(1)  # the article's own headline stands alone too
    assert unit_features(in_run)[1, run] == 0.0  # a paragraph ends a sentence
    assert unit_scores(unit_features(in_run), default_model())[len(ARTICLE)] < unit_scores(unit_features(alone), default_model())[2]


def test_every_context_removal_names_the_feature_that_weighed_most() -> None:
    context = [r for r in removals_of(FERRY) if (r.rule or "").startswith("context.")]
    assert len(context) >= 10
    assert {r.rule.removeprefix("context.") for r in context} <= set(FEATURES)
    assert all(r.reason == "boilerplate" for r in context)


def test_german_page_keeps_its_article() -> None:
    text = (PAGES / "rathaus_de.txt").read_text(encoding="utf-8")
    kept = clean_text(text).splitlines()
    assert kept[0] == "Fähren sollen drei neue Anleger bekommen"
    assert len(kept) == 4 and all(not line.startswith("* ") for line in kept)


def test_a_page_of_one_paragraph_is_kept_whole() -> None:
    assert clean_text(PARA) == PARA
    assert removals_of(PARA) == []


def test_a_short_record_is_not_judged_by_context() -> None:
    record = "Yes.\nNo comment.\nWe will see."  # fewer units than a page: nothing to contrast with
    assert clean_text(record) == record


def test_a_page_that_is_all_navigation_is_emptied_and_each_line_named() -> None:
    page = "\n".join(NAV)
    assert clean_text(page) == ""
    removed = removals_of(page)
    assert sorted(r.line for r in removed) == list(range(1, len(NAV) + 1))
    assert all(r.reason == "boilerplate" and r.rule for r in removed)


def test_the_only_running_text_of_a_page_is_never_dropped() -> None:
    lonely = "Officials said the harbour would stay open while the new piers are built next year."
    page = "\n".join(NAV[:6] + [lonely] + NAV[6:])
    assert lonely in clean_text(page).splitlines()
    assert judge(page.splitlines())[6] is None


def test_context_can_be_switched_off() -> None:
    kept = clean_text(FERRY, context=False).splitlines()
    assert "* Climate crisis" in kept and kept[-1] == "* Contact"


def test_the_shipped_model_has_a_weight_for_every_feature() -> None:
    model = default_model()
    assert model.weights.shape == model.mean.shape == model.scale.shape == (len(FEATURES),)
    assert np.all(model.scale > 0)
    assert model.inside < model.extend < model.outside <= model.strong


@pytest.mark.parametrize(("text", "language"), [
    ("The council voted on Tuesday to expand the ferry service to three new stops.", "en"),
    ("Der Rat hat am Dienstag beschlossen, den Fährverkehr um drei neue Anleger zu erweitern.", "de"),
    ("Le conseil a voté mardi pour étendre le service de traversier à trois nouveaux arrêts.", "fr"),
    ("El consejo votó el martes para ampliar el servicio de ferry a tres nuevas paradas.", "es"),
    ("Совет проголосовал во вторник за расширение паромного сообщения", None),
    ("Home World Politics Business", None),
])
def test_language_is_told_by_function_words(text: str, language: str | None) -> None:
    assert detect_language(words_of(text)) == language


# --- repetition across documents ---------------------------------------------------------------------

MASTHEAD = "Harbour Gazette Morning Edition"  # not prose, not a rule's: only repetition can tell
STORIES = [
    "The harbour board agreed on Monday to dredge the eastern channel before the spring tides arrive.",
    "A fishing crew from Marsden rescued two kayakers who had drifted past the lighthouse in thick fog.",
    "Ticket prices for the summer regatta will rise by a fifth, the organisers announced at their meeting.",
    "Volunteers planted four hundred oak saplings along the old railway path behind the container terminal.",
    "The museum of maritime history reopens in June after a two-year restoration of its timber roof.",
    "Night buses to the ferry terminal will run every twenty minutes from next weekend, the council said.",
]


def story(n: int) -> str:
    return f"{MASTHEAD}\n\n{STORIES[n]}"


def test_a_line_shared_by_many_documents_goes_from_all_of_them() -> None:
    cleaned = list(clean_corpus([story(n) for n in range(4)]))
    for doc in cleaned:
        assert MASTHEAD not in doc.text
        assert [r.reason for r in doc.removals] == ["repeated_boilerplate"]
        assert doc.text in STORIES


def test_a_corpus_of_two_documents_is_not_gutted_by_repetition() -> None:
    first, second = clean_corpus([story(0), story(1)])
    assert first.text.startswith(MASTHEAD)  # the first copy stays: two documents are no evidence
    assert [r.reason for r in second.removals] == ["duplicate"]


def test_repeated_prose_is_kept_once_not_removed_everywhere() -> None:
    cleaned = list(clean_corpus([f"{PARA}\n\n{STORIES[n]}" for n in range(6)]))
    assert PARA in cleaned[0].text
    assert all(PARA not in doc.text for doc in cleaned[1:])
    assert {r.reason for doc in cleaned for r in doc.removals} == {"duplicate"}


def test_the_repetition_bar_rises_with_the_corpus() -> None:
    def bar_met(docs: int, sharing: int, min_docs: int = 3) -> set[int]:
        # Each document's distinct keys, one document after the other: key 7 in `sharing` of them.
        distinct = np.array([k for d in range(docs) for k in ([7] if d < sharing else []) + [100 + d]], dtype=np.uint64)
        return repeated_keys(distinct, docs, min_docs)

    assert bar_met(20, 4) == set()  # the bar is log2(20) -> 5 documents
    assert bar_met(20, 5) == {7}
    assert bar_met(4, 3) == {7}
    assert bar_met(4, 3, 0) == set()


def test_repetition_can_be_switched_off_and_two_is_the_least_bar() -> None:
    cleaned = list(clean_corpus([story(n) for n in range(4)], repeated_min_docs=0))
    assert MASTHEAD in cleaned[0].text
    with pytest.raises(Exception, match="repeated_min_docs"):
        DedupConfig.from_options(repeated_min_docs=1)


def test_the_summary_names_documents_that_lost_most_of_their_text(runner, tmp_path: Path) -> None:
    write(tmp_path / "in" / "menu.txt", "\n".join(NAV))
    write(tmp_path / "in" / "ferry.txt", FERRY)
    result = runner.invoke(main, ["clean", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 documents kept under 20% of their text (see the report): menu.txt" in result.stderr
