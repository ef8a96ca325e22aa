#!/usr/bin/env bash
# fuzz_jobs.sh - what --jobs buys on this machine: scripts/fuzz.sh with
# --jobs 1 and --jobs J (default 2) for each engine, alternating, R rounds of
# S seconds, in one run; prints every run's total exec/s, the machine's load
# before it, the median per engine and J, and the ratio of the medians:
#   ENGINE: jobs 1 N exec/s, jobs J M exec/s, ratio X (target T)
# Exit 0 when every engine's ratio reaches the target (default 0.85 * J).
set -euo pipefail

prog=fuzz_jobs.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

engines=()
target=fuzz_ops
seconds=60
rounds=3
jobs=2
variant=
want=
keep=0

usage() {
	cat <<'EOF'
usage: scripts/fuzz_jobs.sh [--engine libfuzzer|afl]... [--target T] [--seconds S]
                            [--rounds R] [--jobs J] [--variant V] [--target-ratio X]
                            [--keep] [--help]

Runs scripts/fuzz.sh --jobs 1 and --jobs J, alternately, R rounds of S
seconds per engine, all in one run, and compares the total executions per
second (fuzz.sh's exec/s: libFuzzer's -fork parent line, or the sum of the
AFL++ instances' execs_per_sec).

  --engine E        libfuzzer and/or afl (repeatable; default both)
  --target T        the fuzz target (default fuzz_ops; fuzz_sched finds F1 on
                    fixed within seconds, so give it --variant f1-fix)
  --seconds S       seconds per run, 10..3600 (default 60)
  --rounds R        rounds, 1..20 (default 3); the median is reported
  --jobs J          the parallel run's job count, 2..64 (default 2)
  --variant V       passed to fuzz.sh --variant
  --target-ratio X  the ratio to reach (default 0.85 * J, 1.7 for J = 2)
  --keep            keep the run/ directories fuzz.sh made
  --help            this text

The runs go through nice(1): the machine may be shared.  Its load average
before each run is printed; compare ratios within one run only.
Exit status: 0 every engine reached the target ratio; 1 one did not, or a
fuzz.sh run failed; 2 usage error.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--engine | --target | --seconds | --rounds | --jobs | --variant | --target-ratio)
		if [ -z "${2-}" ] || [ "${2#-}" != "$2" ]; then die_usage "option $1 needs a value"; fi
		set -- "$1=$2" "${@:3}"
		continue ;;
	--engine=*) engines+=("${1#*=}") ;;
	--target=*) target=${1#*=} ;;
	--seconds=*) seconds=${1#*=} ;;
	--rounds=*) rounds=${1#*=} ;;
	--jobs=*) jobs=${1#*=} ;;
	--variant=*) variant=${1#*=} ;;
	--target-ratio=*) want=${1#*=} ;;
	--keep) keep=1 ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done
[ ${#engines[@]} -gt 0 ] || engines=(libfuzzer afl)
for e in "${engines[@]}"; do
	case $e in libfuzzer | afl) ;; *) die_usage "unknown engine '$e' (libfuzzer or afl)" ;; esac
done
range() {
	if ! [[ $2 =~ ^[0-9]+$ ]] || [ "${#2}" -gt 5 ] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		die_usage "$1 wants a whole number from $3 to $4, not '$2'"
	fi
}
range --seconds "$seconds" 10 3600
range --rounds "$rounds" 1 20
range --jobs "$jobs" 2 64
[[ $target =~ ^[a-z0-9_]+$ ]] || die_usage "--target wants a target name such as fuzz_ops, not '$target'"
[ -n "$want" ] || want=$(awk -v j="$jobs" 'BEGIN { printf "%.2f", 0.85 * j }')
[[ $want =~ ^[0-9]+(\.[0-9]+)?$ ]] || die_usage "--target-ratio wants a number, not '$want'"

cd "$root"
fuzz_args=(--target "$target" --seconds "$seconds")
[ -z "$variant" ] || fuzz_args+=(--variant "$variant")

# One fuzz.sh run: its exec/s for the target, or nothing when it failed.
# Results go to the arrays eps_<engine>_<jobs>.
declare -A eps
runs_made=()
one_run() {
	local e=$1 j=$2 r=$3 log=$tmp/$1-$2-$3.log load rc=0 v dir
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "$prog: [$e] round $r/$rounds, --jobs $j (load average $load before it)"
	nice ./scripts/fuzz.sh --engine "$e" --jobs "$j" "${fuzz_args[@]}" >"$log" 2>&1 || rc=$?
	dir=$(sed -n 's|.*run dir \(run/[^ ]*\)/$|\1|p' "$log" | head -n 1)
	[ -z "$dir" ] || runs_made+=("$dir")
	v=$(awk -v t="$target" '$1 == t && $2 ~ /^[0-9]+$/ { print $3 }' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ] || ! [[ $v =~ ^[0-9]+$ ]]; then
		echo "$prog: [$e] fuzz.sh --jobs $j exited $rc without a figure; its last lines:"
		tail -n 15 "$log"
		failed=1
		return
	fi
	echo "$prog: [$e] round $r, --jobs $j: $v exec/s"
	eps[$e,$j]+="$v "
	loads[$e]+="$load "
}

median() {
	tr ' ' '\n' <<<"$1" | grep -E '^[0-9]+$' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

tmp=$(mktemp -d)
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	rm -rf "$tmp"
	if [ "$keep" -eq 0 ] && [ ${#runs_made[@]} -gt 0 ]; then
		rm -rf "${runs_made[@]}"
	fi
}
trap cleanup EXIT
failed=0
declare -A loads

echo "$prog: ${engines[*]} on $target, --jobs 1 and --jobs $jobs, $rounds round(s) of ${seconds}s," \
     "$(nproc) CPUs; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
for e in "${engines[@]}"; do
	# fuzz.sh builds first; a warm-up run keeps the build out of the timing.
	echo "$prog: [$e] building (fuzz.sh --seconds 10)"
	nice ./scripts/fuzz.sh --engine "$e" --target "$target" --seconds 10 ${variant:+--variant "$variant"} \
		>"$tmp/$e-build.log" 2>&1 || { tail -n 20 "$tmp/$e-build.log"; echo "$prog: [$e] fuzz.sh failed"; exit 1; }
	d=$(sed -n 's|.*run dir \(run/[^ ]*\)/$|\1|p' "$tmp/$e-build.log" | head -n 1)
	[ -z "$d" ] || runs_made+=("$d")
	for ((r = 1; r <= rounds; r++)); do
		# Alternate which goes first, so that a drift in the load hits both.
		if [ $((r % 2)) -eq 1 ]; then
			one_run "$e" 1 "$r"; one_run "$e" "$jobs" "$r"
		else
			one_run "$e" "$jobs" "$r"; one_run "$e" 1 "$r"
		fi
	done
done

echo
echo "$prog: summary ($target, ${seconds}s runs, $rounds round(s), load averages before the runs:" \
     "see above)"
ok=1
for e in "${engines[@]}"; do
	m1=$(median "${eps[$e,1]-}")
	mj=$(median "${eps[$e,$jobs]-}")
	ratio=$(awk -v a="$mj" -v b="$m1" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "0.00" }')
	verdict=ok
	awk -v r="$ratio" -v w="$want" 'BEGIN { exit !(r >= w) }' || { verdict=MISSED; ok=0; }
	echo "  $e: jobs 1 $m1 exec/s (runs: ${eps[$e,1]-none}), jobs $jobs $mj exec/s (runs: ${eps[$e,$jobs]-none})"
	echo "  $e: ratio $ratio (target $want) $verdict; load averages before its runs: ${loads[$e]-}"
done
[ "$failed" -eq 0 ] || { echo "$prog: a run failed (above)"; exit 1; }
[ "$ok" -eq 1 ]
