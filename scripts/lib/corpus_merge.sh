# shellcheck shell=bash
# shellcheck disable=SC2154 # prog, replay, tmp, targets, src_of: corpus.sh's
# corpus_merge.sh - sourced by scripts/corpus.sh for its "merge" command:
# fold the inputs of a fuzz run into the checked-in seeds, keeping only
# those that add coverage, each with its text source.
#
#   corpus_merge [--fuzzers DIR] [--target T] [--variant V] [--counters]
#                [--replay BIN] RUN_DIR
#
# Uses corpus.sh's $prog, $replay, $tmp, $targets[] and $src_of[], from the
# top of the tree.  Every seed of corpus/<target>/ is what a text of
# corpus/src/ assembles to ("corpus.sh check"), so a merged input is
# written as its text (replay --dis) and the seed is what that text
# assembles to: the same program in the canonical bytes of the text form
# (operands reduced into range, a truncated last op dropped).  Coverage is
# measured on those canonical bytes, so what is committed is what adds it.
#
# An input is kept when it adds an edge (-use_counters=0): every preset
# replays the seeds at each test run, so the checked-in corpus stays the
# few inputs that reach new code.  --counters keeps libFuzzer's full
# feature set (hit-count buckets too), as ClusterFuzz prunes its own corpus;
# on a 20 s run that kept 3 to 4 times as many inputs for the same edges.

merge_die() {
	echo "$prog: merge: $*" >&2
	echo "$prog: try --help" >&2
	exit 2
}

# merge_cov BIN DIR: "cov ft" of libFuzzer's pass over DIR (-runs=0).
merge_cov() {
	local line
	line=$("$1" -runs=0 -close_fd_mask=1 "$2" 2>&1 | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE) ' | tail -n 1 || true)
	echo "$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$line") $(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$line")"
}

# merge_once BIN BASE OUT INPUT_DIR...: libFuzzer's -merge=1 of the inputs
# into a copy of BASE at OUT; the names of the files it added go to
# OUT.added.  Exits 1 when the merge fails.
merge_once() {
	local bin=$1 base=$2 out=$3 log=$3.log
	shift 3
	rm -rf "$out"
	mkdir -p "$out"
	find "$base" -maxdepth 1 -type f -exec cp -t "$out" {} +
	find "$out" -maxdepth 1 -type f -printf '%f\n' | sort >"$out.before"
	if ! "$bin" -merge=1 -use_counters="$merge_counters" -close_fd_mask=1 -timeout=25 -rss_limit_mb=2560 \
		-merge_control_file="$out.control" "$out" "$@" >"$log" 2>&1; then
		echo "$prog: merge: libFuzzer's merge failed ($bin -merge=1); its last lines:" >&2
		tail -n 15 "$log" >&2
		exit 1
	fi
	find "$out" -maxdepth 1 -type f -printf '%f\n' | sort | comm -13 "$out.before" - >"$out.added"
}

corpus_merge() {
	local fuzzers=build/fuzz/harness only='' variant='' run='' t dirs d n bin srcdir
	local total=0 added_all=0
	merge_counters=0
	while [ $# -gt 0 ]; do
		case $1 in
		--counters) merge_counters=1 ;;
		--fuzzers | --target | --variant | --replay)
			if [ -z "${2-}" ] || [ "${2#-}" != "$2" ]; then merge_die "option $1 needs a value"; fi
			case $1 in
			--fuzzers) fuzzers=$2 ;;
			--target) only=$2 ;;
			--variant) variant=$2 ;;
			--replay) replay=$2 ;;
			esac
			shift ;;
		-*) merge_die "unknown option '$1'" ;;
		*) [ -z "$run" ] || merge_die "one RUN_DIR only"; run=$1 ;;
		esac
		shift
	done
	[ -n "$run" ] || merge_die "no RUN_DIR given (a run/<timestamp>/ directory of scripts/fuzz.sh)"
	[ -d "$run" ] || merge_die "'$run' is not a directory"
	[ -x "$replay" ] || merge_die "'$replay' is not an executable"
	if [ -n "$only" ] && [ -z "${src_of[$only]-}" ]; then
		merge_die "unknown target '$only' (${targets[*]})"
	fi
	[ -z "$variant" ] || export SHEAF_VARIANT=$variant

	# Which targets the run has: run/<stamp>/<target>/, or a target's own
	# directory, or (with --target) any directory of inputs.
	local -a todo=() from=()
	for t in "${targets[@]}"; do
		[ -z "$only" ] || [ "$t" = "$only" ] || continue
		if [ -d "$run/$t/corpus" ] || [ -d "$run/$t/afl" ]; then
			todo+=("$t"); from+=("$run/$t")
		elif [ "$(basename "$(realpath "$run")")" = "$t" ]; then
			todo+=("$t"); from+=("$run")
		fi
	done
	if [ ${#todo[@]} -eq 0 ] && [ -n "$only" ]; then
		todo=("$only"); from=("$run")
	fi
	[ ${#todo[@]} -gt 0 ] ||
		merge_die "'$run' has no <target>/corpus/ or <target>/afl/ (give --target T for a plain directory of inputs)"

	local i
	for i in "${!todo[@]}"; do
		t=${todo[$i]}
		bin=$fuzzers/$t
		[ -x "$bin" ] || merge_die "no libFuzzer binary $bin (cmake --preset fuzz && cmake --build --preset fuzz, or --fuzzers DIR)"
		srcdir=${src_of[$t]}
		# The run's inputs: libFuzzer's corpus, AFL++'s queues, or all
		# files of a plain directory.
		dirs=()
		if [ -d "${from[$i]}/corpus" ] || [ -d "${from[$i]}/afl" ]; then
			[ ! -d "${from[$i]}/corpus" ] || dirs+=("${from[$i]}/corpus")
			for d in "${from[$i]}"/afl/*/queue; do
				[ ! -d "$d" ] || dirs+=("$d")
			done
		else
			dirs=("${from[$i]}")
		fi
		n=$(find "${dirs[@]}" -type f ! -name '.*' | wc -l)
		total=$((total + n))
		echo "$prog: merge: [$t] $n input(s) in ${dirs[*]}; seeds corpus/$t/ ($(find "corpus/$t" -type f | wc -l))"

		# 1. The run's inputs that add coverage to the seeds.
		local -a picked=()
		merge_once "$bin" "corpus/$t" "$tmp/m1-$t" "${dirs[@]}"
		mapfile -t picked <"$tmp/m1-$t.added"
		echo "$prog: merge: [$t] libFuzzer -merge=1 picked ${#picked[@]} input(s)"

		# 2. Their canonical bytes: what their text assembles to, less
		# the bytes that name a free opcode slot (".byte"): they decode
		# as one-byte no-ops today, but would mean the op added at that
		# slot tomorrow, and ctest ops_compat refuses them in committed
		# files.  Step 3 measures what is left.
		mkdir -p "$tmp/canon-$t"
		local f h
		for f in "${picked[@]}"; do
			"$replay" --dis "$tmp/m1-$t/$f" 2>/dev/null |
				sed -E '/^[[:space:]]*\.byte[[:space:]]/d' >"$tmp/one.ops" || continue
			"$replay" --asm "$tmp/one.ops" -o "$tmp/one.bin" || continue
			h=$(sha1sum "$tmp/one.bin" | cut -d' ' -f1)
			mv "$tmp/one.bin" "$tmp/canon-$t/$h"
		done

		# 3. Of those, the ones that still add coverage and pass on
		# "fixed" (the seeds are replayed on it: ctest corpus_*_fixed).
		local -a keep=() crashed=()
		merge_once "$bin" "corpus/$t" "$tmp/m2-$t" "$tmp/canon-$t"
		mapfile -t keep <"$tmp/m2-$t.added"
		local -a ok=()
		for h in "${keep[@]}"; do
			if "$replay" --target "$t" --variant fixed "$tmp/m2-$t/$h" >"$tmp/fixed.log" 2>&1; then
				ok+=("$h")
			else
				crashed+=("$h")
				rm -f "$tmp/m2-$t/$h"
			fi
		done

		local before after gain
		before=$(merge_cov "$bin" "corpus/$t")
		after=$(merge_cov "$bin" "$tmp/m2-$t")
		# libFuzzer runs a merge's inputs in one process, in an order
		# that depends on the corpus: an edge that only the first input
		# to reach it is credited with (a first-time path) can move
		# from a seed to a new input.  What does not raise the count of
		# edges (of features, with --counters) on its own adds nothing.
		if [ "$merge_counters" -eq 1 ]; then
			gain=$(( ${after#* } - ${before#* } ))
		else
			gain=$(( ${after% *} - ${before% *} ))
		fi
		if [ ${#ok[@]} -gt 0 ] && [ "$gain" -le 0 ]; then
			echo "$prog: merge: [$t] the ${#ok[@]} input(s) libFuzzer picked raise no count" \
			     "(cov ${before% *} -> ${after% *}, ft ${before#* } -> ${after#* }): nothing to add"
			ok=()
			after=$before
		fi

		# 4. Text and seed for each, then the seed is what the text
		# assembles to, as "check" wants it.
		for h in "${ok[@]}"; do
			{
				echo "# merged by scripts/corpus.sh merge from $run ($(date -u +%Y-%m-%d)):"
				echo "# an input of a fuzz run that adds coverage to corpus/$t/."
				"$replay" --dis "$tmp/m2-$t/$h"
			} >"$srcdir/merged_${h:0:12}.ops"
			"$replay" --asm "$srcdir/merged_${h:0:12}.ops" -o "$tmp/one.bin"
			if [ "$(sha1sum "$tmp/one.bin" | cut -d' ' -f1)" != "$h" ]; then
				echo "$prog: merge: [$t] $srcdir/merged_${h:0:12}.ops does not assemble back to $h" >&2
				exit 1
			fi
			cp "$tmp/one.bin" "corpus/$t/$h"
		done
		added_all=$((added_all + ${#ok[@]}))
		echo "$prog: merge: [$t] added ${#ok[@]} seed(s) as $srcdir/merged_<sha1>.ops;" \
		     "cov ${before% *} -> ${after% *}, ft ${before#* } -> ${after#* }" \
		     "(picked ${#picked[@]}, ${#keep[@]} in text form, ${#crashed[@]} failing on fixed)"
		for h in "${crashed[@]}"; do
			echo "$prog: merge: [$t]   left out $h: it fails on fixed (replay --target $t" \
			     "--variant fixed; a finding, not a seed)"
		done
	done
	echo "$prog: merge: $added_all seed(s) added from $total input(s); checking corpus/ ..."
}
