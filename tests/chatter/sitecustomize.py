"""Start-up chatter for `make test`: every Python process started with this
folder on PYTHONPATH first writes what TensorFlow 2.21 writes to stderr on
CPUs where its oneDNN ops are on (and nothing on others). A check that
judges a tool by words in its output instead of its own report then fails
on every machine, not only on some. Another `sitecustomize` further down
the path (Debian's) still runs."""

import importlib.machinery
import importlib.util
import os
import sys

os.write(2, b"WARNING: All log messages before absl::InitializeLog() is "
            b"called are written to STDERR\n")


def _run_the_next_one():
    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_run_the_next_one()
