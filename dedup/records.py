"""The records that flow through the pipeline: documents, their lines and paragraphs, and removals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Line:
    """One line of a document, with its 1-based number in the input and its current text."""

    number: int
    text: str


@dataclass(slots=True)
class Paragraph:
    """A run of kept lines that forms one paragraph; `lines` index into the document's lines."""

    index: int
    lines: list[Line]
    block: int = 0  # which blank-line separated block of the document it comes from

    @property
    def first_line(self) -> int:
        return self.lines[0].number

    @property
    def text(self) -> str:
        lines = self.lines
        return lines[0].text if len(lines) == 1 else "\n".join([line.text for line in lines])


@dataclass(slots=True)
class Removal:
    """One piece of text taken out of a document, and why: a line of the report."""

    doc: str
    line: int
    text: str
    reason: str
    rule: str | None = None
    kept: dict[str, Any] | None = None
    similarity: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The report record: only the fields that apply to this reason."""
        record: dict[str, Any] = {"doc": self.doc, "line": self.line, "text": self.text, "reason": self.reason}
        if self.rule is not None:
            record["rule"] = self.rule
        if self.kept is not None:
            record["kept"] = self.kept
        if self.similarity is not None:
            record["similarity"] = round(self.similarity, 4)
        return record


@dataclass(slots=True)
class Document:
    """One input document: an id for reports, its text, and where it goes on output.

    `fields` holds the other JSON fields of a JSONL record (written back unchanged); `source` names the
    output file the document belongs to, `order` its position in input order (used for the keep policy).
    """

    id: str
    text: str
    source: str = ""
    order: int = 0
    fields: dict[str, Any] | None = None
