#!/bin/bash
# build.sh - build sheaf-fuzz's fuzz targets for OSS-Fuzz or ClusterFuzzLite.
#
# The build environment names everything: $CC $CXX $CFLAGS $CXXFLAGS (the
# sanitizer's and the engine's flags already in them), $SANITIZER,
# $FUZZING_ENGINE, $LIB_FUZZING_ENGINE (a flag such as -fsanitize=fuzzer, or
# the path of an engine's driver library such as AFL++'s or honggfuzz's),
# $SRC, $WORK and $OUT.  scripts/check-oss-fuzz.sh sets them up locally.
#
# Built: every harness/fuzz_*.c, on the sim backend, which needs nothing but
# libc (the threads backend and its liburcu are left out), through
# scripts/oss-fuzz/CMakeLists.txt.  Placed in $OUT for each target T:
#   T                   the binary, linked by $CXX with $LIB_FUZZING_ENGINE
#   T_seed_corpus.zip   corpus/T/, plus the regression and finding inputs
#                       whose README row names T (they pass on T's default)
#   T.dict              corpus/T.dict
#   T.options           [libfuzzer] max_len, timeout, rss_limit_mb; [asan] quarantine, stack depth
#
# fuzz_sched is built with the proposed fixes of F1 and F3 as its default
# variant (SHEAF_FUZZ_DEFAULT_VARIANT=f1-fix+f3-fix): on plain "fixed" it
# reports the known kernel races F1 and F3 (docs/findings.md), F1 within
# seconds on every run.  Why, and
# what keeps F1 from being forgotten: docs/continuous-fuzzing.md.
set -euo pipefail

prog=build.sh

usage() {
	cat <<'EOF'
usage: build.sh [--help]

Builds sheaf-fuzz's fuzz targets into $OUT the way OSS-Fuzz and
ClusterFuzzLite run a project's build script: every setting comes from the
environment ($CC $CXX $CFLAGS $CXXFLAGS $SANITIZER $FUZZING_ENGINE
$LIB_FUZZING_ENGINE $SRC $WORK $OUT).  The source tree is $SHEAF_SRC, else
the tree this script is in, else the working directory, else
$SRC/sheaf-fuzz.  scripts/check-oss-fuzz.sh runs it with OSS-Fuzz's flags.

Exit status: 0 built; 1 the build failed; 2 a setting is missing or wrong.
EOF
}

die() {
	local rc=$1
	shift
	echo "$prog: $*" >&2
	exit "$rc"
}

for a in "$@"; do
	case $a in
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown argument '$a'" >&2; echo "$prog: try --help" >&2; exit 2 ;;
	esac
done

for v in CC CXX CFLAGS CXXFLAGS SANITIZER FUZZING_ENGINE LIB_FUZZING_ENGINE SRC WORK OUT; do
	[ -n "${!v+set}" ] || die 2 "\$$v is not set (the OSS-Fuzz build environment sets it; see --help)"
done
mkdir -p "$OUT" "$WORK"

# The default variant of each target, where it is not the model's "fixed".
default_variants=(fuzz_sched=f1-fix+f3-fix)

# The options every target runs with under libFuzzer.  max_len is what
# scripts/fuzz.sh gets from libFuzzer with seeds this small; timeout as
# fuzz.sh: an input running longer is a finding; rss_limit_mb: a fuzz_sched
# run peaks at about 430 MB in its first minute (corpus and ASan quarantine).
# An [asan] section follows, once the tree is found.
options='[libfuzzer]
max_len = 4096
timeout = 25
rss_limit_mb = 2560'

# ------------------------------------------------------------- the tree --

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=
for d in "${SHEAF_SRC-}" "$here/../.." "$PWD" "$SRC/sheaf-fuzz"; do
	if [ -n "$d" ] && [ -f "$d/harness/targets.h" ] && [ -f "$d/scripts/oss-fuzz/CMakeLists.txt" ]; then
		src=$(cd "$d" && pwd)
		break
	fi
done
[ -n "$src" ] || die 2 "no sheaf-fuzz tree found (set \$SHEAF_SRC, or run from the tree)"

# [asan]: the quarantine and stack depth the targets' compiled-in defaults
# choose (the string __asan_default_options() returns in harness/run.c),
# written down so that ClusterFuzz's own ASAN_OPTIONS do not replace them.
asan_defaults=$(sed -n 's/^\treturn "\(quarantine_size_mb=[^"]*\)";$/\1/p' "$src/harness/run.c")
[ -n "$asan_defaults" ] || die 1 "harness/run.c: the string of __asan_default_options() not found"
options+=$'\n\n[asan]\n'$(tr ':' '\n' <<<"$asan_defaults" | sed 's/=/ = /')

# ------------------------------------------------------------- settings --

# The model's own switches for the sanitizer the flags carry (what
# cmake/Sheaf.cmake defines with SHEAF_SANITIZER): the fiber switches tell
# ASan about each stack, the model poisons freed objects like KASAN.
case $SANITIZER in
address) defs="-DSHEAF_ASAN=1 -fno-optimize-sibling-calls" ;;	# every frame in ASan's stacks
memory) defs=-DSHEAF_MSAN=1 ;;
undefined | coverage | introspector | none) defs= ;;
*) die 2 "SANITIZER '$SANITIZER' is not one this project builds (address, undefined, memory, coverage)" ;;
esac

# How the model's coverage is trimmed (fuzz_coverage_ignore.txt, no
# comparison tracing): clang's sanitizer-coverage flags where the engine
# uses sanitizer coverage, AFL++'s deny list for AFL++, nothing for the
# source-based coverage report (SANITIZER=coverage).
case $FUZZING_ENGINE in
afl) coverage=afl ;;
libfuzzer | honggfuzz | centipede) coverage=sancov ;;
none) coverage=none ;;
*) die 2 "FUZZING_ENGINE '$FUZZING_ENGINE' is not one this project builds (libfuzzer, afl, honggfuzz)" ;;
esac
case $SANITIZER in coverage | introspector) coverage=none ;; esac

# $LIB_FUZZING_ENGINE: flags, or paths of driver libraries.
engine=()
for w in $LIB_FUZZING_ENGINE; do
	case $w in
	-*) engine+=("$w") ;;
	*)
		[ -f "$w" ] || die 2 "\$LIB_FUZZING_ENGINE names '$w', which is neither a flag nor a file"
		engine+=("$(cd "$(dirname "$w")" && pwd)/$(basename "$w")") ;;
	esac
done
[ ${#engine[@]} -gt 0 ] || die 2 "\$LIB_FUZZING_ENGINE is empty"

command -v cmake >/dev/null || die 2 "cmake is not installed (the Dockerfile installs it)"
cmv=$(cmake --version | sed -n '1s/^cmake version \([0-9]*\.[0-9]*\).*/\1/p')
if [ "$(printf '%s\n3.20\n' "$cmv" | sort -V | head -n 1)" != 3.20 ]; then
	die 2 "cmake $cmv is older than 3.20"
fi
command -v zip >/dev/null || die 2 "zip is not installed (the Dockerfile installs it)"
generator="Unix Makefiles"
command -v ninja >/dev/null && generator=Ninja

echo "$prog: sheaf-fuzz at $src"
echo "$prog: SANITIZER=$SANITIZER FUZZING_ENGINE=$FUZZING_ENGINE LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"
echo "$prog: CC=$CC CXX=$CXX"
echo "$prog: CFLAGS=$CFLAGS"
echo "$prog: model: ${defs:-no sanitizer define}, coverage trimming: $coverage"

# ---------------------------------------------------------------- build --

bdir=$WORK/sheaf-fuzz-build
rm -rf "$bdir"
cmake -S "$src/scripts/oss-fuzz" -B "$bdir" -G "$generator" \
	-DSHEAF_SOURCE_DIR="$src" \
	-DCMAKE_BUILD_TYPE= \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
	-DCMAKE_C_FLAGS="$CFLAGS $defs" -DCMAKE_CXX_FLAGS="$CXXFLAGS $defs" \
	-DSHEAF_FUZZ_ENGINE="$(IFS=';'; echo "${engine[*]}")" \
	-DSHEAF_FUZZ_COVERAGE="$coverage" \
	-DSHEAF_FUZZ_DEFAULT_VARIANTS="$(IFS=';'; echo "${default_variants[*]}")" ||
	die 1 "cmake could not configure the build (above)"

list=$bdir/oss_fuzz_targets.txt
mapfile -t targets < <(sed -n 's/^\([a-z0-9_]*\) .*/\1/p' "$list")
[ ${#targets[@]} -gt 0 ] || die 1 "$list names no fuzz target"
if [ "$coverage" = afl ]; then
	# AFL++ matches a "src:" entry as a suffix of the file name, and
	# misses some of a file's functions with the list's "*/" prefixes.
	sed 's|^src:\*/|src: |' "$src/harness/fuzz_coverage_ignore.txt" >"$WORK/sheaf-afl-denylist.txt"
	export AFL_LLVM_DENYLIST=$WORK/sheaf-afl-denylist.txt
fi
cmake --build "$bdir" -j "${SHEAF_BUILD_JOBS:-$(nproc)}" --target "${targets[@]}" ||
	die 1 "the build failed (above)"

# ---------------------------------------------------------------- $OUT --

# seed_inputs TARGET: the inputs of TARGET's rows in a README of
# corpus/regressions/ or corpus/findings/ (their second column is a variant
# or a finding, the third the target).
seed_inputs() {
	local t=$1 dir file target
	for dir in corpus/regressions corpus/findings; do
		[ -f "$src/$dir/README.md" ] || continue
		# shellcheck disable=SC2016 # backquotes, not an expansion
		while IFS='|' read -r _ file _ target _; do
			file=$(echo "$file" | tr -d '` ')
			target=$(echo "$target" | tr -d '` ')
			if [ "$target" = "$t" ] && [ -f "$src/$dir/$file" ]; then
				echo "$src/$dir/$file"
			fi
		done < <(grep -E '^\| *`[^`]+` *\|' "$src/$dir/README.md")
	done
	return 0
}

summary=()
while read -r t bin variant; do
	case $t in '' | '#'*) continue ;; esac
	[ -x "$bin" ] || die 1 "$t was not built ($bin)"
	cp "$bin" "$OUT/$t"

	# Seeds, named by content like a libFuzzer corpus (a regression's
	# name can repeat across variants).
	seeds=$WORK/sheaf-seeds/$t
	rm -rf "$seeds"
	mkdir -p "$seeds"
	n=0 extra=0
	for f in "$src/corpus/$t"/*; do
		[ -f "$f" ] || continue
		cp "$f" "$seeds/$(sha1sum "$f" | cut -d' ' -f1)"
		n=$((n + 1))
	done
	while IFS= read -r f; do
		cp "$f" "$seeds/$(sha1sum "$f" | cut -d' ' -f1)"
		extra=$((extra + 1))
	done < <(seed_inputs "$t")
	rm -f "$OUT/${t}_seed_corpus.zip"
	if [ $((n + extra)) -gt 0 ]; then
		(cd "$seeds" && zip -q -X "$OUT/${t}_seed_corpus.zip" ./*)
	fi

	[ -f "$src/corpus/$t.dict" ] || die 1 "corpus/$t.dict is missing (scripts/corpus.sh update writes it)"
	cp "$src/corpus/$t.dict" "$OUT/$t.dict"
	printf '# %s.options, written by scripts/oss-fuzz/build.sh\n%s\n' "$t" "$options" >"$OUT/$t.options"

	line="$t: $n seeds + $extra regression/finding inputs, $t.dict, $t.options"
	[ "$variant" = - ] || line+=", default variant $variant"
	summary+=("$line")
done <"$list"

echo "$prog: ${#summary[@]} fuzz target(s) in $OUT:"
printf '  %s\n' "${summary[@]}"
