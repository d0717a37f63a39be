"""Shared fixtures: the repository's seeds and cleaned/ folders, ../shared when present, a CliRunner."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

# When a property fails, hypothesis imports libcst (if installed) to suggest a patch; libcst warns on
# import, which filterwarnings=error would turn into an internal error. Import it once, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import hypothesis.extra._patching  # noqa: F401
    except ImportError:
        pass

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CLEANED = ROOT / "cleaned"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
