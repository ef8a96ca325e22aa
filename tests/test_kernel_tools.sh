#!/usr/bin/env bash
# test_kernel_tools.sh - scripts/where.sh and scripts/kernel_view.sh on the
# real sources, and docs/kernel.md against them.
#
#   kernel_view.sh: a known variant line of allocator/barrier.c is gone from
#   the view and a known kernel line stays, with its line number under -n;
#   --variant seed-v3 brings 0f35040de593's form back (no cpus_read_lock(),
#   no rcu_barrier()); a model helper standing for a kernel call is printed
#   as that call; no file of allocator/ keeps a variant() guard, a
#   model_trace() or a Model: comment in its view; usage errors exit 2.
#   where.sh: FILE:LINE points at the definition, an alias is followed, an
#   unknown function exits 1, a bad flag 2.
#   docs: --check passes on docs/kernel.md and fails on a copy with one
#   row's line number changed; every variant of allocator/variant.c's
#   table is named in docs/kernel.md's catalogue.
# Prints one line per check; exits 1 if one failed, 2 on a usage error.
set -uo pipefail

if [ $# -ne 0 ]; then
	echo "usage: tests/test_kernel_tools.sh" >&2
	exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
view=$root/scripts/kernel_view.sh
where=$root/scripts/where.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# status CMD...: the exit status of CMD, its output in $tmp/out
status() {
	"$@" >"$tmp/out" 2>&1
	echo $?
}

cd "$root" || exit 2

# --- kernel_view.sh --------------------------------------------------------
site='if (variant(VS_M7_PLAIN_RCU_BARRIER)) {'
kernel='	__kvfree_rcu_barrier();'
if ! grep -qF "$site" allocator/barrier.c || ! grep -qxF "$kernel" allocator/barrier.c; then
	fail "allocator/barrier.c no longer has the M7 site or the __kvfree_rcu_barrier() line this test looks for"
else
	"$view" allocator/barrier.c >"$tmp/barrier" 2>&1
	if grep -qF 'VS_M7_PLAIN_RCU_BARRIER' "$tmp/barrier"; then
		fail "kernel_view.sh keeps the M7 site of allocator/barrier.c"
	else
		ok "kernel_view.sh drops the M7 site of allocator/barrier.c"
	fi
	if grep -qxF "$kernel" "$tmp/barrier"; then
		ok "kernel_view.sh keeps __kvfree_rcu_barrier() in allocator/barrier.c"
	else
		fail "kernel_view.sh lost the __kvfree_rcu_barrier() line of allocator/barrier.c"
	fi
	# the guarded statement goes with its guard: M7's early return
	body=$("$view" --function kvfree_rcu_barrier_on_cache allocator/barrier.c)
	if grep -q 'return;' <<<"$body"; then
		fail "kernel_view.sh keeps the statements M7's guard guards"
	else
		ok "kernel_view.sh drops the statements M7's guard guards"
	fi
	want=$(grep -nxF "$kernel" allocator/barrier.c | tail -1 | cut -d: -f1)
	got=$("$view" -n allocator/barrier.c | awk -F'\t' -v k="${kernel#	}" '$3 == k { n = $1 } END { print n + 0 }')
	if [ "$want" = "$got" ]; then
		ok "kernel_view.sh -n numbers the kept line as in the source (line $want)"
	else
		fail "kernel_view.sh -n numbers __kvfree_rcu_barrier() $got, the source has it at $want"
	fi
	fixed=$("$view" --function kvfree_rcu_barrier_on_cache allocator/barrier.c)
	seed=$("$view" --variant seed-v3 --function kvfree_rcu_barrier_on_cache allocator/barrier.c)
	if grep -q 'cpus_read_lock' <<<"$fixed" && grep -q 'rcu_barrier();' <<<"$fixed" &&
	   ! grep -q 'cpus_read_lock' <<<"$seed" && ! grep -qE '^\s+rcu_barrier\(\);' <<<"$seed"; then
		ok "kernel_view.sh --variant seed-v3 shows 0f35040de593's barrier (no cpus_read_lock(), no rcu_barrier())"
	else
		fail "kernel_view.sh --variant seed-v3 does not differ from fixed as H1 and H2 do"
		printf '%s\n---\n%s\n' "$fixed" "$seed" | head -30
	fi
fi

# a model helper that stands for a kernel call is printed as that call
# (outputs go through variables: under pipefail, "cmd | grep -q" fails when
# grep stops reading before cmd has written everything)
body=$("$view" --function pcs_flush_all allocator/flush.c)
if grep -qxF '		call_rcu(&rcu_free->rcu_head, rcu_free_sheaf_nobarn);' <<<"$body"; then
	ok "kernel_view.sh prints model_submit_rcu_sheaf_nobarn() in pcs_flush_all() as its call_rcu()"
else
	fail "kernel_view.sh drops the call_rcu() of pcs_flush_all() (model_submit_rcu_sheaf_nobarn())"
fi

left=0
for f in allocator/*.c; do
	# model-only files: the checker, the variant table
	case $f in allocator/check.c | allocator/variant.c | allocator/variant_main.c) continue ;; esac
	if ! "$view" "$f" >"$tmp/v" 2>"$tmp/err"; then
		fail "kernel_view.sh $f exits non-zero: $(head -1 "$tmp/err")"
		left=$((left + 1))
		continue
	fi
	if grep -nE 'variant\(VS_|model_trace\(|/\* *Model:' "$tmp/v" >"$tmp/hits"; then
		fail "kernel_view.sh $f keeps model-only text: $(head -1 "$tmp/hits")"
		left=$((left + 1))
	fi
done
[ $left -eq 0 ] && ok "kernel_view.sh leaves no variant(), model_trace() or Model: comment in allocator/*.c"

for args in "--bogus allocator/barrier.c" "allocator/no-such-file.c" "--variant no-such-variant allocator/barrier.c" ""; do
	# shellcheck disable=SC2086 # the words of one case
	rc=$(status "$view" $args)
	if [ "$rc" = 2 ]; then
		ok "kernel_view.sh ${args:-(no argument)}: exit 2"
	else
		fail "kernel_view.sh ${args:-(no argument)}: exit $rc, expected 2"
	fi
done
rc=$(status "$view" --function no_such_function allocator/barrier.c)
[ "$rc" = 1 ] && ok "kernel_view.sh --function of a missing function: exit 1" ||
	fail "kernel_view.sh --function of a missing function: exit $rc, expected 1"

# --- where.sh ----------------------------------------------------------------
line=$("$where" kvfree_rcu_barrier_on_cache)
loc=$(awk '{ print $2 }' <<<"$line")
if [ "${loc%%:*}" = allocator/barrier.c ] &&
   [[ $(sed -n "${loc##*:}p" allocator/barrier.c) == 'void kvfree_rcu_barrier_on_cache('* ]]; then
	ok "where.sh kvfree_rcu_barrier_on_cache: $line"
else
	fail "where.sh kvfree_rcu_barrier_on_cache printed '$line'"
fi
line=$("$where" get_from_partial)
if grep -q '^get_from_partial (model: get_partial)  allocator/node.c:[0-9]*  mm/slub.c$' <<<"$line"; then
	ok "where.sh follows the 2026 name get_from_partial to the model's get_partial"
else
	fail "where.sh get_from_partial: $("$where" get_from_partial 2>&1)"
fi
rc=$(status "$where" no_such_function)
[ "$rc" = 1 ] && ok "where.sh of a function the model lacks: exit 1" ||
	fail "where.sh of a function the model lacks: exit $rc, expected 1"
rc=$(status "$where" --bogus)
[ "$rc" = 2 ] && ok "where.sh --bogus: exit 2" || fail "where.sh --bogus: exit $rc, expected 2"
rc=$(status "$where")
[ "$rc" = 2 ] && ok "where.sh without arguments: exit 2" || fail "where.sh without arguments: exit $rc, expected 2"

# --- docs/kernel.md ----------------------------------------------------------
if "$where" --check >"$tmp/out" 2>&1; then
	ok "docs/kernel.md's table is what where.sh --table prints"
else
	fail "docs/kernel.md's table drifted (scripts/where.sh --update rewrites it):"
	head -20 "$tmp/out"
fi
# the check must see a drifted row
awk '!done && /^\| [a-z_]+ \| `[A-Za-z_]+` \| `allocator\/[a-z_]+\.c:[0-9]+`/ {
	sub(/:[0-9]+`/, ":99999`"); done = 1 } { print }' docs/kernel.md >"$tmp/kernel.md"
if cmp -s docs/kernel.md "$tmp/kernel.md"; then
	fail "could not make a drifted copy of docs/kernel.md"
elif SHEAF_KERNEL_DOC=$tmp/kernel.md "$where" --check >/dev/null 2>&1; then
	fail "where.sh --check passes a copy of docs/kernel.md with a wrong line number"
else
	ok "where.sh --check fails on a copy with a wrong line number"
fi
missing=
for v in $(sed -n 's/^\t{ "\([^"]*\)",.*/\1/p' allocator/variant.c); do
	grep -qF "| \`$v\` |" docs/kernel.md || missing="$missing $v"
done
if [ -z "$missing" ]; then
	ok "every variant of allocator/variant.c is in docs/kernel.md's catalogue"
else
	fail "docs/kernel.md's catalogue lacks:$missing"
fi

exit $((fails ? 1 : 0))
