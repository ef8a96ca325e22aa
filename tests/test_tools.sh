#!/usr/bin/env bash
# test_tools.sh REPLAY BENCH_OPS - the command-line contract of the tools
# around fuzz_ops: exit statuses (0 ok, 1 a finding, 2 usage error or an
# unreadable file) and the lines scripts read.  Also the usage errors of
# scripts/fuzz.sh and scripts/fuzz_figures.sh, which are refused before
# anything is built.  Prints one line per check; exits 1 if one failed.
set -uo pipefail

replay=$1
bench=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and its output
# (stdout and stderr) matches the extended regex PATTERN (if not empty).
expect() {
	local name=$1 want=$2 pattern=$3 rc=0
	shift 3
	# (in a subshell whose stderr is dropped: the shell's "Aborted" notice)
	( "$@" >"$tmp/out" 2>&1; exit $? ) 2>/dev/null || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit status $rc, expected $want"
		tail -n 5 "$tmp/out"
		fails=$((fails + 1))
	elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/out"; then
		echo "FAIL $name: output does not match '$pattern'"
		tail -n 5 "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

seed=$(find "$root/corpus/fuzz_ops" -type f | sort | head -n 1)
bug=$(find "$root/corpus/regressions/seed-v3" -type f ! -name '*.md' | sort | head -n 1)
printf 'create c0 size=64 sheaf=32\nalloc c0\nkfree_rcu c0.o0\ndestroy c0\n' >"$tmp/h1.ops"

expect "replay: a seed passes" 0 '^OK ' "$replay" "$seed"
expect "replay: a seed-v3 regression fails on seed-v3" 1 '^FAIL .*(Objects remaining|barrier contract)' \
	"$replay" --variant seed-v3 "$bug"
expect "replay: missing file" 2 'no-such-file' "$replay" "$tmp/no-such-file"
expect "replay: unknown option" 2 'unknown|usage' "$replay" --bogus "$seed"
expect "replay: unknown variant" 2 'variant' "$replay" --variant no-such-variant "$seed"
expect "replay --asm: text to bytes" 0 '' "$replay" --asm "$tmp/h1.ops" -o "$tmp/h1.bin"
expect "replay --asm: the input file is written" 0 '' test -s "$tmp/h1.bin"
expect "replay --dis: bytes to text" 0 '^kfree_rcu c0\.o0$' "$replay" --dis "$tmp/h1.bin"
expect "replay --trace: the program, then the report" 1 \
	'kfree_rcu c0\.o0.*c0\.rcu_pending=1' "$replay" --variant h1-only --trace "$tmp/h1.bin"

# in_order NAME REGEX...: the last command's output has a line matching
# each REGEX, in this order.
in_order() {
	local name=$1 at=0 re n
	shift
	for re in "$@"; do
		n=$(tail -n "+$((at + 1))" "$tmp/out" | grep -nE -m1 -- "$re" | cut -d: -f1)
		if [ -z "$n" ]; then
			echo "FAIL $name: no line matching '$re' after line $at"
			fails=$((fails + 1))
			return
		fi
		at=$((at + n))
	done
	echo "ok   $name"
}
printf 'create c0 size=64 sheaf=32\nalloc c0\nkfree_rcu c0.o0\nkvfree_rcu_barrier_on_cache c0\n' \
	>"$tmp/h1-barrier.ops"
expect "replay --trace: seed-v3's H1 at the barrier" 1 'barrier contract' \
	"$replay" --variant seed-v3 --trace "$tmp/h1-barrier.ops"
in_order "replay --trace: the failing op's line and its events come before the report" \
	'^ +3  kvfree_rcu_barrier_on_cache c0 ' \
	'flush_rcu_sheaf\(c0\) runs: takes pcs->rcu_free' \
	'call_rcu\(rcu_free_sheaf_nobarn\): c0.s rcu sheaf, 1 of 32 object' \
	'\^ the report below comes from inside this op' \
	'^=+$' '^BUG: barrier contract' '^  c0\.o0 = 0x[0-9a-f]+: kfree_rcu\(\) at op 2'
expect "replay --trace: the fixed barrier waits" 0 '' "$replay" --trace "$tmp/h1-barrier.ops"
in_order "replay --trace: rcu_barrier() and the callback it waits for" \
	'kvfree_rcu_barrier_on_cache c0 .*c0\.rcu_pending=0' \
	'rcu_barrier\(\) in kvfree_rcu_barrier_on_cache\(\): waits for 1 queued callback' \
	'rcu_free_sheaf_nobarn\(c0\): grace period over, 1 object' \
	'quarantine: takes an object of c0' \
	'rcu_barrier\(\) in kvfree_rcu_barrier_on_cache\(\): returns' \
	'^ +teardown$' 'kasan_cache_shutdown\(c0\)' '^OK '

# Bad input: a clear error with exit status 2, never a hang, a crash or a
# silent wrong answer.
mkfifo "$tmp/fifo"
mkdir -p "$tmp/empty-dir"
{ printf 'create c0 size=64 sheaf=32 # %0600d\n' 0
  printf 'alloc c0%0300s nowait\n' ''
  printf 'kfree_rcu c0.o0\n'; } >"$tmp/long.ops"
printf 'alloc c0 %0300d\n' 0 >"$tmp/bad-long.ops"
expect "replay --asm: a 600-byte comment" 0 '' "$replay" --asm "$tmp/long.ops" -o "$tmp/long.bin"
expect "replay --asm: ...and an operand past column 300 assemble exactly" 0 \
	'^alloc c0 nowait$' "$replay" --dis "$tmp/long.bin"
expect "replay --asm: a bad long line is refused with file:line" 2 'bad-long.ops:1:' \
	"$replay" --asm "$tmp/bad-long.ops" -o "$tmp/x"
expect "replay: a FIFO is refused, not waited on" 2 'not a regular file' \
	timeout 10 "$replay" "$tmp/fifo"
expect "replay --dis: a FIFO is refused" 2 'not a regular file' timeout 10 "$replay" --dis "$tmp/fifo"
expect "replay --asm: /dev/zero is refused" 2 'not a regular file' \
	timeout 10 "$replay" --asm /dev/zero -o "$tmp/x"
expect "replay --dis: a directory is refused" 2 'not a regular file' "$replay" --dis "$tmp"
expect "replay --asm: a directory is refused" 2 'not a regular file' \
	"$replay" --asm "$tmp/empty-dir" -o "$tmp/from-dir"
expect "replay --asm: ...and writes nothing" 1 '' test -e "$tmp/from-dir"
expect "replay: an unreadable file is exit 2, no leak report" 2 'cannot read' \
	"$replay" "$seed" "$tmp/no-such-file"
expect "replay: ...and says nothing of a leak" 1 '' grep -q LeakSanitizer "$tmp/out"
expect "replay: a directory without inputs" 2 'no input file' "$replay" "$tmp/empty-dir"
expect "replay: an empty --variant" 2 'variant' "$replay" --variant '' "$seed"
expect "replay --dict: takes no file" 2 'takes nothing else' "$replay" --dict "$seed"
expect "replay --no-fork: the lines before a failing input are kept" 134 "^OK .*$(basename "$seed")" \
	"$replay" --no-fork --variant seed-v3 "$seed" "$bug"
expect "replay --no-fork: ...and its report names the file" 134 "input .*$(basename "$bug")" \
	"$replay" --no-fork --variant seed-v3 "$seed" "$bug"
expect "replay --target: unknown" 2 'unknown target' "$replay" --target fuzz_nope "$seed"

expect "bench_ops: one round" 0 '^median: [0-9.]+ us per input, [0-9]+ inputs/s' \
	"$bench" --rounds 1 "$root/corpus/fuzz_ops"
expect "bench_ops: rounds out of range" 2 'rounds' "$bench" --rounds 0 "$seed"
expect "bench_ops: missing file" 2 'no-such-file' "$bench" "$tmp/no-such-file"
expect "bench_ops: no input" 2 'usage' "$bench"

expect "fuzz.sh: bad --seconds" 2 'seconds' "$root/scripts/fuzz.sh" --seconds 0
expect "fuzz.sh: negative --seconds" 2 'whole number' "$root/scripts/fuzz.sh" --seconds -5
expect "fuzz.sh: unknown --variant, before any build" 2 'unknown variant' \
	"$root/scripts/fuzz.sh" --variant nosuch
expect "test.sh: a --label that selects nothing" 2 'matches no test label' \
	"$root/scripts/test.sh" --label nosuch
expect "fuzz.sh: bad --engine" 2 'engine' "$root/scripts/fuzz.sh" --engine honggfuzz
expect "fuzz_figures.sh: bad --runs" 2 'runs' "$root/scripts/fuzz_figures.sh" --runs 0
expect "fuzz_figures.sh: unknown figure" 2 'unknown' "$root/scripts/fuzz_figures.sh" speedy
expect "fuzz_figures.sh: --soak-minutes without soak" 2 'soak' \
	"$root/scripts/fuzz_figures.sh" --soak-minutes 5

if [ "$fails" -ne 0 ]; then
	echo "test_tools: $fails check(s) failed"
	exit 1
fi
echo "test_tools: all checks passed"
