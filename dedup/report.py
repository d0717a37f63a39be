"""The run summary (documents, bytes, removals by reason) and its one-screen rendering."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .records import Removal


@dataclass
class Summary:
    """Documents, lines and bytes in and out, and removals (count, characters) by reason."""

    documents_in: int = 0
    documents_out: int = 0
    documents_emptied: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    removals: Counter[str] = field(default_factory=Counter)
    removed_chars: Counter[str] = field(default_factory=Counter)

    def add_document(self, bytes_in: int, bytes_out: int | None, removals: list[Removal]) -> None:
        """Count one cleaned document; `bytes_out` is None when it was left empty and not written."""
        self.documents_in += 1
        self.bytes_in += bytes_in
        if bytes_out is None:
            self.documents_emptied += 1
        else:
            self.documents_out += 1
            self.bytes_out += bytes_out
        for removal in removals:
            self.removals[removal.reason] += 1
            self.removed_chars[removal.reason] += len(removal.text)

    def render(self) -> str:
        """A few lines for stderr at the end of a run."""
        share = f" ({self.bytes_out / self.bytes_in:.1%} kept)" if self.bytes_in else ""
        lines = [
            f"documents: {self.documents_in} in, {self.documents_out} written, {self.documents_emptied} left empty (not written)",
            f"bytes: {self.bytes_in:,} in, {self.bytes_out:,} out{share}",
        ]
        if self.removals:
            parts = [f"{reason} {self.removals[reason]} ({self.removed_chars[reason]:,} chars)" for reason in sorted(self.removals)]
            lines.append("removed: " + ", ".join(parts))
        else:
            lines.append("removed: nothing")
        return "\n".join(lines)
