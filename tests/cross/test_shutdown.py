"""A process that embeds R, builds and uses an optimizer from R, then exits:
exit code 0, no GIL crash, no hang."""

import os
import subprocess
import sys

SCRIPT = r"""
import sys
sys.path.insert(0, {here!r})
import embedded_r, keras, numpy as np
opt = embedded_r.from_r("optimizer_adam()")
v = keras.Variable(np.ones(3, dtype="float32"))
opt.apply([keras.ops.ones(3)], [v])
del opt
embedded_r.collect_garbage()
print("done", float(v.numpy()[0]))
"""


def test_process_exits_cleanly():
    """`embedded_r` ends the process safely: exit code 0."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(here=here)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "done 0.999" in out.stdout  # (a crash at exit is a nonzero code)


def test_failure_still_exits_nonzero():
    here = os.path.dirname(os.path.abspath(__file__))
    code = f"import sys; sys.path.insert(0, {here!r}); import embedded_r; " \
           "raise SystemExit(3) if False else 1/0"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 1 and "ZeroDivisionError" in out.stderr
