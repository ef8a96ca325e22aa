#!/usr/bin/env bash
# coverage.sh - which lines, functions and branches of the model the
# corpus reaches: a clang source-based coverage build of replay (preset
# "coverage"), the committed corpus and regressions replayed through it,
# then optionally a fuzzer run's corpus, an HTML report and a summary.
#
#   fuzz_ops   corpus/fuzz_ops/ and corpus/regressions/, on fixed
#   fuzz_sched corpus/fuzz_sched/ and corpus/regressions/, on fixed;
#              corpus/findings/ on the variant of each finding's fix
#   each regression on its own variant (the report writes the coverage
#              of the input before the abort)
#   both again with two NUMA nodes (SHEAF_NODES=2)
#   --corpus D every input under D, on fixed, by the target D belongs to
#              (a directory named fuzz_sched, or under one: fuzz_sched;
#              otherwise fuzz_ops), as run/<stamp>/<target>/corpus is
#
# Replays run with --trace (to /dev/null): what the trace reads of the
# model counts as reached.  The build checks at SHEAF_DEBUG_LEVEL 2, as
# the debug preset's tests do.  Prints one line per directory
# (allocator/, allocator/kernel/, harness/) with line, function and branch
# coverage, writes build/coverage/html/index.html, and lists every
# function of allocator/ (the model, not the environment) that no input
# entered in build/coverage/allocator-unreached.txt, one "file:function"
# per line.  --update-docs copies that list to docs/coverage-unreached.txt
# and the summary to docs/coverage.md's generated table.
set -euo pipefail

prog=coverage.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpora=()
update_docs=0

usage() {
	cat <<'EOF'
usage: scripts/coverage.sh [--corpus DIR]... [--update-docs] [--help]

Builds replay with clang source-based coverage (preset "coverage"),
replays the committed corpus, regressions and findings through it (and
every input under each DIR given), and reports coverage of allocator/,
allocator/kernel/ and harness/: build/coverage/html/index.html, a summary
line per directory, and the allocator/ functions no input entered
(build/coverage/allocator-unreached.txt).

  --corpus DIR    also replay every input under DIR (repeatable); a DIR
                  named fuzz_sched or under one runs as fuzz_sched inputs,
                  any other as fuzz_ops inputs
  --update-docs   write the summary and the list of unreached functions
                  into docs/coverage.md and docs/coverage-unreached.txt
  --help          this text

Exit status: 0 done; 1 an input failed (coverage would be incomplete);
2 usage error or missing tools; 3 the build failed.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

while [ $# -gt 0 ]; do
	case $1 in
	--corpus)
		[ -n "${2-}" ] || die_usage "--corpus needs a directory"
		[ -d "$2" ] || die_usage "--corpus: '$2' is not a directory"
		corpora+=("$(realpath "$2")")
		shift ;;
	--update-docs) update_docs=1 ;;
	-h | --help) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done

cd "$root"
"$root/scripts/setup.sh" --no-afl --quiet
for tool in llvm-profdata-14 llvm-cov-14; do
	command -v "$tool" >/dev/null || die_usage "$tool is missing (Debian: llvm-14)"
done

mkdir -p build/logs
echo "$prog: building the coverage preset (log: build/logs/coverage-build.log)"
if ! { cmake --preset coverage && cmake --build --preset coverage --target replay; } \
	>build/logs/coverage-build.log 2>&1; then
	tail -n 30 build/logs/coverage-build.log
	echo "$prog: the build failed"
	exit 3
fi
bin=$root/build/coverage/harness/replay
out=$root/build/coverage
prof=$out/profiles
rm -rf "$prof" "$out/html"
mkdir -p "$prof"

failed=0
# replay_cov LABEL TARGET VARIANT PATH...: one replay run into its own
# profile (%m: the children of one binary merge into one file), with the
# trace on (to /dev/null), so that what the trace reads counts too
replay_cov() {
	local label=$1 t=$2 v=$3 log
	shift 3
	log=$prof/$label.log
	echo "$prog: $label: $t on $v, $(find "$@" -type f ! -name '*.md' ! -name '.*' | wc -l) file(s)"
	if ! LLVM_PROFILE_FILE="$prof/$label-%m.profraw" "$bin" --target "$t" --variant "$v" --trace \
		"$@" 2>"$log" | grep -E '^(OK|FAIL) ' >>"$log"; then
		:
	fi
	if grep -q '^FAIL ' "$log"; then
		echo "$prog: $label: some input failed:"
		grep -E '^FAIL ' "$log" | head -n 5
		failed=1
	fi
}

replay_cov ops fuzz_ops fixed corpus/fuzz_ops corpus/regressions
replay_cov sched fuzz_sched fixed corpus/fuzz_sched corpus/regressions
# and on two NUMA nodes (vCPUs 0-1 on node 0, 2-3 on node 1): the paths
# for remote objects and node-bound allocations (fuzz.sh --nodes is not a
# thing; SHEAF_NODES is how a user asks for it)
SHEAF_NODES=2 replay_cov ops-2nodes fuzz_ops fixed corpus/fuzz_ops
SHEAF_NODES=2 replay_cov sched-2nodes fuzz_sched fixed corpus/fuzz_sched
# each regression on its own variant as well, which reaches the variant's
# sites; it fails there by design, and its report writes its coverage first
while IFS='|' read -r _ file variant tg _; do
	file=$(echo "$file" | tr -d '` ')
	variant=$(echo "$variant" | tr -d '` ')
	tg=$(echo "$tg" | tr -d ' ')
	[ -f "corpus/regressions/$file" ] || continue
	LLVM_PROFILE_FILE="$prof/regressions-%m.profraw" "$bin" --target "$tg" --variant "$variant" \
		"corpus/regressions/$file" >/dev/null 2>&1 || true
done < <(grep -E '^\| *`[^`]+/[^`]+`' corpus/regressions/README.md)
echo "$prog: regressions: each on its own variant"
# each finding's reproducer on the variant that carries its fix (their README)
while IFS='|' read -r _ file _ tg _ fixv _; do
	file=$(echo "$file" | tr -d '` ')
	tg=$(echo "$tg" | tr -d ' ')
	fixv=$(echo "$fixv" | tr -d '` ')
	[ -f "corpus/findings/$file" ] || continue
	replay_cov "finding-$file" "$tg" "$fixv" "corpus/findings/$file"
done < <(sed -n '1,/^## Known findings/p' corpus/findings/README.md | grep -E '^\| *`[^`]+`')
n=0
for d in "${corpora[@]}"; do
	n=$((n + 1))
	t=fuzz_ops
	[[ $d == */fuzz_sched || $d == */fuzz_sched/* ]] && t=fuzz_sched
	replay_cov "corpus-$n" "$t" fixed "$d"
done

llvm-profdata-14 merge -sparse "$prof"/*.profraw -o "$out/coverage.profdata"

# The sources of each directory the summary speaks of.
mapfile -t src_alloc < <(find "$root/allocator" -maxdepth 1 -name '*.[ch]' | sort)
mapfile -t src_kernel < <(find "$root/allocator/kernel" -name '*.[ch]' | sort)
mapfile -t src_harness < <(find "$root/harness" -name '*.[ch]' | sort)

# total_of SOURCES...: "lines L% (n/m), functions F% (n/m), branches B% (n/m)"
total_of() {
	llvm-cov-14 report "$bin" -instr-profile="$out/coverage.profdata" "$@" 2>/dev/null |
		awk '$1 == "TOTAL" {
			printf "lines %s (%d of %d), functions %s (%d of %d), branches %s (%d of %d)",
			       $10, $8 - $9, $8, $7, $5 - $6, $5, $13, $11 - $12, $11 }'
}

summary=$out/summary.txt
{
	echo "allocator/         $(total_of "${src_alloc[@]}")"
	echo "allocator/kernel/  $(total_of "${src_kernel[@]}")"
	echo "harness/           $(total_of "${src_harness[@]}")"
} >"$summary"

# Functions of allocator/ no input entered: every line of them missed.
llvm-cov-14 report "$bin" -instr-profile="$out/coverage.profdata" -show-functions \
	"${src_alloc[@]}" 2>/dev/null |
	awk '/^File / { f = $2; gsub(/.*allocator\//, "", f); gsub(/[:'"'"']/, "", f); next }
	     NF >= 10 && $1 != "Name" && $1 != "TOTAL" && $5 > 0 {
		# a header inline is one instance per file that includes it:
		# unreached only when no instance ran a line
		name = $1; sub(/^.*:/, "", name); k = f ":" name
		seen[k] = 1; if ($6 < $5) ran[k] = 1 }
	     END { for (k in seen) if (!(k in ran)) print k }' |
	sort >"$out/allocator-unreached.txt"

llvm-cov-14 show "$bin" -instr-profile="$out/coverage.profdata" -format=html \
	-output-dir="$out/html" -show-branches=count "${src_alloc[@]}" "${src_kernel[@]}" \
	"${src_harness[@]}" >/dev/null 2>&1

if [ "$update_docs" -eq 1 ]; then
	cp "$out/allocator-unreached.txt" docs/coverage-unreached.txt
	if [ -f docs/coverage.md ]; then
		awk -v sum="$summary" '
			/^<!-- coverage.sh --update-docs -->$/ { print; print "```"
				while ((getline l < sum) > 0) print l; print "```"; skip = 1; next }
			skip && /^<!-- end -->$/ { skip = 0 }
			!skip { print }' docs/coverage.md >"$out/coverage.md" && mv "$out/coverage.md" docs/coverage.md
	fi
	echo "$prog: docs/coverage-unreached.txt and docs/coverage.md updated"
fi

echo
echo "$prog: coverage of the committed corpus${corpora[*]:+ and ${#corpora[@]} more corpus dir(s)}"
sed 's/^/  /' "$summary"
echo "  allocator/ functions never entered: $(wc -l <"$out/allocator-unreached.txt")" \
	"(build/coverage/allocator-unreached.txt)"
echo "  report: build/coverage/html/index.html"
exit "$failed"
