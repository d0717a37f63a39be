"""Shared fixtures: the repository's seeds and cleaned/ folders, ../shared when present, a CliRunner."""

from __future__ import annotations

import gzip
import json
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


# A 30+ word paragraph and a near copy (two words changed, curly instead of straight quotes).
PARA = (
    'The city council voted on Tuesday to expand the harbour ferry service to three new stops, saying the '
    '"extra boats" would cut commuting times for thousands of residents who now drive along the crowded '
    "coast road every morning."
)
PARA_COPY = (
    "The city council voted on Wednesday to expand the harbor ferry service to three new stops, saying the "
    "\u201cextra boats\u201d would cut commuting times for thousands of residents who now drive along the crowded "
    "coast road every morning."
)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_jsonl(path: Path, records: list[object], compress: bool = False) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def ok(result) -> None:
    """A command that succeeded; its output and exception otherwise."""
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"


def one_line_error(result, code: int, *names: str) -> str:
    """The one-line error of a command that failed with `code`, naming each of `names`."""
    assert result.exit_code == code, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("dedup: error: ")
    for name in names:
        assert name in line, (name, line)
    return line
