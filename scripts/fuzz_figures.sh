#!/usr/bin/env bash
# fuzz_figures.sh - measure the figures the fuzz targets promise, on this
# machine, and print each one next to its target:
#
#   speed    libFuzzer exec/s from the seed corpus, one job, fuzz_ops and
#            fuzz_sched side by side: the median of --runs runs of
#            --seconds each (targets: 20,000 and 10,000), and an empty
#            target built with the same flags (build/fuzz/harness/empty_target:
#            the engine alone), so that each rate is also a share of the
#            engine's, which depends less on the machine
#   find     fuzz_ops: time to the first crash of --variant (default
#            seed-v3) from an empty corpus, median over --seeds libFuzzer
#            seeds (target: 10 s); every crash replayed 10 times (target:
#            10/10 with the same first report line, pids and addresses aside)
#   sched    fuzz_sched: the same for --sched-variant (default h2-only),
#            from an empty corpus (target: 60 s), from the seed corpus
#            (target: 10 s), and from the seed programs with their
#            schedules cut off (no target: the fuzzer must find the
#            interleaving itself)
#   mutants  fuzz_sched: time to the first crash of each --mutants variant
#            from the seed programs without schedules, and its report
#   kill     every variant with a regression in corpus/regressions/, on the
#            target its regressions use (both when they use both): time to
#            the first crash from the seed corpus (or --from empty), at most
#            --cap seconds, --seeds K libFuzzer seeds (default 1 here); each
#            crash replayed 10 times on the variant and once on fixed.  With
#            --baseline REV the same for REV's build, its own regressions
#            and seeds, alternated with this tree's, in one table: every
#            variant still killed, before and after a change
#   soak     --soak-minutes of each target on --soak-variant (default
#            fixed) with -rss_limit_mb=512 -timeout=1; fuzz_sched keeps going
#            past crashes (-fork=1 -ignore_crashes=1) and every crash is
#            replayed and sorted: known (docs/findings.md) or new (target: 0
#            new); off unless asked for
#
# --baseline REV builds the fuzz preset of another commit as well (in a git
# worktree under build/baseline/) and alternates its speed runs with this
# tree's, so that a change's cost is a ratio measured in one script run;
# for kill, it is the "before" column.
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
sched_variant=h2-only
mutants="seed-v3 m9 m10 m15 m19 m20"
find_limit=60
mutant_limit=120
soak_minutes=0
soak_variant=fixed
# fuzz_sched's timed runs carry the proposed fix of every known finding, so
# that a known kernel bug does not end a measurement of something else
sched_fix=+f1-fix+f3-fix
kill_cap=60
kill_from=seeds
seeds_given=0
baseline=
speed_targets="fuzz_ops fuzz_sched"
what=()
kill_opts=()

usage() {
	cat <<'EOF'
usage: scripts/fuzz_figures.sh [speed] [find] [sched] [mutants] [kill] [soak]
           [--runs R] [--seconds S] [--seeds K] [--variant V]
           [--sched-variant V] [--mutants "V..."] [--cap S] [--from seeds|empty]
           [--soak-minutes M] [--soak-variant V] [--baseline REV]
           [--speed-targets "T..."] [--strict]

Measures fuzz_ops and fuzz_sched with libFuzzer (fuzz preset: ASan +
UBSan, sim backend) and prints each figure with its target.  Default:
speed, find and sched; mutants, kill and soak run only when named (soak
with --soak-minutes, default 30 then, per target).

  speed               exec/s of both targets from their seed corpora:
                      median of R alternating runs of S s each, and of an
                      empty target with the same flags (the engine alone)
  find                fuzz_ops: first crash of variant V from an empty
                      corpus, K seeds, each crash replayed 10 times
  sched               fuzz_sched: first crash of --sched-variant from an
                      empty corpus, from the seeds, and from the seeds
                      without their schedules; K seeds each, replayed 10x
  mutants             fuzz_sched: first crash of each --mutants variant
                      from the seeds without schedules (at most 120 s)
  kill                every variant that has a regression under
                      corpus/regressions/, once per target its regressions
                      use: libFuzzer from that target's seed corpus (or
                      --from empty), one job, until the first crash or
                      --cap; the crash replayed 10 times on the variant
                      (same first report line each time) and once on fixed:
                      a kill when all 10 agree and fixed passes.  With
                      --baseline, REV's build on REV's regressions and seeds
                      too, alternated; a table of both.  Variants without a
                      regression are listed as skipped, with the reason
  soak                M minutes per target of --soak-variant; crashes
                      sorted into known findings and new ones
  --runs R            speed runs, 1..99 (default 3)
  --seconds S         seconds per speed run, 1..86400 (default 60)
  --seeds K           libFuzzer seeds for find, sched and kill, 1..99
                      (default 5; 1 for kill)
  --variant V         variant for find (default seed-v3)
  --sched-variant V   variant for sched (default h2-only)
  --mutants "V..."    variants for mutants (default: seed-v3 m9 m10 m15 m19 m20)
  --cap S             kill: seconds each run may take, 1..86400 (default 60)
  --from seeds|empty  kill: start from the target's seed corpus (default) or
                      from an empty one
  --soak-minutes M    soak length per target, 1..10080 (default 30)
  --soak-variant V    variant for soak (default fixed)
  --baseline REV      also build commit REV and alternate its speed runs with
                      this tree's; prints both medians and their ratio; for
                      kill, REV's runs are the "before" column (a variant or
                      a regression REV lacks: n/a)
  --speed-targets "T..."  the targets speed measures (default: fuzz_ops fuzz_sched)
  --strict            fuzz_sched's speed, sched, mutants and kill runs without
                      the proposed fixes of known findings (by default they run
                      on "<variant>+f1-fix+f3-fix": F1 and F3,
                      docs/findings.md, are found on every variant within
                      seconds and minutes and would end them; a baseline
                      runs with the fixes it knows)
  --help              this text

Exit status: 0 every measured figure met its target; 1 one missed (or a
soak found a new crash; or kill: a variant killed before and not after,
without --baseline a variant not killed); 2 usage error or missing tools;
3 the build failed.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

check_int() {
	if ! [[ $2 =~ ^[1-9][0-9]*$ ]] || [ "${#2}" -gt 6 ] || [ "$2" -gt "$3" ]; then
		die_usage "$1 wants a whole number from 1 to $3, not '$2'"
	fi
}

check_variant() {
	[[ $2 =~ ^[a-z0-9][a-z0-9+-]*$ ]] || die_usage "$1 wants a variant name such as seed-v3, not '$2'"
}

while [ $# -gt 0 ]; do
	case $1 in
	speed | find | sched | mutants | kill | soak) what+=("$1") ;;
	--runs | --seconds | --seeds | --variant | --sched-variant | --mutants | --soak-minutes | \
	--soak-variant | --baseline | --speed-targets | --cap | --from)
		[ $# -ge 2 ] && [ -n "$2" ] && [ "${2#-}" = "$2" ] || die_usage "option $1 needs a value"
		case $1 in
		--runs) check_int "$1" "$2" 99; runs=$2 ;;
		--seconds) check_int "$1" "$2" 86400; seconds=$2 ;;
		--seeds) check_int "$1" "$2" 99; seeds=$2; seeds_given=1 ;;
		--cap) check_int "$1" "$2" 86400; kill_cap=$2; kill_opts+=("$1") ;;
		--from)
			[[ $2 =~ ^(seeds|empty)$ ]] || die_usage "$1 wants seeds or empty, not '$2'"
			kill_from=$2; kill_opts+=("$1") ;;
		--variant) check_variant "$1" "$2"; variant=$2 ;;
		--sched-variant) check_variant "$1" "$2"; sched_variant=$2 ;;
		--mutants)
			for v in $2; do check_variant "$1" "$v"; done
			mutants=$2 ;;
		--soak-minutes) check_int "$1" "$2" 10080; soak_minutes=$2 ;;
		--soak-variant) check_variant "$1" "$2"; soak_variant=$2 ;;
		--speed-targets)
			for t in $2; do
				[[ $t =~ ^fuzz_(ops|sched)$ ]] || die_usage "$1 wants fuzz_ops and/or fuzz_sched, not '$t'"
			done
			speed_targets=$2 ;;
		--baseline)
			git -C "$root" rev-parse --verify -q "$2^{commit}" >/dev/null ||
				die_usage "--baseline wants a commit of this repository, not '$2'"
			baseline=$(git -C "$root" rev-parse "$2^{commit}") ;;
		esac
		shift ;;
	--strict) sched_fix= ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done
[ ${#what[@]} -gt 0 ] || what=(speed find sched)
want() { [[ " ${what[*]} " == *" $1 "* ]]; }
if [ "$soak_minutes" -gt 0 ] && ! want soak; then
	die_usage "--soak-minutes needs the soak figure: add 'soak'"
fi
if want soak && [ "$soak_minutes" -eq 0 ]; then
	soak_minutes=30
fi
if [ ${#kill_opts[@]} -gt 0 ] && ! want kill; then
	die_usage "${kill_opts[0]} needs the kill figure: add 'kill'"
fi

cd "$root"
"$root/scripts/setup.sh" --no-afl --quiet
# shellcheck source=scripts/lib/findings.sh
. "$root/scripts/lib/findings.sh"

mkdir -p build/logs
echo "$prog: building the fuzz preset (log: build/logs/figures-build.log)"
if ! { cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_ops fuzz_sched replay empty_target; } \
	>build/logs/figures-build.log 2>&1; then
	tail -n 30 build/logs/figures-build.log
	echo "$prog: the build failed"
	exit 3
fi
bin_of() { echo "$root/build/fuzz/harness/$1"; }
replay=$root/build/fuzz/harness/replay
declare -A base_bin=()
if [ -n "$baseline" ]; then
	bdir=$root/build/baseline/${baseline:0:12}
	echo "$prog: building the fuzz preset of ${baseline:0:12} in ${bdir#"$root"/} (log: build/logs/figures-baseline.log)"
	if ! { { [ -d "$bdir" ] || git -C "$root" worktree add -q --detach "$bdir" "$baseline"; } &&
		(cd "$bdir" && cmake --preset fuzz && cmake --build --preset fuzz); } \
		>build/logs/figures-baseline.log 2>&1; then
		tail -n 30 build/logs/figures-baseline.log
		echo "$prog: the baseline build failed"
		exit 3
	fi
	for t in fuzz_ops fuzz_sched; do
		[ ! -x "$bdir/build/fuzz/harness/$t" ] || base_bin[$t]=$bdir/build/fuzz/harness/$t
	done
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

# verdict VALUE OP TARGET: "met" or "MISSED" (and the script's status)
verdict() {
	if awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then
		echo met
	else
		missed=1
		echo MISSED
	fi
}

# progress PID LOG LABEL: a line every 10 s while PID runs; returns within
# a tenth of a second of its end (the find figures time it)
progress() {
	local pid=$1 log=$2 label=$3 t0=$SECONDS n=0 line
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
		[ $((n % 100)) -eq 0 ] && kill -0 "$pid" 2>/dev/null || continue
		line=$(grep -aE '^#[0-9]+' "$log" 2>/dev/null | tail -n 1 | cut -c1-100)
		echo "$prog:   $label $((SECONDS - t0))s: ${line:-starting}"
	done
	wait "$pid" || true
}

# ------------------------------------------------------------------ speed

# variant_known_to BIN V: V without the '+' parts BIN does not know (an
# older baseline predates a proposed fix)
variant_known_to() {
	local bin=$1 part kept parts
	IFS=+ read -r -a parts <<<"$2"
	kept=${parts[0]}
	for part in "${parts[@]:1}"; do
		if SHEAF_VARIANT="$kept+$part" "$bin" -runs=0 >/dev/null 2>&1; then
			kept+=+$part
		fi
	done
	echo "$kept"
}

# speed_run TARGET BIN LABEL R: one run; appends its exec/s to rates_<LABEL>
speed_run() {
	local t=$1 bin=$2 label=$3 r=$4 d rate execs rss
	d=$out/speed-$label-$r
	mkdir -p "$d/corpus"
	cp "corpus/$t"/* "$d/corpus/"
	echo "$prog: speed run $r/$runs ($label): ${seconds}s of $t from $(find "corpus/$t" -type f | wc -l) seeds"
	local v=fixed
	[ "$t" = fuzz_ops ] || v=$(variant_known_to "$bin" "fixed$sched_fix")
	(cd "$d" && SHEAF_VARIANT=$v exec "$bin" -max_total_time="$seconds" \
		-print_final_stats=1 -timeout=25 -dict="$root/corpus/$t.dict" \
		-artifact_prefix="$d/" corpus >log 2>&1) &
	progress $! "$d/log" "$label"
	rate=$(stat_of "$d/log" average_exec_per_sec)
	execs=$(stat_of "$d/log" number_of_executed_units)
	rss=$(stat_of "$d/log" peak_rss_mb)
	if [ -z "$rate" ]; then
		echo "$prog: speed run $r ($label) ended without statistics; end of its log:"
		tail -n 20 "$d/log"
		missed=1
		return
	fi
	if [ -n "$(find "$d" -maxdepth 1 -name 'crash-*' -print -quit)" ]; then
		echo "$prog: speed run $r ($label) stopped at a crash after $execs execs; not a speed figure"
		return
	fi
	echo "$prog: speed run $r/$runs ($label): $execs execs, $rate exec/s, peak RSS ${rss} MB"
	eval "rates_${label//-/_}+=(\"\$rate\")"
}

if want speed; then
	declare -A speed_target=([fuzz_ops]=20000 [fuzz_sched]=10000)
	rates_fuzz_ops=() rates_fuzz_sched=() rates_base_fuzz_ops=() rates_base_fuzz_sched=()
	rates_empty=()
	for r in $(seq 1 "$runs"); do
		# the engine alone, on fuzz_ops's seeds and dictionary
		speed_run fuzz_ops "$(bin_of empty_target)" empty "$r"
		for t in $speed_targets; do
			[ -z "${base_bin[$t]-}" ] || speed_run "$t" "${base_bin[$t]}" "base-$t" "$r"
			speed_run "$t" "$(bin_of "$t")" "$t" "$r"
		done
	done
	e=
	if [ ${#rates_empty[@]} -gt 0 ]; then
		e=$(printf '%s\n' "${rates_empty[@]}" | median)
		summary+=("speed  empty target (the engine alone, same flags): median $e exec/s (${rates_empty[*]})")
	fi
	# share R: R as a share of the empty target's median
	share() {
		[ -n "$e" ] || return 0
		awk -v a="$1" -v b="$e" 'BEGIN { printf ", %.4f of the empty target", a / b }'
	}
	for t in $speed_targets; do
		eval "rs=(\"\${rates_$t[@]}\")"
		[ ${#rs[@]} -gt 0 ] || continue
		m=$(printf '%s\n' "${rs[@]}" | median)
		summary+=("speed  $t: median $m exec/s over ${#rs[@]} runs of ${seconds}s (${rs[*]})$(share "$m"); target ${speed_target[$t]}: $(verdict "$m" '>=' "${speed_target[$t]}")")
		eval "bs=(\"\${rates_base_$t[@]}\")"
		if [ ${#bs[@]} -gt 0 ]; then
			b=$(printf '%s\n' "${bs[@]}" | median)
			summary+=("speed  $t baseline ${baseline:0:12}: median $b exec/s (${bs[*]})$(share "$b"); this tree / baseline = $(awk -v a="$m" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
		fi
	done
fi

# ------------------------------------------------------------ find, sched

# report_line TARGET VARIANT FILE [REPLAY]: the first report line replay (or
# REPLAY, another tree's) prints for FILE, with what differs between two runs
# of one report masked: the sanitizers' "==PID==" and addresses (ASLR)
report_line() {
	{ "${4:-$replay}" --target "$1" --variant "$2" "$3" 2>/dev/null || true; } |
		sed -n 's/^FAIL [^:]*: //p' | head -n 1 |
		sed -E 's/==[0-9]+==/==PID==/g; s/0x[0-9a-f]+/0x?/g'
}

# strip_schedules DIR: the seeds of fuzz_sched with everything from their
# `sched` op on cut off, each its own file in DIR
strip_schedules() {
	local f n=0
	mkdir -p "$1"
	for f in corpus/src/sched/*.ops; do
		n=$((n + 1))
		"$replay" --dis "$f" | sed '/^sched$/,$d' >"$1/$n.ops"
		"$replay" --asm "$1/$n.ops" -o "$1/$n"
		rm -f "$1/$n.ops"
	done
}

# first_crash TARGET VARIANT LIMIT SEED DIR CORPUS_FROM: fuzz until the
# first crash; sets t_found (seconds, or LIMIT) and crash (its file or "")
first_crash() {
	local t=$1 v=$2 limit=$3 s=$4 d=$5 from=$6 t0 t1
	mkdir -p "$d/corpus"
	[ -z "$from" ] || cp "$from"/* "$d/corpus/"
	t0=$(date +%s.%N)
	(cd "$d" && SHEAF_VARIANT=$v exec "$(bin_of "$t")" -seed="$s" -max_total_time="$limit" \
		-timeout=25 -dict="$root/corpus/$t.dict" -artifact_prefix="$d/" corpus >log 2>&1) &
	progress $! "$d/log" "$t/$v seed $s"
	t1=$(date +%s.%N)
	crash=$(find "$d" -maxdepth 1 -name 'crash-*' | head -n 1)
	if [ -z "$crash" ]; then
		t_found=$limit
	else
		t_found=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	fi
}

# find_figure TARGET VARIANT LABEL CORPUS_FROM TARGET_SECONDS: K seeds, replays
find_figure() {
	local t=$1 v=$2 label=$3 from=$4 goal=$5 s times=() ok_all=0 all=0 first line ok m
	for s in $(seq 1 "$seeds"); do
		echo "$prog: $t $v from $label, seed $s/$seeds (at most ${find_limit}s)"
		first_crash "$t" "$v" "$find_limit" "$s" "$out/$t-$v-$label-$s" "$from"
		times+=("$t_found")
		if [ -z "$crash" ]; then
			echo "$prog:   no crash in ${find_limit}s"
			continue
		fi
		first=$(report_line "$t" "$v" "$crash")
		ok=0
		for _ in $(seq 1 10); do
			line=$(report_line "$t" "$v" "$crash")
			[ -n "$line" ] && [ "$line" = "$first" ] && ok=$((ok + 1))
		done
		ok_all=$((ok_all + ok))
		all=$((all + 10))
		echo "$prog:   crash after ${t_found}s, replayed $ok/10: $first"
		echo "$prog:   ${replay#"$root"/} --target $t --variant $v --trace ${crash#"$root"/}"
	done
	m=$(printf '%s\n' "${times[@]}" | median)
	if [ -n "$goal" ]; then
		summary+=("find   $t $v from $label: median ${m}s over $seeds seeds (${times[*]}); target $goal s: $(verdict "$m" '<=' "$goal")")
	else
		summary+=("find   $t $v from $label: median ${m}s over $seeds seeds (${times[*]})")
	fi
	if [ "$all" -gt 0 ] && [ "$ok_all" -eq "$all" ]; then
		summary+=("find   $t $v from $label: replays $ok_all/$all failed again alike; target all: met")
	else
		missed=1
		summary+=("find   $t $v from $label: replays $ok_all/$all failed again alike; target all: MISSED")
	fi
}

if want find; then
	find_figure fuzz_ops "$variant" empty "" 10
fi

stripped=$out/seeds-without-schedules
if want sched || want mutants; then
	strip_schedules "$stripped"
fi
if want sched; then
	find_figure fuzz_sched "$sched_variant$sched_fix" empty "" 60
	find_figure fuzz_sched "$sched_variant$sched_fix" seeds "$root/corpus/fuzz_sched" 10
	find_figure fuzz_sched "$sched_variant$sched_fix" seeds-without-schedules "$stripped" ""
fi

if want mutants; then
	for v in $mutants; do
		v=$v$sched_fix
		echo "$prog: mutant $v: fuzz_sched from the seeds without schedules (at most ${mutant_limit}s)"
		first_crash fuzz_sched "$v" "$mutant_limit" 1 "$out/mutant-$v" "$stripped"
		if [ -z "$crash" ]; then
			missed=1
			summary+=("mutant $v: not killed in ${mutant_limit}s: MISSED")
			continue
		fi
		summary+=("mutant $v: killed after ${t_found}s: $(report_line fuzz_sched "$v" "$crash")")
	done
fi

# ------------------------------------------------------------------ kill

# kill_pairs TREE: "<variant> <target>" of each regression file under
# TREE/corpus/regressions/<variant>/, the target from the file's row in the
# README there ("?" for a file without a row), each pair once
kill_pairs() {
	local reg=$1/corpus/regressions file target p rel
	local -A target_of=()
	# rows: | `<variant>/<file>` | <variant> | <target> | `<report text>` | origin |
	# shellcheck disable=SC2016 # backquotes, not an expansion
	while IFS='|' read -r _ file _ target _; do
		file=$(echo "$file" | tr -d '` ')
		target=$(echo "$target" | tr -d '` ')
		[[ $target =~ ^fuzz_(ops|sched)$ ]] || target='?'
		[ -z "$file" ] || target_of[$file]=$target
	done < <(grep -E '^\| *`[^`]+/[^`]+`' "$reg/README.md" 2>/dev/null || true)
	while IFS= read -r p; do
		rel=${p#"$reg"/}
		echo "${rel%%/*} ${target_of[$rel]:-?}"
	done < <(find "$reg" -mindepth 2 -type f ! -name '*.ops' ! -name '.*') | sort -u
}

# variants_of BIN: the names of BIN's variant table, in its order (the list
# a target prints when it refuses an unknown variant)
variants_of() {
	{ SHEAF_VARIANT=no-such-variant "$1" -runs=0 2>&1 || true; } |
		sed -n 's/^  \([a-z0-9][a-z0-9-]*\) .*/\1/p'
}

# skip_reason V: why variant V, which has no regression, is not measured
skip_reason() {
	case $1 in
	fixed) echo "the reference (upstream): no bug to kill" ;;
	pre-seed) echo "correct, only slower (the full barrier at each destroy): no bug to kill" ;;
	*-fix) echo "a proposed fix of a finding (docs/findings.md): no bug to kill" ;;
	*) echo "no regression under corpus/regressions/$1/" ;;
	esac
}

# kill_run LABEL BIN REPLAY TREE TARGET VARIANT: kill_seeds runs of BIN on
# VARIANT (fuzz_sched: with the fixes of sched_fix that BIN knows) from
# TREE's seeds of TARGET, or from nothing, each until its first crash or
# kill_cap; each crash replayed 10 times with REPLAY on the variant and
# once on fixed.  Sets k_cell (the time), k_rep (the replays), k_killed (1
# when a crash replayed 10/10 alike and passed on fixed) and k_line (its
# first report line)
kill_run() {
	local label=$1 bin=$2 rb=$3 tree=$4 t=$5 v=$6 fv=fixed s d t0 t1 el crash first line ok alike
	local times=() dict=() kills=0 crashes=0 reps=0 fixed_ok=0 m why=
	if [ "$t" = fuzz_sched ]; then
		v=$(variant_known_to "$bin" "$v$sched_fix")
		fv=$(variant_known_to "$bin" "fixed$sched_fix")
	fi
	[ ! -f "$tree/corpus/$t.dict" ] || dict=(-dict="$tree/corpus/$t.dict")
	k_line=
	for s in $(seq 1 "$kill_seeds"); do
		d=$out/kill-$label-$t-$v-$s
		mkdir -p "$d/corpus"
		[ "$kill_from" = empty ] || cp "$tree/corpus/$t"/* "$d/corpus/"
		echo "$prog: kill ($label): $t on $v from $kill_from, seed $s/$kill_seeds (at most ${kill_cap}s)"
		t0=$(date +%s.%N)
		(cd "$d" && SHEAF_VARIANT=$v exec "$bin" -seed="$s" -max_total_time="$kill_cap" \
			-timeout=25 "${dict[@]}" -artifact_prefix="$d/" corpus >log 2>&1) &
		progress $! "$d/log" "$label $t/$v seed $s"
		t1=$(date +%s.%N)
		el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		crash=$(find "$d" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
			-o -name 'oom-*' -o -name 'timeout-*' \) | head -n 1)
		if [ -z "$crash" ]; then
			times+=("$kill_cap")
			if awk -v e="$el" -v c="$kill_cap" 'BEGIN { exit !(e < c - 2) }'; then
				# libFuzzer stopped early without saving an input
				echo "$prog:   ended after ${el}s without a crash; end of its log:"
				tail -n 10 "$d/log"
				missed=1
			else
				echo "$prog:   not killed in ${kill_cap}s"
			fi
			continue
		fi
		crashes=$((crashes + 1))
		times+=("$el")
		first=$(report_line "$t" "$v" "$crash" "$rb")
		ok=0
		for _ in $(seq 1 10); do
			line=$(report_line "$t" "$v" "$crash" "$rb")
			[ -n "$line" ] && [ "$line" = "$first" ] && ok=$((ok + 1))
		done
		reps=$((reps + ok))
		alike=$ok
		if "$rb" --target "$t" --variant "$fv" "$crash" >"$crash.$fv.report" 2>&1; then
			fixed_ok=$((fixed_ok + 1))
			line="passes on $fv"
		else
			line="FAILS on $fv too"
			why="fails on fixed too"
			ok=0
		fi
		[ "$alike" -eq 10 ] || why="not replayed alike"
		[ "$ok" -ne 10 ] || kills=$((kills + 1))
		[ -n "$k_line" ] || k_line=$first
		echo "$prog:   crash after ${el}s, replayed $alike/10 alike, $line: ${first:-(replays clean)}"
		echo "$prog:   ${rb#"$root"/} --target $t --variant $v --trace ${crash#"$root"/}"
	done
	m=$(printf '%s\n' "${times[@]}" | median)
	k_killed=$((kills > 0))
	if [ "$kill_seeds" -eq 1 ]; then
		k_cell="${m} s"
		[ "$crashes" -gt 0 ] || k_cell="not killed in ${kill_cap} s"
		[ "$crashes" -eq 0 ] || [ "$kills" -gt 0 ] || k_cell+=" ($why)"
		k_rep="-"
		[ "$crashes" -eq 0 ] || k_rep="$reps/10, fixed $([ "$fixed_ok" -eq 1 ] && echo passes || echo FAILS)"
	else
		k_cell="median ${m} s, $kills/$kill_seeds killed"
		[ "$crashes" -gt 0 ] || k_cell="not killed in ${kill_cap} s ($kill_seeds seeds)"
		k_rep="-"
		[ "$crashes" -eq 0 ] || k_rep="$reps/$((crashes * 10)), fixed passes $fixed_ok/$crashes"
	fi
}

if want kill; then
	kill_seeds=$seeds
	[ "$seeds_given" -eq 1 ] || kill_seeds=1
	mapfile -t after_pairs < <(kill_pairs "$root")
	mapfile -t after_variants < <(variants_of "$(bin_of fuzz_ops)")
	base_pairs=() base_variants=()
	if [ -n "$baseline" ]; then
		mapfile -t base_pairs < <(kill_pairs "$bdir")
		[ -z "${base_bin[fuzz_ops]-}" ] || mapfile -t base_variants < <(variants_of "${base_bin[fuzz_ops]}")
	fi
	declare -A in_after=() in_base=()
	for p in "${after_pairs[@]}"; do in_after[$p]=1; done
	for p in "${base_pairs[@]}"; do in_base[$p]=1; done
	# rows: the variants of this tree's table, then those only REV has
	all_v=()
	for v in "${after_variants[@]}" "${base_variants[@]}" $(printf '%s\n' "${after_pairs[@]}" "${base_pairs[@]}" | cut -d' ' -f1); do
		[[ " ${all_v[*]} " == *" $v "* ]] || all_v+=("$v")
	done
	rows=() skipped=()
	for v in "${all_v[@]}"; do
		n=0
		for t in fuzz_ops fuzz_sched; do
			if [ -n "${in_after["$v $t"]-}" ] || [ -n "${in_base["$v $t"]-}" ]; then
				rows+=("$v $t")
				n=1
			fi
		done
		[ "$n" -eq 0 ] || continue
		if [ -n "${in_after["$v ?"]-}${in_base["$v ?"]-}" ]; then
			skipped+=("$v: a regression without a row in corpus/regressions/README.md")
		else
			skipped+=("$v: $(skip_reason "$v")")
		fi
	done
	echo "$prog: kill: ${#rows[@]} runs (variant and target) of at most ${kill_cap}s each," \
		"$kill_seeds seed(s), from $kill_from${baseline:+, each on ${baseline:0:12} first}"
	table=() lost=() nv_before=0 nv_after=0 nk_before=0 nk_after=0 not_after=()
	declare -A rows_v=()
	for r in "${rows[@]}"; do
		v=${r% *} t=${r#* }
		rows_v[$v]=1
		before=- bk=- rep=
		if [ -n "$baseline" ]; then
			if [ -z "${in_base[$r]-}" ]; then
				before="n/a: no $t regression"
				[[ " ${base_variants[*]} " == *" $v "* ]] || before="n/a: no such variant"
			elif [ -z "${base_bin[$t]-}" ]; then
				before="n/a: no $t"
			else
				kill_run base "${base_bin[$t]}" "$bdir/build/fuzz/harness/replay" "$bdir" "$t" "$v"
				before=$k_cell bk=$k_killed rep="before: $k_rep"
				nv_before=$((nv_before + 1))
				nk_before=$((nk_before + k_killed))
			fi
		fi
		ak=-
		if [ -z "${in_after[$r]-}" ]; then
			after="n/a: no $t regression"
			[[ " ${after_variants[*]} " == *" $v "* ]] || after="n/a: no such variant"
		else
			kill_run after "$(bin_of "$t")" "$replay" "$root" "$t" "$v"
			after=$k_cell ak=$k_killed
			rep+="${rep:+; }${baseline:+after: }$k_rep"
			nv_after=$((nv_after + 1))
			nk_after=$((nk_after + k_killed))
			[ "$k_killed" -eq 1 ] || not_after+=("$v ($t)")
		fi
		[ "$bk" != 1 ] || [ "$ak" = 1 ] || lost+=("$v ($t)")
		table+=("| \`$v\` | $t | $before | $after | ${rep:--} |")
	done
	line="kill   ${#rows_v[@]} variants, ${#rows[@]} runs of at most ${kill_cap}s from $kill_from:"
	if [ -n "$baseline" ]; then
		line+=" $nk_before killed before (${baseline:0:12}, $nv_before measured), $nk_after killed after ($nv_after measured);"
		if [ ${#lost[@]} -eq 0 ]; then
			line+=" killed before and not after: none"
		else
			line+=" killed before and not after: ${lost[*]}: MISSED"
			missed=1
		fi
	else
		line+=" $nk_after killed ($nv_after measured)"
		if [ ${#not_after[@]} -gt 0 ]; then
			line+="; not killed: ${not_after[*]}: MISSED"
			missed=1
		fi
	fi
	summary+=("$line")
	summary+=("kill   table (s: seconds from start to the first crash; replays: alike of 10 on the variant, then the crash on fixed):")
	summary+=("| variant | target | before${baseline:+ (${baseline:0:12})} | after (this tree) | replays |")
	summary+=("|---|---|---|---|---|")
	summary+=("${table[@]}")
	for l in "${skipped[@]}"; do
		summary+=("kill   skipped $l")
	done
fi

# ------------------------------------------------------------------ soak

if want soak; then
	secs=$((soak_minutes * 60))
	for t in fuzz_ops fuzz_sched; do
		d=$out/soak-$t
		mkdir -p "$d/corpus" "$d/crashes"
		cp "corpus/$t"/* "$d/corpus/"
		extra=()
		# go on past a crash: each is sorted below, known or new
		[ "$t" = fuzz_ops ] || extra=(-fork=1 -ignore_crashes=1)
		echo "$prog: soak: ${soak_minutes} min of $t on $soak_variant (log: ${d#"$root"/}/log)"
		(cd "$d" && SHEAF_VARIANT=$soak_variant exec "$(bin_of "$t")" -max_total_time="$secs" \
			-rss_limit_mb=512 -timeout=1 -print_final_stats=1 "${extra[@]}" \
			-dict="$root/corpus/$t.dict" -artifact_prefix="$d/crashes/" corpus >log 2>&1) &
		pid=$!
		t0=$SECONDS
		while kill -0 "$pid" 2>/dev/null; do
			sleep 60
			line=$(grep -aE '^#[0-9]+' "$d/log" | tail -n 1 | cut -c1-100)
			echo "$prog:   soak $t $((SECONDS - t0))s: ${line:-starting}, $(find "$d/crashes" -type f | wc -l) finding(s)"
		done
		wait "$pid" || true
		known=0 new=0 deadlocks=0
		while IFS= read -r f; do
			"$replay" --target "$t" --variant "$soak_variant" "$f" >"$f.report" 2>&1 || true
			first=$(sed -n 's/^FAIL [^:]*: //p' "$f.report" | head -n 1)
			grep -q 'BUG: deadlock' "$f.report" && deadlocks=$((deadlocks + 1))
			id=$(known_finding "$root" "$first" "$f.report")
			if [ -n "$id" ]; then
				known=$((known + 1))
			else
				new=$((new + 1))
				echo "$prog:   new: ${f#"$root"/}: ${first:-(replays clean)}"
			fi
		done < <(find "$d/crashes" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
			-o -name 'oom-*' \) | sort)
		execs=$(grep -aE '^#[0-9]+' "$d/log" | tail -n 1 | sed -E 's/^#([0-9]+).*/\1/')
		rss=$(stat_of "$d/log" peak_rss_mb)
		summary+=("soak   $t on $soak_variant, ${soak_minutes} min: ${execs:-?} execs, $new new, $known known (docs/findings.md), $deadlocks deadlock report(s), peak RSS ${rss:-?} MB; target 0 new: $(verdict "$new" '==' 0)")
	done
fi

echo
echo "$prog: figures (fuzz preset, $(nproc) CPUs, ${out#"$root"/}/)"
for l in "${summary[@]}"; do
	echo "  $l"
done
exit "$missed"
