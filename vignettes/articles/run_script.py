"""Run a Python script next to the articles in a fresh process of this
Python, for examples that need their own backend or XLA flags."""

import os
import subprocess
import sys
import sysconfig


def run_script(script, *args, **env):
    """Run `script` with `args` and extra environment variables `env`; return
    its standard output, or raise with the end of its standard error."""
    # An R session puts R's library directories first on LD_LIBRARY_PATH;
    # the child must load this Python's own libpython.
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    paths = [libdir, os.environ.get("LD_LIBRARY_PATH", "")]
    full_env = dict(os.environ, **env,
                    LD_LIBRARY_PATH=os.pathsep.join(p for p in paths if p))
    done = subprocess.run([sys.executable, script, *map(str, args)],
                          env=full_env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(map(str, args))} failed:\n"
                           + done.stderr[-2000:])
    return done.stdout
