#!/usr/bin/env bash
# R CMD build from a clean copy of the tracked files (as a fresh clone, or
# remotes::install_github(), would build it; not the working tree with its
# multi-GB .venv folders). Usage: tools/build-tarball.sh DIR
# Leaves the copy in DIR/clean and the tarball in DIR; prints its path. On
# failure shows R CMD build's log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
mkdir -p "$dir/clean"
(cd "$root" && git ls-files -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$dir/clean")
if ! (cd "$dir" && R CMD build --no-manual clean) >"$dir/build.log" 2>&1; then
  cat "$dir/build.log" >&2
  exit 1
fi
ls "$dir"/kerasoptim_*.tar.gz
