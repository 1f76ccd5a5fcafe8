"""The HTML report in a real browser: headless Chromium renders the charts and figures from the file alone.

One screenshot (checked for drawn bars of the chart colours) and one DOM dump (checked like the
markup in test_report_html: every chart and table, and the readability fixes), and the DOM of a run
whose rows were mostly rejected (the warning banner, "No data" charts, the classified-subject note).
Skips without Chromium, fails in CI (tests.optional).
"""

import json
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from slakit.batch.report import write_report
from slakit.batch.report.svg import PALETTE
from tests.batch.test_report_html import assert_example_page, assert_stressed_page, parse_page, stressed
from tests.optional import require_program

EXAMPLE = Path(__file__).parent / "data" / "summary_example.json"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def png_rows(path: Path, limit: int) -> tuple[int, list[bytes], int]:
    """Width, the first ``limit`` rows of RGB(A) pixels, and bytes per pixel of an 8-bit PNG (filters undone)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            assert colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw, stride = zlib.decompress(idat), width * bpp
    assert len(raw) == height * (stride + 1)
    rows, previous = [], bytearray(stride)
    for y in range(min(limit, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, corner = previous[x], (previous[x - bpp] if x >= bpp else 0)
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, rows, bpp


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    chromium = require_program("chromium", "chromium-browser", "google-chrome")
    root = tmp_path_factory.mktemp("browser")
    (page,) = write_report(json.loads(EXAMPLE.read_text(encoding="utf-8")), root / "out", ["html"])
    base = [chromium, *FLAGS, f"--user-data-dir={root / 'profile'}"]
    shot = root / "report.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, encoding="utf-8", timeout=120, check=True
    ).stdout
    return shot, dom


@pytest.fixture(scope="module")
def stressed_dom(tmp_path_factory):
    """The page of a run whose rows were mostly rejected, with empty charts, as Chromium builds it."""
    chromium = require_program("chromium", "chromium-browser", "google-chrome")
    root = tmp_path_factory.mktemp("stressed")
    (page,) = write_report(stressed(), root / "out", ["html"])
    base = [chromium, *FLAGS, f"--user-data-dir={root / 'profile'}"]
    return subprocess.run(
        [*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, encoding="utf-8", timeout=120, check=True
    ).stdout


def test_the_browser_dom_has_every_chart_and_figure(rendered):
    _, dom = rendered
    assert dom.lstrip().startswith("<!DOCTYPE html>")
    assert_example_page(parse_page(dom))


def test_the_screenshot_shows_the_charts(rendered):
    shot, _ = rendered
    width, rows, bpp = png_rows(shot, 1000)  # header, key figures and the first row of charts
    assert width == 1280
    pixels = Counter(row[x : x + 3] for row in rows for x in range(0, len(row), bpp))
    total = sum(pixels.values())
    assert len(pixels) > 100  # text, cards and bars, not a blank page
    assert pixels.most_common(1)[0][1] < 0.9 * total
    blue, orange = bytes(rgb(PALETTE[0])), bytes(rgb(PALETTE[1]))
    assert pixels[blue] > 5000  # weekly volume and response-compliance columns
    assert pixels[orange] > 2000  # resolution-compliance columns


def test_the_browser_shows_the_warning_banner_and_no_data_charts(stressed_dom):
    assert_stressed_page(parse_page(stressed_dom))
