#!/usr/bin/env bash
# bench_ratio.sh - what one input of fuzz_ops costs under ASan+UBSan with
# the fuzzer's instrumentation (the fuzz preset's bench_ops) as a multiple
# of what it costs in the release build, on the same corpus in the same
# run, for this tree and optionally for another commit side by side:
#
#   scripts/bench_ratio.sh [--baseline REV] [--rounds R] [--repeat K] CORPUS_DIR...
#
# For each corpus, K rounds of alternating runs (baseline release, baseline
# fuzz, release, fuzz): each run is one bench_ops process of R rounds
# (default 1000, the most an older bench_ops takes: 43,000 inputs of the seed
# corpus free a GB, so ASan's quarantine has filled and recycles in most of
# the rounds, as in a fuzzing run, where it fills within the first seconds).
# Prints the median over the K runs of each bench_ops figure (wall and CPU
# time per input, page faults, system allocations and bytes per input) and
# the ratio fuzz / release of the wall time per input (what every bench_ops
# prints): the median over the K rounds of each round's ratio (a round's two
# runs are back to back, so they share the machine's load); for each tree.
#
# Builds the release and fuzz presets' bench_ops first (the baseline's in a
# git worktree under build/baseline/, as fuzz_figures.sh --baseline does).
# Exit status: 0 done, 2 usage error, 3 a build failed.
set -euo pipefail

prog=bench_ratio.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=1000
repeat=3
baseline=
corpora=()

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--baseline | --rounds | --repeat)
		[ $# -ge 2 ] && [ -n "$2" ] || die_usage "option $1 needs a value"
		case $1 in
		--baseline)
			git -C "$root" rev-parse --verify -q "$2^{commit}" >/dev/null ||
				die_usage "--baseline wants a commit of this repository, not '$2'"
			baseline=$(git -C "$root" rev-parse "$2^{commit}") ;;
		--rounds)
			[[ $2 =~ ^[1-9][0-9]{0,4}$ ]] || die_usage "--rounds wants 1..99999, not '$2'"
			rounds=$2 ;;
		--repeat)
			[[ $2 =~ ^[1-9][0-9]?$ ]] || die_usage "--repeat wants 1..99, not '$2'"
			repeat=$2 ;;
		esac
		shift ;;
	-h | --help) usage; exit 0 ;;
	-*) die_usage "unknown option '$1'" ;;
	*) [ -d "$1" ] || die_usage "'$1' is not a directory"
	   corpora+=("$(cd "$1" && pwd)") ;;
	esac
	shift
done
[ ${#corpora[@]} -gt 0 ] || die_usage "name at least one corpus directory"

mkdir -p "$root/build/logs"
# build TREE LABEL: the release and fuzz presets' bench_ops in TREE
build() {
	local log=$root/build/logs/bench-ratio-$2.log
	echo "$prog: building bench_ops (release, fuzz) of $2 (log: ${log#"$root"/})"
	if ! (cd "$1" && cmake --preset release && cmake --build --preset release --target bench_ops &&
		cmake --preset fuzz && cmake --build --preset fuzz --target bench_ops) >"$log" 2>&1; then
		tail -n 30 "$log"
		echo "$prog: the build of $2 failed"
		exit 3
	fi
}
trees=(this)
declare -A dir=([this]=$root)
if [ -n "$baseline" ]; then
	bdir=$root/build/baseline/${baseline:0:12}
	[ -d "$bdir" ] || git -C "$root" worktree add -q --detach "$bdir" "$baseline"
	dir[base]=$bdir
	trees=(base this)
	build "$bdir" "base-${baseline:0:12}"
fi
build "$root" this

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# field LINE N: the number before the Nth label of a bench_ops median line
field() {
	sed -E "s/^median: //; s/, at most ([0-9]+)/, \1 at most/" <<<"$1" | tr ',' '\n' |
		sed -n "/$2/s/^ *\([0-9.]*\).*/\1/p" | head -n 1
}

for c in "${corpora[@]}"; do
	n=$(find "$c" -maxdepth 1 -type f | wc -l)
	echo "$prog: ${c#"$root"/}: $n inputs, $repeat x $rounds rounds per build"
	declare -A lines=() last=() ratios=()
	for k in $(seq 1 "$repeat"); do
		for t in "${trees[@]}"; do
			for p in release fuzz; do
				line=$("${dir[$t]}/build/$p/harness/bench_ops" --rounds "$rounds" "$c" | tail -n 1)
				echo "$prog:   run $k $t $p: $line"
				lines[$t-$p]+="$line"$'\n'
				last[$p]=$line
			done
			ratios[$t]+="$(awk -v a="$(field "${last[fuzz]}" "us per input")" \
				-v b="$(field "${last[release]}" "us per input")" 'BEGIN { print a / b }')"$'\n'
		done
	done
	for t in "${trees[@]}"; do
		declare -A m=()
		for p in release fuzz; do
			for f in "us per input" "us CPU" "page faults" "system allocations" "bytes per input" "at most"; do
				m[$p-$f]=$(while IFS= read -r l; do if [ -n "$l" ]; then field "$l" "$f"; fi; done \
					<<<"${lines[$t-$p]}" | median)
			done
		done
		label=$t
		[ "$t" = this ] || label="baseline ${baseline:0:12}"
		echo "$prog: ${c#"$root"/}, $label: release ${m[release-us CPU]} us CPU per input" \
			"(${m[release-us per input]} wall); fuzz preset ${m[fuzz-us CPU]} us CPU" \
			"(${m[fuzz-us per input]} wall), ${m[fuzz-page faults]} page faults," \
			"${m[fuzz-system allocations]} allocations, ${m[fuzz-bytes per input]} bytes" \
			"(at most ${m[fuzz-at most]}) per input;" \
			"fuzz / release = $(grep . <<<"${ratios[$t]}" | median | xargs printf '%.2f')" \
			"(wall time per input, median of the rounds' ratios: $(grep . <<<"${ratios[$t]}" |
				xargs printf '%.2f ' | sed 's/ $//'))"
		unset m
	done
	unset lines last ratios
done
