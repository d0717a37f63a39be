"""The README's command-line reference is the click help of every command as it is now, and the
screenshot it shows is there."""

from __future__ import annotations

from importlib.metadata import version

from dedup.cli import main
from dedup.clidoc import END, START, names, rendered_with, update

from conftest import ROOT


def test_readme_cli_reference_is_up_to_date():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert START in text and END in text
    fresh = update(text, main)
    if rendered_with(text) == version("click"):
        assert fresh == text, "the command-line reference is out of date: run python -m dedup.clidoc README.md"
    else:  # another click release words its help its own way; the commands and options must still all be there
        assert names(fresh) == names(text), "the command-line reference is out of date: run python -m dedup.clidoc README.md"


def test_readme_reference_covers_every_command_and_shows_the_report():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("dedup clean", "dedup explain", "dedup restore", "dedup rules list", "dedup rules test", "dedup config show"):
        assert f"### `{command}`" in text, command
    assert "![The HTML report of the seeds](docs/report.png)" in text
    assert (ROOT / "docs" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
