"""Cross-language fixtures: R runs embedded in this pytest process (see
`embedded_r`), with the installed kerasoptim R package attached, and an
optimizer built from R is a Python object Python can read directly."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import embedded_r  # noqa: E402
import rpy2.rinterface as ri  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    embedded_r.exit_status[0] = int(exitstatus)


@pytest.fixture(autouse=True)
def _r_garbage_collected_with_gil():
    yield
    embedded_r.collect_garbage()


@pytest.fixture(scope="session")
def r():
    """Evaluate R code in the embedded R session."""
    return embedded_r.r


@pytest.fixture(scope="session")
def from_r():
    return embedded_r.from_r


@pytest.fixture(scope="session")
def r_error(r):
    """The message of the R error an R call raises (or None)."""
    def message(r_code):
        out = r(f"tryCatch({{ {r_code}; NA_character_ }}, "
                f"error = function(e) conditionMessage(e))")[0]
        return None if out is ri.NA_Character else str(out)

    return message


def r_literal(value):
    """A Python argument value written as R code."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value + '"'
    return repr(value)


def r_call(factory, kwargs):
    args = ", ".join(f"{k} = {r_literal(v)}" for k, v in kwargs.items())
    return f"{factory}({args})"
