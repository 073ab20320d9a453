"""Shared fixtures. Each backend runs in its own pytest process
(`KERAS_BACKEND=tensorflow|jax|torch`); a skipped test fails the run when
`KERASOPTIM_NO_SKIPS=1`, so no backend can pass with tests skipped."""

import os
import sys

import keras
import pytest

sys.path.insert(0, os.path.dirname(__file__))

_skipped = []


def pytest_configure(config):
    # A marker of Keras' own tests (test_keras_suite.py runs them).
    config.addinivalue_line("markers", "requires_trainable_backend: Keras'")


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend: {keras.backend.backend()}"


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and os.environ.get("KERASOPTIM_NO_SKIPS") == "1":
        print(f"\nskipped tests are failures here: {_skipped}")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1)
