"""The shipped boilerplate rules: their examples, their worst cases, the engine that applies them, the
seed articles, and user rule files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup.boilerplate import Rule, Stripper, builtin_rules, load_rule_file, load_rules
from dedup.boilerplate.engine import RuleGroup
from dedup.boilerplate.literals import ASCII_CASE_TWINS, WHITESPACE, Needs, is_caseless_sign, pattern_needs
from dedup.boilerplate.rules import UNITS
from dedup.errors import RuleError
from dedup.paragraphs import split_sentences
from dedup.records import Line

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RULES = builtin_rules()
BY_ID = {rule.id: rule for rule in RULES}
STRIPPER = Stripper(RULES)


def strip_all(lines: list[Line]) -> tuple[list[Line], list]:
    """Every shipped rule as the pipeline applies them: line rules first, edge rules on what is left."""
    kept, hits = STRIPPER.strip_lines(lines)
    kept, edge_hits = STRIPPER.strip_edges(kept)
    return kept, sorted([*hits, *edge_hits], key=lambda hit: hit.line)


def strip(*texts: str) -> tuple[list[Line], list]:
    """Run the shipped rules over lines numbered from 1."""
    return strip_all([Line(n, t) for n, t in enumerate(texts, 1)])


# --- every rule: metadata and examples ---------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_metadata(rule: Rule) -> None:
    assert rule.unit in UNITS
    family, _, name = rule.id.partition(".")
    assert family == rule.family and name
    assert rule.description.strip() and "\n" not in rule.description
    assert rule.languages
    assert rule.match and rule.no_match


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(rule: Rule) -> None:
    for text in rule.match:
        assert rule.find(text) is not None, text
    for text in rule.no_match:
        assert rule.find(text) is None, text


def test_ids_unique_and_families_present() -> None:
    assert len(BY_ID) == len(RULES)
    families = {rule.family for rule in RULES}
    assert families >= {
        "navigation", "timestamps", "credits", "signoff", "urls", "share", "subscribe", "disclaimers",
        "cookies", "related", "counters", "ads", "bylines", "comments", "markup",
    }


# --- worst cases: no pattern may backtrack catastrophically ------------------------------------------

SENTENCE = "NATO foreign ministers are meeting in Bucharest to discuss more aid for Ukraine over the winter. "
BASES = ("a", " ", "a ", "1", "-", "Aa", "A ", "| ", "1:", SENTENCE)


def adversarial(rule: Rule, n: int) -> list[str]:
    """Long repetitive strings, and the rule's own examples repeated with and without separators."""
    pieces = [*BASES, *rule.match, *(m + " " for m in rule.match)]
    return [(p * (n // len(p) + 1))[:n] for p in pieces if p]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_no_catastrophic_backtracking(rule: Rule) -> None:
    for n in (1000, 100_000):
        for text in adversarial(rule, n):
            rule.find(text)
            rule.compiled.search(text, timeout=2.0)  # raises TimeoutError when a pattern runs away
            if rule.unit not in ("prefix", "suffix"):
                rule.compiled.fullmatch(text[:1000], timeout=2.0)


# --- the engine: what each unit removes and what it leaves -------------------------------------------


def test_sentence_rule_removes_one_sentence_and_keeps_the_rest_verbatim() -> None:
    kept, hits = strip(
        "The summit ended on Tuesday.  Sign up for our newsletter. Ministers will meet again in March, "
        "diplomats said."
    )
    assert [line.text for line in kept] == [
        "The summit ended on Tuesday. Ministers will meet again in March, diplomats said."
    ]
    assert [(h.line, h.text, h.rule) for h in hits] == [(1, "Sign up for our newsletter.", "subscribe.newsletter")]


def test_paragraph_without_boilerplate_is_returned_unchanged() -> None:
    text = "Ministers  met in Brussels.   They agreed on   more aid."
    kept, hits = strip(text)
    assert hits == [] and kept[0].text == text


def test_prefix_rule_cuts_only_the_prefix() -> None:
    kept, hits = strip("date 2022-11-29 NATO ministers met in Bucharest on Tuesday.")
    assert kept[0].text == "NATO ministers met in Bucharest on Tuesday."
    assert [(h.line, h.text, h.rule) for h in hits] == [(1, "date 2022-11-29", "timestamps.date_prefix")]


def test_suffix_rules_cut_only_the_suffix() -> None:
    kept, hits = strip(
        "Ministers pose for a family photo. IMAGES",
        "President Joe Biden speaks in the Rose Garden. (AP Photo/Evan Vucci)",
        "The council met on Monday and approved the budget. Read more »",
    )
    assert [line.text for line in kept] == [
        "Ministers pose for a family photo.",
        "President Joe Biden speaks in the Rose Garden.",
        "The council met on Monday and approved the budget.",
    ]
    assert [(h.line, h.text, h.rule) for h in hits] == [
        (1, "IMAGES", "credits.gallery_suffix"),
        (2, "(AP Photo/Evan Vucci)", "credits.caption_suffix"),
        (3, "Read more »", "related.read_more_suffix"),
    ]


def test_tail_rule_removes_signoff_and_teasers_but_keeps_later_sentences() -> None:
    kept, hits = strip(
        "Foreign ministers from across NATO gathered in Bucharest on Tuesday to discuss support.",
        "",
        "rc/dj (AFP, dpa, Reuters, AP)",
        "",
        "China: Police deployed in force to prevent protests",
        "Politics1 hour ago",
        "This later line ends with a full stop.",
    )
    assert [line.text for line in kept if line.text] == [
        "Foreign ministers from across NATO gathered in Bucharest on Tuesday to discuss support.",
        "This later line ends with a full stop.",
    ]
    assert [(h.line, h.rule) for h in hits] == [
        (3, "signoff.agency_initials"),
        (5, "signoff.agency_initials"),
        (6, "signoff.agency_initials"),
    ]


def test_edge_rule_fires_only_outside_the_prose() -> None:
    prose = "NATO foreign ministers met in Bucharest on Tuesday to discuss more aid for Ukraine."
    kept, hits = strip("Immigration", prose, "Immigration", prose, "Immigration")
    assert [line.number for line in kept] == [2, 3, 4]
    assert [(h.line, h.rule) for h in hits] == [(1, "navigation.edge_label"), (5, "navigation.edge_label")]


def test_hits_carry_rule_id_and_one_based_line_number() -> None:
    _, hits = strip("A first line of text that stays.", "", "17 minutes ago", "https://p.dw.com/p/4KD8i")
    assert [(h.line, h.text, h.rule) for h in hits] == [
        (3, "17 minutes ago", "timestamps.relative"),
        (4, "https://p.dw.com/p/4KD8i", "urls.bare"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "What has been said so far?",
        "Patriot missiles for Ukraine?",
        "Venue with past significance",
        "Russia and China destabilise the West",
        "UP NEXT",
        "By Monday, the troops had left the city.",
        "By the numbers",
        "He left 17 minutes ago, police said.",
        "Share prices fell on Monday after the announcement.",
        "Shares of Facebook fell 3 percent.",
        "The bakery sells cookies and cakes.",
        "Websites use cookies to track users across the web, the regulator said.",
        "Brokers earn a commission when clients buy shares.",
        "Search continues for missing hikers",
        "Privacy",
        "Navigation",
        "Election Day - Nov 3, 2020",
        "29 November 2018 | 20 January 2019",
        "This article was amended on 29 March 2022.",
        "Follow the money, the investigators said.",
        "Subscribe to the idea of peace, the pope said.",
        "In other news",
        "Comments from the minister angered the opposition.",
        "Vor 17 Minuten verließ er das Haus.",
        "Le régulateur a sanctionné Google pour ses cookies.",
        "Die Zahl der Abonnenten stieg um 5 Prozent.",
    ],
)
def test_no_rule_touches_content(text: str) -> None:
    kept, hits = strip(text)
    assert hits == [] and [line.text for line in kept] == [text]


# --- the seed articles ------------------------------------------------------------------------------

# (seed, line, removed text, rule): everything the shipped rules remove from the seeds, nothing else.
SEED_REMOVALS = {
    ("000", 1, "Description", "navigation.edge_label"),
    ("000", 2, "Added on the 04/01/2022 17:12:53 - Copyright : Euronews EN", "disclaimers.added_on_copyright"),
    ("000", 3, "IMAGES", "credits.gallery_suffix"),
    ("000", 4, "IMAGES", "credits.gallery_suffix"),
    ("000", 5, "IMAGES", "credits.gallery_suffix"),
    ("000", 6, "IMAGES", "credits.gallery_suffix"),
    ("000", 8, "Immigration", "navigation.edge_label"),
    ("001", 13, "This article is shared:", "share.article_shared"),
    ("001", 14, "EU Reporter publishes articles sourced from many outside sources that reflect a broad range of "
                "views.", "disclaimers.sourced_from_outside"),
    ("001", 14, "These articles do not necessarily reflect the views of EU Reporter.", "disclaimers.views_not_reflect"),
    ("002", 1, "date 2022-11-29", "timestamps.date_prefix"),
    ("002", 1, "1. Skip to content", "navigation.skip_link"),
    ("002", 3, "Image: Bernd Riegert/DW", "credits.image_credit"),
    ("002", 4, "PoliticsUkraine", "navigation.glued_labels"),
    ("002", 8, "17 minutes ago", "timestamps.relative"),
    ("002", 12, "https://p.dw.com/p/4KD8i", "urls.bare"),
    ("002", 42, "rc/dj (AFP, dpa, Reuters, AP)", "signoff.agency_initials"),
    ("002", 44, "The Chinese police form line during a protest against the COVID restrictions",
     "signoff.agency_initials"),
    ("002", 46, "China: Police deployed in force to prevent protests", "signoff.agency_initials"),
    ("002", 48, "Politics1 hour ago", "signoff.agency_initials"),
    ("003", 3, "4 December 2024 16:16", "timestamps.dateline"),
    ("004", 9, "Don’t worry we won’t send you spam or share your email address with anyone.", "subscribe.no_spam"),
    ("004", 16, "BELGIUM-NATO-UKRAINE-RUSSIA.", "credits.agency_slug"),
    ("004", 34, "Start your Independent Premium subscription today.", "subscribe.start_subscription"),
}


def seed_lines(path: Path) -> list[Line]:
    return [Line(n, text.strip()) for n, text in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)]


@pytest.fixture(scope="module")
def stripped_seeds() -> dict[str, tuple[list[Line], list[Line], list]]:
    out = {}
    for path in sorted(SEEDS.glob("*.txt")):
        lines = seed_lines(path)
        kept, hits = strip_all([Line(line.number, line.text) for line in lines])
        out[path.name[:3]] = (lines, kept, hits)
    return out


def test_seeds_lose_exactly_their_boilerplate(stripped_seeds) -> None:
    assert len(stripped_seeds) == 5
    removed = {(seed, h.line, h.text, h.rule) for seed, (_, _, hits) in stripped_seeds.items() for h in hits}
    assert removed == SEED_REMOVALS


def test_seed_headings_and_paragraphs_stay_verbatim(stripped_seeds) -> None:
    touched = {(seed, line) for seed, line, _, _ in SEED_REMOVALS}
    for seed, (lines, kept, _) in stripped_seeds.items():
        kept_by_number = {line.number: line.text for line in kept}
        for line in lines:
            if line.text and (seed, line.number) not in touched:
                assert kept_by_number.get(line.number) == line.text, (seed, line.number)
    _, kept, _ = stripped_seeds["002"]
    texts = [line.text for line in kept]
    for heading in ("What has been said so far?", "Patriot missiles for Ukraine?", "Venue with past significance"):
        assert heading in texts
    assert "Russia and China destabilise the West" in [line.text for line in stripped_seeds["003"][1]]


def test_seed_lines_with_removed_sentences_keep_the_rest(stripped_seeds) -> None:
    lines, kept, _ = stripped_seeds["004"]
    kept_by_number = {line.number: line.text for line in kept}
    spam = "Don’t worry we won’t send you spam or share your email address with anyone. "
    assert kept_by_number[9] == lines[8].text.replace(spam, "")
    assert kept_by_number[34] == lines[33].text.replace("Start your Independent Premium subscription today. ", "")
    assert kept_by_number[34].startswith("This article was amended on 29 March 2022.")
    assert kept_by_number[16] == "West fears China could help support Russia with arms, trade lifelines and propaganda."
    assert stripped_seeds["000"][1][1].text.endswith("how to help the country as winter arrives.")
    assert [line.number for line in stripped_seeds["001"][1] if line.text] == list(range(1, 13))


# --- user rule files --------------------------------------------------------------------------------

GOOD_RULE = """
[[rule]]
id = "local.station_promo"
family = "local"
description = "A radio station's promo line."
unit = "line"
languages = ["en"]
pattern = '''Listen live on \\d{2,3}\\.\\d FM'''
match = ["Listen live on 101.5 FM"]
no_match = ["Listen to the minister's speech."]
"""


def write(tmp_path: Path, text: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rule_file_loads_and_applies(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE)
    (rule,) = load_rule_file(path)
    assert (rule.id, rule.family, rule.unit, rule.source) == ("local.station_promo", "local", "line", str(path))
    assert rule.find("Listen live on 101.5 FM") == (0, 23)
    rules = load_rules((str(path),))
    assert rules[-1].id == "local.station_promo" and len(rules) == len(RULES) + 1
    kept, hits = Stripper(rules).strip_lines([Line(1, "Listen live on 99.1 FM"), Line(2, "The vote is on Sunday.")])
    assert [line.text for line in kept] == ["The vote is on Sunday."]
    assert [(h.line, h.rule) for h in hits] == [(1, "local.station_promo")]


def test_a_rule_file_is_compiled_once_and_again_when_edited(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE)
    (first,) = load_rule_file(path)
    assert load_rule_file(path)[0] is first and load_rules((str(path),))[-1] is first  # not compiled again
    write(tmp_path, GOOD_RULE.replace("local.station_promo", "local.station_ad"))
    (edited,) = load_rule_file(path)
    assert edited.id == "local.station_ad" and edited.find("Listen live on 101.5 FM") == (0, 23)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("pattern = '''Listen live on \\d{2,3}\\.\\d FM'''", "pattern = '''Listen (live'''", "bad pattern"),
        ("pattern = '''Listen live on \\d{2,3}\\.\\d FM'''\n", "", "lacks pattern"),
        ('unit = "line"', 'unit = "paragraph"', "unit 'paragraph'"),
        ('languages = ["en"]', 'languages = ["en"]\nflags = "i"', "unknown keys ['flags']"),
        ('match = ["Listen live on 101.5 FM"]', 'match = ["Listen live on FM"]', "does not match its example"),
        ('no_match = ["Listen to the minister\'s speech."]', 'no_match = ["Listen live on 88.0 FM"]', "listed under no_match"),
        ('languages = ["en"]', 'languages = "en"', "languages must be a list"),
    ],
    ids=["bad-pattern", "missing-key", "wrong-unit", "unknown-key", "failing-match", "failing-no-match", "bad-languages"],
)
def test_bad_user_rule_names_file_and_rule(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD_RULE
    path = write(tmp_path, GOOD_RULE.replace(old, new))
    with pytest.raises(RuleError) as err:
        load_rule_file(path)
    text = str(err.value)
    assert str(path) in text and "'local.station_promo'" in text and message in text


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE.replace('family = "local"', 'family = "local'))
    with pytest.raises(RuleError, match="not valid TOML") as err:
        load_rule_file(path)
    assert str(path) in str(err.value)


def test_file_without_rules_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, 'title = "no rules here"\n')
    with pytest.raises(RuleError, match=r"no rules found") as err:
        load_rule_file(path)
    assert str(path) in str(err.value)


def test_duplicate_rule_id_names_both_files(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE.replace("local.station_promo", "urls.bare"))
    with pytest.raises(RuleError) as err:
        load_rules((str(path),))
    text = str(err.value)
    assert str(path) in text and "'urls.bare'" in text and "rules/urls.toml" in text


def test_disabling_a_family_drops_it() -> None:
    rules = load_rules(disable=("credits",))
    assert rules and not any(rule.family == "credits" for rule in rules)
    assert {rule.id for rule in rules} == {rule.id for rule in RULES if rule.family != "credits"}
    kept, hits = Stripper(rules).strip_lines([Line(1, "Image: Bernd Riegert/DW")])
    assert hits == [] and kept[0].text == "Image: Bernd Riegert/DW"


def test_disabling_an_unknown_family_fails() -> None:
    with pytest.raises(RuleError, match="unknown rule family 'credit'"):
        load_rules(disable=("credit",))


def test_backtracking_guard_catches_a_runaway_pattern(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE.replace("Listen live on \\d{2,3}\\.\\d FM", "(?:a|aa)+b")
                 .replace("Listen live on 101.5 FM", "aab").replace("Listen to the minister's speech.", "b"))
    (rule,) = load_rule_file(path)
    with pytest.raises(TimeoutError):
        for text in adversarial(rule, 1000):
            rule.compiled.fullmatch(text, timeout=0.5)


def test_runaway_rule_counts_as_no_match_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, GOOD_RULE.replace("Listen live on \\d{2,3}\\.\\d FM", "(?:a|aa)+b")
                 .replace("Listen live on 101.5 FM", "aab").replace("Listen to the minister's speech.", "b"))
    (rule,) = load_rule_file(path)
    with caplog.at_level("WARNING", logger="dedup"):
        assert rule.find("a" * 200 + "c") is None
    assert any(rule.id in record.getMessage() and "no match" in record.getMessage() for record in caplog.records)


# --- the rule index: a rule whose needs (literals, sets, length) a text lacks is not tried -----------------


def _texts_for_rules() -> list[str]:
    """Real lines and sentences (seeds, ../shared/eval pages) and every rule's own examples, whole and cut."""
    lines = [line.strip() for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").split("\n")]
    eval_file = SEEDS.parent.parent / "shared" / "eval" / "linebench-dev.jsonl"
    if eval_file.exists():
        lines += [line for record in eval_file.read_text(encoding="utf-8").splitlines() for line in json.loads(record)["lines"]]
    examples = [x for rule in RULES for x in (*rule.match, *rule.no_match)]
    sentences = [line[a:b] for line in lines for a, b in split_sentences(line)]
    return [t for t in dict.fromkeys(lines + sentences + examples + [x[1:] for x in examples] + [x + " Ok." for x in examples]) if t]


RULE_TEXTS = _texts_for_rules()


@pytest.mark.parametrize("unit", [u for u in UNITS if any(r.unit == u for r in RULES)])
def test_rule_index_keeps_every_rule_that_matches(unit: str) -> None:
    group = RuleGroup([r for r in RULES if r.unit == unit])
    texts = [*RULE_TEXTS, *(t.upper() for t in RULE_TEXTS)]
    pairs = [(t, rule) for t in texts for rule in group.rules if rule.find(t) is not None]
    assert len({rule.id for _, rule in pairs}) == len(group.rules)  # the texts exercise every rule
    assert all(rule in group.candidates(t) for t, rule in pairs)
    if unit in ("line", "sentence"):  # and the index rules out most rules on most texts
        assert sum(len(group.candidates(t)) for t in RULE_TEXTS) < len(RULE_TEXTS) * len(group.rules) / 3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*{w for r in RULES for x in r.match for w in x.split()}, "the", "of", ".", ":", "|", "2024", "\u00a9",
                                 "\u0130", "\u0131", "\u017f", "\u212a", "É"]),
                max_size=12).map(" ".join), st.sampled_from([str, str.upper, str.lower, str.title]))
def test_rule_index_never_rules_out_a_match_on_generated_text(words: str, case) -> None:
    text = case(words)
    for unit in ("line", "sentence", "suffix", "tail"):
        group = RuleGroup([r for r in RULES if r.unit == unit])
        candidates = group.candidates(text)
        assert all(rule in candidates for rule in group.rules if rule.find(text) is not None)


def test_the_case_assumptions_of_the_rule_index_hold_for_every_code_point() -> None:
    """ASCII_CASE_TWINS are all the characters `regex` matches to ASCII ignoring case, and no character
    matches a caseless sign ignoring case unless it is one (so those signs are looked for as they are)."""
    chars = [chr(c) for c in range(0x80, 0x110000)]
    ascii_any = regex.compile(r"(?i)[\x00-\x7f]")
    assert [c for c in chars if ascii_any.fullmatch(c)] == list(ASCII_CASE_TWINS)
    signs = [c for c in chars if is_caseless_sign(c)]
    any_sign = regex.compile("(?i)[" + "".join(map(regex.escape, signs)) + "]")
    assert len(signs) > 5000 and "©" in signs and "’" in signs
    assert all(is_caseless_sign(c) for c in chars if any_sign.fullmatch(c))


def test_a_twin_makes_every_rule_a_candidate() -> None:
    group = RuleGroup([r for r in RULES if r.unit == "line"])
    assert BY_ID["navigation.skip_link"].find("S\u212aIP TO CONTENT") is not None  # the Kelvin sign matches k
    assert BY_ID["navigation.skip_link"] in group.candidates("S\u212aIP TO CONTENT")
    assert BY_ID["navigation.skip_link"] in group.candidates("SKIP TO CONTENT")


def test_lower_keeps_the_tokens_of_a_text_apart_for_every_code_point() -> None:
    """What the LiteralIndex relies on to look for a literal's key token by token: lower() maps a space
    to itself and anything else to no space, so text.lower() splits into the lowered tokens of text."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert [c for c in chars if c.isspace()] == list(WHITESPACE)
    assert all(c.lower() == c for c in chars if c.isspace())
    assert not [c for c in chars if not c.isspace() and any(x.isspace() for x in c.lower())]


def _unindexed(stripper: Stripper) -> Stripper:
    """The same rules with a literal index that names every rule for every text: each rule that can
    match a text's length is tried (the slow path the index must agree with)."""
    stripper.literals.found = lambda text: stripper.literals.every  # type: ignore[method-assign]
    return stripper


UNINDEXED = _unindexed(Stripper(RULES))
WORDS = sorted({w for r in RULES for x in (*r.match, *r.no_match) for w in x.split()}
               | {"the", "of", "said", "2024", "\u00a9", "\u0130", "\u0131", "\u017f", "\u212a", "Ã©", "â€™", "Ã¼ber",
                  "café", "Zürich", "ÉTÉ", "—", "-", ".", ":", "|", ">", "»", "(c)", "&lt;b&gt;"})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join), min_size=1, max_size=8),
       st.sampled_from([str, str.upper, str.lower, str.title]))
def test_stripping_with_the_index_is_stripping_without_it(texts: list[str], case) -> None:
    lines = [Line(n, case(t)) for n, t in enumerate(texts, 1)]
    assert Stripper(RULES).strip_lines(lines) == UNINDEXED.strip_lines(lines)


def test_stripping_real_lines_with_the_index_is_stripping_without_it() -> None:
    lines = [Line(n, t) for n, t in enumerate(RULE_TEXTS[:3000], 1)]
    fast, slow = Stripper(RULES).strip_lines(lines), UNINDEXED.strip_lines(lines)
    assert fast == slow and len(fast[1]) > 300  # many rules fire on these lines


@pytest.mark.parametrize(("pattern", "exact", "folded", "sets", "longest"), [
    (r"(?i)skip to (?:main )?content", (), ("skip to ",), (), 20),
    (r"(?x) By\ \p{Lu}\w+ (?:\ \p{Lu}\w+)?", ("By ",), (), (), None),
    (r"(?i:Home)\ ?[>»]\ ?\p{L}{1,20}", (), ("home",), (), 27),
    (r"Publicité|(?i:publicidad)", ("Publicité",), ("publicidad",), (), 10),
    (r"(?i)(?:réagir|commentaire)", (), ("agir", "commentaire"), (), 11),  # é is not folded by lower() alone
    (r"(?i)© \d{4}", (), ("© ",), (), 6),  # a sign without case is looked for as it is
    (r"(?xi) foo \# bar  # a comment", (), ("foo#bar",), (), 7),
    (r"(?=\d)Reuters|AP(?!\w)", ("AP", "Reuters"), (), (), 7),
    (r"(?=[^\n]{0,50}\d{4})\w+(?:\ \w+){0,3}", (), (), (r"(?:\d)" * 4,), None),  # what a lookahead requires
    (r"\d{1,2}:\d{2}\s?[ap]m", (), (), (r"(?:\d):(?:\d)(?:\d)",), 8),  # a chain: from a repeat's last copy on
    (r"(?i)[a-z]\d-|\d\.", (), (), (r"(?i:[a-z])(?i:\d)(?i:\-)", r"(?i:\d)(?i:\.)"), 3),  # a chain over a one-letter literal
    (r"(?s)\d.\d|x?\d{9}", (), (), (r"(?:\d)", r"(?:\d)" * 8), 10),  # `.` breaks a chain; a long repeat is cut
    (r"(?i)\p{Lu}\w+ [>»] \w+", (), (), ("(?i:[>»])",), None),  # a set of signs before a set of letters; a space breaks a chain
    (r"a{2,3}(?:bc)+", ("bc",), (), (), None),
    (r"\p{Lu}{2,}(?:-\p{Lu}{2,}){2,}\.?", (), (), (r"\-(?:\p{Lu})(?:\p{Lu})",), None),  # a class beside a literal chains
    (r"(?i)\w+/\p{Ll}", (), (), (r"(?i:\w)(?i:/)(?i:\p{Ll})",), None),
    (r"\p{Lu}\w\p{L}|\S\S", (), (), (), 3),  # classes alone make no chain
    (r"[^ab]x?|\X", (), (), (), None),
])
def test_pattern_needs(pattern: str, exact: tuple[str, ...], folded: tuple[str, ...], sets: tuple[str, ...],
                       longest: int | None) -> None:
    assert pattern_needs(pattern) == Needs(exact, folded, sets, longest)


ATOMS = ["a", "b", "A", "-", " ", r"\d", "[xy]", "[^a]", ".", r"\.", r"\b", "(?:ab|b)", "(?i:a)", "(?=b)", "(?:a|)",
         r"\p{Lu}", r"\w", "[^ y]"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(["", "?", "+", "*", "{2}", "{1,3}", "{0,2}", "{3,}"])),
                min_size=1, max_size=6).map(lambda parts: "".join(a + q for a, q in parts if not q or a not in (r"\b", "(?=b)"))),
       st.text(alphabet="abAB1-x y.", max_size=24), st.booleans())
@example(r"-\d+-", "a-12-", False)  # a chain through a repeat of varying length would miss this
def test_every_match_holds_what_pattern_needs_names(pattern: str, text: str, ignore_case: bool) -> None:
    """A text that a generated pattern matches holds one of its needs' literals, sets or chains, and the
    match is no longer than their longest."""
    pattern = f"(?i){pattern}" if ignore_case else pattern
    needs, match = pattern_needs(pattern), regex.search(pattern, text)
    if needs is None or match is None:
        return
    assert needs.longest is None or len(match.group()) <= needs.longest
    if needs.items:
        assert (any(s in text for s in needs.exact) or any(s in text.lower() for s in needs.folded)
                or any(regex.search(s, text) for s in needs.sets))


@pytest.mark.parametrize("pattern", [r"(\w+) \1", r"(?V1)by", r"(?f)strasse", r"(?r)end", r"(?:fuzzy){e<=1}", r"a(?i)b",
                                     r"\L<words>", r"(?P=name)", r"[unclosed", r"(?(1)a|b)"])
def test_syntax_outside_the_subset_leaves_a_rule_always_tried(pattern: str) -> None:
    assert pattern_needs(pattern) is None


def test_a_set_that_matches_a_space_is_searched_in_the_text_not_in_tokens(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        "[[rule]]\nid = 'mine.pair'\nfamily = 'mine'\ndescription = 'Two words and a separator.'\nunit = 'line'\n"
        "languages = ['en']\npattern = \'\'\'\\w+[\\s,]\\w+\'\'\'\nmatch = ['bye bye', 'bye,bye']\nno_match = ['byebye']\n",
        encoding="utf-8")
    (rule,) = load_rule_file(path)
    assert pattern_needs(rule.pattern) == Needs((), (), ("(?:[\\s,])",), None)
    group = RuleGroup([rule])
    assert group.index.sets and not group.literals.sets  # a space is no token's
    assert group.first("bye bye") is rule and group.first("bye,bye") is rule and group.candidates("byebye") == []


def test_a_rule_the_analysis_cannot_read_is_tried_on_every_text(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        "[[rule]]\nid = 'mine.twice'\nfamily = 'mine'\ndescription = 'A word said twice.'\nunit = 'line'\n"
        "languages = ['en']\npattern = \'\'\'(\\w+) \\1\'\'\'\nmatch = ['bye bye']\nno_match = ['bye now']\n", encoding="utf-8")
    rules = (*load_rule_file(path), BY_ID["navigation.skip_link"])
    group = RuleGroup(list(rules))
    assert group.candidates("bye bye") == [rules[0]] and group.first("bye bye") is rules[0]
    assert group.first("Skip to content") is rules[1]
