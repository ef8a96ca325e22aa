#!/usr/bin/env bash
# fuzz.sh - build the fuzz targets and fuzz each one for a fixed time with
# libFuzzer or AFL++, then print one row per target and the closing line
#   RESULT: <targets> targets, <crashes> crashes, <known> known
#
# Every run works in a fresh directory, run/<timestamp>/<target>/: the seed
# corpus corpus/<target>/ is copied into its corpus/ (the checked-in corpus is
# never written to), and the engine's findings, log and stats stay there.
#
# Fuzz target discovery (the contract with harness/CMakeLists.txt):
#  1. <build dir>/fuzz_targets.txt, written at configure time, one target per
#     line: "<name> <path>", where <name> is the CMake target and <path> the
#     binary (absolute, or relative to the build dir); '#' starts a comment.
#     Only the listed targets are built.
#  2. Without that file: after a full build, every executable in the build
#     dir whose name matches ^fuzz_[a-z0-9]+$.
# Seeds: corpus/<target>/ (may be missing or empty).  Dictionary:
# corpus/<target>.dict, else corpus/ops.dict, when present.
#
# Build: the "fuzz" configure preset when CMakePresets.json has one, else
# "asan".  --engine afl builds the "afl" preset (afl-clang-fast, whose
# -fsanitize=fuzzer links AFL++'s driver), or without one configures the
# libFuzzer preset into build/<preset>-afl with afl-clang-fast.
set -euo pipefail

prog=fuzz.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

engine=libfuzzer
seconds=60
jobs=1
variant=
cpus=
strict=0
wanted=()
timeout_s=25		# one input running longer than this is a finding

usage() {
	cat <<'EOF'
usage: scripts/fuzz.sh [--engine libfuzzer|afl] [--target T]... [--seconds S]
                       [--jobs J] [--variant V] [--cpus N] [--strict] [--help]

Builds the fuzz targets and fuzzes each one for S seconds, in a fresh
run/<timestamp>/<target>/ directory seeded from corpus/<target>/.

  --engine E    libfuzzer (default) or afl (AFL++, built with afl-clang-fast)
  --target T    fuzz only target T, e.g. fuzz_ops (repeatable; default: all)
  --seconds S   fuzzing time per target, 1..604800 (default 60)
  --jobs J      parallel fuzzing processes per target, 1..64 (default 1):
                libFuzzer -fork=J, or one AFL++ main and J-1 secondaries
  --variant V   model variant under test, e.g. fixed, seed-v3, h1-only, m8,
                or several joined by '+' (h2-only+f1-fix)
                (sets SHEAF_VARIANT; default: the target's own, "fixed")
  --cpus N      number of virtual CPUs, 1..64 (sets SHEAF_CPUS; default 4)
  --strict      count a crash that matches a finding written up in
                docs/findings.md as a crash too (default: listed as known)
  --help        this text

Each crash is listed with the command that replays it; one that matches a
known finding (corpus/findings/README.md) is listed as known instead.
Exit status: 0 no crash (known findings aside); 1 at least one crash (or
leak, timeout, OOM);
2 usage error or missing tools; 3 the build failed or a target could not be
fuzzed (it exited without leaving a crash file); 130 interrupted.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

# optarg NAME VALUE: scripts/lib/usage.sh's, except that a negative number is
# a value here (check_int then refuses it with its range).
optarg() {
	if [ -z "${2-}" ] || { [ "${2#-}" != "$2" ] && ! [[ $2 =~ ^-[0-9]+$ ]]; }; then
		die_usage "option $1 needs a value"
	fi
}

# check_int NAME VALUE MAX: VALUE must be an integer from 1 to MAX.
check_int() {
	if ! [[ $2 =~ ^[1-9][0-9]*$ ]] || [ "${#2}" -gt 7 ] || [ "$2" -gt "$3" ]; then
		die_usage "$1 wants a whole number from 1 to $3, not '$2'"
	fi
}

while [ $# -gt 0 ]; do
	case $1 in
	--engine | --target | --seconds | --jobs | --variant | --cpus)
		optarg "$1" "${2-}"
		set -- "$1=$2" "${@:3}"
		continue ;;
	--engine=*) engine=${1#*=} ;;
	--target=*) wanted+=("${1#*=}") ;;
	--seconds=*) seconds=${1#*=} ;;
	--jobs=*) jobs=${1#*=} ;;
	--variant=*) variant=${1#*=} ;;
	--cpus=*) cpus=${1#*=} ;;
	--strict) strict=1 ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done

case $engine in
libfuzzer | afl) ;;
*) die_usage "unknown engine '$engine' (libfuzzer or afl)" ;;
esac
check_int --seconds "$seconds" 604800
check_int --jobs "$jobs" 64
[ -z "$cpus" ] || check_int --cpus "$cpus" 64
if [ -n "$variant" ] && ! [[ $variant =~ ^[a-z0-9][a-z0-9+-]*$ ]]; then
	die_usage "--variant wants a variant name such as fixed, seed-v3 or m8, not '$variant'"
fi
# Known before anything is built: the names of allocator/variant.c's table.
if [ -n "$variant" ]; then
	mapfile -t variants < <(sed -n 's/^\t{ "\([a-z0-9-]*\)",.*/\1/p' "$root/allocator/variant.c")
	IFS=+ read -ra parts <<<"$variant"
	for v in "${parts[@]}"; do
		case " ${variants[*]} " in
		*" $v "*) ;;
		*) die_usage "unknown variant '$v' (allocator/variant.c has: ${variants[*]})" ;;
		esac
	done
fi
for t in "${wanted[@]}"; do
	[[ $t =~ ^[A-Za-z0-9_]+$ ]] || die_usage "--target wants a target name such as fuzz_ops, not '$t'"
done

cd "$root"
if [ "$engine" = afl ]; then
	"$root/scripts/setup.sh"
else
	"$root/scripts/setup.sh" --no-afl
fi

# ---------------------------------------------------------------- build --

mapfile -t known < <(cmake --list-presets=configure 2>/dev/null |
		     sed -n 's/^ *"\([^"]*\)".*/\1/p')
preset=asan
case " ${known[*]} " in *" fuzz "*) preset=fuzz ;; esac
afl_preset=
case " ${known[*]} " in *" afl "*) afl_preset=afl ;; esac
if [ "$engine" = afl ] && [ -n "$afl_preset" ]; then
	preset=$afl_preset
fi

mkdir -p build/logs
log_conf=build/logs/fuzz-$preset-$engine-configure.log
log_build=build/logs/fuzz-$preset-$engine-build.log

# step NAME LOG CMD...: run a build step, its output in LOG and, on failure,
# on the terminal; exits 3 when it fails.
step() {
	local name=$1 log=$2 t0=$SECONDS rc=0
	shift 2
	echo "$prog: $name: $*"
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log"
		echo "$prog: $name FAILED with status $rc ($((SECONDS - t0))s), log: $log"
		echo "RESULT: 0 targets, 0 crashes, 0 known"
		exit 3
	fi
	echo "$prog: $name ok ($((SECONDS - t0))s)"
}

if [ "$engine" = afl ] && [ -n "$afl_preset" ]; then
	bdir=build/$preset
	step configure "$log_conf" cmake --preset "$preset"
	build=(cmake --build --preset "$preset")
elif [ "$engine" = afl ]; then
	bdir=build/$preset-afl
	export AFL_QUIET=1
	step configure "$log_conf" cmake --preset "$preset" -B "$bdir" \
		-DCMAKE_C_COMPILER=afl-clang-fast -DCMAKE_CXX_COMPILER=afl-clang-fast++
	build=(cmake --build "$bdir")
else
	bdir=build/$preset
	step configure "$log_conf" cmake --preset "$preset"
	build=(cmake --build --preset "$preset")
fi
# The configure summary, so that the sanitizer and variant setup are visible.
grep -E '^-- (sheaf-fuzz|  )' "$log_conf" | sed 's/^-- /  /' || true

# Discovery: names[i] is fuzzed with binary bins[i] (absolute path).
names=()
bins=()
list=$bdir/fuzz_targets.txt

# select_wanted: keep only the targets given with --target, in that order.
select_wanted() {
	local t i found keep_n=() keep_b=()
	[ ${#wanted[@]} -gt 0 ] || return 0
	for t in "${wanted[@]}"; do
		found=0
		for i in "${!names[@]}"; do
			if [ "${names[$i]}" = "$t" ]; then
				keep_n+=("$t"); keep_b+=("${bins[$i]}"); found=1
			fi
		done
		[ "$found" -eq 1 ] || die_usage "unknown target '$t' (have: ${names[*]})"
	done
	names=("${keep_n[@]}")
	bins=("${keep_b[@]}")
}

if [ -f "$list" ]; then
	while read -r name path _; do
		case $name in '' | '#'*) continue ;; esac
		[ -n "${path-}" ] || path=$name
		case $path in /*) ;; *) path=$root/$bdir/$path ;; esac
		names+=("$name")
		bins+=("$path")
	done <"$list"
	echo "$prog: $list lists ${#names[@]} target(s): ${names[*]}"
fi
if [ ${#names[@]} -gt 0 ]; then
	select_wanted
	# replay turns each finding into a readable report (--trace)
	extra=()
	grep -q '^add_executable(replay ' "$root/harness/CMakeLists.txt" 2>/dev/null && extra=(replay)
	step build "$log_build" "${build[@]}" --target "${names[@]}" "${extra[@]}"
else
	step build "$log_build" "${build[@]}"
	if [ ! -f "$list" ]; then
		while IFS= read -r path; do
			names+=("$(basename "$path")")
			bins+=("$root/$path")
		done < <(find "$bdir" -path '*/CMakeFiles' -prune -o -type f -perm -u+x \
			 -regex '.*/fuzz_[a-z0-9]+' -print | sort)
	fi
fi

if [ ${#names[@]} -eq 0 ]; then
	echo "$prog: no fuzz target exists yet: build done, nothing fuzzed"
	echo "RESULT: 0 targets, 0 crashes, 0 known"
	exit 0
fi
select_wanted
for i in "${!names[@]}"; do
	if [ ! -x "${bins[$i]}" ]; then
		echo "$prog: target ${names[$i]}: ${bins[$i]} was not built"
		echo "RESULT: 0 targets, 0 crashes, 0 known"
		exit 3
	fi
done

# ----------------------------------------------------------------- fuzz --

stamp=$(date +%Y%m%d-%H%M%S)
rundir=run/$stamp
mkdir -p run
n=1
while ! mkdir "$rundir" 2>/dev/null; do
	n=$((n + 1))
	rundir=run/$stamp-$n
done

# The model's run-time settings reach the target through its environment.
[ -z "$variant" ] || export SHEAF_VARIANT="$variant"
[ -z "$cpus" ] || export SHEAF_CPUS="$cpus"
# A replay command starts with the same settings.
replay_env=
[ -z "$variant" ] || replay_env+="SHEAF_VARIANT=$variant "
[ -z "$cpus" ] || replay_env+="SHEAF_CPUS=$cpus "

# Ctrl-C or SIGTERM stops the engines (they still write their stats and
# findings), skips the remaining targets and prints the summary.  The engines
# run in the background, where SIGINT from the terminal does not reach them,
# so the signal is passed on by hand.
interrupted=0
children=()
# shellcheck disable=SC2317 # called by the trap
on_signal() {
	interrupted=1
	[ ${#children[@]} -eq 0 ] || kill -INT "${children[@]}" 2>/dev/null || true
}
trap on_signal INT TERM

# wait_children: wait for every pid in children[], also across a trapped
# signal; returns the last non-zero exit status.
wait_children() {
	local pid st ret=0
	for pid in "${children[@]}"; do
		st=0
		wait "$pid" || st=$?
		while kill -0 "$pid" 2>/dev/null; do
			st=0
			wait "$pid" || st=$?
		done
		[ "$st" -eq 0 ] || ret=$st
	done
	children=()
	return "$ret"
}

# progress TARGET RUNDIR: every 10 s while the engines run, one line:
# elapsed, executions, exec/s now, coverage, corpus size, crashes so far
progress() {
	local t=$1 rd=$2 t0=$SECONDS n=0 last_execs=0 line execs cov corp eps crashes stats v
	while :; do
		sleep 1
		local alive=0 pid
		for pid in "${children[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ "$alive" -eq 1 ] || return 0
		n=$((n + 1))
		[ $((n % 10)) -eq 0 ] || continue
		execs='' cov='' corp=''
		if [ "$engine" = afl ]; then
			execs=0
			for stats in "$rd"/afl/*/fuzzer_stats; do
				[ -f "$stats" ] || continue
				v=$(last_num '^execs_done *: *([0-9]+).*' "$stats")
				execs=$((execs + ${v:-0}))
			done
			stats=$rd/afl/main/fuzzer_stats
			[ ! -f "$stats" ] || {
				cov=$(last_num '^edges_found *: *([0-9]+).*' "$stats")
				corp=$(last_num '^corpus_count *: *([0-9]+).*' "$stats"); }
		else
			line=$(grep -aE '^#[0-9]+' "$rd/fuzz.log" 2>/dev/null | tail -n 1)
			execs=$(echo "$line" | sed -nE 's/^#([0-9]+).*/\1/p')
			cov=$(echo "$line" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
			corp=$(echo "$line" | sed -nE 's/.* corp: ([0-9]+).*/\1/p')
		fi
		execs=${execs:-0}
		eps=$(((execs - last_execs) / 10))
		last_execs=$execs
		crashes=$(list_crashes "$rd" 2>/dev/null | wc -l)
		echo "$prog: [$t] $((SECONDS - t0))s: $execs execs, $eps exec/s now, cov ${cov:-?}," \
		     "corpus ${corp:-?}, $crashes crash(es) so far"
	done
}

# Results, one entry per fuzzed target.
r_name=() r_execs=() r_eps=() r_cov=() r_corpus=() r_crashes=() r_status=()
crash_lines=()
known_lines=()
total_crashes=0
total_known=0
errors=0

# last_num REGEX FILE: the number captured by the sed -E REGEX (group 1) on
# the last line of FILE that it matches, or nothing.
last_num() {
	sed -nE "s/$1/\\1/p" "$2" | tail -n 1
}

# shq WORD: WORD quoted for the shell only when it needs it.
shq() {
	if [[ $1 =~ ^[A-Za-z0-9_./:,=+@%-]+$ ]]; then
		printf '%s' "$1"
	else
		printf '%q' "$1"
	fi
}

# seed_corpus TARGET DIR: copy corpus/TARGET/ into DIR, return the count.
seed_corpus() {
	local t=$1 dir=$2
	mkdir -p "$dir"
	if [ -d "corpus/$t" ]; then
		find "corpus/$t" -maxdepth 1 -type f -exec cp -t "$dir" {} +
	fi
	find "$dir" -type f | wc -l
}

dict_for() {
	if [ -f "corpus/$1.dict" ]; then
		echo "$root/corpus/$1.dict"
	elif [ -f corpus/ops.dict ]; then
		echo "$root/corpus/ops.dict"
	fi
}

# fuzz_libfuzzer TARGET BIN RUNDIR: sets execs, eps, cov, corpus, rc.
fuzz_libfuzzer() {
	local t=$1 bin=$2 rd=$3 dict log args=()
	log=$rd/fuzz.log
	mkdir -p "$rd/crashes"
	args=(-max_total_time="$seconds" -print_final_stats=1 -timeout="$timeout_s"
	      -artifact_prefix="$root/$rd/crashes/")
	dict=$(dict_for "$t")
	[ -z "$dict" ] || args+=(-dict="$dict")
	[ "$jobs" -eq 1 ] || args+=(-fork="$jobs")
	echo "$prog: [$t] libFuzzer for ${seconds}s: ${bin#"$root"/} ${args[*]} $rd/corpus"
	echo "$prog: [$t] log: $log"
	# cd: libFuzzer may leave files in its working directory.
	(cd "$rd" && exec timeout --kill-after=30 $((seconds + 300)) \
		"$bin" "${args[@]}" "$root/$rd/corpus") >"$log" 2>&1 &
	children=("$!")
	progress "$t" "$rd"
	rc=0
	wait_children || rc=$?

	if grep -qE '^#[0-9]+: cov:' "$log"; then
		# -fork: the parent's last status line sums its jobs' executions;
		# its exec/s is the last job's own rate, so the total rate is
		# the executions over the line's time.
		execs=$(last_num '^#([0-9]+): cov:.*' "$log")
		cov=$(last_num '^#[0-9]+: cov: ([0-9]+).*' "$log")
		local t
		t=$(last_num '^#[0-9]+: cov:.* time: ([0-9]+)s.*' "$log")
		if [ "${t:-0}" -gt 0 ]; then
			eps=$((execs / t))
		else
			eps=$(last_num '^#[0-9]+: .* exec\/s ([0-9]+).*' "$log")
		fi
	else
		execs=$(last_num '^stat::number_of_executed_units: *([0-9]+).*' "$log")
		eps=$(last_num '^stat::average_exec_per_sec: *([0-9]+).*' "$log")
		if [ "${eps:-0}" -eq 0 ]; then
			# 0 after a crash: take the last status line's figure.
			eps=$(last_num '^#[0-9]+[[:space:]].* exec\/s: ([0-9]+).*' "$log")
		fi
		cov=$(last_num '^#[0-9]+[[:space:]].* cov: ([0-9]+) .*' "$log")
	fi
	corpus=$(find "$rd/corpus" -type f | wc -l)
}

# fuzz_afl TARGET BIN RUNDIR: sets execs, eps, cov, corpus, rc.
fuzz_afl() {
	local t=$1 bin=$2 rd=$3 dict i args=() role=() v stats
	mkdir -p "$rd/afl"
	if [ -z "$(find "$rd/corpus" -type f -size +0c | head -n 1)" ]; then
		# afl-fuzz needs one non-empty input to start from.
		printf '\0' >"$rd/corpus/afl-start"
	fi
	args=(-i "$rd/corpus" -o "$rd/afl" -V "$seconds" -t $((timeout_s * 1000)))
	dict=$(dict_for "$t")
	[ -z "$dict" ] || args+=(-x "$dict")
	echo "$prog: [$t] AFL++ for ${seconds}s, $jobs instance(s): afl-fuzz ${args[*]} -M main -- ${bin#"$root"/}"
	echo "$prog: [$t] logs: $rd/afl-*.log"
	export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
	export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
	for ((i = 0; i < jobs; i++)); do
		if [ "$i" -eq 0 ]; then role=(-M main); else role=(-S "s$i"); fi
		timeout --kill-after=30 $((seconds + 300)) \
			afl-fuzz "${args[@]}" "${role[@]}" -- "$bin" \
			>"$rd/afl-${role[1]}.log" 2>&1 &
		children+=("$!")
	done
	progress "$t" "$rd"
	rc=0
	wait_children || rc=$?

	for stats in "$rd"/afl/*/fuzzer_stats; do
		[ -f "$stats" ] || continue
		v=$(last_num '^execs_done *: *([0-9]+).*' "$stats")
		execs=$((${execs:-0} + ${v:-0}))
		v=$(last_num '^execs_per_sec *: *([0-9]+).*' "$stats")
		eps=$((${eps:-0} + ${v:-0}))
	done
	stats=$rd/afl/main/fuzzer_stats
	if [ -f "$stats" ]; then
		cov=$(last_num '^edges_found *: *([0-9]+).*' "$stats")
		corpus=$(last_num '^corpus_count *: *([0-9]+).*' "$stats")
	fi
}

# shellcheck source=scripts/lib/findings.sh
. "$root/scripts/lib/findings.sh"

# first_report_line TARGET RUNDIR FILE: the first line of the report the finding
# produces (our BUG/WARNING header, or the sanitizer's): from replaying it
# when the replay tool exists (AFL++ keeps no target output), else from
# the engine log.
first_report_line() {
	local pattern='^(BUG|WARNING): |ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error: |^==[0-9]+==ERROR'
	local replay=$root/$bdir/harness/replay log=$2/fuzz.log opts=(--target "$1")
	if [ -x "$replay" ]; then
		[ -z "$variant" ] || opts+=(--variant "$variant")
		[ -z "$cpus" ] || opts+=(--cpus "$cpus")
		# the whole report is kept beside the finding, for known_finding
		timeout 60 "$replay" "${opts[@]}" "$3" >"$3.report" 2>&1 || true
		sed -n 's/^FAIL [^:]*: //p' "$3.report" | head -n 1 | cut -c1-160
		return 0
	fi
	[ "$engine" = afl ] && log=$2/afl-main.log
	[ -f "$log" ] || return 0
	grep -m1 -E "$pattern" "$log" | cut -c1-160 || true
}

# replay_command TARGET BIN FILE: how to see the finding again, with its trace.
replay_command() {
	local replay=$bdir/harness/replay opts=(--target "$1")
	if [ -x "$root/$replay" ]; then
		[ -z "$variant" ] || opts+=(--variant "$variant")
		[ -z "$cpus" ] || opts+=(--cpus "$cpus")
		echo "$replay ${opts[*]} --trace $(shq "$3")"
	else
		echo "$replay_env$(shq "$2") $(shq "$3")"
	fi
}

# list_crashes RUNDIR: the files the engine saved as findings.
list_crashes() {
	if [ "$engine" = afl ]; then
		find "$1/afl" -path '*/crashes/id:*' -o -path '*/hangs/id:*'
	else
		find "$1/crashes" -type f \( -name 'crash-*' -o -name 'leak-*' \
			-o -name 'timeout-*' -o -name 'oom-*' \)
	fi | sort
}

echo "$prog: engine $engine, preset $preset, ${seconds}s per target, $jobs job(s)," \
     "variant ${variant:-default}, cpus ${cpus:-default}; run dir $rundir/"
for i in "${!names[@]}"; do
	t=${names[$i]}
	bin=${bins[$i]}
	rel_bin=${bin#"$root"/}
	rd=$rundir/$t
	if [ "$interrupted" -eq 1 ]; then
		echo "$prog: [$t] skipped (interrupted)"
		continue
	fi
	nseeds=$(seed_corpus "$t" "$rd/corpus")
	echo "$prog: [$t] $nseeds seed(s) from corpus/$t/"
	t0=$SECONDS
	execs='' eps='' cov='' corpus='' rc=0
	if [ "$engine" = afl ]; then
		fuzz_afl "$t" "$bin" "$rd"
	else
		fuzz_libfuzzer "$t" "$bin" "$rd"
	fi
	elapsed=$((SECONDS - t0))
	if [ "${eps:-0}" -eq 0 ] && [ -n "$execs" ] && [ "$elapsed" -gt 0 ]; then
		eps=$((execs / elapsed))
	fi

	mapfile -t found < <(list_crashes "$rd")
	status=ok
	new=0
	for f in "${found[@]}"; do
		first=$(first_report_line "$t" "$rd" "$f")
		id=
		[ "$strict" -eq 1 ] || id=$(known_finding "$root" "$first" "$f.report")
		if [ -n "$id" ]; then
			known_lines+=("$t: $f" "    known: $id (docs/findings.md): $first"
				      "    replay: $(replay_command "$t" "$rel_bin" "$f")")
			total_known=$((total_known + 1))
			continue
		fi
		new=$((new + 1))
		crash_lines+=("$t: $f")
		[ -z "$first" ] || crash_lines+=("    report: $first")
		crash_lines+=("    replay: $(replay_command "$t" "$rel_bin" "$f")")
	done
	if [ "$new" -gt 0 ]; then
		status=CRASH
	elif [ ${#found[@]} -gt 0 ]; then
		status=known
	elif [ "$rc" -ne 0 ] && [ "$interrupted" -eq 0 ]; then
		# The engine failed but saved nothing: a broken target or
		# setup, not a finding.  Show why.
		status=ERROR
		errors=$((errors + 1))
		echo "$prog: [$t] the engine exited with status $rc and saved no input; last lines:"
		if [ "$engine" = afl ]; then
			tail -n 20 "$rd/afl-main.log"
		else
			tail -n 20 "$rd/fuzz.log"
		fi
	fi
	[ "$interrupted" -eq 0 ] || status=$status,interrupted
	echo "$prog: [$t] done in ${elapsed}s: ${execs:-?} execs, $new crash(es), $((${#found[@]} - new)) known"

	total_crashes=$((total_crashes + new))
	r_name+=("$t")
	r_execs+=("${execs:--}")
	r_eps+=("${eps:--}")
	r_cov+=("${cov:--}")
	r_corpus+=("${corpus:--}")
	r_crashes+=("$new")
	r_status+=("$status")
done

echo
echo "$prog: summary ($engine, $rundir/)"
fmt='  %-16s %12s %9s %8s %8s %8s  %s\n'
# shellcheck disable=SC2059 # the format is ours and constant
printf "$fmt" target execs exec/s cov corpus crashes status
for i in "${!r_name[@]}"; do
	# shellcheck disable=SC2059
	printf "$fmt" "${r_name[$i]}" "${r_execs[$i]}" "${r_eps[$i]}" "${r_cov[$i]}" \
		"${r_corpus[$i]}" "${r_crashes[$i]}" "${r_status[$i]}"
done
if [ ${#crash_lines[@]} -gt 0 ]; then
	echo
	echo "$prog: crashes (each replays with its command):"
	printf '  %s\n' "${crash_lines[@]}"
fi
if [ ${#known_lines[@]} -gt 0 ]; then
	echo
	echo "$prog: known findings, not counted as crashes (--strict counts them):"
	printf '  %s\n' "${known_lines[@]}"
fi
echo "RESULT: ${#r_name[@]} targets, $total_crashes crashes, $total_known known"

if [ "$total_crashes" -gt 0 ]; then
	exit 1
elif [ "$errors" -gt 0 ]; then
	exit 3
elif [ "$interrupted" -eq 1 ]; then
	exit 130
fi
exit 0
