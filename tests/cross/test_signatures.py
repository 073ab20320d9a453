"""R `formals()` and Python `inspect.signature` agree: names, order and
defaults, R's `...` where Python's keyword-only marker and `**kwargs` are.
Both sides are read programmatically; neither is written down here."""

import inspect

import pytest
import rpy2.rinterface as ri

import kerasoptim

FACTORIES = sorted(n for n in kerasoptim.__all__ if n.startswith("optimizer_"))


R_TYPES = {"LGLSXP": bool, "REALSXP": float, "STRSXP": str, "INTSXP": int}


def r_value(obj):
    """An R default value as the Python value it stands for."""
    if obj is ri.NULL:
        return None
    assert len(obj) == 1, f"default of length {len(obj)}"
    return R_TYPES[obj.typeof.name](obj[0])


def r_formals(r, factory):
    names = list(r(f"names(formals(kerasoptim::{factory}))"))
    defaults = {
        name: r_value(r(f"eval(formals(kerasoptim::{factory})[[{i + 1}]])"))
        for i, name in enumerate(names) if name != "..."
    }
    return names, defaults


def test_r_exports_every_python_factory(r):
    exported = set(r('getNamespaceExports("kerasoptim")'))
    assert set(FACTORIES) <= exported, set(FACTORIES) - exported


@pytest.mark.parametrize("factory", FACTORIES)
def test_formals_match_signature(r, factory):
    r_names, r_defaults = r_formals(r, factory)
    params = list(inspect.signature(
        getattr(kerasoptim, factory)).parameters.values())
    assert params[-1].kind is inspect.Parameter.VAR_KEYWORD
    py_names = [p.name for p in params[:-1]]
    first_kw_only = next(i for i, p in enumerate(params)
                         if p.kind is inspect.Parameter.KEYWORD_ONLY)
    assert r_names.index("...") == first_kw_only, (
        f"{factory}: R's `...` at {r_names.index('...')}, Python's "
        f"keyword-only arguments start at {first_kw_only}")
    assert [n for n in r_names if n != "..."] == py_names, factory
    for p in params[:-1]:
        r_default, py_default = r_defaults[p.name], p.default
        if isinstance(py_default, str):  # a factory's DefaultName("adam")
            py_default = str(py_default)
        if isinstance(py_default, float):  # DefaultRate(0.001), for `lr`
            py_default = float(py_default)
        assert (type(r_default), r_default) == (type(py_default),
                                                py_default), (
            f"{factory}: argument `{p.name}` defaults to {r_default!r} in R "
            f"but {py_default!r} in Python")
