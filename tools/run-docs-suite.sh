#!/usr/bin/env bash
# The docs suite: build the site (tools/build-docs.sh, as `make docs`), then
# check it (tests/docs: reference pages, articles, figures, links, chromium
# screenshots). One summary line "docs: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
source tools/suite-lib.sh
if ! bash tools/build-docs.sh; then
  echo "docs: 0 passed, 1 failed, 0 skipped"
  exit 1
fi
run_pytest docs tests/docs
exit "$SUITE_RC"
