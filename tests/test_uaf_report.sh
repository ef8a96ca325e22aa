#!/usr/bin/env bash
# test_uaf_report.sh REPLAY [FUZZ_OPS]
# A use-after-destroy is reported as such, with what makes the report worth
# having: ASan's heap-use-after-free, the stack of the free ("freed by
# thread") and the stack of the allocation ("previously allocated by
# thread"), each with at least one frame of the model (a function in
# allocator/*.c, not the environment under allocator/kernel/).  Replays
# every regression whose row in corpus/regressions/README.md expects
# heap-use-after-free (m8: a flush work runs after the destroy freed its
# cache; h2-only's flush-work-after-destroy, the same through fuzz_sched)
# with REPLAY and, for fuzz_ops's rows, with the libFuzzer target FUZZ_OPS
# when given: each must exit non-zero with such a report, so the targets'
# ASan defaults (harness/run.c) keep the finding and its stacks.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -lt 1 ]; then
	echo "usage: $0 REPLAY [FUZZ_OPS]" >&2
	exit 2
fi
replay=$1
fuzz_ops=${2-}
failed=0

# check LABEL VARIANT FILE CMD...: CMD must fail with the report above
check() {
	local label=$1 variant=$2 file=$3 out rc block
	shift 3
	out=$(SHEAF_VARIANT=$variant "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "FAIL $label: exited 0"
		failed=1
		return
	fi
	if ! grep -q 'ERROR: AddressSanitizer: heap-use-after-free' <<<"$out"; then
		printf '%s\n' "$out" | head -n 40
		echo "FAIL $label: no heap-use-after-free report (exit status $rc)"
		failed=1
		return
	fi
	for block in 'freed by thread' 'previously allocated by thread'; do
		# the frames of the block: from its header to the next blank line
		if ! awk -v h="$block" 'index($0, h) == 1 { on = 1; next } on && /^$/ { exit }
			on && / in [A-Za-z_]+ .*\/allocator\/[a-z_]+\.c/ { found = 1 }
			END { exit !found }' <<<"$out"; then
			printf '%s\n' "$out" | sed -n "/^$block/,/^\$/p"
			echo "FAIL $label: the '$block' stack has no frame of the model (allocator/*.c)"
			failed=1
			return
		fi
	done
	echo "ok   $label: heap-use-after-free, freed-by and allocated-by stacks with model frames"
}

rows=0
# the README's rows: | `FILE` | VARIANT | TARGET | `REPORT` | ORIGIN |
while IFS='|' read -r _ file variant target report _; do
	file=$(sed 's/[` ]//g' <<<"$file")
	variant=$(tr -d ' ' <<<"$variant")
	target=$(tr -d ' ' <<<"$target")
	[[ $report == *heap-use-after-free* ]] || continue
	f=$root/corpus/regressions/$file
	rows=$((rows + 1))
	check "replay $file" "$variant" "$f" "$replay" --target "$target" --variant "$variant" "$f"
	if [ -n "$fuzz_ops" ] && [ "$target" = fuzz_ops ]; then
		check "fuzz_ops $file" "$variant" "$f" "$fuzz_ops" "$f"
	fi
done < <(grep '^| `' "$root/corpus/regressions/README.md")
if [ "$rows" -eq 0 ]; then
	echo "FAIL no regression expects heap-use-after-free in corpus/regressions/README.md"
	failed=1
fi
exit "$failed"
