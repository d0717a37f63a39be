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
        """A few lines for stderr at the end of a run: documents, bytes, and a table of removals by reason.

        >>> s = Summary(documents_in=2, documents_out=2, bytes_in=1000, bytes_out=900)
        >>> s.removals.update({"boilerplate": 3, "duplicate": 1}); s.removed_chars.update({"boilerplate": 60, "duplicate": 40})
        >>> print(s.render())
        documents: 2 in, 2 written, 0 left empty (not written)
        bytes: 1,000 in, 900 out (90.0% kept)
        removed:      count  chars
          boilerplate     3     60
          duplicate       1     40
          total           4    100
        """
        share = f" ({self.bytes_out / self.bytes_in:.1%} kept)" if self.bytes_in else ""
        lines = [
            f"documents: {self.documents_in} in, {self.documents_out} written, {self.documents_emptied} left empty (not written)",
            f"bytes: {self.bytes_in:,} in, {self.bytes_out:,} out{share}",
        ]
        if not self.removals:
            return "\n".join([*lines, "removed: nothing"])
        rows = [(reason, f"{self.removals[reason]:,}", f"{self.removed_chars[reason]:,}") for reason in sorted(self.removals)]
        rows.append(("total", f"{self.removals.total():,}", f"{self.removed_chars.total():,}"))
        name = max(len(r[0]) for r in rows) + 2
        count = max(len("count"), *(len(r[1]) for r in rows))
        chars = max(len("chars"), *(len(r[2]) for r in rows))
        lines.append(f"{'removed:':<{name}} {'count':>{count}}  {'chars':>{chars}}")
        lines.extend(f"  {reason:<{name - 2}} {n:>{count}}  {c:>{chars}}" for reason, n, c in rows)
        return "\n".join(lines)
