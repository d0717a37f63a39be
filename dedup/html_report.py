"""The HTML report: one self-contained page (inline CSS and script, nothing fetched) with the run's
summary and every document, its removed text struck through and each removal's reason on hover."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from html import escape

from .corpus import Source
from .records import Removal
from .report import Summary
from .review import Entry, Review, describe

TOP = 10  # rows in the tables of largest clusters and documents that lost most

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#222;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}h3{font-size:1em;margin:1.4em 0 .3em}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:.15em .8em;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:1em}.card{background:#f4f6f8;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.4em}.cols{display:flex;flex-wrap:wrap;gap:0 4em}
.doc{border:1px solid #ddd;border-radius:6px;padding:.2em .8em .6em}
.l{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-word;padding:0 .3em}
.l .n{color:#999;display:inline-block;min-width:3.5em;text-decoration:none;user-select:none}
.l.x{background:#fdf0f0}.l.c{background:#fffbea}
del{color:#b3261e;text-decoration-thickness:1px;cursor:help}
del.boilerplate{color:#9a5b00}del.repeated_sentence{color:#6b4fbb}
a.dup{color:inherit}:target{outline:2px solid #3b82f6}
body.changed .l:not(.c):not(.x){display:none}
"""

SCRIPT = """
document.getElementById('struck').textContent =
  new Set(Array.from(document.querySelectorAll('del[data-r]'), d => d.dataset.r)).size;
document.getElementById('only-changed').addEventListener('change',
  e => document.body.classList.toggle('changed', e.target.checked));
"""


def render_html(reviews: Iterable[tuple[Source, Review]], summary: Summary, title: str = "dedup report") -> str:
    """The whole page for the rebuilt documents of a run and its summary (every text HTML-escaped).

    >>> page = render_html([], Summary(), title="<seeds>")
    >>> page.startswith("<!DOCTYPE html>"), "<title>&lt;seeds&gt;</title>" in page
    (True, True)
    """
    docs = [review for _, review in reviews]
    anchor = {review.doc.id: f"doc-{k}" for k, review in enumerate(docs)}
    entries = [e for review in docs for e in review.entries]
    by_rule = Counter(e.removal.rule for e in entries if e.removal.rule)
    saved = summary.bytes_in - summary.bytes_out
    parts = [
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>",
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>",
        "<div class=cards>",
        _card("documents in", summary.documents_in, "documents-in"),
        _card("written", summary.documents_out, "documents-out"),
        _card("left empty", summary.documents_emptied, "documents-emptied"),
        _card("removals", len(entries), "removals"),
        _card("bytes in", summary.bytes_in, "bytes-in"),
        _card("bytes out", summary.bytes_out, "bytes-out"),
        _card("bytes saved", saved, "bytes-saved", f" ({saved / summary.bytes_in:.1%})" if summary.bytes_in else ""),
        "</div><p>Removals struck through on this page: <b id=struck>(needs the page's script)</b>. "
        "Hover a struck line for its reason; a duplicate links to the copy kept.</p>",
        "<div class=cols><div><h2>Removals by reason</h2>",
        _table(("reason", "count", "characters"), [
            (escape(reason), _num(summary.removals[reason], f"reason-{reason}"), _num(summary.removed_chars[reason]))
            for reason in sorted(summary.removals)]),
        "</div><div><h2>Removals by rule</h2>",
        _table(("rule", "count"), [(escape(rule), _num(n, f"rule-{rule}")) for rule, n in sorted(by_rule.items(), key=lambda x: (-x[1], x[0]))]),
        "</div></div>",
        "<h2>Largest duplicate clusters</h2>",
        _clusters(docs, anchor),
        "<h2>Documents that lost most</h2>",
        _losers(docs, anchor),
        "<h2>Documents</h2><label><input type=checkbox id=only-changed> show only lines that lost something</label>",
        *(_document(review, anchor) for review in docs),
        f"<script>{SCRIPT}</script></body></html>\n",
    ]
    return "\n".join(parts)


def _card(label: str, value: int, ident: str, extra: str = "") -> str:
    return f"<div class=card><b id={ident} data-value={value}>{value:,}</b>{escape(label)}{escape(extra)}</div>"


def _num(value: int, ident: str | None = None) -> str:
    attrs = f" id='{escape(ident)}'" if ident else ""
    return f"<span{attrs} data-value={value}>{value:,}</span>"


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]], numeric: tuple[int, ...] = (1, 2)) -> str:
    """A table of ready HTML cells; the `numeric` columns align right."""
    if not rows:
        return "<p>none</p>"
    cells = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
                   for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def _link(anchor: dict[str, str], doc: str, line: int | None = None) -> str:
    target = anchor.get(doc)
    label = escape(doc) + (f" line {line}" if line is not None else "")
    if target is None:
        return label
    return f"<a href='#{target}{f'-{line}' if line is not None else ''}'>{label}</a>"


def _clusters(docs: list[Review], anchor: dict[str, str]) -> str:
    """The kept paragraphs with the most copies removed (duplicate removals grouped by their kept copy)."""
    copies: dict[tuple[str, int], list[Removal]] = defaultdict(list)
    for review in docs:
        for e in review.entries:
            if e.removal.reason == "duplicate" and e.removal.kept:
                copies[(e.removal.kept["doc"], e.removal.kept["line"])].append(e.removal)
    ranked = sorted(copies.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:TOP]
    rows = [(_link(anchor, doc, line), _num(len(removed) + 1), escape(_short(removed[0].text)),
             ", ".join(_link(anchor, r.doc, r.line) for r in removed[:5]) + (" ..." if len(removed) > 5 else ""))
            for (doc, line), removed in ranked]
    return _table(("kept copy", "copies", "text", "removed copies"), rows, numeric=(1,))


def _losers(docs: list[Review], anchor: dict[str, str]) -> str:
    """The documents with the largest share of their text removed."""
    scored = []
    for review in docs:
        total = sum(len(line.original) for line in review.lines)
        lost = sum(len(s.text) for line in review.lines for s in line.segments if s.removal is not None)
        if lost:
            scored.append((lost / total, lost, review.doc.id))
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
    rows = [(_link(anchor, doc), _num(lost), f"{share:.0%}") for share, lost, doc in scored[:TOP]]
    return _table(("document", "characters removed", "share"), rows)


def _document(review: Review, anchor: dict[str, str]) -> str:
    """One document: every line, kept text as is, removed text struck through with its reason."""
    ident = anchor[review.doc.id]
    out = [f"<section class=doc id={ident}><h3>{escape(review.doc.id)} "
           f"<small>({len(review.entries)} removals{', nothing left' if review.text is None else ''})</small></h3>"]
    for line in review.shown:
        removed = any(s.removal for s in line.segments)
        kept = any(s.removal is None and s.text.strip() for s in line.segments)
        kind = " x" if removed and not kept else " c" if removed else ""
        text = "".join(_segment(s.text, s.removal, anchor) for s in line.segments)
        out.append(f"<div class='l{kind}' id={ident}-{line.number}><a class=n href='#{ident}-{line.number}'>{line.number}</a>{text}</div>")
    out.append("</section>")
    return "".join(out)


def _segment(text: str, entry: Entry | None, anchor: dict[str, str]) -> str:
    if entry is None:
        return escape(text)
    removal = entry.removal
    struck = (f"<del class={removal.reason} data-r={entry.number} title='{escape(describe(removal))}'>"
              f"{escape(text)}</del>")
    kept = removal.kept or {}
    if removal.reason.startswith("duplicate") and kept.get("doc") in anchor:
        return f"<a class=dup href='#{anchor[kept['doc']]}-{kept.get('line')}'>{struck}</a>"
    return struck


def _short(text: str, limit: int = 120) -> str:
    first = text.split("\n", 1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"
