#!/usr/bin/env bash
# test_stress.sh success|failure STRESS [ARGS...]
# test_stress.sh usage STRESS
# Runs the stress program and judges its end, not its timing:
#   success  exit status 0, "--- End of test: SUCCESS", and no sanitizer
#            report (ASan, UBSan, LeakSanitizer, TSan) anywhere in the output;
#   failure  exit status 1 and "--- End of test: FAILURE: <oracle>", the run
#            having stopped at its first report;
#   usage    --help exits 0 with the usage on stdout; every bad command line
#            (unknown flag, malformed number or time, out-of-range value,
#            unknown variant, missing value) exits 2 with it on stderr.
# The whole output is shown when the verdict is not the expected one.
set -u
if [ $# -lt 2 ] || { [ "$1" != success ] && [ "$1" != failure ] && [ "$1" != usage ]; }; then
	echo "usage: $0 success|failure|usage STRESS [ARGS...]" >&2
	exit 2
fi
expect=$1; shift

if [ "$expect" = usage ]; then
	bin=$1 bad=0
	out=$("$bin" --help 2>/dev/null) && printf '%s\n' "$out" | grep -q '^usage: stress' ||
		{ echo "test_stress: --help did not print the usage and exit 0" >&2; bad=1; }
	while IFS= read -r args; do
		# shellcheck disable=SC2086 # each line is a list of arguments
		err=$("$bin" $args 2>&1 >/dev/null); rc=$?
		if [ "$rc" -ne 2 ] || ! printf '%s\n' "$err" | grep -q '^usage: stress'; then
			echo "test_stress: 'stress $args': status $rc (expected 2 and the usage on stderr)" >&2
			bad=1
		fi
	done <<-'EOF'
		--no-such-flag
		--cpus
		--cpus 0
		--cpus 65
		--cpus 4x
		--cpus -3
		--duration 0
		--duration 10y
		--duration s
		--seed 12ab
		--caches 0
		--caches 17
		--readers 33
		--hotplug-interval -1
		--stat-interval 1.5s
		--variant no-such-variant
		--variant fixed+nope
		--cpus 1 --hotplug-interval 1s
		extra-argument
	EOF
	[ "$bad" -eq 0 ] && echo "test_stress: usage errors exit 2"
	exit "$bad"
fi
out=$("$@" 2>&1); rc=$?
end=$(printf '%s\n' "$out" | grep -E '^--- End of test: ' | tail -n 1)
sanitizer=$(printf '%s\n' "$out" |
	grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|runtime error:' |
	head -n 1)
fail() {
	printf '%s\n' "$out"
	echo "test_stress: $*" >&2
	exit 1
}
case $expect in
success)
	[ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (${end:-no end line})"
	[ "$end" = "--- End of test: SUCCESS" ] || fail "end line '${end}', expected SUCCESS"
	[ -z "$sanitizer" ] || fail "a sanitizer report: $sanitizer"
	;;
failure)
	[ "$rc" -eq 1 ] || fail "exit status $rc, expected 1 (${end:-no end line})"
	printf '%s\n' "$end" | grep -Eq -- '^--- End of test: FAILURE: [A-Za-z]' ||
		fail "end line '${end}', expected FAILURE with a named oracle"
	;;
esac
printf '%s\n' "$out" | grep -E '^(stress-torture|!!! stress-torture)' | tail -n 1
echo "test_stress: $end"
exit 0
