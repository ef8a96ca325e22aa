#!/usr/bin/env bash
# fuzz_figures.sh - measure the fuzz_ops figures the project promises, on
# this machine, and print each one next to its target:
#
#   speed   libFuzzer exec/s from the seed corpus, one job: the median of
#           --runs runs of --seconds each (target: 20,000)
#   find    time to the first crash with --variant (default seed-v3) from an
#           empty corpus: the median over --seeds libFuzzer seeds (target:
#           10 s), and every crash replayed 10 times with replay
#           (target: 10/10 fail, each with the same first report line, pids
#           and addresses aside)
#   soak    --soak-minutes of fuzzing "fixed" with -rss_limit_mb=512
#           -timeout=1 (target: 0 crashes); off unless asked for
#
# --baseline REV builds the fuzz preset of another commit as well (in a git
# worktree under build/baseline/) and alternates its speed runs with this
# tree's, so that a change's cost is a ratio measured in one script run.
#
# Each run works in a fresh directory under run/figures-<timestamp>/; the
# checked-in corpus is only read.  Builds the fuzz preset first.
set -euo pipefail

prog=fuzz_figures.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

runs=3
seconds=60
seeds=5
variant=seed-v3
find_limit=60
soak_minutes=0
baseline=
what=()

usage() {
	cat <<'EOF'
usage: scripts/fuzz_figures.sh [speed] [find] [soak] [--runs R] [--seconds S]
                               [--seeds K] [--variant V] [--soak-minutes M]
                               [--baseline REV]

Measures fuzz_ops with libFuzzer (fuzz preset: ASan + UBSan, sim backend)
and prints each figure with its target.  Default: speed and find; soak runs
only when named, with --soak-minutes (default 30 then).

  speed             exec/s from corpus/fuzz_ops/: median of R runs of S s
  find              first crash of variant V from an empty corpus, K seeds,
                    each crash replayed 10 times
  soak              M minutes of fixed, -rss_limit_mb=512 -timeout=1
  --runs R          speed runs, 1..99 (default 3)
  --seconds S       seconds per speed run, 1..86400 (default 60)
  --seeds K         libFuzzer seeds for find, 1..99 (default 5)
  --variant V       variant for find (default seed-v3)
  --soak-minutes M  soak length, 1..10080 (default 30 when soak is named)
  --baseline REV    also build commit REV and alternate its speed runs with
                    this tree's; prints both medians and their ratio
  --help            this text

Exit status: 0 every measured figure met its target; 1 one missed (or a
soak found a crash); 2 usage error or missing tools; 3 the build failed.
EOF
}

die_usage() {
	echo "$prog: $*" >&2
	echo "$prog: try --help" >&2
	exit 2
}

check_int() {
	if ! [[ $2 =~ ^[1-9][0-9]*$ ]] || [ "${#2}" -gt 6 ] || [ "$2" -gt "$3" ]; then
		die_usage "$1 wants a whole number from 1 to $3, not '$2'"
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	speed | find | soak) what+=("$1") ;;
	--runs | --seconds | --seeds | --variant | --soak-minutes | --baseline)
		[ $# -ge 2 ] && [ -n "$2" ] && [ "${2#-}" = "$2" ] || die_usage "option $1 needs a value"
		case $1 in
		--runs) check_int "$1" "$2" 99; runs=$2 ;;
		--seconds) check_int "$1" "$2" 86400; seconds=$2 ;;
		--seeds) check_int "$1" "$2" 99; seeds=$2 ;;
		--variant)
			[[ $2 =~ ^[a-z0-9][a-z0-9-]*$ ]] || die_usage "--variant wants a name such as seed-v3, not '$2'"
			variant=$2 ;;
		--soak-minutes) check_int "$1" "$2" 10080; soak_minutes=$2 ;;
		--baseline)
			git -C "$root" rev-parse --verify -q "$2^{commit}" >/dev/null ||
				die_usage "--baseline wants a commit of this repository, not '$2'"
			baseline=$(git -C "$root" rev-parse "$2^{commit}") ;;
		esac
		shift ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done
[ ${#what[@]} -gt 0 ] || what=(speed find)
want() { [[ " ${what[*]} " == *" $1 "* ]]; }
if [ "$soak_minutes" -gt 0 ] && ! want soak; then
	die_usage "--soak-minutes needs the soak figure: add 'soak'"
fi
if want soak && [ "$soak_minutes" -eq 0 ]; then
	soak_minutes=30
fi

cd "$root"
"$root/scripts/setup.sh" --no-afl --quiet

mkdir -p build/logs
echo "$prog: building the fuzz preset (log: build/logs/figures-build.log)"
if ! { cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_ops replay; } \
	>build/logs/figures-build.log 2>&1; then
	tail -n 30 build/logs/figures-build.log
	echo "$prog: the build failed"
	exit 3
fi
fuzzer=$root/build/fuzz/harness/fuzz_ops
replay=$root/build/fuzz/harness/replay
base_fuzzer=
if [ -n "$baseline" ]; then
	bdir=$root/build/baseline/${baseline:0:12}
	echo "$prog: building the fuzz preset of ${baseline:0:12} in ${bdir#"$root"/} (log: build/logs/figures-baseline.log)"
	if ! { { [ -d "$bdir" ] || git -C "$root" worktree add -q --detach "$bdir" "$baseline"; } &&
		(cd "$bdir" && cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_ops); } \
		>build/logs/figures-baseline.log 2>&1; then
		tail -n 30 build/logs/figures-baseline.log
		echo "$prog: the baseline build failed"
		exit 3
	fi
	base_fuzzer=$bdir/build/fuzz/harness/fuzz_ops
fi
out=$root/run/figures-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "$prog: runs in ${out#"$root"/}/"

missed=0
summary=()

# median: the middle of the numbers on stdin (the lower middle for an even count)
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# the last "stat::NAME:" value of a libFuzzer log
stat_of() {
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

# speed_run BINARY LABEL R: one speed run; appends its exec/s to the array LABEL_rates.
speed_run() {
	local bin=$1 label=$2 r=$3 d rate execs rss
	d=$out/speed-$label-$r
	mkdir -p "$d/corpus"
	cp corpus/fuzz_ops/* "$d/corpus/"
	echo "$prog: speed run $r/$runs ($label): ${seconds}s of fuzz_ops from $(find corpus/fuzz_ops -type f | wc -l) seeds"
	(cd "$d" && SHEAF_VARIANT=fixed "$bin" -max_total_time="$seconds" \
		-print_final_stats=1 -timeout=25 -dict="$root/corpus/fuzz_ops.dict" \
		-artifact_prefix="$d/" corpus >log 2>&1) || true
	rate=$(stat_of "$d/log" average_exec_per_sec)
	execs=$(stat_of "$d/log" number_of_executed_units)
	rss=$(stat_of "$d/log" peak_rss_mb)
	if [ -z "$rate" ]; then
		echo "$prog: speed run $r ($label) ended without statistics; end of its log:"
		tail -n 20 "$d/log"
		missed=1
		return
	fi
	echo "$prog: speed run $r/$runs ($label): $execs execs, $rate exec/s, peak RSS ${rss} MB"
	eval "${label}_rates+=(\"\$rate\")"
}

if want speed; then
	current_rates=()
	baseline_rates=()
	for r in $(seq 1 "$runs"); do
		[ -z "$base_fuzzer" ] || speed_run "$base_fuzzer" baseline "$r"
		speed_run "$fuzzer" current "$r"
	done
	if [ ${#current_rates[@]} -gt 0 ]; then
		m=$(printf '%s\n' "${current_rates[@]}" | median)
		verdict=met
		[ "$m" -ge 20000 ] || { verdict=MISSED; missed=1; }
		summary+=("speed  median $m exec/s over ${#current_rates[@]} runs of ${seconds}s (runs: ${current_rates[*]}); target 20000: $verdict")
	fi
	if [ ${#baseline_rates[@]} -gt 0 ] && [ ${#current_rates[@]} -gt 0 ]; then
		b=$(printf '%s\n' "${baseline_rates[@]}" | median)
		ratio=$(awk -v a="$m" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
		summary+=("speed  baseline ${baseline:0:12}: median $b exec/s (runs: ${baseline_rates[*]}); this tree / baseline = $ratio")
	fi
fi

# report_line FILE: the first report line replay prints for FILE, with what
# differs between two runs of one report masked: the sanitizers' "==PID=="
# and addresses (ASLR)
report_line() {
	{ "$replay" --variant "$variant" "$1" 2>/dev/null || true; } |
		sed -n 's/^FAIL [^:]*: //p' | head -n 1 |
		sed -E 's/==[0-9]+==/==PID==/g; s/0x[0-9a-f]+/0x?/g'
}

if want find; then
	times=()
	replays_ok=0
	replays_all=0
	for s in $(seq 1 "$seeds"); do
		d=$out/find-$s
		mkdir -p "$d/corpus"
		echo "$prog: find seed $s/$seeds: $variant from an empty corpus (at most ${find_limit}s)"
		t0=$(date +%s.%N)
		(cd "$d" && SHEAF_VARIANT=$variant "$fuzzer" -seed="$s" -max_total_time="$find_limit" \
			-timeout=25 -artifact_prefix="$d/" corpus >log 2>&1) || true
		t1=$(date +%s.%N)
		crash=$(find "$d" -maxdepth 1 -name 'crash-*' | head -n 1)
		if [ -z "$crash" ]; then
			echo "$prog: find seed $s: no crash in ${find_limit}s"
			times+=("$find_limit")
			continue
		fi
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		times+=("$t")
		first=$(report_line "$crash")
		ok=0
		for _ in $(seq 1 10); do
			line=$(report_line "$crash")
			[ -n "$line" ] && [ "$line" = "$first" ] && ok=$((ok + 1))
		done
		replays_ok=$((replays_ok + ok))
		replays_all=$((replays_all + 10))
		echo "$prog: find seed $s: crash after ${t}s, replayed $ok/10: $first"
		echo "$prog:   ${replay#"$root"/} --variant $variant --trace ${crash#"$root"/}"
	done
	m=$(printf '%s\n' "${times[@]}" | median)
	verdict=met
	awk -v m="$m" 'BEGIN { exit !(m <= 10) }' || { verdict=MISSED; missed=1; }
	summary+=("find   $variant: median ${m}s to the first crash over $seeds seeds (${times[*]}); target 10 s: $verdict")
	verdict=met
	[ "$replays_all" -gt 0 ] && [ "$replays_ok" -eq "$replays_all" ] || { verdict=MISSED; missed=1; }
	summary+=("find   replays: $replays_ok/$replays_all failed again with the same report line; target all: $verdict")
fi

if want soak; then
	d=$out/soak
	mkdir -p "$d/corpus"
	cp corpus/fuzz_ops/* "$d/corpus/"
	secs=$((soak_minutes * 60))
	echo "$prog: soak: ${soak_minutes} min of fixed with -rss_limit_mb=512 -timeout=1 (log: ${d#"$root"/}/log)"
	(cd "$d" && SHEAF_VARIANT=fixed "$fuzzer" -max_total_time="$secs" -rss_limit_mb=512 \
		-timeout=1 -print_final_stats=1 -dict="$root/corpus/fuzz_ops.dict" \
		-artifact_prefix="$d/" corpus >log 2>&1) &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 60
		line=$(grep -E '^#[0-9]+' "$d/log" | tail -n 1 | cut -c1-110)
		[ -z "$line" ] || echo "$prog: soak: $line"
	done
	wait "$pid" || true
	findings=$(find "$d" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | wc -l)
	execs=$(stat_of "$d/log" number_of_executed_units)
	rss=$(stat_of "$d/log" peak_rss_mb)
	verdict=met
	[ "$findings" -eq 0 ] && [ -n "$execs" ] || { verdict=MISSED; missed=1; }
	summary+=("soak   fixed, ${soak_minutes} min: ${execs:-?} execs, $findings finding(s), peak RSS ${rss:-?} MB; target 0: $verdict")
	[ "$findings" -eq 0 ] || find "$d" -maxdepth 1 -name '*-*' -type f | sed "s|^|$prog:   finding: |"
fi

echo
echo "$prog: figures (fuzz preset, $(nproc) CPUs, ${out#"$root"/}/)"
for l in "${summary[@]}"; do
	echo "  $l"
done
exit "$missed"
