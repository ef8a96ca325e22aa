#!/usr/bin/env bash
# test.sh - configure, build and run ctest for each preset (default: asan,
# tsan, debug, release), then print one table and one closing line:
#   test.sh: N passed, M failed
# where N and M count ctest tests over all presets (and, with --full, the
# configurations of scripts/check-oss-fuzz.sh).  Exits 0 only when every
# preset configured, built and passed all of its tests.  Logs of each step
# are kept in build/logs/<preset>-<step>.log.
set -euo pipefail

prog=test.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
	cat <<'EOF'
usage: scripts/test.sh [--preset P]... [-j N] [--label L] [--exclude R] [--full] [--help]

For each preset: cmake --preset P; cmake --build --preset P; ctest --preset P.

  --preset P   preset to test (repeatable; default: asan tsan debug release)
  -j N         parallel build jobs and ctest jobs (default: ninja's choice for
               the build, the test preset's for ctest)
  --label L    run only the tests whose label matches regex L (ctest -L), e.g.
               unit, death, corpus, sim, threads, lint, stress (the 20 s
               stress runs of the asan and tsan presets)
  --exclude R  leave out the tests whose name matches regex R (ctest -E)
  --full       then also: the msan preset's corpus replay (label corpus), the
               fuzz preset's corpus_merge test (label merge), and
               scripts/check-oss-fuzz.sh (the OSS-Fuzz build of the fuzz
               targets for four sanitizer and engine configurations; needs
               AFL++, which setup.sh installs)
  --help       this text

Exit status: 0 every preset passed; 1 a configure, build or test failed;
2 usage error or missing tools (see scripts/setup.sh).
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

presets=()
jobs=
label=
exclude=
full=0

while [ $# -gt 0 ]; do
	case $1 in
	--preset) optarg "$1" "${2-}"; presets+=("$2"); shift ;;
	--preset=*) presets+=("${1#*=}") ;;
	-j | --jobs) optarg "$1" "${2-}"; jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	--jobs=*) jobs=${1#*=} ;;
	--label) optarg "$1" "${2-}"; label=$2; shift ;;
	--label=*) label=${1#*=} ;;
	--exclude) optarg "$1" "${2-}"; exclude=$2; shift ;;
	--exclude=*) exclude=${1#*=} ;;
	--full) full=1 ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done

if [ -n "$jobs" ] && ! [[ $jobs =~ ^[1-9][0-9]{0,2}$ ]]; then
	die_usage "-j wants a number of jobs from 1 to 999, not '$jobs'"
fi
[ ${#presets[@]} -gt 0 ] || presets=(asan tsan debug release)
# An empty selection is a usage error, not a pass: the labels the CMake
# files give their tests (and the backends' sim and threads).
if [ -n "$label" ]; then
	mapfile -t labels < <({ grep -rhoE 'LABELS +"?[a-z; ]+' --include=CMakeLists.txt \
		--include='*.cmake' "$root" | sed -E 's/LABELS +"?//' | tr '; ' '\n\n'
		printf 'sim\nthreads\n'; } | grep -E '^[a-z]+$' | sort -u)
	printf '%s\n' "${labels[@]}" | grep -qE -- "$label" ||
		die_usage "--label '$label' matches no test label (${labels[*]})"
fi

cd "$root"
if [ "$full" -eq 1 ]; then
	"$root/scripts/setup.sh"
else
	"$root/scripts/setup.sh" --no-afl
fi

mapfile -t known < <(cmake --list-presets=configure 2>/dev/null |
		     sed -n 's/^ *"\([^"]*\)".*/\1/p')
for p in "${presets[@]}"; do
	case " ${known[*]} " in
	*" $p "*) ;;
	*) die_usage "unknown preset '$p' (CMakePresets.json has: ${known[*]})" ;;
	esac
done

logdir=build/logs
mkdir -p "$logdir"

# --full: the msan preset replays the corpus, the fuzz preset runs
# "corpus.sh merge" with its libFuzzer targets (each a ctest -L of its own).
declare -A p_label
if [ "$full" -eq 1 ]; then
	for p in msan fuzz; do
		case " ${presets[*]} " in
		*" $p "*) ;;
		*) presets+=("$p") ;;
		esac
	done
	p_label[msan]=corpus
	p_label[fuzz]=merge
fi

# Per preset: the state of each step (ok, FAIL, or - when not run), the
# ctest counts, the seconds it took and the names of the failed tests.
declare -A st_conf st_build st_test n_pass n_fail secs failed_names
total_pass=0
total_fail=0
bad_presets=()

# run_step PRESET STEP LOG CMD...: run CMD, showing and logging its output;
# returns its exit status and prints how long it took.
run_step() {
	local p=$1 step=$2 log=$3 t0=$SECONDS rc=0
	shift 3
	echo "$prog: [$p] $step: $*"
	"$@" 2>&1 | tee "$log" || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "$prog: [$p] $step ok ($((SECONDS - t0))s)"
	else
		echo "$prog: [$p] $step FAILED with status $rc ($((SECONDS - t0))s), log: $log"
	fi
	return "$rc"
}

# parse_ctest PRESET LOG: read the test counts and failed names from ctest's
# output ("83% tests passed, 2 tests failed out of 12", then "The following
# tests FAILED:" and one "  7 - name (Failed)" line per test).
parse_ctest() {
	local p=$1 log=$2 line total failed
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
	if [ -n "$line" ]; then
		failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
		total=$(sed -E 's/.*failed out of ([0-9]+).*/\1/' <<<"$line")
		n_pass[$p]=$((total - failed))
		n_fail[$p]=$failed
	elif grep -q 'No tests were found' "$log"; then
		n_pass[$p]=0
		n_fail[$p]=0
	fi
	failed_names[$p]=$(sed -n '/^The following tests FAILED:/,$p' "$log" |
			   sed -nE 's/^[[:space:]]+[0-9]+ - ([^ ]+) \((.*)\)$/\1 (\2)/p' |
			   paste -sd ';' - | sed 's/;/; /g')
}

test_preset() {
	local p=$1 t0=$SECONDS
	local build_args=() ctest_args=()
	st_conf[$p]=-; st_build[$p]=-; st_test[$p]=-
	n_pass[$p]=-; n_fail[$p]=-; failed_names[$p]=

	echo
	echo "$prog: ===== preset $p ====="
	if [ -n "$jobs" ]; then
		build_args+=(-j "$jobs")
		ctest_args+=(-j "$jobs")
	fi
	if [ -n "${p_label[$p]-}" ]; then
		ctest_args+=(-L "${p_label[$p]}")
	else
		[ -z "$label" ] || ctest_args+=(-L "$label")
		[ -z "$exclude" ] || ctest_args+=(-E "$exclude")
	fi

	if run_step "$p" configure "$logdir/$p-configure.log" cmake --preset "$p"; then
		st_conf[$p]=ok

		if run_step "$p" build "$logdir/$p-build.log" \
			    cmake --build --preset "$p" "${build_args[@]}"; then
			st_build[$p]=ok
			if run_step "$p" test "$logdir/$p-test.log" \
				    ctest --preset "$p" "${ctest_args[@]}"; then
				st_test[$p]=ok
			else
				st_test[$p]=FAIL
			fi
			parse_ctest "$p" "$logdir/$p-test.log"
		else
			st_build[$p]=FAIL
		fi
	else
		st_conf[$p]=FAIL
	fi
	secs[$p]=$((SECONDS - t0))

	[ "${n_pass[$p]}" = - ] || total_pass=$((total_pass + n_pass[$p]))
	[ "${n_fail[$p]}" = - ] || total_fail=$((total_fail + n_fail[$p]))
	if [ "${st_test[$p]}" != ok ]; then
		bad_presets+=("$p")
	elif [ "${n_pass[$p]}" = 0 ]; then
		echo "$prog: [$p] warning: ctest ran no test"
	fi
}

what="presets: ${presets[*]}"
[ -z "$label" ] || what+=", label $label"
[ -z "$exclude" ] || what+=", excluding $exclude"
[ "$full" -eq 0 ] || what+=" (msan: corpus replay; fuzz: corpus merge), then check-oss-fuzz.sh"
[ -z "$jobs" ] || what+=", -j $jobs"
echo "$prog: $what; logs in $logdir/"
for p in "${presets[@]}"; do
	test_preset "$p"
done

# --full: the OSS-Fuzz build, one row; its configurations count as tests.
oss_row=
if [ "$full" -eq 1 ]; then
	echo
	echo "$prog: ===== check-oss-fuzz.sh ====="
	t0=$SECONDS
	oss=PASS
	run_step oss-fuzz check "$logdir/check-oss-fuzz.log" "$root/scripts/check-oss-fuzz.sh" || oss=FAIL
	line=$(grep -E '^check-oss-fuzz.sh: [0-9]+ passed, [0-9]+ failed$' "$logdir/check-oss-fuzz.log" | tail -n 1 || true)
	op=- of=-
	if [ -n "$line" ]; then
		op=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		of=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
		total_pass=$((total_pass + op))
		total_fail=$((total_fail + of))
	fi
	[ "$oss" = PASS ] || bad_presets+=(check-oss-fuzz)
	oss_row=$(printf '  %-10s %-9s %-6s %-6s %7s %7s %6s  %s' check-oss - - - "$op" "$of" \
		  "$((SECONDS - t0))s" "$oss")
fi

echo
echo "$prog: summary"
fmt='  %-10s %-9s %-6s %-6s %7s %7s %6s  %s\n'
# shellcheck disable=SC2059 # the format is ours and constant
printf "$fmt" preset configure build ctest passed failed time result
for p in "${presets[@]}"; do
	result=PASS
	case " ${bad_presets[*]-} " in *" $p "*) result=FAIL ;; esac
	# shellcheck disable=SC2059
	printf "$fmt" "$p" "${st_conf[$p]}" "${st_build[$p]}" "${st_test[$p]}" \
		"${n_pass[$p]}" "${n_fail[$p]}" "${secs[$p]}s" "$result"
done
[ -z "$oss_row" ] || echo "$oss_row"
for p in "${presets[@]}"; do
	[ -z "${failed_names[$p]}" ] || echo "  $p failed: ${failed_names[$p]}"
done
echo "  total time: ${SECONDS}s"

if [ ${#bad_presets[@]} -gt 0 ]; then
	echo "$prog: FAILED presets: ${bad_presets[*]}"
fi
echo "$prog: $total_pass passed, $total_fail failed"
[ ${#bad_presets[@]} -eq 0 ]
