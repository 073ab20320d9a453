"""Headless Debian chromium opens the home page and one article of the built
site: the screenshot is not blank and the rendered page has its title.
Screenshots are kept in out/docs-screenshots/ for a person to look at."""

import shutil
import subprocess
import tempfile

import numpy as np
import pytest
from PIL import Image

from site_files import ROOT, SITE

SHOTS = ROOT / "out" / "docs-screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--run-all-compositor-stages-before-draw",
         "--window-size=1280,1400", "--virtual-time-budget=5000"]
PAGES = {"home": ("index.html", "kerasoptim"),
         "lazy-adam": ("articles/lazy-adam.html",
                       "LazyAdam for large embeddings")}


def chromium(*args):
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is not installed (make docs installs it)"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}",
                               *args], capture_output=True, text=True,
                              timeout=120, cwd=profile)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("name", sorted(PAGES))
def test_screenshot_is_not_blank(name):
    path, _ = PAGES[name]
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{name}.png"
    shot.unlink(missing_ok=True)
    chromium(f"--screenshot={shot}", (SITE / path).as_uri())
    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.shape == (1400, 1280)
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
