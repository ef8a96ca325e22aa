#!/usr/bin/env bash
# stress.sh - build the stress program with one preset and run it once,
# keeping its whole output in run/stress-<timestamp>.log and printing its
# end line ("--- End of test: SUCCESS" or "... FAILURE: <why>").
#
# The stress program (harness/stress.c, docs/stress.md) runs the model on
# the threads backend: a task per vCPU doing a random mix of the slab API,
# RCU readers, CPU hotplug and memory reclaim, against the oracles that
# hold under real concurrency.  Flags this script does not know are passed
# to it unchanged (--seed, --cpus, --caches, --readers, --hotplug-interval,
# --shrink-interval, --stat-interval, --stall-timeout).
#
# Under the tsan preset, TSAN_OPTIONS names allocator/kernel/threads/tsan.supp
# (reports raised inside liburcu only) and halt_on_error=1, unless the
# caller set TSAN_OPTIONS.
set -euo pipefail

prog=stress.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

preset=asan
duration=60s
variant=fixed
pass=()

usage() {
	cat <<'EOF'
usage: scripts/stress.sh [--preset asan|tsan|debug|release] [--duration D]
                         [--variant V] [stress flags...] [--help]

Builds build/<preset>/harness/stress and runs it once; the log is kept in
run/stress-<timestamp>.log, the stats lines and the end line are shown.

  --preset P    asan (default: ASan+UBSan), tsan, debug or release
  --duration D  30s, 5m, 1h, or plain seconds (default 60s)
  --variant V   the model's variant, e.g. fixed (default), seed-v3, h2-only,
                or several joined by '+'
  --help        this text
Any other flag goes to the stress program (stress --help lists them).

Exit status: 0 SUCCESS; 1 FAILURE; 2 usage error or missing tools; 3 the
build failed.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--preset | --duration | --variant)
		optarg "$1" "${2-}"
		set -- "$1=$2" "${@:3}"
		continue ;;
	--preset=*) preset=${1#*=} ;;
	--duration=*) duration=${1#*=} ;;
	--variant=*) variant=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	--*=*) pass+=("$1") ;;
	--*)
		# a flag of the stress program, with its value when it has one
		if [ -n "${2-}" ] && [ "${2#-}" = "$2" ]; then
			pass+=("$1" "$2")
			shift
		else
			pass+=("$1")
		fi ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done

case $preset in
asan | tsan | debug | release) ;;
*) die_usage "unknown preset '$preset' (asan, tsan, debug or release)" ;;
esac
[[ $duration =~ ^[0-9]+(ms|s|m|h)?$ ]] ||
	die_usage "--duration wants 30s, 5m, 1h or seconds, not '$duration'"
if ! [[ $variant =~ ^[a-z0-9][a-z0-9+-]*$ ]]; then
	die_usage "--variant wants a variant name such as fixed, seed-v3 or h2-only, not '$variant'"
fi
mapfile -t variants < <(sed -n 's/^\t{ "\([a-z0-9-]*\)",.*/\1/p' "$root/allocator/variant.c")
IFS=+ read -ra parts <<<"$variant"
for v in "${parts[@]}"; do
	case " ${variants[*]} " in
	*" $v "*) ;;
	*) die_usage "unknown variant '$v' (allocator/variant.c has: ${variants[*]})" ;;
	esac
done

cd "$root"
"$root/scripts/setup.sh" --no-afl --quiet

# ---------------------------------------------------------------- build --

mkdir -p build/logs run
log_conf=build/logs/stress-$preset-configure.log
log_build=build/logs/stress-$preset-build.log

# step NAME LOG CMD...: a build step, its output in LOG and, on failure, on
# the terminal; exits 3 when it fails.
step() {
	local name=$1 log=$2 t0=$SECONDS rc=0
	shift 2
	echo "$prog: $name: $*"
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log"
		echo "$prog: $name FAILED with status $rc ($((SECONDS - t0))s), log: $log"
		exit 3
	fi
	echo "$prog: $name ok ($((SECONDS - t0))s)"
}

step configure "$log_conf" cmake --preset "$preset"
step build "$log_build" cmake --build --preset "$preset" --target stress
bin=build/$preset/harness/stress
[ -x "$bin" ] || { echo "$prog: $bin was not built"; exit 3; }

# ------------------------------------------------------------------ run --

if [ "$preset" = tsan ] && [ -z "${TSAN_OPTIONS-}" ]; then
	export TSAN_OPTIONS="suppressions=$root/allocator/kernel/threads/tsan.supp halt_on_error=1 second_deadlock_stack=1"
fi
log=run/stress-$(date -u +%Y%m%d-%H%M%S)-$preset-$variant.log
echo "$prog: running $bin --variant $variant --duration $duration ${pass[*]}"
echo "$prog: log: $log"
rc=0
"$bin" --variant "$variant" --duration "$duration" "${pass[@]}" >"$log" 2>&1 || rc=$?
# the progress the log holds: the start line, the stats lines, the end
grep -E '^(stress-torture|!!! stress-torture)' "$log" || true
end=$(grep -E '^--- End of test: ' "$log" | tail -n 1 || true)
if [ "$rc" -eq 2 ]; then
	cat "$log" >&2
	exit 2
fi
if [ -z "$end" ]; then
	tail -n 40 "$log"
	end="--- End of test: FAILURE: the program exited with status $rc without an end line"
fi
echo "$end"
case $end in
*SUCCESS) [ "$rc" -eq 0 ] && exit 0 ;;
esac
echo "$prog: the report is in $log"
exit 1
