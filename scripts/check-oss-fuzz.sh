#!/usr/bin/env bash
# check-oss-fuzz.sh - build the fuzz targets the way OSS-Fuzz builds them and
# check what ClusterFuzz will need of them, without a container: for each
# configuration (sanitizer + engine), a fresh $SRC/$WORK/$OUT, the compiler
# flags and $LIB_FUZZING_ENGINE of OSS-Fuzz's images, scripts/oss-fuzz/build.sh
# run as $SRC/build.sh from $SRC/sheaf-fuzz (a copy of this tree), then:
#   - every target in $OUT has its seed corpus zip, dictionary and options
#     file, and carries the sanitizer's and the engine's runtime;
#   - the model was built without comparison tracing (libFuzzer builds);
#   - every target runs a few hundred inputs from its seed corpus;
#   - a seed-v3 regression crashes through the built fuzz_ops, run the way
#     ClusterFuzz reproduces a testcase (target -runs=N FILE, the options
#     file's settings), and passes on the default variant;
#   - fuzz_sched's default variant carries F1's fix: F1's reproducer passes
#     on it and crashes with SHEAF_VARIANT=fixed.
# One row per configuration at the end; exit 0 only when every check passed.
set -euo pipefail

prog=check-oss-fuzz.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
default_configs=(address+libfuzzer undefined+libfuzzer memory+libfuzzer address+afl)
all_configs=(address+libfuzzer undefined+libfuzzer memory+libfuzzer address+afl coverage+libfuzzer)

usage() {
	cat <<EOF
usage: scripts/check-oss-fuzz.sh [--config SANITIZER+ENGINE]... [--runs N] [--keep] [--help]

Reproduces OSS-Fuzz's build environment locally for each configuration,
runs scripts/oss-fuzz/build.sh in it and checks the targets it leaves in
\$OUT (side files, instrumentation, seed runs, a known crash, fuzz_sched's
default variant).  No container is needed; see docs/continuous-fuzzing.md
for what differs from OSS-Fuzz's images.

  --config C  a configuration to check (repeatable); default:
              ${default_configs[*]}
              also known: coverage+libfuzzer (the coverage report build)
  --runs N    inputs each target runs from its seed corpus, 1..100000
              (default 300)
  --keep      keep the temporary \$SRC/\$WORK/\$OUT trees and print where
  --help      this text

Exit status: 0 every check passed; 1 a build or a check failed; 2 usage
error or missing tools.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

configs=()
runs=300
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--config | --runs)
		if [ -z "${2-}" ] || [ "${2#-}" != "$2" ]; then die_usage "option $1 needs a value"; fi
		set -- "$1=$2" "${@:3}"
		continue ;;
	--config=*) configs+=("${1#*=}") ;;
	--runs=*) runs=${1#*=} ;;
	--keep) keep=1 ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done
[ ${#configs[@]} -gt 0 ] || configs=("${default_configs[@]}")
for c in "${configs[@]}"; do
	case " ${all_configs[*]} " in
	*" $c "*) ;;
	*) die_usage "unknown configuration '$c' (known: ${all_configs[*]})" ;;
	esac
done
if ! [[ $runs =~ ^[1-9][0-9]{0,5}$ ]] || [ "$runs" -gt 100000 ]; then
	die_usage "--runs wants a whole number from 1 to 100000, not '$runs'"
fi

# Tools: the project's own (clang with its runtimes, cmake, ninja; AFL++ for
# the afl configuration), then what build.sh and the checks use.
want_afl=0
for c in "${configs[@]}"; do [ "${c#*+}" != afl ] || want_afl=1; done
if [ "$want_afl" -eq 1 ]; then
	"$root/scripts/setup.sh" --quiet --oss-fuzz
else
	"$root/scripts/setup.sh" --quiet --oss-fuzz --no-afl
fi
for tool in objdump nm; do
	command -v "$tool" >/dev/null || die_usage "$tool is missing (apt-get install -y binutils)"
done
afl_driver=
if [ "$want_afl" -eq 1 ]; then
	for f in /usr/lib/afl/libAFLDriver.a /usr/local/lib/afl/libAFLDriver.a; do
		if [ -f "$f" ]; then afl_driver=$f; break; fi
	done
	[ -n "$afl_driver" ] || die_usage "AFL++'s libAFLDriver.a is missing (apt-get install -y afl++)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-oss-fuzz.XXXXXX")
if [ "$keep" -eq 0 ]; then
	trap 'rm -rf "$tmp"' EXIT
fi

# The tree as OSS-Fuzz clones it: tracked and new files, without build/ and
# run/ (git ls-files honours .gitignore); outside a git checkout, all of it
# but those two.
mkdir -p "$tmp/tree"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$root" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r tar -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$tmp/tree"
else
	tar -C "$root" --exclude=./build --exclude=./run --exclude=./.git -cf - . | tar -xf - -C "$tmp/tree"
fi
[ -f "$tmp/tree/scripts/oss-fuzz/build.sh" ] || die_usage "could not copy the tree to $tmp/tree"

# OSS-Fuzz's flags (its base-clang and base-builder images).  CXXFLAGS
# leave out -stdlib=libc++: OSS-Fuzz's libFuzzer is built against its
# libc++, Debian's against libstdc++, and the targets have no C++ code.
base_flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
ubsan_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
declare -A san_flags=(
	[address]="-fsanitize=address -fsanitize-address-use-after-scope"
	[undefined]="-fsanitize=$ubsan_checks,unsigned-integer-overflow -fno-sanitize-recover=$ubsan_checks"
	[memory]="-fsanitize=memory -fsanitize-memory-track-origins"
	[coverage]="-fprofile-instr-generate -fcoverage-mapping"
)
# The run-time options ClusterFuzz starts every target with, as far as
# they matter here: stop at the first report, with a stack.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:handle_abort=1:symbolize=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:silence_unsigned_overflow=1
export MSAN_OPTIONS=halt_on_error=1:print_stats=0:symbolize=1
unset SHEAF_VARIANT SHEAF_CPUS SHEAF_NODES

# A known crash: a seed-v3 regression, with the text its README row names.
crash_rel=seed-v3/h1-mightsleep-teardown
crash_file=$root/corpus/regressions/$crash_rel
crash_text='Objects remaining on __kmem_cache_shutdown()'
f1_file=$root/corpus/findings/f1-shrinker-vs-barrier
f1_text='barrier contract: object pending after kvfree_rcu_barrier_on_cache()'
[ -f "$crash_file" ] || die_usage "corpus/regressions/$crash_rel is missing"
[ -f "$f1_file" ] || die_usage "${f1_file#"$root"/} is missing"

# Results per configuration.
declare -A r_build r_targets r_files r_seeds r_crash r_f1 r_result r_secs
failures=()

fail() {
	echo "$prog: [$cfg] FAIL: $*"
	failures+=("$cfg: $*")
	ok=0
}

# opt FILE KEY [SECTION]: the value of KEY in the [SECTION] (default
# [libfuzzer]) section of FILE.
opt() {
	sed -n "/^\\[${3:-libfuzzer}\\]/,/^\\[/p" "$1" | sed -n "s/^$2 *= *\\([0-9]*\\) *$/\\1/p" | head -n 1
}

# check_side_files T: the zip, the dictionary and the options of target T.
check_side_files() {
	local t=$1 n key v
	if [ ! -f "$out/${t}_seed_corpus.zip" ] || ! unzip -tq "$out/${t}_seed_corpus.zip" >/dev/null; then
		fail "$t: ${t}_seed_corpus.zip is missing or not a zip"
		return
	fi
	n=$(unzip -Z1 "$out/${t}_seed_corpus.zip" | grep -vc '/$' || true)
	[ "$n" -gt 0 ] || fail "$t: ${t}_seed_corpus.zip is empty"
	if [ ! -s "$out/$t.dict" ]; then
		fail "$t: $t.dict is missing or empty"
	elif grep -vE '^[[:space:]]*(#.*)?$' "$out/$t.dict" | grep -qvE '^[A-Za-z0-9_]*="([^"\\]|\\.)*"$'; then
		fail "$t: $t.dict has a line that is not a dictionary entry"
	fi
	if [ ! -f "$out/$t.options" ]; then
		fail "$t: $t.options is missing"
		return
	fi
	for key in max_len timeout rss_limit_mb; do
		v=$(opt "$out/$t.options" "$key")
		[ -n "$v" ] || fail "$t: $t.options has no [libfuzzer] $key"
	done
	for key in quarantine_size_mb malloc_context_size; do
		v=$(opt "$out/$t.options" "$key" asan)
		[ -n "$v" ] || fail "$t: $t.options has no [asan] $key"
	done
	seeds_in[$t]=$n
}

# check_runtime T: the sanitizer's and the engine's runtime are linked in,
# and the model traces no comparison (the target's own file may).
check_runtime() {
	local t=$1 bin=$out/$1 syms=$tmp/$cfg/nm-$1 sym n
	nm "$bin" >"$syms" 2>/dev/null || true
	case $san in
	address) sym=__asan_init ;;
	memory) sym=__msan_init ;;
	undefined) sym=__ubsan_handle_ ;;
	coverage) sym=__llvm_profile_ ;;
	esac
	grep -q "$sym" "$syms" || fail "$t: no $san runtime ($sym) in the binary"
	case $engine in
	libfuzzer) grep -q LLVMFuzzerRunDriver "$syms" || fail "$t: libFuzzer is not linked in" ;;
	afl) grep -q __afl_area_ptr "$syms" || fail "$t: not instrumented by AFL++ (__afl_area_ptr)" ;;
	esac
	grep -q ' T LLVMFuzzerTestOneInput$' "$syms" || fail "$t: defines no LLVMFuzzerTestOneInput"
	[ "$san" != coverage ] || return 0
	objdump -d --no-show-raw-insn "$bin" >"$syms.dis" 2>/dev/null || true
	# The ignore list at work: vcpu_env_init (a "fun:" entry) and
	# model_cache_validate (in check.c, a "src:" entry) update no edge counter,
	# kmem_cache_alloc does.
	local kept ign1 ign2
	kept=$(edge_updates kmem_cache_alloc "$syms.dis")
	ign1=$(edge_updates vcpu_env_init "$syms.dis")
	ign2=$(edge_updates model_cache_validate "$syms.dis")
	echo "$prog: [$cfg] $t: edge counter updates: kmem_cache_alloc $kept, vcpu_env_init $ign1, model_cache_validate $ign2"
	[ "$kept" -gt 0 ] || fail "$t: kmem_cache_alloc updates no edge counter: the model is not instrumented"
	if [ "$ign1" -ne 0 ] || [ "$ign2" -ne 0 ]; then
		fail "$t: functions of harness/fuzz_coverage_ignore.txt are instrumented"
	fi
	if [ "$engine" = libfuzzer ]; then
		n=$(grep -cE 'call +[0-9a-f]+ <__sanitizer_cov_trace_(const_)?cmp[0-9]+>' "$syms.dis" || true)
		echo "$prog: [$cfg] $t: $n comparison-tracing call site(s)"
		[ "$n" -le 8 ] || fail "$t: $n comparison-tracing call sites: the model lost -fno-sanitize-coverage=trace-cmp"
	fi
	rm -f "$syms.dis"
}

# edge_updates FUNCTION DISASSEMBLY: how many edge counter updates the
# function's code has: libFuzzer's inline 8-bit counters ("addb $0x1" to
# memory), AFL++'s map (__afl_area_ptr).
edge_updates() {
	# shellcheck disable=SC2016 # a literal $ of AT&T syntax
	local pat='addb +\$0x1,'
	[ "$engine" != afl ] || pat='<__afl_area_ptr>'
	awk -v f="<$1>:" '$2 == f { p = 1; next } p && /^$/ { exit } p' "$2" | grep -cE "$pat" || true
}

# run_seeds T: a few hundred inputs from the seed corpus, with the options.
run_seeds() {
	local t=$1 dir=$tmp/$cfg/seeds-$1 log=$tmp/$cfg/seeds-$1.log rc=0 f bad=0
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && unzip -q "$out/${t}_seed_corpus.zip")
	if [ "$san" = coverage ]; then
		# No sanitizer coverage to fuzz with: the report build runs the
		# corpus once, each file given by name, and writes its profile.
		(cd "$tmp/$cfg" && LLVM_PROFILE_FILE="$tmp/$cfg/$t.profraw" timeout 600 "$out/$t" \
			-timeout="$(opt "$out/$t.options" timeout)" "$dir"/*; exit $?) >"$log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ] || [ ! -s "$tmp/$cfg/$t.profraw" ]; then
			fail "$t: the seeds exited $rc or wrote no profile ($log):"
			tail -n 15 "$log"
			return
		fi
		seeds_ran[$t]=$(grep -c '^Executed ' "$log" || true)
	elif [ "$engine" = libfuzzer ]; then
		(cd "$tmp/$cfg" && timeout 600 "$out/$t" -runs="$runs" \
			-max_len="$(opt "$out/$t.options" max_len)" \
			-timeout="$(opt "$out/$t.options" timeout)" \
			-rss_limit_mb="$(opt "$out/$t.options" rss_limit_mb)" \
			-dict="$out/$t.dict" -seed=1 "$dir"; exit $?) >"$log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ] || ! grep -q "^Done [0-9]* runs" "$log"; then
			fail "$t: $runs runs from the seeds exited $rc ($log):"
			tail -n 15 "$log"
			return
		fi
		seeds_ran[$t]=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
	else
		# AFL++'s driver runs each file it is given once; then afl-fuzz
		# itself, as ClusterFuzz runs it, for the same number of inputs.
		for f in "$dir"/*; do
			if ! (timeout 60 "$out/$t" "$f"; exit $?) >"$log" 2>&1; then
				fail "$t: seed $(basename "$f") fails under AFL++'s driver:"
				tail -n 15 "$log"
				bad=1
				break
			fi
		done
		[ "$bad" -eq 0 ] || return
		# afl-fuzz refuses sanitizer options it did not write itself
		# unless they keep its own settings (no symbolizing under it).
		env -u MSAN_OPTIONS ASAN_OPTIONS="${ASAN_OPTIONS/symbolize=1/symbolize=0}" \
		AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
			timeout 600 afl-fuzz -i "$dir" -o "$tmp/$cfg/afl-$t" -E "$runs" \
			-t "$(( $(opt "$out/$t.options" timeout) * 1000 ))" -x "$out/$t.dict" \
			-- "$out/$t" >"$log" 2>&1 || rc=$?
		f=$tmp/$cfg/afl-$t/default/fuzzer_stats
		if [ "$rc" -ne 0 ] || [ ! -f "$f" ]; then
			fail "$t: afl-fuzz -E $runs exited $rc ($log):"
			tail -n 15 "$log"
			return
		fi
		seeds_ran[$t]=$(sed -n 's/^execs_done *: *\([0-9]*\).*/\1/p' "$f")
		if [ -n "$(find "$tmp/$cfg/afl-$t/default/crashes" -name 'id:*' 2>/dev/null)" ]; then
			fail "$t: afl-fuzz saved a crash in $runs executions on the default variant"
		fi
	fi
}

# reproduce T FILE VARIANT WANT TEXT: run FILE through T the way ClusterFuzz
# reproduces a testcase; WANT is crash or pass.
reproduce() {
	local t=$1 file=$2 variant=$3 want=$4 text=$5 log rc=0 env=()
	log=$tmp/$cfg/repro-$t-${variant:-default}.log
	[ -z "$variant" ] || env=(SHEAF_VARIANT="$variant")
	if [ "$engine" = libfuzzer ]; then
		(cd "$tmp/$cfg" && env "${env[@]}" timeout 300 "$out/$t" -runs=100 \
			-timeout="$(opt "$out/$t.options" timeout)" \
			-rss_limit_mb="$(opt "$out/$t.options" rss_limit_mb)" "$file"; exit $?) >"$log" 2>&1 || rc=$?
	else
		(cd "$tmp/$cfg" && env "${env[@]}" timeout 300 "$out/$t" "$file"; exit $?) >"$log" 2>&1 || rc=$?
	fi
	if [ "$want" = crash ]; then
		if [ "$rc" -eq 0 ] || ! grep -qF -- "$text" "$log"; then
			fail "$t ${variant:-default}: $(basename "$file") did not crash with '$text' (exit $rc, $log)"
			tail -n 10 "$log"
			return 1
		fi
	elif [ "$rc" -ne 0 ]; then
		fail "$t ${variant:-default}: $(basename "$file") crashed (exit $rc, $log)"
		grep -m 3 -E '^(BUG|WARNING):|ERROR' "$log" || tail -n 10 "$log"
		return 1
	fi
	return 0
}

check_config() {
	local t0=$SECONDS rc=0 t
	san=${cfg%+*}
	engine=${cfg#*+}
	ok=1
	declare -A seeds_in=() seeds_ran=()
	local base=$tmp/$cfg
	out=$base/out
	mkdir -p "$base/src" "$base/work" "$out"
	cp -a "$tmp/tree" "$base/src/sheaf-fuzz"
	# OSS-Fuzz's Dockerfile copies build.sh to $SRC; ClusterFuzzLite's
	# copies .clusterfuzzlite/build.sh.  The first configuration goes
	# through the ClusterFuzzLite one, the others through OSS-Fuzz's.
	if [ "$cfg" = "${configs[0]}" ]; then
		cp "$base/src/sheaf-fuzz/.clusterfuzzlite/build.sh" "$base/src/build.sh"
		entry=.clusterfuzzlite/build.sh
	else
		cp "$base/src/sheaf-fuzz/scripts/oss-fuzz/build.sh" "$base/src/build.sh"
		entry=scripts/oss-fuzz/build.sh
	fi

	local cflags="$base_flags ${san_flags[$san]}" cc=clang cxx=clang++ lib=-fsanitize=fuzzer
	if [ "$engine" = libfuzzer ] && [ "$san" != coverage ]; then
		cflags+=" -fsanitize=fuzzer-no-link"
	elif [ "$engine" = afl ]; then
		cc=afl-clang-fast cxx=afl-clang-fast++ lib=$afl_driver
	fi
	echo
	echo "$prog: ===== $cfg ====="
	echo "$prog: [$cfg] build.sh ($entry as \$SRC/build.sh), log: $base/build.log"
	(cd "$base/src/sheaf-fuzz" &&
	 env CC="$cc" CXX="$cxx" CFLAGS="$cflags" CXXFLAGS="$cflags" SANITIZER="$san" \
	     FUZZING_ENGINE="$engine" LIB_FUZZING_ENGINE="$lib" SRC="$base/src" WORK="$base/work" \
	     OUT="$out" ARCHITECTURE=x86_64 AFL_QUIET=1 bash -eu "$base/src/build.sh") \
		>"$base/build.log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 25 "$base/build.log"
		fail "build.sh exited $rc"
		r_build[$cfg]=FAIL
		r_targets[$cfg]=- r_files[$cfg]=- r_seeds[$cfg]=- r_crash[$cfg]=- r_f1[$cfg]=-
		r_secs[$cfg]=$((SECONDS - t0))
		r_result[$cfg]=FAIL
		return
	fi
	r_build[$cfg]="ok $((SECONDS - t0))s"
	echo "$prog: [$cfg] build ok ($((SECONDS - t0))s)"

	mapfile -t targets < <(find "$out" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -printf '%f\n' | sort)
	mapfile -t want < <(find "$root/harness" -maxdepth 1 -name 'fuzz_*.c' -printf '%f\n' | sed 's/\.c$//' | sort)
	r_targets[$cfg]=${#targets[@]}
	if [ "${targets[*]}" != "${want[*]}" ]; then
		fail "\$OUT has targets '${targets[*]}', harness/ has '${want[*]}'"
	fi
	for t in "${targets[@]}"; do
		grep -q "X($t)" "$root/harness/targets.h" ||
			fail "$t is not in harness/targets.h's FUZZ_TARGETS: replay cannot reproduce its testcases"
		check_side_files "$t"
		check_runtime "$t"
	done
	r_files[$cfg]=ok
	[ "$ok" -eq 1 ] || r_files[$cfg]=FAIL

	local seeds_line=
	for t in "${targets[@]}"; do
		[ -n "${seeds_in[$t]-}" ] || continue
		if [ "$san" = coverage ]; then
			echo "$prog: [$cfg] $t: each of its ${seeds_in[$t]} seeds once, writing a profile"
		else
			echo "$prog: [$cfg] $t: $runs runs from its ${seeds_in[$t]} seeds"
		fi
		run_seeds "$t"
		seeds_line+="$t ${seeds_ran[$t]:-FAIL} "
	done
	r_seeds[$cfg]=${seeds_line% }

	# The coverage build is for reports, not for reproducing crashes.
	if [ "$san" = coverage ]; then
		r_crash[$cfg]=- r_f1[$cfg]=-
	else
		echo "$prog: [$cfg] reproducing corpus/regressions/$crash_rel through fuzz_ops (SHEAF_VARIANT=seed-v3)"
		r_crash[$cfg]=FAIL
		if reproduce fuzz_ops "$crash_file" seed-v3 crash "$crash_text" &&
		   reproduce fuzz_ops "$crash_file" "" pass ""; then
			r_crash[$cfg]=ok
		fi
		echo "$prog: [$cfg] F1's reproducer through fuzz_sched: default variant, then SHEAF_VARIANT=fixed"
		r_f1[$cfg]=FAIL
		if reproduce fuzz_sched "$f1_file" "" pass "" &&
		   reproduce fuzz_sched "$f1_file" fixed crash "$f1_text"; then
			if grep -q 'fuzz_sched: variant f1-fix+f3-fix' "$tmp/$cfg/repro-fuzz_sched-default.log"; then
				r_f1[$cfg]=ok
			else
				fail "fuzz_sched did not name its default variant f1-fix+f3-fix at start-up"
			fi
		fi
	fi
	r_secs[$cfg]=$((SECONDS - t0))
	r_result[$cfg]=PASS
	[ "$ok" -eq 1 ] || r_result[$cfg]=FAIL
	echo "$prog: [$cfg] ${r_result[$cfg]} (${r_secs[$cfg]}s)"
}

echo "$prog: configurations: ${configs[*]}; $runs runs per target; work in $tmp"
for cfg in "${configs[@]}"; do
	check_config
done

echo
echo "$prog: summary"
fmt='  %-20s %-10s %-7s %-10s %-34s %-8s %-8s %6s  %s\n'
# shellcheck disable=SC2059 # the format is ours and constant
printf "$fmt" config build targets side-files "runs from seeds" crash F1-fix time result
for cfg in "${configs[@]}"; do
	# shellcheck disable=SC2059
	printf "$fmt" "$cfg" "${r_build[$cfg]}" "${r_targets[$cfg]}" "${r_files[$cfg]}" \
		"${r_seeds[$cfg]}" "${r_crash[$cfg]}" "${r_f1[$cfg]}" "${r_secs[$cfg]}s" "${r_result[$cfg]}"
done
[ "$keep" -eq 0 ] || echo "$prog: trees kept in $tmp"
if [ ${#failures[@]} -gt 0 ]; then
	echo "$prog: failures:"
	printf '  %s\n' "${failures[@]}"
fi
passed=0
for cfg in "${configs[@]}"; do [ "${r_result[$cfg]}" != PASS ] || passed=$((passed + 1)); done
echo "$prog: $passed passed, $(( ${#configs[@]} - passed )) failed"
[ "$passed" -eq ${#configs[@]} ]
