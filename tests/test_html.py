"""The HTML report in a real browser (Debian's headless chromium): the page renders (a screenshot that is
not blank, with struck text in its colour), the numbers in the rendered DOM match the JSON report, every
text is escaped, duplicates link to the copy kept, and nothing is fetched from outside the page."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from dedup.cli import main

from conftest import PARA, PARA_COPY, SEEDS, read_jsonl, write

BROWSER_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def chromium() -> str:
    """The chromium binary; installed with apt-get when missing and this runs as root. In CI (CI set) a
    browser that cannot be had fails the test instead of skipping it."""
    found = shutil.which("chromium")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "install", "-y", "chromium"], ["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            subprocess.run(command, env=env, capture_output=True, timeout=1200, check=False)
            found = shutil.which("chromium")
            if found:
                break
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is needed to test the HTML report and could not be installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); the HTML report is not checked in a browser")
    return found


def browse(chromium: str, page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"  # a private profile: no lock shared with another browser
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=True)


def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB or RGBA PNG (as chromium writes them) into a height x width x channels array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prior = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, row = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            line = row
        elif kind == 1:  # Sub: a running sum per channel
            line = np.cumsum(row.reshape(width, bpp), axis=0).reshape(-1)
        elif kind == 2:  # Up
            line = row + prior
        else:  # Average and Paeth depend on the byte just decoded: byte by byte
            line = np.zeros(stride, dtype=np.int32)
            up = prior.astype(np.int32)
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                if kind == 3:
                    line[i] = (row[i] + (left + up[i]) // 2) & 0xFF
                else:
                    corner = up[i - bpp] if i >= bpp else 0
                    p = left + up[i] - corner
                    pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
                    line[i] = (row[i] + (left if pa <= pb and pa <= pc else up[i] if pb <= pc else corner)) & 0xFF
        prior = (np.asarray(line) & 0xFF).astype(np.uint8)
        out[y] = prior
    return out.reshape(height, width, bpp)[:, :, :3]


class Dom(HTMLParser):
    """The parts of the rendered DOM the tests read: elements by id, struck removals, links, scripts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str]] = {}
        self.text_of: dict[str, str] = {}
        self.struck: list[dict[str, str]] = []
        self.hrefs: list[str] = []
        self.sources: list[str] = []
        self.scripts = 0
        self.open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = a
            self.text_of[a["id"]] = ""
            if tag not in ("input", "br", "meta"):
                self.open.append(a["id"])
        if tag == "del":
            self.struck.append(a)
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a or (tag == "link" and "href" in a):
            self.sources.append(a.get("src") or a["href"])
        self.scripts += tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "span", "section", "div") and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self.open:
            self.text_of[ident] += data


@pytest.fixture
def seeds_page(runner, tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    result = runner.invoke(main, ["clean", str(SEEDS), "--out", str(out), "--report", str(out / "report.jsonl"),
                                  "--report-html", str(out / "report.html")])
    assert result.exit_code == 0, result.output
    return out / "report.html", out / "report.jsonl"


def test_seeds_page_renders_and_its_numbers_match_the_report(chromium, seeds_page, tmp_path):
    page, report = seeds_page
    records = read_jsonl(report)
    shot = tmp_path / "shot.png"
    browse(chromium, page, tmp_path, "--window-size=1200,3200", f"--screenshot={shot}")
    pixels = read_png(shot)
    assert pixels.shape[:2] == (3200, 1200)
    ink = (pixels.min(axis=2) < 200).mean()
    assert 0.005 < ink < 0.5, ink  # text on a white page: not blank, not a black or error page
    r, b = pixels[:, :, 0].astype(int), pixels[:, :, 2].astype(int)
    struck = ((r > 120) & (b < 60)).sum()
    assert struck > 200, struck  # removed text is drawn in its red and brown: the documents render too

    dom = Dom(browse(chromium, page, tmp_path, "--dump-dom").stdout)
    reasons = Counter(r["reason"] for r in records)
    rules = Counter(r["rule"] for r in records if "rule" in r)
    assert dom.ids["removals"]["data-value"] == str(len(records))
    assert dom.text_of["struck"] == str(len(records))  # counted by the page's own script, in the browser
    assert {r: int(dom.ids[f"reason-{r}"]["data-value"]) for r in reasons} == reasons
    assert {r: int(dom.ids[f"rule-{r}"]["data-value"]) for r in rules} == rules
    assert len({d["data-r"] for d in dom.struck}) == len(records)
    titles = Counter(d["title"].split(" ")[0] for d in {d["data-r"]: d for d in dom.struck}.values())
    assert titles == reasons
    size_in = sum(p.stat().st_size for p in SEEDS.iterdir())
    size_out = sum(p.stat().st_size for p in page.parent.glob("*.txt"))
    assert dom.ids["bytes-in"]["data-value"] == str(size_in)
    assert dom.ids["bytes-out"]["data-value"] == str(size_out)
    assert dom.ids["bytes-saved"]["data-value"] == str(size_in - size_out)


def test_duplicates_link_to_the_kept_copy_and_nothing_is_fetched(chromium, seeds_page, tmp_path):
    page, report = seeds_page
    dom = Dom(browse(chromium, page, tmp_path, "--dump-dom").stdout)
    assert dom.sources == [] and dom.scripts == 1
    assert all(href.startswith("#") and href[1:] in dom.ids for href in dom.hrefs)
    docs = {r["doc"] for r in read_jsonl(report)} | {"003_642c55258581eea0.txt"}
    anchors = {doc: next(i for i, a in dom.ids.items() if a.get("class") == "doc" and dom.text_of[i].startswith(doc)) for doc in docs}
    for r in read_jsonl(report):
        if r["reason"] == "duplicate":
            assert f"#{anchors[r['kept']['doc']]}-{r['kept']['line']}" in dom.hrefs, r


def test_every_text_is_escaped(chromium, runner, tmp_path):
    hostile = '<script>document.title="pwned"</script> <img src=x onerror=alert(1)> Tom & "Jerry" say it\'s over.'
    root = tmp_path / "in"
    write(root / "a<b>.txt", f"Share this article\n{hostile}\n{PARA}\n")
    write(root / "c.txt", f"{PARA_COPY}\nSign up for our newsletter. {hostile}\n")
    page = tmp_path / "report.html"
    result = runner.invoke(main, ["clean", str(root), "--out", str(tmp_path / "out"), "--report-html", str(page)])
    assert result.exit_code == 0, result.output
    html = browse(chromium, page, tmp_path, "--dump-dom").stdout
    dom = Dom(html)
    assert dom.scripts == 1 and dom.sources == []
    assert "&lt;script&gt;document.title" in html and "pwned" not in dom.ids.get("title", {})
    assert "a&lt;b&gt;.txt" in html
    assert dom.ids["removals"]["data-value"] == "3" and dom.text_of["struck"] == "3"
