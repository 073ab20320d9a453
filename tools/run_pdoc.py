"""Build a Python API page with pdoc and judge it by pdoc's own report.

    run_pdoc.py OUTPUT_DIR MODULE [TEMPLATE_DIR]

Exits 0 when pdoc wrote the pages without a warning of its own, 1 after
listing pdoc's warnings (a module that failed to import, a name in
`__all__` that does not resolve, a docstring pdoc could not read, ...).
pdoc reports those as Python warnings raised from its own modules; this is
what counts, never the words other libraries print while the documented
package is imported (TensorFlow writes start-up lines to stderr on some
CPUs and not on others).
"""

import os
import pathlib
import sys
import warnings

import pdoc
import pdoc.render

PDOC_DIR = pathlib.Path(pdoc.__file__).resolve().parent


def pdoc_warnings(caught):
    """The warnings among `caught` that pdoc itself raised."""
    return [w for w in caught
            if pathlib.Path(w.filename).resolve().is_relative_to(PDOC_DIR)]


def build(output_dir, module, template_dir=None):
    """Write the pages of `module` into `output_dir`; pdoc's warnings."""
    # Let an imported module run subprocesses (pdoc mocks them otherwise,
    # and warns about platform.uname()).
    os.environ.setdefault("PDOC_ALLOW_EXEC", "1")
    pdoc.render.configure(docformat="google", search=False,
                          template_directory=template_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(module, output_directory=pathlib.Path(output_dir))
    return pdoc_warnings(caught)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    output_dir, module, *template = argv
    found = build(output_dir, module, *[pathlib.Path(t) for t in template])
    for w in found:
        print(f"pdoc: {w.category.__name__}: {w.message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
