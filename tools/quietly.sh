#!/usr/bin/env bash
# quietly.sh LOG COMMAND...: run COMMAND with its output in LOG, judged by
# its exit status alone; on failure show LOG and exit with that status.
# (What a tool prints is never judged: pip and R print warnings that
# differ by machine.)
log=$1; shift
mkdir -p "$(dirname "$log")"
"$@" >"$log" 2>&1 && exit 0
rc=$?
cat "$log"
echo "failed ($rc): $*" >&2
exit "$rc"
