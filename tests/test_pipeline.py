"""The pipeline on documents: repeated sentences and paragraphs inside a document, truncated teasers,
the keep-first policy across documents, removals with 1-based input line numbers, and the public
functions clean_text, clean_corpus and strip_boilerplate."""

from __future__ import annotations

import pytest

from dedup import (
    DedupConfig,
    Document,
    InputError,
    clean_corpus,
    clean_text,
    strip_boilerplate,
)

S1 = "The ministers agreed on Tuesday to send more air defence systems to Ukraine."
S2 = "Officials said the talks would continue in Brussels next week."
S3 = "The alliance also discussed the supply of ammunition and spare parts."
S4 = "Russia denied that it had targeted civilian infrastructure during the winter."
S5 = "Germany offered to host a conference on rebuilding the power grid."
LONG = f"{S3} {S4} {S5}"


def one(text: str, **options):
    (cleaned,) = list(clean_corpus([text], **options))
    return cleaned


def reasons(cleaned) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in cleaned.removals]


# ------------------------------------------------------------------------------- repeated sentences


def test_sentence_repeated_inside_a_paragraph_is_kept_once() -> None:
    c = one(f"{S1} {S2} {S1}")
    assert c.text == f"{S1} {S2}"
    (r,) = c.removals
    assert (r.line, r.reason, r.text, r.kept, r.similarity) == (1, "repeated_sentence", S1, {"doc": "0", "line": 1}, 1.0)


def test_repeat_inside_a_hard_wrapped_paragraph_points_at_the_first_copy_line() -> None:
    repeated = "Officials said the talks would continue next week."
    lines = [
        "The ministers met in Brussels on Tuesday to discuss",
        f"{repeated} The",
        "supply of air defence systems to Ukraine, and they",
        f"said so again. {repeated} And",
        "agreed that more support would be needed soon.",
    ]
    c = one("\n".join(lines))
    (r,) = c.removals
    assert (r.line, r.reason, r.text, r.kept) == (4, "repeated_sentence", repeated, {"doc": "0", "line": 2})
    lines[3] = "said so again. And"
    assert c.text == "\n".join(lines)  # one paragraph: its lines stay together


def test_sentence_repeated_in_a_later_paragraph_goes() -> None:
    c = one(f"{S1} {S2}\n\n{S3} {S1}")
    assert c.text == f"{S1} {S2}\n\n{S3}"
    (r,) = c.removals
    assert (r.line, r.reason, r.text, r.kept) == (3, "repeated_sentence", S1, {"doc": "0", "line": 1})


def test_repeats_are_found_after_quote_and_case_changes() -> None:
    quoted = "\u201cWe will not back down from our support,\u201d Stoltenberg told the ministers."
    straight = "\"WE WILL NOT BACK DOWN FROM OUR SUPPORT,\" Stoltenberg told the ministers."
    c = one(f"{quoted} {S2}\n{S3} {straight}")
    assert c.text == f"{quoted} {S2}\n{S3}"
    assert reasons(c) == [(2, "repeated_sentence")]


def test_several_copies_of_a_sentence_leave_one() -> None:
    c = one(f"{S1} {S1} {S2}\n{S1}\n{S3} {S1}")
    assert c.text is not None and c.text.count(S1) == 1
    removed = [r for r in c.removals if r.reason == "repeated_sentence"]
    assert [r.line for r in removed] == [1, 3]
    # line 2 holds S1 alone: it goes as a paragraph contained in line 1, which keeps S1 in context
    assert [(r.line, r.kept) for r in c.removals if r.reason == "duplicate"] == [(2, {"doc": "0", "line": 1})]
    assert all(r.kept == {"doc": "0", "line": 1} for r in removed)


@pytest.mark.parametrize("short", ["He said no.", "Thank you very much.", "Yes, it is."])
def test_short_sentences_are_never_removed_as_repeats(short: str) -> None:
    assert len(short.split()) < 5
    c = one(f"{short} {S1} {short}\n\n{S2} {short}")
    assert c.text == f"{short} {S1} {short}\n\n{S2} {short}"
    assert c.removals == []


def test_five_word_sentence_is_a_repeat() -> None:
    five = "The talks ended without agreement."
    c = one(f"{five} {S1}\n{S2} {five}")
    assert c.text == f"{five} {S1}\n{S2}"
    assert reasons(c) == [(2, "repeated_sentence")]


def test_min_sentence_words_routes_through() -> None:
    text = f"{S1} {S2} {S1}"
    assert clean_text(text, min_sentence_words=20) == text
    assert clean_text(text, min_sentence_words=3) == f"{S1} {S2}"


# ------------------------------------------------------------------------------------------- teasers


def test_truncated_teaser_goes_when_the_full_sentence_is_there() -> None:
    teaser = "Nato leaders are extending the mandate of Secretary-General Jens Stoltenberg for an extra year and the ..."
    full = "Nato leaders are extending the mandate of Secretary-General Jens Stoltenberg for an extra year and the alliance agreed."
    c = one(f"{teaser}\n{S3} {full}")
    assert c.text == f"{S3} {full}"
    (r,) = c.removals
    assert (r.line, r.reason, r.text, r.kept) == (1, "repeated_sentence", teaser, {"doc": "0", "line": 2})


def test_truncated_teaser_with_an_ellipsis_character_after_the_full_sentence() -> None:
    full = "NATO Secretary General Jens Stoltenberg on Thursday participated in a meeting of G7 leaders in Brussels."
    teaser = "NATO Secretary General Jens Stoltenberg on Thursday participated in a \u2026"
    c = one(f"{full}\n\n{S2} {teaser}")
    assert c.text == f"{full}\n\n{S2}"
    assert reasons(c) == [(3, "repeated_sentence")]


def test_truncated_teaser_without_its_full_sentence_stays() -> None:
    teaser = "We condemn Russia's invasion of Ukraine in the strongest possible terms and the ..."
    c = one(f"{teaser}\n{S1}")
    assert c.text == f"{teaser}\n{S1}"
    assert c.removals == []


def test_a_sentence_that_merely_starts_like_a_teaser_is_not_truncated() -> None:
    # No trailing ellipsis: a shorter sentence that is a prefix of a longer one is not a teaser.
    short = "Nato leaders are extending the mandate of Stoltenberg."
    longer = "Nato leaders are extending the mandate of Stoltenberg for a year."
    assert clean_text(f"{short}\n{longer}") == f"{short}\n{longer}"


# ---------------------------------------------------------------------------------------- paragraphs


def test_paragraph_repeated_as_a_whole_goes_as_duplicate() -> None:
    c = one(f"{S1} {S2}\n{S3}\n{S1} {S2}")
    assert c.text == f"{S1} {S2}\n{S3}"
    (r,) = c.removals
    assert (r.line, r.reason, r.text, r.kept, r.similarity) == (3, "duplicate", f"{S1} {S2}", {"doc": "0", "line": 1}, 1.0)


def test_paragraph_repeat_after_blank_lines_keeps_the_layout() -> None:
    c = one(f"{S1} {S2}\n\n{S3}\n\n\n{S1} {S2}\n\n{S4}")
    assert c.text == f"{S1} {S2}\n\n{S3}\n\n{S4}"
    assert reasons(c) == [(6, "duplicate")]


def test_near_duplicate_paragraph_in_a_document() -> None:
    para = f"{S1} {S2} {S3}"
    near = para.replace("Tuesday", "Wednesday").replace("next week", "next month").replace("spare", "replacement")
    assert not any(sentence in near for sentence in (S1, S2, S3))  # no sentence repeats exactly
    c = one(f"{para}\n{S4}\n{near}")
    assert c.text == f"{para}\n{S4}"
    (r,) = c.removals
    assert r.reason == "duplicate" and r.line == 3 and r.kept == {"doc": "0", "line": 1}
    assert 0.5 <= r.similarity < 1.0


def test_repeated_paragraph_with_an_inner_repeat_goes() -> None:
    # Line 1 loses its inner repeat; line 2, a copy of line 1 as written, must not survive with both.
    short = "NATO is pushing weapons manufacturers to increase their production."  # 9 words
    c = one(f"{short} {short}\n{short} {short}")
    assert c.text == short
    assert {line for line, _ in reasons(c)} == {1, 2}


def test_copy_of_a_line_emptied_by_repeats_goes() -> None:
    # Line 2 goes (S1 repeats line 1); line 3 copies line 2 as written and must go too.
    c = one(f"{S1} {S2}\n{S1}\n{S1}")
    assert c.text == f"{S1} {S2}"
    assert {line for line, _ in reasons(c)} == {2, 3}


def test_find_duplicates_off_keeps_repeats() -> None:
    text = f"{S1} {S2} {S1}\n{S3}\n{S3}"
    assert clean_text(text, find_duplicates=False) == text


def test_paragraphs_option_routes_through() -> None:
    # In blocks mode each blank-line block is one paragraph and the two blocks differ in order: nothing
    # repeats. By line (and in auto mode: short lines are not hard-wrapped) the last two lines copy the first.
    text = "Patriot missiles for Ukraine?\nVenue with past significance\n\nVenue with past significance\nPatriot missiles for Ukraine?"
    assert clean_text(text, paragraphs="lines") == "Patriot missiles for Ukraine?\nVenue with past significance"
    assert clean_text(text) == "Patriot missiles for Ukraine?\nVenue with past significance"
    assert clean_text(text, paragraphs="blocks") == text


# -------------------------------------------------------------------------------------------- corpus


def test_corpus_keeps_the_first_copy_across_documents() -> None:
    docs = [
        {"id": "a", "text": f"Skip to content\n{S1} {S2}", "url": "https://example.org/a"},
        {"id": "b", "text": f"{S3}\n\n{S1} {S2}", "url": "https://example.org/b"},
        {"id": "c", "text": f"{S1} {S2}\n17 minutes ago"},
    ]
    a, b, c = clean_corpus(docs)
    assert (a.id, a.text) == ("a", f"{S1} {S2}")
    assert (b.id, b.text) == ("b", S3)
    (dup,) = b.removals
    assert (dup.doc, dup.line, dup.reason, dup.kept, dup.similarity) == ("b", 3, "duplicate", {"doc": "a", "line": 2}, 1.0)
    assert (c.id, c.text) == ("c", None)  # nothing left
    assert [(r.line, r.reason) for r in c.removals] == [(1, "duplicate"), (2, "boilerplate")]
    assert c.removals[0].kept == {"doc": "a", "line": 2}


def test_corpus_reports_near_duplicates_with_their_similarity() -> None:
    para = f"{S1} {S2} {S3}"
    near = para.replace("Tuesday", "Wednesday").replace("ammunition", "shells")
    first, second = clean_corpus([para, near])
    assert first.text == para and first.removals == []
    assert second.text is None
    (r,) = second.removals
    assert r.reason == "duplicate" and r.kept == {"doc": "0", "line": 1} and 0.5 <= r.similarity < 1.0


def test_repeated_sentences_are_per_document() -> None:
    # A sentence that another document also holds is no repeat (paragraph dedup decides across documents).
    a, b = clean_corpus([f"{S1} {S2}", f"{S3} {S1}"])
    assert (a.text, b.text) == (f"{S1} {S2}", f"{S3} {S1}")


def test_mapping_fields_are_carried() -> None:
    record = {"id": 7, "text": f"{S1}\n\n{S2}", "url": "https://example.org", "meta": {"lang": "en"}}
    (c,) = clean_corpus([record])
    assert c.id == "7"
    assert c.fields == record
    assert c.text == f"{S1}\n\n{S2}"


def test_text_and_id_fields_are_options() -> None:
    (c,) = clean_corpus([{"key": "x1", "body": f"Share this article\n{S1}"}], text_field="body", id_field="key")
    assert (c.id, c.text) == ("x1", S1)


def test_missing_text_field_is_an_input_error() -> None:
    with pytest.raises(InputError):
        list(clean_corpus([{"id": "a", "body": S1}]))


def test_documents_and_strings() -> None:
    docs = [Document("first", f"{S1}\n{S2}", source="a.txt"), S3, S2]
    first, second, third = clean_corpus(docs)
    assert (first.id, first.source, first.text) == ("first", "a.txt", f"{S1}\n{S2}")
    assert (second.id, second.text) == ("1", S3)
    assert (third.id, third.text) == ("2", None)  # S2 is line 2 of "first", one paragraph per line
    assert third.removals[0].kept == {"doc": "first", "line": 2}


def test_order_of_output_is_input_order() -> None:
    docs = [{"id": str(i), "text": f"Document number {i} talks about the talks in Brussels on day {i} of the summit."} for i in range(40)]
    assert [c.id for c in clean_corpus(docs)] == [str(i) for i in range(40)]


def test_jobs_do_not_change_the_result() -> None:
    docs = [f"{S1} {S2}\nSkip to content", f"{S3}\n{S1} {S2}", f"{S4} {S4}", "Share this article"] * 3
    assert list(clean_corpus(docs, jobs=2)) == list(clean_corpus(docs, jobs=1))


# ------------------------------------------------------------------------------------ line numbers


def test_removal_lines_are_1_based_input_lines() -> None:
    text = "\r\n".join(["", "Skip to content", "", "", S1, "17 minutes ago", S2, "", f"{S3} {S1}", "Share this article"])
    c = one(text)
    # S1 alone on line 5 is contained in line 9, which keeps it in context: line 5 goes
    assert reasons(c) == [(2, "boilerplate"), (5, "duplicate"), (6, "boilerplate"), (10, "boilerplate")]
    contained = c.removals[1]
    assert contained.kept == {"doc": "0", "line": 9} and contained.text == S1


def test_removal_lines_count_bare_carriage_returns() -> None:
    c = one(f"{S1} {S2}\r{S3}\r\r{S1} {S2}")
    assert reasons(c) == [(4, "duplicate")]
    assert c.text == f"{S1} {S2}\n{S3}"


# ------------------------------------------------------------------------------------ public functions


def test_clean_text_of_all_boilerplate_is_empty() -> None:
    assert clean_text("Skip to content\nShare this article\n17 minutes ago\nhttps://t.co/abc123") == ""


def test_clean_text_of_nothing_is_empty() -> None:
    assert clean_text("") == ""
    assert clean_text("\n \n\u00a0\n") == ""


def test_clean_text_of_a_short_line() -> None:
    assert clean_text("Yes.") == "Yes."


def test_clean_text_repairs() -> None:
    assert clean_text("The cafÃ© is open on Sundays and serves breakfast until noon.") == (
        "The café is open on Sundays and serves breakfast until noon."
    )


def test_clean_text_strips_boilerplate_and_keeps_content() -> None:
    text = f"Skip to content\n{S1} Sign up for our newsletter.\n\n{S2}\nShare this article"
    assert clean_text(text) == f"{S1}\n\n{S2}"


def test_strip_boilerplate_does_not_repair_or_dedup() -> None:
    text = f"Share this article\nThe cafÃ© is open. {S1} {S1}"
    assert strip_boilerplate(text) == f"The cafÃ© is open. {S1} {S1}"


def test_strip_boilerplate_docstring_example() -> None:
    assert strip_boilerplate("Share this article\nThe minister resigned on Monday. Sign up for our newsletter.") == (
        "The minister resigned on Monday."
    )


def test_strip_boilerplate_disable_family() -> None:
    text = f"Share this article\n{S1}"
    assert strip_boilerplate(text, disable=["share"]) == text


def test_strip_boilerplate_off() -> None:
    text = f"Skip to content\n{S1} {S1}"
    assert clean_text(text, strip_boilerplate=False) == f"Skip to content\n{S1}"


def test_config_object_and_options() -> None:
    config = DedupConfig.from_options(min_sentence_words=20)
    text = f"{S1} {S2} {S1}"
    assert clean_text(text, config) == text
    assert clean_text(text, config, min_sentence_words=5) == f"{S1} {S2}"
