"""What the docs tests read: the built site (docs/), the sources it was built
from, and the local links of an HTML page."""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "docs"


def exported_topics():
    """{exported R name: (Rd file stem, words its page must show)}, from
    NAMESPACE and the man/*.Rd aliases; an S3 method shows its generic and
    its class."""
    namespace = (ROOT / "NAMESPACE").read_text()
    words = {n: [n] for n in re.findall(r"^export\((.+?)\)", namespace, re.M)}
    for generic, cls in re.findall(r"^S3method\((.+?),(.+?)\)", namespace,
                                   re.M):
        words[f"{generic}.{cls}"] = [f"{generic}(", cls]
    rd_of = {}
    for rd in (ROOT / "man").glob("*.Rd"):
        for alias in re.findall(r"\\alias\{(.+?)\}", rd.read_text()):
            rd_of[alias] = rd.stem
    return {name: (rd_of.get(name), shown) for name, shown in words.items()}


def articles():
    """{article file stem: its .Rmd source}, vignettes and site-only ones."""
    sources = [*(ROOT / "vignettes").glob("*.Rmd"),
               *(ROOT / "vignettes" / "articles").glob("*.Rmd")]
    return {rmd.stem: rmd for rmd in sources}


def rmd_title(rmd):
    return re.search(r'^title:\s*"(.+)"', rmd.read_text(), re.M).group(1)


def python_names():
    """`kerasoptim.__all__`, read without importing Keras."""
    tree = ast.parse((ROOT / "python/kerasoptim/__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            return ast.literal_eval(node.value)
    raise AssertionError("python/kerasoptim/__init__.py has no __all__")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append((tag, value))


def links(page):
    """[(tag, href or src)] of every link and image in an HTML file."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def broken_local_links(page):
    """The local links of `page` whose file does not exist."""
    broken = []
    for tag, target in links(page):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # web links, data: URIs, same-page anchors
        path = (page.parent / unquote(parts.path)).resolve()
        if target.endswith("/"):
            path = path / "index.html"
        if not path.is_file():
            broken.append(f"<{tag}> {target}")
    return broken
