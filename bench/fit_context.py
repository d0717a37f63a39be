"""Fit the context model's weights on the labelled dev pages and write dedup/boilerplate/context.toml.

    python bench/fit_context.py [--data linebench-dev.jsonl] [--dry-run]

Each page goes through dedup's own steps up to the context judgement (repair, boilerplate rules,
paragraph split), so the model sees the units it will judge at run time; a unit's label is the label of
most of its lines. The fit is an L2-regularised logistic regression (Newton steps) on standardised
features. The span decoder's thresholds are set by hand (DECODER) and the script prints, for a small grid
around them, the unit F1 of 5-fold cross-validation by page, so the choice can be checked: pages of one
fold never inform their own scores. Only the dev half is ever used here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from dedup.boilerplate import Stripper, load_rules
from dedup.boilerplate.context import FEATURES, ContextModel, keep_mask, unit_features, unit_scores
from dedup.paragraphs import split_paragraphs
from dedup.records import Line
from dedup.repair import repair_lines, split_lines

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "linebench-dev.jsonl"
TARGET = ROOT / "dedup" / "boilerplate" / "context.toml"
DECODER = {"strong": 2.0, "extend": -2.5, "inside": -5.0, "outside": 2.0, "min_units": 10}
L2 = 1.0
FOLDS = 5


def page_units(page: dict, stripper: Stripper) -> tuple[np.ndarray, np.ndarray, int]:
    """Features and labels of the units a page holds after repair, rules and paragraph split, and its
    count of non-empty lines (what decides whether context judges it)."""
    texts = repair_lines(split_lines("\n".join(page["lines"])), "conservative")
    kept, _ = stripper.strip_lines([Line(n, t) for n, t in enumerate(texts, 1)])
    paragraphs = split_paragraphs(kept, "auto")
    labels = [round(np.mean([page["labels"][line.number - 1] for line in p.lines])) for p in paragraphs]
    return unit_features([p.text for p in paragraphs]), np.array(labels, dtype=np.float64), sum(1 for t in texts if t)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights (last one the bias) of a logistic regression on rows of x."""
    x = np.c_[x, np.ones(len(x))]
    w = np.zeros(x.shape[1])
    penalty = np.r_[np.full(x.shape[1] - 1, L2), 0.0]
    for _ in range(30):
        p = 1 / (1 + np.exp(-x @ w))
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        w -= np.linalg.solve(hessian, x.T @ (p - y) + penalty * w)
    return w


def model_from(x: np.ndarray, y: np.ndarray, decoder: dict) -> ContextModel:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    w = fit((x - mean) / scale, y)
    return ContextModel(float(w[-1]), w[:-1], mean, scale, **decoder)


def f1(pages: list[tuple[np.ndarray, np.ndarray, int]], model_for: dict[int, ContextModel]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for i, (x, y, lines) in enumerate(pages):
        model = model_for[i]
        keep = keep_mask(unit_scores(x, model), x[:, FEATURES.index("prose")] > 0, model) if lines >= model.min_units else np.ones(len(y), bool)
        tp += int((keep & (y == 1)).sum())
        fp += int((keep & (y == 0)).sum())
        fn += int((~keep & (y == 1)).sum())
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return p, r, 2 * p * r / max(1e-9, p + r)


def render(model: ContextModel, source: str) -> str:
    lines = [f"# The context model of dedup/boilerplate/context.py, written by bench/fit_context.py from {source}.",
             "# Score = bias + sum(weight * (feature - mean) / scale); the decoder's thresholds are set by hand.",
             f"bias = {model.bias:.6f}", "", "[decoder]"]
    lines += [f"{k} = {v}" for k, v in DECODER.items()]
    lines.append("")
    for j, name in enumerate(FEATURES):
        lines += [f"[features.{name}]", f"weight = {model.weights[j]:.6f}", f"mean = {model.mean[j]:.6f}",
                  f"scale = {model.scale[j]:.6f}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--dry-run", action="store_true", help="print the figures, do not write context.toml")
    args = parser.parse_args()
    stripper = Stripper(load_rules((), ()))
    raw = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    pages = [page_units(page, stripper) for page in raw]
    x, y = np.vstack([p[0] for p in pages]), np.concatenate([p[1] for p in pages])
    print(f"{len(pages)} pages, {len(y):,} units, {int(y.sum()):,} content")
    print("cross-validated unit P/R/F1 by decoder (strong, extend, inside, outside):")
    folds = []  # the weights do not depend on the decoder: fit each fold once
    for fold in range(FOLDS):
        train = [i for i in range(len(pages)) if i % FOLDS != fold]
        folds.append(model_from(np.vstack([pages[i][0] for i in train]), np.concatenate([pages[i][1] for i in train]), DECODER))
    grid = [(strong, extend, inside, outside) for strong in (1.5, 2.0, 3.0) for extend in (-3.0, -2.5, -1.5)
            for inside in (-5.0, -3.0) for outside in (0.0, 1.0, 2.0)]
    for strong, extend, inside, outside in grid:
        decoder = {**DECODER, "strong": strong, "extend": extend, "inside": inside, "outside": outside}
        model_for = {i: replace(folds[i % FOLDS], **decoder) for i in range(len(pages))}
        p, r, f = f1(pages, model_for)
        mark = " <- shipped" if decoder == DECODER else ""
        print(f"  {strong:4} {extend:5} {inside:5} {outside:4}  {p:.3f} {r:.3f} {f:.3f}{mark}")
    model = model_from(x, y, DECODER)
    p, r, f = f1(pages, {i: model for i in range(len(pages))})
    print(f"fitted on all pages, unit P/R/F1 {p:.3f} {r:.3f} {f:.3f}")
    if not args.dry_run:
        TARGET.write_text(render(model, args.data.name), encoding="utf-8")
        print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
