"""The docs build judges pdoc by pdoc's own report (tools/run_pdoc.py), so
start-up lines that libraries write to stderr on some CPUs only (TensorFlow's
absl line where oneDNN is on) cannot fail it, and pdoc's real warnings do."""

import os
import subprocess
import sys
import textwrap

import pytest

from site_files import ROOT

RUN_PDOC = ROOT / "tools" / "run_pdoc.py"
# What TensorFlow 2.21 writes to file descriptor 2 on import, on some CPUs.
CHATTER = ("WARNING: All log messages before absl::InitializeLog() is called "
           "are written to STDERR\n"
           "E0000 00:00:1.0 1 cpu_feature_guard.cc:1] oneDNN custom "
           "operations are on: warn error\n")
STUBS = {
    # Imported, prints library chatter to the real stderr and stdout.
    "chatty": f"""
        '''A package whose import prints what TensorFlow prints.'''
        import os
        os.write(2, {CHATTER.encode()!r})
        os.write(1, b"warning: error: only chatter\\n")

        def f(x):
            '''Return `x`.'''
            return x
        """,
    # pdoc warns: a name in __all__ that does not resolve.
    "unresolved": """
        '''__all__ names something that does not exist.'''
        __all__ = ["f", "missing"]

        def f(x):
            '''Return `x`.'''
            return x
        """,
    # pdoc cannot import it.
    "broken": """
        '''Fails to import.'''
        raise ImportError("no")
        """,
}


def run_pdoc(module, tmp_path, env=None, *template):
    for name, source in STUBS.items():
        (tmp_path / "stubs" / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / "stubs" / name / "__init__.py").write_text(
            textwrap.dedent(source))
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(tmp_path / "stubs"), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, str(RUN_PDOC),
                           str(tmp_path / "out"), module, *template],
                          capture_output=True, text=True, env=env,
                          timeout=600)


def test_library_chatter_does_not_fail_the_build(tmp_path):
    done = run_pdoc("chatty", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "absl::InitializeLog" in done.stderr  # the chatter was there
    assert (tmp_path / "out" / "chatty.html").is_file()


@pytest.mark.parametrize("module", ["unresolved", "broken"])
def test_pdoc_warnings_and_failures_fail_the_build(tmp_path, module):
    done = run_pdoc(module, tmp_path)
    assert done.returncode != 0, done.stdout + done.stderr


def test_kerasoptim_builds_with_tensorflow_chatter(tmp_path):
    """The real page, every Python process started here printing
    TensorFlow's line first (tests/chatter/sitecustomize.py, as under
    `make test`), on the default backend."""
    env = dict(os.environ, KERAS_BACKEND="tensorflow",
               PYTHONPATH=str(ROOT / "tests" / "chatter"))
    done = run_pdoc("kerasoptim", tmp_path, env, str(ROOT / "tools" / "pdoc"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "absl::InitializeLog" in done.stderr  # the chatter was there
    assert (tmp_path / "out" / "kerasoptim.html").is_file()
