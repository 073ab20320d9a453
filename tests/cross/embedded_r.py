"""R embedded in this Python process (rpy2), set up so that it is safe.

reticulate in the embedded R reuses this interpreter. Two hazards, both from
rpy2 (cffi) releasing the GIL around every call into R:
- R's finalizers release the Python objects R holds (optimizers, exceptions);
  run while the GIL is released, the last reference deallocates without a
  thread state and Python aborts ("PyThreadState_Get: ... GIL is released").
  So R only collects garbage in `collect_garbage()`, an R function that
  Python calls through reticulate, which holds the GIL; R starts with heap
  enough not to collect on its own in between.
- At exit, ending R (rpy2's atexit hook) or finalizing Python with R alive
  crashes the same way. Once Python's own exit work is done, the process
  ends with `os._exit`, keeping its exit status.
"""

import atexit
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
os.environ.setdefault("R_LIBS_USER", str(ROOT / ".Rlib"))
os.environ["RETICULATE_PYTHON"] = sys.executable
os.environ.setdefault("R_NSIZE", "20M")
os.environ.setdefault("R_VSIZE", "1G")

import rpy2.rinterface as ri  # noqa: E402
import rpy2.robjects as ro  # noqa: E402

exit_status = [0]


def _end_process():
    sys.stdout.flush()
    sys.stderr.flush()
    failed = hasattr(sys, "last_type")  # an uncaught exception was printed
    os._exit(1 if failed else exit_status[0])


atexit.unregister(ri.endr)
atexit.register(_end_process)  # atexit runs last-in first: this runs first

r = ro.r
r("suppressPackageStartupMessages(library(kerasoptim))")
r("local({ main <- reticulate::import_main(); "
  "main$kerasoptim_r_gc <- function() { gc(); invisible(NULL) } })")


def collect_garbage():
    """R's garbage collection, with the GIL held."""
    import __main__

    __main__.kerasoptim_r_gc()


def from_r(r_code):
    """The Python object an R expression returns, handed over through
    reticulate's `__main__` module."""
    import __main__

    r(f"local({{ main <- reticulate::import_main(); "
      f"main$kerasoptim_from_r <- {r_code} }})")
    return __main__.__dict__.pop("kerasoptim_from_r")
