#!/usr/bin/env bash
# Prints the folder of R source tarballs for the keras3 suite (keras3,
# reticulate, ...; see its README.md), or nothing: $KERASOPTIM_R_SRC if set,
# else shared/r-src beside this checkout, else beside the checkout this one
# was cloned from (a fresh clone made elsewhere, as CI makes one).
cd "$(dirname "$0")/.."
candidates=("${KERASOPTIM_R_SRC:-}" "../shared/r-src")
origin=$(git config --get remote.origin.url 2>/dev/null || true)
[ -d "$origin" ] && candidates+=("$origin/../shared/r-src")
for dir in "${candidates[@]}"; do
  if [ -n "$dir" ] && ls "$dir"/keras3_*.tar.gz >/dev/null 2>&1; then
    (cd "$dir" && pwd)
    exit 0
  fi
done
