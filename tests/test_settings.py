"""Settings files: dedup.toml or [tool.dedup] in pyproject.toml in the working directory, or --config;
the command line's names (dashes or underscores), values checked by the options' own types, flags on the
command line winning, and `dedup config show` printing the effective settings as TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dedup.cli import main

from conftest import CLEANED, SEEDS, write

MOJIBAKE = "The cafÃ© on the corner reopened on Monday after a long renovation of its old kitchen.\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in" / "cafe.txt", MOJIBAKE)
    return tmp_path


def show(runner, *args: str) -> dict:
    result = runner.invoke(main, ["config", "show", *args])
    assert result.exit_code == 0, result.output
    return tomllib.loads(result.stdout)


def test_defaults_round_trip_through_config_show(runner, here):
    settings = show(runner)
    assert settings["threshold"] == 0.5 and settings["min-words"] == 10 and settings["repair"] == "conservative"
    assert settings["disable"] == [] and settings["strip-boilerplate"] is True
    assert "out" not in settings  # no default: nothing to show


@pytest.mark.parametrize("name", ["dedup.toml", "pyproject.toml"])
def test_a_settings_file_in_the_working_directory_is_used(runner, here, name):
    body = 'repair = "off"\nmin_words = 8\ndisable = ["credits"]\n'
    write(here / name, ("[project]\nname = 'x'\n[tool.dedup]\n" + body) if name == "pyproject.toml" else body)
    settings = show(runner)
    assert (settings["repair"], settings["min-words"], settings["disable"]) == ("off", 8, ["credits"])
    result = runner.invoke(main, ["clean", "in", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert (here / "out" / "cafe.txt").read_text(encoding="utf-8") == MOJIBAKE.replace("\n", "") + "\n"  # repair off


def test_command_line_flags_override_the_file(runner, here):
    write(here / "dedup.toml", 'repair = "off"\n')
    result = runner.invoke(main, ["clean", "in", "--out", "out", "--repair", "conservative"])
    assert result.exit_code == 0, result.output
    assert "café" in (here / "out" / "cafe.txt").read_text(encoding="utf-8")


def test_config_option_names_another_file_and_wins_over_the_working_directory(runner, here):
    write(here / "dedup.toml", "threshold = 0.7\n")
    write(here / "other.toml", "threshold = 0.6\nsource-priority = ['wire/*']\n")
    assert show(runner)["threshold"] == 0.7
    settings = show(runner, "--config", "other.toml")
    assert settings["threshold"] == 0.6 and settings["source-priority"] == ["wire/*"]


def test_restore_and_explain_read_report_and_repair_from_the_settings(runner, here):
    write(here / "dedup.toml", f'report = "{(CLEANED / "report.jsonl").as_posix()}"\nout = "{CLEANED.as_posix()}"\n')
    result = runner.invoke(main, ["explain", "002_8c011e64549327f4.txt", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "boilerplate timestamps.relative" in result.stdout
    # restore never takes --out from the settings: it would write over clean's output
    result = runner.invoke(main, ["restore", str(SEEDS)])
    assert result.exit_code == 2 and "Missing option '--out'" in result.output


@pytest.mark.parametrize(("body", "message"), [
    ("treshold = 0.6\n", "dedup.toml: unknown key 'treshold'; known keys: context, disable, document-threshold"),
    ("threshold = 1.5\n", "dedup.toml: threshold: 1.5 is not in the range 0<x<=1"),
    ('keep = "last"\n', "dedup.toml: keep: 'last' is not one of 'first', 'longest'"),
    ('disable = "credits"\n', 'dedup.toml: disable: expected a list, e.g. disable = ["credits"]'),
    ("min-words = [3]\n", "dedup.toml: min-words: expected a single value, not list"),
    ("threshold = \n", "dedup.toml: malformed TOML"),
])
def test_bad_settings_are_one_line_errors_naming_file_and_key(runner, here, body, message):
    write(here / "dedup.toml", body)
    for args in (["clean", "in", "--out", "out"], ["config", "show"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith(f"dedup: error: {message}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (here / "out").exists()


def test_rules_commands_take_rule_files_and_disabled_families_from_the_settings(runner, here):
    write(here / "mine.toml", "\n".join([
        "[[rule]]", 'id = "mine.promo"', 'family = "mine"', 'description = "A promotion."', 'unit = "line"',
        'pattern = "(?i)buy one get one free"', 'match = ["Buy one get one free"]', 'no_match = ["Buy one"]', ""]))
    write(here / "dedup.toml", 'rules = ["mine.toml"]\ndisable = ["share"]\n')
    for args in (["rules"], ["rules", "list"], ["rules", "--disable", "share", "list"]):
        listed = runner.invoke(main, args)
        assert listed.exit_code == 0, (args, listed.output)
        assert "mine.promo" in listed.stdout and "share." not in listed.stdout, args
    tested = runner.invoke(main, ["rules", "test", "Buy one get one free", "Share this article"])
    assert tested.exit_code == 0 and "rule:  mine.promo" in tested.stdout and "left:  Share this article" in tested.stdout
