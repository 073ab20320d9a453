#!/usr/bin/env bash
# The main job: train the iris classifier from R and from Python with the
# three optimizers; write out/demo/table.txt and out/demo/loss_curves.png.
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/demo
mkdir -p "$out"
export KERAS_BACKEND=${KERAS_BACKEND:-tensorflow}
echo "== R (keras backend: $KERAS_BACKEND)"
Rscript inst/examples/demo.R "$out/r_history.csv"
echo "== Python (keras backend: $KERAS_BACKEND)"
.venv/bin/python inst/examples/demo.py inst/extdata/iris.csv \
  "$out/r_history.csv" "$out"
