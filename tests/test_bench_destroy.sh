#!/usr/bin/env bash
# test_bench_destroy.sh BENCH_DESTROY - bench_destroy's command-line
# contract (usage errors exit 2, before anything runs) and the figures that
# do not depend on the machine: the flush_rcu_sheaf work items and the
# rcu_barrier() calls of each variant's destroys, read from its CSV.
#   pre-seed  every destroy flushes every cache with sheaves on every vCPU
#             and calls rcu_barrier();
#   fixed     only the destroyed cache, only if it has sheaves, then one
#             rcu_barrier() in the barrier and one in shutdown;
#   seed-v3   the same flushes as fixed, without the barrier's rcu_barrier().
# rcu_barrier() calls inside flush_rcu_work() (the batched path) depend on
# whether a batch's grace period already ended, so only the others are
# compared exactly.  Also scripts/bench.sh's refusal of a bad option.
# Prints one line per check; exits 1 if one failed.
set -uo pipefail

bench=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

# expect NAME STATUS PATTERN ARGS...: bench_destroy ARGS exits STATUS and
# its output (stdout and stderr) matches the extended regex PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 rc=0
	shift 3
	"$bench" "$@" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit status $rc, expected $want"
		tail -n 5 "$tmp/out"
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out"; then
		fail "$name: output does not match '$pattern'"
		tail -n 5 "$tmp/out"
	else
		echo "ok   $name"
	fi
}

# csv_is NAME FILE VARIANT COLUMN VALUE: the summed COLUMN of VARIANT's rows.
csv_is() {
	local name=$1 file=$2 variant=$3 col=$4 want=$5 got
	got=$(awk -F, -v v="$variant" -v c="$col" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		$2 == v { s += $k } END { print s + 0 }' "$file")
	if [ "$got" = "$want" ]; then
		echo "ok   $name: $variant $col = $want"
	else
		fail "$name: $variant $col = $got, expected $want"
	fi
}

# sheaf_barriers NAME FILE VARIANT VALUE: rcu_barrier() calls outside
# flush_rcu_work().
sheaf_barriers() {
	local got
	got=$(awk -F, -v v="$3" 'NR > 1 && $2 == v { s += $13 - $14 } END { print s + 0 }' "$2")
	if [ "$got" = "$4" ]; then
		echo "ok   $1: $3 rcu_barrier() outside flush_rcu_work() = $4"
	else
		fail "$1: $3 rcu_barrier() outside flush_rcu_work() = $got, expected $4"
	fi
}

expect "--help" 0 '^usage: bench_destroy' --help
expect "unknown option" 2 'unknown option' --bogus 1
expect "stray argument" 2 'unexpected argument' slub_kunit
expect "--cpus 0" 2 'cpus' --cpus 0
expect "--cpus 65" 2 'cpus' --cpus 65
expect "--repeat 0" 2 'repeat' --repeat 0
expect "--pending beyond the sheaf" 2 'pending' --pending 32
expect "value missing" 2 'needs a value' --cpus
expect "unknown scenario" 2 'scenario' --scenario slab
expect "unknown variant" 2 'variant' --variants fixed,no-such-variant
expect "a variant twice" 2 'twice' --variants fixed,fixed
expect "m18 is refused" 2 'boots' --variants m18
expect "flag of another scenario" 2 'applies to --scenario module_unload' --modules 3
expect "--kfree-rcu above --objects" 2 'more than' --scenario custom --objects 1 --kfree-rcu 2
expect "unwritable --csv" 2 'cannot write' --csv "$tmp/no/such/dir/x.csv"

# scripts/bench.sh refuses bad options before it builds anything
rc=0
"$root/scripts/bench.sh" --repeat 0 >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" -eq 2 ] && grep -q 'repeat' "$tmp/out"; then
	echo "ok   bench.sh: bad --repeat"
else
	fail "bench.sh: bad --repeat: exit status $rc, expected 2"
fi

common=(--cpus 3 --sheaf-caches 2 --pending 2 --repeat 1)

expect "slub_kunit, v6.18: the seed's three lines" 0 \
	'Total calls: 19.*' "${common[@]}" --csv "$tmp/k.csv"
for line in 'Total calls: 19$' '^Average latency \(us\): [0-9]+$' '^Total time \(us\): [0-9]+$' \
	    '^ratio to fixed' '^test_kfree_rcu_wq_destroy +10 '; do
	grep -qE -- "$line" "$tmp/out" || fail "slub_kunit output lacks '$line'"
done
csv_is "slub_kunit" "$tmp/k.csv" pre-seed flush_rcu_sheaf $((19 * 2 * 3))
csv_is "slub_kunit" "$tmp/k.csv" seed-v3 flush_rcu_sheaf 0
csv_is "slub_kunit" "$tmp/k.csv" fixed flush_rcu_sheaf 0
sheaf_barriers "slub_kunit" "$tmp/k.csv" pre-seed 19
sheaf_barriers "slub_kunit" "$tmp/k.csv" fixed 0

# "sheaves for all": the 12 destroys of the three SLAB_NO_MERGE-only tests
expect "slub_kunit with sheaves" 0 'Total calls: 19' "${common[@]}" --kunit-sheaves 8 \
	--csv "$tmp/ks.csv"
csv_is "kunit sheaves" "$tmp/ks.csv" pre-seed flush_rcu_sheaf $((19 * 2 * 3 + 12 * 3))
csv_is "kunit sheaves" "$tmp/ks.csv" seed-v3 flush_rcu_sheaf $((12 * 3))
csv_is "kunit sheaves" "$tmp/ks.csv" fixed flush_rcu_sheaf $((12 * 3))
sheaf_barriers "kunit sheaves" "$tmp/ks.csv" pre-seed $((19 + 12))
sheaf_barriers "kunit sheaves" "$tmp/ks.csv" seed-v3 12
sheaf_barriers "kunit sheaves" "$tmp/ks.csv" fixed $((2 * 12))

expect "module_unload" 0 'Total calls: 6$' --scenario module_unload --modules 2 \
	--module-caches 3 --cpus 2 --sheaf-caches 1 --pending 1 --repeat 1 \
	--variants fixed,pre-seed --csv "$tmp/m.csv"
csv_is "module_unload" "$tmp/m.csv" pre-seed flush_rcu_sheaf $((6 * 1 * 2))
csv_is "module_unload" "$tmp/m.csv" fixed flush_rcu_sheaf 0
sheaf_barriers "module_unload" "$tmp/m.csv" fixed 0

expect "custom, from a worker" 0 'Total calls: 2$' --scenario custom --destroys 2 \
	--capacity 4 --objects 3 --kfree-rcu 2 --from-worker --cpus 2 --sheaf-caches 0 \
	--repeat 2 --variants fixed --csv "$tmp/c.csv"
csv_is "custom" "$tmp/c.csv" fixed flush_rcu_sheaf $((2 * 2 * 2))
csv_is "custom" "$tmp/c.csv" fixed calls $((2 * 2))

if [ "$fails" -ne 0 ]; then
	echo "test_bench_destroy: $fails check(s) failed"
	exit 1
fi
echo "test_bench_destroy: all checks passed"
