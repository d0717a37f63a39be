"""The run summary (documents, bytes, removals by reason) and its one-screen rendering."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .records import Removal

# A document that keeps less than this share of its bytes, and not because it copies another document,
# is named in the summary: most of it was judged boilerplate, which a user may want to check.
HEAVY_LOSS_KEPT = 0.2
NAMED_HEAVY_LOSSES = 10


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
    heavy_losses: int = 0
    heavy_named: list[str] = field(default_factory=list)

    def add_document(self, bytes_in: int, bytes_out: int | None, removals: list[Removal], doc_id: str = "") -> None:
        """Count one cleaned document; `bytes_out` is None when it was left empty and not written."""
        if (bytes_out or 0) < HEAVY_LOSS_KEPT * bytes_in and not any(r.reason == "duplicate_document" for r in removals):
            self.heavy_losses += 1
            if len(self.heavy_named) < NAMED_HEAVY_LOSSES:
                self.heavy_named.append(doc_id)
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

    def merge(self, other: Summary) -> None:
        """Count another summary's documents after this one's (a source cleaned elsewhere, in input order).

        >>> total, part = Summary(documents_in=1, bytes_in=10), Summary(documents_in=2, bytes_in=5, heavy_losses=1, heavy_named=["b"])
        >>> part.removals["duplicate"] = 1
        >>> total.merge(part); (total.documents_in, total.bytes_in, total.heavy_named, total.removals["duplicate"])
        (3, 15, ['b'], 1)
        """
        self.documents_in += other.documents_in
        self.documents_out += other.documents_out
        self.documents_emptied += other.documents_emptied
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        self.removals.update(other.removals)
        self.removed_chars.update(other.removed_chars)
        self.heavy_losses += other.heavy_losses
        self.heavy_named.extend(other.heavy_named[: NAMED_HEAVY_LOSSES - len(self.heavy_named)])

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
        if self.heavy_losses:
            named = ", ".join(self.heavy_named) + (", ..." if self.heavy_losses > len(self.heavy_named) else "")
            lines.append(f"{self.heavy_losses} documents kept under {HEAVY_LOSS_KEPT:.0%} of their text (see the report): {named}")
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
