"""The built pages as a reader sees them, in headless Debian chromium: a
script (site_check.js) runs in a copy of each page after the page's own
scripts, once with the R and once with the Python choice, and reports what
chromium laid out. A page fails on a tab whose label is not a language, an
empty tab pane, an element wider than its column (or a code block or table
whose content overflows it), an image that did not load, a link to a
package index that lacks the package (or an install command for it), an R
pane that reads Python objects, or an "On this page" without working
links."""

import json
import re
from pathlib import Path

import pytest

from site_files import SITE
from test_screenshots import PAGES, chromium

CHECK = Path(__file__).with_name("site_check.js")


def rendered_check(path):
    """What site_check.js found on the page at `path` (in docs/)."""
    page = SITE / path
    html = page.read_text(encoding="utf-8")
    script = f"<script>{CHECK.read_text()}</script>"
    copy = page.with_name(f"_site_check_{page.name}")
    copy.write_text(html.replace("</body>", script + "</body>", 1),
                    encoding="utf-8")
    try:
        dom = chromium("--dump-dom", copy.as_uri())
    finally:
        copy.unlink()
    found = re.search(r'<pre id="site-check"[^>]*>(.*?)</pre>', dom, re.S)
    assert found, "site_check.js did not report (a script error?)"
    text = (found.group(1).replace("&lt;", "<").replace("&gt;", ">")
            .replace("&quot;", '"').replace("&amp;", "&"))
    return json.loads(text)


@pytest.fixture(scope="module")
def checks():
    return {}


def check_of(checks, name):
    if name not in checks:
        checks[name] = rendered_check(PAGES[name][0])
    return checks[name]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_as_rendered(checks, name):
    found = check_of(checks, name)
    assert found["languages"] == ["r", "python"], "extra.js did not run"
    for problem in ("bad_tabs", "empty_panes", "too_wide", "broken_images",
                    "unpublished_links", "r_reads_python"):
        assert not found[problem], f"{problem}: {found[problem][:5]}"
    if found["toc"] is not None:
        assert found["toc"]["links"] > 0 and found["toc"]["dead"] == 0, \
            f'"On this page": {found["toc"]}'


@pytest.mark.parametrize("name", sorted(n for n in PAGES if n != "home"))
def test_article_has_a_working_on_this_page(checks, name):
    found = check_of(checks, name)
    assert found["toc"] and found["toc"]["links"] >= 2, found["toc"]


PLANTED = """
<div class="lang-tabs" role="tablist"><button role="tab" id="NA">x = 1</button></div>
<div class="lang-pane" style="height:0"></div>
<pre style="white-space:pre;overflow-x:auto">{wide}</pre>
<img src="missing.png">
<a href="https://pypi.org/project/kerasoptim/">PyPI</a>
<pre>install.packages("kerasoptim")</pre>
<div class="lang-r"><pre>main$n_users</pre></div>
"""


def test_check_finds_what_it_looks_for(tmp_path):
    """site_check.js itself, on a page with one of each failure planted in
    a copy of a built article."""
    article = SITE / "articles" / "kerasoptim.html"
    html = article.read_text(encoding="utf-8")
    planted = PLANTED.format(wide="w" * 400)
    page = article.with_name("_planted.html")
    page.write_text(html.replace("</main>", planted + "</main>", 1),
                    encoding="utf-8")
    try:
        found = rendered_check(page.relative_to(SITE))
    finally:
        page.unlink()
    assert any('id="NA"' in t for t in found["bad_tabs"])
    assert any("x = 1" in t for t in found["bad_tabs"])
    assert found["empty_panes"]
    assert found["too_wide"]
    assert any("missing.png" in i for i in found["broken_images"])
    assert any("pypi.org" in u for u in found["unpublished_links"])
    assert any("install.packages" in u for u in found["unpublished_links"])
    assert found["r_reads_python"]
