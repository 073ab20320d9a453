"""The site `make docs` built into docs/: reference pages, articles, figures,
the Python API page and local links."""

import re
from html import unescape

import pytest

from site_files import (SITE, articles, broken_local_links, exported_topics,
                        python_names, rmd_title)

ARTICLES = articles()


def page(*parts):
    path = SITE.joinpath(*parts)
    assert path.is_file(), f"{path.relative_to(SITE.parent)} was not built"
    return path.read_text(encoding="utf-8")


def test_site_was_built():
    assert (SITE / "index.html").is_file(), "run `make docs` first"


@pytest.mark.parametrize("name", sorted(exported_topics()))
def test_every_export_has_a_reference_page(name):
    rd, shown = exported_topics()[name]
    assert rd is not None, f"no man/*.Rd has \\alias{{{name}}}"
    html = page("reference", f"{rd}.html")
    for word in shown:
        assert word in html, word


def runnable_examples():
    """{exported name: Rd stem} of the topics whose examples run."""
    def runs(rd):
        source = (SITE.parent / "man" / f"{rd}.Rd").read_text()
        return "\\examples" in source and "\\dontrun" not in source
    return {name: rd for name, (rd, _) in exported_topics().items()
            if rd and runs(rd)}


def test_every_optimizer_has_examples_that_run():
    optimizers = {n for n in exported_topics() if n.startswith("optimizer_")}
    assert optimizers and optimizers <= set(runnable_examples())


@pytest.mark.parametrize("name,rd", sorted(runnable_examples().items()))
def test_examples_ran_on_the_reference_page(name, rd):
    assert "#&gt;" in page("reference", f"{rd}.html"), "no example output"


def test_reference_index_is_grouped():
    html = page("reference", "index.html")
    for group in ("Optimizers", "Installation", "Printing"):
        assert re.search(rf"<h2[^>]*>\s*{group}", html), group


@pytest.mark.parametrize("stem", sorted(ARTICLES))
def test_every_article_rendered_with_output(stem):
    html = page("articles", f"{stem}.html")
    assert rmd_title(ARTICLES[stem]) in html
    assert "#&gt;" in html, "no chunk output: the code did not run"
    assert "was not available when this page" not in html
    assert "LazyAdam" in html


@pytest.mark.parametrize("stem", sorted(ARTICLES))
def test_every_figure_has_its_file_and_caption(stem):
    wanted = len(re.findall(r"fig\.cap\s*=", ARTICLES[stem].read_text()))
    html = page("articles", f"{stem}.html")
    figures = re.findall(
        r'<img src="([^"]+)"[^>]*>\s*<p class="caption">(.*?)</p>', html,
        re.S)
    assert len(figures) == wanted
    for src, caption in figures:
        figure = SITE / "articles" / src
        assert figure.is_file() and figure.stat().st_size > 5_000, src
        assert "measured" in caption.lower() or "run" in caption.lower()


def test_python_api_page_documents_the_public_names():
    """The Python API is a page of the site (navbar, search, "On this
    page"), made from the docstrings of `kerasoptim.__all__`: each name has
    its entry, the argument texts appear once, and neither Keras' internals
    nor the private mixin are shown."""
    html = page("articles", "python-api.html")
    for name in python_names():
        assert f'id="{name}"' in html, name
    assert 'class="navbar' in html
    assert 'href="articles/python-api.html"' in page("index.html")
    assert html.count("The exponential decay rate for the 1st moment") == 1
    for internal in ("keras.src", "TF2API", "_tf2", "BaseOptimizer",
                     "stateless_apply", "_backend_"):
        assert internal not in html, internal
    assert "#&gt;" in html  # the examples ran


def test_home_page_is_for_users():
    """The home page (pkgdown/index.md): install commands that work and a
    first model in both languages; no contributor make targets."""
    html = page("index.html")
    assert "lang-r" in html and "lang-python" in html
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "R CMD INSTALL" in text and "pip install ./kerasoptim" in text
    assert "make test" not in text and "make demo" not in text


def test_no_broken_local_link_or_image():
    pages = sorted(SITE.rglob("*.html"))
    assert len(pages) > 10
    broken = {str(p.relative_to(SITE)): b for p in pages
              if (b := broken_local_links(p))}
    assert not broken
