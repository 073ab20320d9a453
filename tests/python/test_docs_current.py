"""The R help pages carry the Python argument texts: R/params.R is what
tools/gen_r_docs.py writes from `kerasoptim._docs` now, and each man page's
arguments are those texts as roxygen renders them. A text changed on one
side only fails here."""

import pathlib
import re
import subprocess
import sys

import pytest

import kerasoptim

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import gen_r_docs  # noqa: E402

FACTORIES = sorted(n for n in kerasoptim.__all__
                   if n.startswith("optimizer_"))


def test_params_file_is_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_r_docs.py"), "--check"],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_check_fails_on_a_stale_file(tmp_path, monkeypatch):
    stale = tmp_path / "params.R"
    stale.write_text(gen_r_docs.generate().replace("1st moment",
                                                   "first moment"))
    monkeypatch.setattr(gen_r_docs, "TARGET", stale)
    monkeypatch.setattr(gen_r_docs, "ROOT", tmp_path)
    assert gen_r_docs.main(["--check"]) == 1


def rd_items(factory):
    """`{argument: text}` from a man page's \\arguments section."""
    rd = (ROOT / "man" / f"{factory}.Rd").read_text()
    rd = re.sub(r"\\verb\{", r"\\code{", rd)  # roxygen's choice of markup
    return dict(re.findall(r"^\\item\{([^}]+)\}\{(.*)\}$", rd, re.M))


@pytest.mark.parametrize("factory", FACTORIES)
def test_man_page_has_the_python_texts(factory):
    cls = type(getattr(kerasoptim, factory)()).__name__
    items = rd_items(factory)
    for name, text in gen_r_docs.param_texts(factory, cls).items():
        rendered = re.sub(r"`([^`]+)`", r"\\code{\1}", text)
        assert items.get(name) == rendered, (
            f"man/{factory}.Rd, argument `{name}`: run make rdocs")


# Python's words that an R help page must not carry (R's words, keras3's
# functions instead).
PYTHON_WORDS = re.compile(
    r"\b(None|True|False)\b|keras\.Variable|LearningRateSchedule|"
    r"LossScaleOptimizer|ValueError|//|whole float|callable|keyword")


@pytest.mark.parametrize("factory", FACTORIES)
def test_r_texts_speak_r(factory):
    cls = type(getattr(kerasoptim, factory)()).__name__
    for name, text in gen_r_docs.param_texts(factory, cls).items():
        assert not PYTHON_WORDS.search(text), (name, text)
    for name, rule in gen_r_docs._args.rules(cls).items():
        assert not PYTHON_WORDS.search(gen_r_docs.r_text(rule.allowed()))
    assert "adam_1" not in gen_r_docs.param_texts(factory, cls)["name"]


def test_r_words_are_applied():
    assert PYTHON_WORDS.search(kerasoptim._docs.ARGS["learning_rate"])
    assert gen_r_docs.r_text("`None`, `use_ema=True`") == \
        "`NULL`, `use_ema = TRUE`"


def test_man_and_namespace_are_current():
    """What `make rdocs` writes is what is in the tree (roxygen on a
    copy)."""
    result = subprocess.run(["bash", str(ROOT / "tools" / "rdocs.sh"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
