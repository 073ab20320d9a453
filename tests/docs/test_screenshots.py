"""Headless Debian chromium opens the home page and every article of the
built site (the Python API page among them): the screenshot is not blank
and the rendered page has its title. Screenshots are kept in
out/docs-screenshots/ for a person to look at (articles twice: with the R
and with the Python choice)."""

import shutil
import subprocess
import tempfile

import numpy as np
import pytest
from PIL import Image

from site_files import ROOT, SITE, articles, rmd_title

SHOTS = ROOT / "out" / "docs-screenshots"
WIDTH, HEIGHT = 1280, 1400
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--run-all-compositor-stages-before-draw",
         f"--window-size={WIDTH},{HEIGHT}", "--virtual-time-budget=5000",
         # offline, as the site must work: a CDN request fails at once
         # instead of waiting on the network
         "--host-resolver-rules=MAP * ~NOTFOUND"]


def site_pages():
    """{name: (path in docs/, title)}: the home page and every article."""
    pages = {"home": ("index.html", "kerasoptim")}
    for stem, rmd in articles().items():
        pages[stem] = (f"articles/{stem}.html", rmd_title(rmd))
    return pages


PAGES = site_pages()


def chromium(*args):
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is not installed (make docs installs it)"
    for attempt in (1, 2):  # a headless chromium now and then hangs
        with tempfile.TemporaryDirectory() as profile:
            try:
                done = subprocess.run(
                    [browser, *FLAGS, f"--user-data-dir={profile}", *args],
                    capture_output=True, text=True, timeout=120, cwd=profile)
                break
            except subprocess.TimeoutExpired:
                if attempt == 2:
                    raise
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("lang", ["r", "python"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_screenshot_is_not_blank(name, lang):
    path, _ = PAGES[name]
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / (f"{name}.png" if lang == "r" else f"{name}-python.png")
    shot.unlink(missing_ok=True)
    chromium(f"--screenshot={shot}", (SITE / path).as_uri() + f"?lang={lang}")
    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.shape == (HEIGHT, WIDTH)
    ink = (pixels < 200).mean()  # share of pixels darker than light grey
    assert 0.01 < ink < 0.6, f"{shot}: {ink:.1%} of the pixels are dark"
    assert len(np.unique(pixels)) > 50, f"{shot}: almost no distinct shades"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_rendered_page_has_its_title(name):
    path, title = PAGES[name]
    dom = chromium("--dump-dom", (SITE / path).as_uri())
    head_title = dom.split("<title>", 1)[-1].split("</title>", 1)[0]
    assert title in head_title
    assert title in dom.split("<h1", 1)[-1].split("</h1>", 1)[0]
