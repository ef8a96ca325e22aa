#!/usr/bin/env bash
# test_corpus_merge.sh FUZZER_DIR REPLAY - "scripts/corpus.sh merge" on a
# copy of the tree (ctest corpus_merge, fuzz preset; scripts/test.sh --full):
#   1. a libFuzzer run of fuzz_ops from the seeds: merged inputs add edges,
#      the coverage goes up, each merged seed has its text (with no byte
#      that names a free opcode slot) and passes on fixed, and "corpus.sh
#      check" passes afterwards;
#   2. the same run again: nothing to add;
#   3. fuzz_sched with no seeds and an AFL++ queue holding two seeds and
#      F1's reproducers, coverage measured on f1-fix: the seeds are added,
#      the reproducers (which fail on fixed) are left out;
#   4. usage errors exit 2.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 FUZZER_DIR REPLAY" >&2; exit 2; }
fuzzers=$(realpath "$1")
replay=$(realpath "$2")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

check() {
	if "$@"; then passes=$((passes + 1)); else echo "FAIL: $*"; fails=$((fails + 1)); fi
}
has() { grep -qE -- "$2" "$1"; }

mkdir -p "$tmp/tree"
cp -r "$root/scripts" "$root/corpus" "$tmp/tree/"
tree=$tmp/tree
merge() { (cd "$tree" && ./scripts/corpus.sh --replay "$replay" merge --fuzzers "$fuzzers" "$@"); }
# The copy keeps only the hand-written seeds: what earlier merges added is
# what a short run from the full corpus brings back, so step 1 cannot find
# nothing because the committed corpus has grown.
rm -f "$tree"/corpus/src/merged_*.ops "$tree"/corpus/src/sched/merged_*.ops
(cd "$tree" && ./scripts/corpus.sh --replay "$replay" update) >/dev/null

# 1. fuzz_ops: a short deterministic libFuzzer run from the seeds.
run=$tmp/run/20000101-000000
mkdir -p "$run/fuzz_ops/corpus"
cp "$root"/corpus/fuzz_ops/* "$run/fuzz_ops/corpus/"
(cd "$tmp" && "$fuzzers/fuzz_ops" -runs=4000 -seed=1 -dict="$root/corpus/fuzz_ops.dict" \
	"$run/fuzz_ops/corpus") >"$tmp/fuzz.log" 2>&1
rc=0
merge "$run" >"$tmp/m1.log" 2>&1 || rc=$?
cat "$tmp/m1.log"
check [ "$rc" -eq 0 ]
line=$(grep -E '\[fuzz_ops\] added [0-9]+ seed' "$tmp/m1.log" || true)
added=$(sed -nE 's/.*added ([0-9]+) seed.*/\1/p' <<<"$line")
before=$(sed -nE 's/.*cov ([0-9]+) -> ([0-9]+).*/\1/p' <<<"$line")
after=$(sed -nE 's/.*cov ([0-9]+) -> ([0-9]+).*/\2/p' <<<"$line")
check [ "${added:-0}" -ge 1 ]
check [ "${after:-0}" -gt "${before:-0}" ]
check [ "$(find "$tree/corpus/src" -maxdepth 1 -name 'merged_*.ops' | wc -l)" -eq "${added:-0}" ]
check has "$tmp/m1.log" 'match corpus/src/'
# no merged text keeps a byte naming a free opcode slot (ctest ops_compat)
check [ -z "$(grep -lE '^[[:space:]]*\.byte[[:space:]]' "$tree"/corpus/src/merged_*.ops 2>/dev/null)" ]
check "$replay" --variant fixed "$tree/corpus/fuzz_ops"

# 2. Again: every input is in already.
merge "$run" >"$tmp/m2.log" 2>&1 || true
cat "$tmp/m2.log"
check has "$tmp/m2.log" '\[fuzz_ops\] added 0 seed'

# 3. fuzz_sched, no seeds: an AFL++ queue of two seeds and F1's reproducers.
rm -f "$tree"/corpus/fuzz_sched/* "$tree"/corpus/src/sched/*.ops
q=$tmp/run2/fuzz_sched/afl/main/queue
mkdir -p "$q"
i=0
for f in "$root/corpus/findings/f1-shrinker-vs-barrier" "$root/corpus/findings/f1-shrinker-vs-destroy" \
	 $(find "$root/corpus/fuzz_sched" -type f | sort | head -n 2); do
	cp "$f" "$q/id:00000$i,orig:$(basename "$f")"
	i=$((i + 1))
done
rc=0
merge --variant f1-fix "$tmp/run2" >"$tmp/m3.log" 2>&1 || rc=$?
cat "$tmp/m3.log"
check [ "$rc" -eq 0 ]
check has "$tmp/m3.log" '\[fuzz_sched\] 4 input\(s\)'
check has "$tmp/m3.log" '\[fuzz_sched\]   left out [0-9a-f]{40}: it fails on fixed'
check has "$tmp/m3.log" '\[fuzz_sched\] added [1-9][0-9]* seed'
check "$replay" --target fuzz_sched --variant fixed "$tree/corpus/fuzz_sched"

# 4. Usage errors.
for args in "" "--target nosuch $run" "/nonexistent" "--fuzzers /nonexistent $run"; do
	rc=0
	# shellcheck disable=SC2086 # the words of each case
	(cd "$tree" && ./scripts/corpus.sh --replay "$replay" merge $args) >/dev/null 2>&1 || rc=$?
	check [ "$rc" -eq 2 ]
done

echo "test_corpus_merge: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
