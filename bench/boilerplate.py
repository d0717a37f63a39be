"""Benchmark dedup's default cleaning as a boilerplate remover on labelled news pages.

    python bench/boilerplate.py [--data linebench.jsonl] [--json out.json]

Data: JSON lines {"id", "url", "lines": [str], "labels": [0|1]} (1 = content); by default
../shared/eval/linebench-dev.jsonl (see that folder's README). Pass the held-out half with --data.

Methods, on the same pages in one run:
- dedup: each page is written as <NNN>-<id>.txt (lines joined by "\\n") into one temp folder and the whole
  folder is cleaned at once with `clean_files` and `DedupConfig()`, as `dedup clean` does, so
  cross-page duplicate removal plays its part. A page left empty (not written) keeps no line.
- keep everything, and the C4 line rules (a line stays when it ends in . ! ? or one followed by closing
  quotes, has 3+ words and no "javascript"; per line, no page-level filters).

Scoring (the data README's convention, the same for every method): a gold line is kept when the method's
output page still holds it. Lines of under 3 words: some output line equals it. Longer lines: its text is a
substring of one output line, or at least half of its word 3-grams occur among the output lines' 3-grams.
DECISION: both sides are normalised first (HTML entities unescaped, zero-width characters dropped,
whitespace collapsed), because dedup's repair step does the same and that is not a removal; substrings and
3-grams are taken within output lines, never across a line end. Line and character-weighted (weight = line
length) precision/recall/F1 have content as the positive class.

Removal report: each record's `line` (1-based) names the labelled line at index line-1 of the page its
`doc` (file name) came from; a duplicate paragraph of several lines is reported once, at its first line,
so its other lines are found by walking forward. Families are the part of `rule` before the first dot;
removals without a rule (`duplicate`, `repeated_sentence`, `duplicate_document`) are a family each. A
family's precision is the share of the distinct lines it fired on that are labelled boilerplate; "precision,
3+ words" counts as errors only the content lines of 3 words or more that the output lost (the data labels a
line of 1-2 words content whenever the gold body holds it as a substring anywhere, so "News", "About" or
"___" become content on many pages; and a line removed as a copy of one the page keeps loses nothing). A hit
may take only part of a line (a prefix, a sentence), so "lost" counts the content lines hit that the
scorer also counts as dropped from the dedup output.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from dedup.config import DedupConfig
from dedup.runner import clean_files

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "linebench-dev.jsonl"
INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
C4_END = re.compile(r"[.!?][\"'”’»]*$")
SHOWN_CONTENT_HITS = 15
SHOWN_PER_RULE = 3  # so one noisy rule does not fill the list


def norm(text: str) -> str:
    """Text as a reader sees it: entities unescaped, invisible characters gone, whitespace collapsed."""
    return " ".join(INVISIBLE.sub("", html.unescape(text)).split())


def trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def kept_lines(gold: list[str], output: str | None) -> list[bool]:
    """Which gold lines the output page still holds, by the scoring convention (module docstring)."""
    if output is None:
        return [False] * len(gold)
    out_lines = [norm(line) for line in output.split("\n")]
    whole, joined = set(out_lines), "\n".join(out_lines)
    out_grams = set().union(*(trigrams(line.split()) for line in out_lines))
    kept = []
    for line in map(norm, gold):
        words = line.split()
        if len(words) < 3:
            kept.append(line in whole)
        elif line in joined:
            kept.append(True)
        else:
            grams = trigrams(words)
            kept.append(2 * len(grams & out_grams) >= len(grams))
    return kept


def score(pages: list[dict], kept: list[list[bool]]) -> dict[str, float]:
    """Line and character-weighted precision/recall/F1 over all lines of all pages (content positive)."""
    tot = defaultdict(float)
    for page, flags in zip(pages, kept):
        for line, label, k in zip(page["lines"], page["labels"], flags):
            for unit, weight in (("line", 1), ("char", len(line))):
                tot[unit, "tp"] += weight * (k and label == 1)
                tot[unit, "fp"] += weight * (k and label == 0)
                tot[unit, "fn"] += weight * (not k and label == 1)
    result = {}
    for unit in ("line", "char"):
        tp, fp, fn = tot[unit, "tp"], tot[unit, "fp"], tot[unit, "fn"]
        p, r = tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0
        result.update({f"{unit}_p": p, f"{unit}_r": r, f"{unit}_f1": 2 * p * r / (p + r) if p + r else 0.0})
    return result


def c4_output(lines: list[str]) -> str:
    """The page after the C4 line rules (see module docstring)."""
    return "\n".join(
        line for line in lines
        if C4_END.search(line.rstrip()) and len(line.split()) >= 3 and "javascript" not in line.lower()
    )


def run_dedup(pages: list[dict], tmp: Path) -> tuple[dict[str, str | None], list[dict], dict[str, int]]:
    """Clean all pages together as the CLI does; return output text by file name (None: not written),
    the removal report's records, and the map from file name to page index."""
    src, out, report = tmp / "in", tmp / "out", tmp / "report.jsonl"
    src.mkdir()
    names = {f"{i:04d}-{page['id'][:16]}.txt": i for i, page in enumerate(pages)}  # sorted = input order
    for name, i in names.items():
        (src / name).write_text("\n".join(pages[i]["lines"]), encoding="utf-8")
    clean_files([str(src)], str(out), DedupConfig(), report=str(report))
    outputs = {n: (out / n).read_text(encoding="utf-8") if (out / n).exists() else None for n in names}
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines() if line]
    return outputs, records, names


def holds(line: str, piece: str) -> bool:
    """True when a gold line holds a removed piece: as a substring, or by the scoring convention."""
    return norm(piece) in norm(line) or kept_lines([piece], line)[0]


def removal_lines(record: dict, lines: list[str]) -> tuple[list[int], bool]:
    """0-based gold lines a removal covers, and whether its text was found there (an alignment check:
    the gold line holds it; a line may have lost a repeated sentence before
    the rest went as a duplicate). A multi-line paragraph is reported at its first line: its later lines
    are searched for forward."""
    found, start, aligned = [], record["line"] - 1, True
    for piece in filter(None, record["text"].split("\n")):
        i = next((j for j in range(start, len(lines)) if holds(lines[j], piece)), None)
        if i is None:
            aligned = False
            continue
        found.append(i)
        start = i + 1
    return found or [record["line"] - 1], aligned and bool(found) and found[0] == record["line"] - 1


def family_stats(pages: list[dict], records: list[dict], names: dict[str, int], kept: list[list[bool]]):
    """Per rule family: distinct lines hit, hits on content, content hits lost, precision; and every
    content hit (family, rule, doc, line, text) so wrong firings can be read."""
    hits: dict[str, set[tuple[int, int]]] = defaultdict(set)
    content_hits, misaligned = [], 0
    for rec in records:
        family = rec["rule"].split(".")[0] if rec.get("rule") else rec["reason"]
        d = names[rec["doc"]]
        lines, aligned = removal_lines(rec, pages[d]["lines"])
        misaligned += not aligned
        for i in lines:
            if (d, i) not in hits[family] and pages[d]["labels"][i] == 1:
                content_hits.append({"family": family, "rule": rec.get("rule") or rec["reason"], "doc": rec["doc"],
                                     "words": len(pages[d]["lines"][i].split()),
                                     "line": i + 1, "text": rec["text"], "lost": not kept[d][i]})
            hits[family].add((d, i))
    families = {}
    for family, lines in hits.items():
        on_content = [h for h in content_hits if h["family"] == family]
        families[family] = {"hits": len(lines), "on_content": len(on_content),
                            "lost": sum(h["lost"] for h in on_content),
                            "precision": 1 - len(on_content) / len(lines),
                            "precision_3w": 1 - sum(h["lost"] and h["words"] >= 3 for h in on_content) / len(lines)}
    content_hits.sort(key=lambda h: (families[h["family"]]["precision"], h["family"], not h["lost"], h["doc"], h["line"]))
    return families, content_hits, misaligned


def shown(content_hits: list[dict]) -> list[dict]:
    """The first content hits (lowest family precision, lost before kept), at most SHOWN_PER_RULE per rule."""
    per_rule: dict[str, int] = defaultdict(int)
    picked = []
    for h in content_hits:
        if len(picked) < SHOWN_CONTENT_HITS and per_rule[h["rule"]] < SHOWN_PER_RULE:
            per_rule[h["rule"]] += 1
            picked.append(h)
    return picked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    started = time.perf_counter()
    pages = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        outputs, records, names = run_dedup(pages, Path(tmp))
        clean_s = time.perf_counter() - t0
    by_page = {i: outputs[n] for n, i in names.items()}
    kept = {
        "dedup (defaults)": [kept_lines(p["lines"], by_page[i]) for i, p in enumerate(pages)],
        "keep everything": [kept_lines(p["lines"], "\n".join(p["lines"])) for p in pages],
        "C4 line rules": [kept_lines(p["lines"], c4_output(p["lines"])) for p in pages],
    }
    methods = {name: score(pages, flags) for name, flags in kept.items()}
    families, content_hits, misaligned = family_stats(pages, records, names, kept["dedup (defaults)"])
    wall_s = time.perf_counter() - started

    n_lines = sum(len(p["lines"]) for p in pages)
    n_content = sum(sum(p["labels"]) for p in pages)
    print(f"{args.data.name}: {len(pages)} pages, {n_lines:,} lines, {n_content:,} content; "
          f"{sum(o is None for o in outputs.values())} pages left empty by dedup\n")
    print("| method | line P | line R | line F1 | char F1 |\n|---|---|---|---|---|")
    for name, m in methods.items():
        print(f"| {name} | {m['line_p']:.3f} | {m['line_r']:.3f} | {m['line_f1']:.3f} | {m['char_f1']:.3f} |")
    print("\n| family | hits | on content | lost | precision | precision, 3+ words |\n|---|---|---|---|---|---|")
    for family, f in sorted(families.items(), key=lambda kv: -kv[1]["hits"]):
        print(f"| {family} | {f['hits']} | {f['on_content']} | {f['lost']} | {f['precision']:.3f} | {f['precision_3w']:.3f} |")
    print(f"\nLowest-precision content hits, {SHOWN_PER_RULE} a rule at most ({len(content_hits)} content lines hit in all; "
          f"{misaligned} removals not found on their reported line):")
    for h in shown(content_hits):
        text = h["text"].replace("\n", " / ")
        print(f"- {h['family']} | {h['rule']} | {'lost' if h['lost'] else 'kept'} | {text[:100]}")
    print(f"\nwall time {wall_s:.1f} s (dedup clean_files {clean_s:.1f} s)")
    if args.json:
        args.json.write_text(json.dumps({
            "data": str(args.data), "pages": len(pages), "lines": n_lines, "content_lines": n_content,
            "methods": methods, "families": families, "content_hits": content_hits,
            "misaligned_removals": misaligned, "wall_s": wall_s, "clean_files_s": clean_s,
        }, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
