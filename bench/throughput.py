"""Throughput of dedup against its peers and the hashing floor, on one generated corpus, in one run.

    python bench/throughput.py [--size 10MB] [--size 100MB] [--peers datatrove,text-dedup,rensa,datasketch]
                               [--skip-slow-above 100MB] [--no-stages] [--repeat N] [--json out.json]

For each size, on the same corpus (bench/corpusgen.py, cached under --cache-dir):
- dedup end to end: `dedup clean CORPUS --out DIR --jobs 1`, `--jobs 2` and `--executor ray` (a local Ray,
  started and stopped by the run), each as a subprocess;
- dedup's stages alone, in this process, with dedup's own functions, a batch of documents at a time:
  read (corpus.read_source), repair (repair.repair_lines), strip (Preparer.strip), paragraphs
  (split_paragraphs and drop_repeated_sentences), fingerprint (pipeline.fingerprint), write (json_line of
  the prepared text through corpus.atomic_writer), and cluster (pipeline.cluster_corpus, once at the end);
- the floor (bench/peers/floor.py): read, split, hash every shingle with one vectorised 64-bit hash;
- the peers (bench/peers/*.py), each a subprocess of the peers' own Python (--peers-python, a separate
  environment made from bench/peers-requirements.txt): datatrove's pipeline, text-dedup's MinHash,
  rensa's bare near-duplicate pass, datasketch the naive way. The slow ones (datatrove, text-dedup,
  datasketch) are skipped on corpora above --skip-slow-above, and the table says so.
Every run gets the same shingles (dedup's: character 5-grams), threshold, permutations and bands x rows
(dedup's choice for the threshold) where the tool allows it; each peer's docstring says where it does not.

MB/s counts the corpus file's bytes (10**6 a MB), paragraphs/s its non-empty text lines; peak RSS is the
subprocess's (the largest of it and its waited-for children), from the kernel's resource usage.
Wall-clock times on a shared machine are noisy: compare the ratios measured in one run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from itertools import islice
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # measure the dedup of this checkout, whatever else is installed
sys.path.insert(0, str(BENCH))

from corpusgen import DEFAULT_CACHE, ensure_corpus, parse_size  # noqa: E402

from dedup import DedupConfig  # noqa: E402
from dedup.boilerplate.context import judge  # noqa: E402
from dedup.corpus import Source, atomic_writer, json_line, read_source  # noqa: E402
from dedup.fingerprint import lsh_params  # noqa: E402
from dedup.paragraphs import split_paragraphs  # noqa: E402
from dedup.pipeline import CHUNK_DOCUMENTS, Preparer, cluster_corpus, fingerprint  # noqa: E402
from dedup.records import Line  # noqa: E402
from dedup.repair import repair_lines, split_lines  # noqa: E402
from dedup.repeats import drop_repeated_sentences  # noqa: E402

PEERS = {  # name: (script, slow, what it does)
    "datatrove": ("datatrove_pipeline.py", True, "ftfy formatter, C4 line filter, 4 MinHash stages, local executor"),
    "text-dedup": ("text_dedup_minhash.py", True, "its MinHash command (datasets), word shingles only"),
    "rensa": ("rensa_bare.py", False, "Rust MinHash + LSH, bare near-duplicate pass"),
    "datasketch": ("datasketch_naive.py", True, "naive: per-token update, MinHashLSH query/insert"),
}
PEER_PACKAGES = ("datatrove", "text-dedup", "rensa", "datasketch", "spacy", "ftfy")
DEFAULT_PEERS_PYTHON = os.environ.get("DEDUP_BENCH_PEERS_PYTHON", "/work/venv-peers/bin/python")
STAGES = ("read", "repair", "strip", "context", "paragraphs", "fingerprint", "write", "cluster")
DEDUP_MAIN = "import sys; from dedup.cli import main; sys.exit(main())"


@dataclass
class Row:
    """One measured run (or a skipped one: seconds is None and note says why)."""

    size: int
    kind: str  # dedup | stage | floor | peer
    name: str
    does: str
    seconds: float | None
    mb: float
    paragraphs: int
    rss: int | None = None  # bytes
    note: str = ""

    @property
    def mb_s(self) -> float | None:
        return self.mb / self.seconds if self.seconds else None

    @property
    def paragraphs_s(self) -> float | None:
        return self.paragraphs / self.seconds if self.seconds else None


@dataclass(frozen=True)
class Corpus:
    path: Path
    size: int  # the size asked for
    bytes: int
    documents: int
    paragraphs: int


def corpus_stats(path: Path, size: int) -> Corpus:
    """Bytes, documents and non-empty text lines of a corpus (kept beside it once counted)."""
    stats = path.with_suffix(".stats.json")
    if not stats.exists():
        documents = paragraphs = 0
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                documents += 1
                paragraphs += sum(1 for p in json.loads(line)["text"].split("\n") if p.strip())
        stats.write_text(json.dumps({"documents": documents, "paragraphs": paragraphs}))
    counts = json.loads(stats.read_text())
    return Corpus(path, size, path.stat().st_size, counts["documents"], counts["paragraphs"])


# Runs a command and writes its wall seconds and peak RSS to a file. A child's peak RSS starts from its
# parent's at fork time on Linux, so the command is started from this small process, not from the runner.
LAUNCHER = """import json, os, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
open(sys.argv[1], "w").write(json.dumps({"seconds": seconds, "rss": rss}))
sys.exit(code)
"""


def run_measured(command: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Run a command to its end; return wall seconds, its peak RSS in bytes (the largest of it and its
    waited-for children) and its exit code. Its stdout and stderr go to `log`."""
    measured = log.with_suffix(".usage.json")
    with log.open("wb") as out:
        code = subprocess.call([sys.executable, "-c", LAUNCHER, str(measured), *command], stdout=out,
                               stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    usage = json.loads(measured.read_text())
    return usage["seconds"], usage["rss"], code


def last_json(log: Path) -> dict[str, Any]:
    """The last line of a log that is a JSON object (what a peer script reports), or {}."""
    for line in reversed(log.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return {}


def tail(log: Path) -> str:
    lines = [x.strip() for x in log.read_text(encoding="utf-8", errors="replace").splitlines() if x.strip()]
    return lines[-1][:200] if lines else ""


def dedup_options(args: argparse.Namespace) -> list[str]:
    return ["--shingle", args.shingle, "--shingle-size", str(args.shingle_size), "--threshold", str(args.threshold),
            "--num-perm", str(args.num_perm)]


def measure_dedup(corpus: Corpus, options: list[str], args: argparse.Namespace, work: Path) -> Row:
    """`dedup clean` with `options` (--jobs N, or --executor ray) as a subprocess."""
    name = "dedup " + " ".join(options)
    slug = "dedup" + "".join(options).replace("-", "_")
    out, log = work / slug, work / f"{slug}.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-c", DEDUP_MAIN, "clean", str(corpus.path), "--out", str(out), *options,
               "--no-progress", *dedup_options(args)]
    seconds, rss, code = run_measured(command, log, env)
    shutil.rmtree(out, ignore_errors=True)
    does = "repair, strip, repeats, near-duplicates, write"
    if code:
        return Row(corpus.size, "dedup", name, does, None, corpus.bytes / 1e6, corpus.paragraphs, note=f"failed (exit {code}): {tail(log)}")
    total = [x.split() for x in log.read_text(encoding="utf-8").splitlines() if x.strip().startswith("total ")]
    note = f"removed {total[-1][1]} pieces ({total[-1][2]} chars)" if total else ""
    if "--executor" in options:
        note = f"a local Ray on {os.cpu_count()} CPUs, started and stopped by the run; {note}"
    return Row(corpus.size, "dedup", name, does, seconds, corpus.bytes / 1e6, corpus.paragraphs, rss, note)


def measure_stages(corpus: Corpus, config: DedupConfig, work: Path) -> list[Row]:
    """Each stage of dedup alone, in this process, a batch of documents at a time. The steps are those of
    Preparer.prepare, called one by one so that each is timed: keep them in step when prepare changes."""
    times: Counter[str] = Counter()
    preparer = Preparer(config)
    dup = config.duplicates
    prints = []
    clock = time.perf_counter
    documents = read_source(Source(corpus.path, corpus.path.name), 0)
    with atomic_writer(work / "stages.jsonl") as handle:
        while True:
            t0 = clock()
            batch = list(islice(documents, CHUNK_DOCUMENTS))
            times["read"] += clock() - t0
            if not batch:
                break
            texts_of_batch: list[str] = []
            for doc in batch:
                t0 = clock()
                texts = repair_lines(split_lines(doc.text), config.repair.repair)
                t1 = clock()
                lines, _ = preparer.strip([Line(n, t) for n, t in enumerate(texts, 1)], doc.id)
                t2 = clock()
                paragraphs = split_paragraphs(lines, config.paragraphs)
                t_split = clock()
                verdicts = judge([p.text for p in paragraphs], page_lines=sum(1 for t in texts if t))
                paragraphs = [p for p, why in zip(paragraphs, verdicts) if why is None]
                t_context = clock()
                drop_repeated_sentences(paragraphs, dup.min_sentence_words)
                paragraphs = [p for p in paragraphs if p.lines]
                t3 = clock()
                texts_of_batch.extend(p.text for p in paragraphs)
                handle.write(json_line(doc.fields or {}, "text", "\n".join(p.text for p in paragraphs)))
                t4 = clock()
                times["repair"] += t1 - t0
                times["strip"] += t2 - t1
                times["context"] += t_context - t_split
                times["paragraphs"] += t3 - t2 - (t_context - t_split)
                times["write"] += t4 - t3
            t0 = clock()
            prints.append(fingerprint(texts_of_batch, dup))  # one call a batch, as prepare_chunk makes it
            times["fingerprint"] += clock() - t0
    t0 = clock()
    cluster_corpus(prints, config)
    times["cluster"] += clock() - t0
    (work / "stages.jsonl").unlink()
    does = {
        "read": "corpus.read_source (JSON decoding)",
        "repair": "repair.repair_lines(split_lines(text))",
        "strip": "Preparer.strip (boilerplate rules)",
        "context": "context.judge (line model, article span)",
        "paragraphs": "split_paragraphs + drop_repeated_sentences",
        "fingerprint": "fingerprint.fingerprint (normalise, shingles, MinHash)",
        "write": "corpus.json_line through atomic_writer",
        "cluster": "pipeline.cluster_corpus (LSH, verification)",
    }
    return [Row(corpus.size, "stage", name, does[name], times[name], corpus.bytes / 1e6, corpus.paragraphs) for name in STAGES]


def peer_command(python: str, script: str, corpus: Corpus, workdir: Path, args: argparse.Namespace, jobs: int) -> list[str]:
    return [python, str(BENCH / "peers" / script), str(corpus.path), str(workdir), "--shingle", args.shingle,
            "--shingle-size", str(args.shingle_size), "--num-perm", str(args.num_perm), "--bands", str(args.bands),
            "--rows", str(args.rows), "--threshold", str(args.threshold), "--jobs", str(jobs)]


def measure_script(kind: str, name: str, does: str, python: str, script: str, corpus: Corpus, args: argparse.Namespace,
                   work: Path, jobs: int = 1) -> Row:
    workdir = work / name
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    log = work / f"{name}.log"
    seconds, rss, code = run_measured(peer_command(python, script, corpus, workdir, args, jobs), log)
    shutil.rmtree(workdir, ignore_errors=True)
    counts = last_json(log)
    mb, paragraphs = corpus.bytes / 1e6, corpus.paragraphs
    if code or not counts:
        return Row(corpus.size, kind, name, does, None, mb, paragraphs, note=f"failed (exit {code}): {tail(log)}")
    note = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in counts.items())
    jobs_note = f"; {jobs} processes" if jobs > 1 else ""
    return Row(corpus.size, kind, name, does, seconds, mb, paragraphs, rss, note + jobs_note)


class Rows(list[Row]):
    """The rows of a run, each told on stderr as it is measured (a long run shows where it stands)."""

    def append(self, row: Row) -> None:
        super().append(row)
        print(f"{row.size / 1e6:g} MB {row.name}: {fmt(row.seconds, 1)} s {row.note}", file=sys.stderr, flush=True)

    def extend(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.append(row)


def measure_size(size: int, args: argparse.Namespace, config: DedupConfig) -> list[Row]:
    """Every run on the corpus of `size`, `args.repeat` rounds of all of them; each row keeps its fastest
    round (rounds rather than back-to-back repeats, so that a change in the machine's load falls on all)."""
    corpus = corpus_stats(ensure_corpus(size, args.seed, args.cache_dir), size)
    work = Path(tempfile.mkdtemp(prefix=f"run-{size}-", dir=args.cache_dir))
    try:
        rounds = [measure_round(corpus, args, config, work) for _ in range(args.repeat)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [fastest(runs) for runs in zip(*rounds)]


def fastest(runs: Iterable[Row]) -> Row:
    """The run that took least time (a failed or skipped one only when none ran)."""
    return min(runs, key=lambda r: r.seconds if r.seconds is not None else float("inf"))


def measure_round(corpus: Corpus, args: argparse.Namespace, config: DedupConfig, work: Path) -> list[Row]:
    rows = Rows()
    for jobs in (1, 2):
        rows.append(measure_dedup(corpus, ["--jobs", str(jobs)], args, work))
    if importlib.util.find_spec("ray") is not None:
        rows.append(measure_dedup(corpus, ["--executor", "ray"], args, work))
    else:
        rows.append(Row(corpus.size, "dedup", "dedup --executor ray", "", None, corpus.bytes / 1e6, corpus.paragraphs,
                        note="skipped: Ray is not installed (pip install 'dedup-corpus[ray]')"))
    if args.stages:
        rows.extend(measure_stages(corpus, config, work))
    rows.append(measure_script("floor", "floor", "read, split, one vectorised 64-bit hash per shingle", sys.executable,
                               "floor.py", corpus, args, work))
    mb, size = corpus.bytes / 1e6, corpus.size
    for name in args.peers:
        script, slow, does = PEERS[name]
        if slow and size > args.skip_slow_above:
            rows.append(Row(size, "peer", name, does, None, mb, corpus.paragraphs,
                            note=f"skipped: slow, corpus above --skip-slow-above {args.skip_slow_above / 1e6:g} MB"))
        elif not Path(args.peers_python).exists():
            rows.append(Row(size, "peer", name, does, None, mb, corpus.paragraphs,
                            note=f"skipped: no peers environment at {args.peers_python}"))
        else:
            jobs = 2 if name in ("datatrove", "text-dedup") else 1
            rows.append(measure_script("peer", name, does, args.peers_python, script, corpus, args, work, jobs))
    return rows


def peer_versions(python: str) -> dict[str, str]:
    if not Path(python).exists():
        return {}
    code = ("import json, importlib.metadata as m\nout = {}\nfor name in " + repr(PEER_PACKAGES) + ":\n"
            "    try: out[name] = m.version(name)\n    except m.PackageNotFoundError: pass\nprint(json.dumps(out))")
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.system(),
            "dedup": f"{metadata.version('dedup-corpus')} ({commit or 'no git'})"}


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def markdown(rows: list[Row], info: dict[str, Any]) -> str:
    out = [f"Machine: {info['machine']['cpu']}, {info['machine']['cores']} cores, Python {info['machine']['python']}; "
           f"load average {info['load_before']:.2f} before, {info['load_after']:.2f} after; dedup {info['machine']['dedup']}; "
           + (", ".join(f"{k} {v}" for k, v in info["peers"].items()) or "no peers environment"),
           f"Shingles: {info['shingle']}; threshold {info['threshold']}; {info['num_perm']} permutations; "
           f"bands x rows {info['bands']} x {info['rows_per_band']}; each row the fastest of {info['repeat']} round(s).", ""]
    for size in sorted({r.size for r in rows}):
        these = [r for r in rows if r.size == size]
        ref = next((r for r in these if r.name == "dedup --jobs 2" and r.seconds), None)
        floor = next((r for r in these if r.kind == "floor" and r.seconds), None)
        mb = these[0].mb
        out += [f"#### {size / 1e6:g} MB corpus ({mb:,.1f} MB, {these[0].paragraphs:,} paragraphs)", "",
                "| run | does | s | MB/s | paragraphs/s | peak RSS MB | dedup --jobs 2 / this | notes |",
                "|---|---|---|---|---|---|---|---|"]
        for r in these:
            if r.kind == "stage":
                continue
            ratio = ref.seconds and r.seconds and r.seconds / ref.seconds if ref else None
            out.append(f"| {r.name} | {r.does} | {fmt(r.seconds, 1)} | {fmt(r.mb_s)} | {fmt(r.paragraphs_s, 0)} | "
                       f"{fmt(r.rss / 1e6 if r.rss else None, 0)} | {fmt(ratio) + 'x' if ratio else '—'} | {r.note} |")
        stages = [r for r in these if r.kind == "stage"]
        if stages:
            total = sum(r.seconds or 0 for r in stages)
            out += ["", "| dedup stage (in process, one core) | does | s | MB/s | share | stage / floor |", "|---|---|---|---|---|---|"]
            for r in stages:
                share = (r.seconds or 0) / total if total else 0
                versus = f"{r.mb_s / floor.mb_s:.2f}" if floor and r.mb_s else "—"
                out.append(f"| {r.name} | {r.does} | {fmt(r.seconds, 2)} | {fmt(r.mb_s)} | {share:.0%} | {versus} |")
            out.append(f"| all stages | | {total:.2f} | {fmt(mb / total if total else None)} | 100% | |")
        out.append("")
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", action="append", help="corpus size, e.g. 10MB, 100MB, 1GB (repeatable; default 10MB)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where corpora and scratch files go")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated, from {', '.join(PEERS)} ('' for none)")
    parser.add_argument("--peers-python", default=DEFAULT_PEERS_PYTHON, help="the Python of the peers' environment")
    parser.add_argument("--skip-slow-above", default="100MB", help="skip the slow peers on corpora larger than this")
    parser.add_argument("--no-stages", dest="stages", action="store_false", help="skip the in-process stage breakdown")
    parser.add_argument("--shingle", choices=["char", "word"], default="char")
    parser.add_argument("--shingle-size", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every run; each row keeps its fastest (default 1)")
    parser.add_argument("--json", type=Path, help="also write every row and the run's facts as JSON here")
    args = parser.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.size or ["10MB"]]
    args.skip_slow_above = parse_size(args.skip_slow_above)
    args.peers = [p for p in args.peers.split(",") if p]
    unknown = [p for p in args.peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    config = DedupConfig.from_options(shingle=args.shingle, shingle_size=args.shingle_size, threshold=args.threshold,
                                      num_perm=args.num_perm)
    dup = config.duplicates
    args.bands, args.rows = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
    info: dict[str, Any] = {"machine": machine(), "peers": peer_versions(args.peers_python) if args.peers else {},
                            "shingle": f"{args.shingle} {args.shingle_size}-grams", "threshold": args.threshold,
                            "num_perm": args.num_perm, "bands": args.bands, "rows_per_band": args.rows, "repeat": args.repeat,
                            "load_before": os.getloadavg()[0]}
    rows: list[Row] = []
    for size in args.sizes:
        rows += measure_size(size, args, config)
    info["load_after"] = os.getloadavg()[0]
    print(markdown(rows, info))
    if args.json:
        args.json.write_text(json.dumps({**info, "rows": [{**asdict(r), "mb_s": r.mb_s, "paragraphs_s": r.paragraphs_s} for r in rows]},
                                        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
