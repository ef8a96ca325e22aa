#!/usr/bin/env bash
# expect_death.sh REGEX PROGRAM [ARGS...]
# Passes when PROGRAM exits non-zero (a report aborted it) and its combined
# output matches the extended REGEX; fails otherwise, showing the output.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 REGEX PROGRAM [ARGS...]" >&2
  exit 2
fi
regex=$1; shift
out=$("$@" 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then
  printf '%s\n' "$out"
  echo "expect_death: '$*' exited 0; a report should have aborted it" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  printf '%s\n' "$out"
  echo "expect_death: exit status $rc, but no line matches /$regex/" >&2
  exit 1
fi
echo "expect_death: exit status $rc and /$regex/ found"
exit 0
