#!/usr/bin/env bash
# test_fuzz_figures.sh - the command line of scripts/fuzz_figures.sh's kill
# mode: --help documents it and exits 0; a bad --cap or --from, or either
# without the kill figure, exits 2 with a message naming the option, before
# anything is set up or built (each case is cut off after 10 s: a case
# that got past the parser would start the build).  No fuzzing.
# Prints one line per check; exits 1 if one failed, 2 on a usage error.
set -uo pipefail

if [ $# -ne 0 ]; then
	echo "usage: tests/test_fuzz_figures.sh" >&2
	exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
figures=$root/scripts/fuzz_figures.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect NAME STATUS PATTERN ARG...: fuzz_figures.sh ARG... exits STATUS
# and its output (stdout and stderr) matches the extended regex PATTERN
expect() {
	local name=$1 want=$2 pattern=$3 rc=0
	shift 3
	timeout 10 "$figures" "$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit status $rc, expected $want"
		tail -n 5 "$tmp/out"
		fails=$((fails + 1))
	elif ! grep -qE -- "$pattern" "$tmp/out"; then
		echo "FAIL $name: output does not match '$pattern'"
		tail -n 5 "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

expect "--help: exit 0, the kill mode" 0 '^  kill  ' --help
expect "--help: --cap and its default" 0 '^  --cap S .*default 60' --help
expect "--help: --from" 0 '^  --from seeds\|empty ' --help
expect "kill --cap 0" 2 'fuzz_figures.sh: --cap wants a whole number' kill --cap 0
expect "kill --cap abc" 2 'fuzz_figures.sh: --cap wants a whole number' kill --cap abc
expect "kill --cap 86401" 2 'fuzz_figures.sh: --cap wants a whole number from 1 to 86400' kill --cap 86401
expect "kill --cap without a value" 2 'option --cap needs a value' kill --cap
expect "kill --cap -5" 2 'option --cap needs a value' kill --cap -5
expect "kill --from elsewhere" 2 '--from wants seeds or empty' kill --from elsewhere
expect "--cap without kill" 2 '--cap needs the kill figure' find --cap 30
expect "--from without kill" 2 '--from needs the kill figure' --from empty
expect "a usage error points at --help" 2 'try --help' kill --cap 0

if [ "$fails" -ne 0 ]; then
	echo "test_fuzz_figures: $fails check(s) failed"
	exit 1
fi
echo "test_fuzz_figures: all checks passed"
