"""`dedup rules` (alone or `rules list`) lists the rules; `dedup rules test LINE...` says which rule fires
on each line and what is left of it."""

from __future__ import annotations

from dedup.cli import main


def test_rules_alone_is_rules_list(runner):
    alone, listed = runner.invoke(main, ["rules"]), runner.invoke(main, ["rules", "list"])
    assert alone.exit_code == listed.exit_code == 0
    assert alone.stdout == listed.stdout and "share.article_shared" in alone.stdout
    disabled = runner.invoke(main, ["rules", "list", "--disable", "share"]).stdout
    assert "share." not in disabled and disabled == runner.invoke(main, ["rules", "--disable", "share"]).stdout


def test_rules_test_names_the_rule_and_what_is_left(runner):
    result = runner.invoke(main, ["rules", "test", "Share this article",
                                  "The minister resigned on Monday. Sign up for our newsletter."])
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[:6] == [
        "line:  Share this article",
        "rule:  share.article_shared  removes 'Share this article'",
        "left:  (nothing)",
        "line:  The minister resigned on Monday. Sign up for our newsletter.",
        "rule:  subscribe.newsletter  removes 'Sign up for our newsletter.'",
        "left:  The minister resigned on Monday.",
    ]


def test_rules_test_repairs_first_and_exits_1_when_nothing_fires(runner):
    result = runner.invoke(main, ["rules", "test", "The cafÃ© reopened on Monday after a long renovation."])
    assert result.exit_code == 1
    assert "rule:  none fires" in result.stdout and "left:  The café reopened" in result.stdout
    off = runner.invoke(main, ["rules", "test", "--disable", "share", "Share this article"])
    assert off.exit_code == 1 and "left:  Share this article" in off.stdout
    assert runner.invoke(main, ["rules", "--disable", "share", "test", "Share this article"]).exit_code == 1
    bad = runner.invoke(main, ["rules", "test", "--disable", "nosuch", "x"])
    assert bad.exit_code == 2 and "dedup: error: cannot disable unknown rule family 'nosuch'" in bad.stderr
