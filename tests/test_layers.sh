#!/usr/bin/env bash
# test_layers.sh CC - the harness sees only the model's public headers.
#
# allocator/internal.h, kvfree_rcu.h and model_trace.h stop the build
# unless the translation unit is part of allocator/ (SHEAF_ALLOCATOR_PRIVATE,
# set by allocator/CMakeLists.txt) or a white-box test that says so
# (SHEAF_WHITE_BOX).  Checks, with the compiler CC:
#   1. each private header, included the way harness/ would, fails with
#      the "private to allocator/" error (the guard is there);
#   2. the same file compiles with SHEAF_WHITE_BOX (the probe is sound, so
#      check 1 fails only because of the guard);
#   3. no file under harness/ names a private header or defines either
#      macro.
# Exits 1 if a check failed, 2 on a usage error.
set -uo pipefail

cc=${1-}
if [ -z "$cc" ] || [ "$cc" = --help ]; then
	echo "usage: tests/test_layers.sh CC" >&2
	exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

for h in internal.h kvfree_rcu.h model_trace.h; do
	printf '#include "slab.h"\n#include "%s"\nint main(void) { return 0; }\n' "$h" >"$tmp/probe.c"
	if "$cc" -fsyntax-only -I"$root/allocator" -I"$root/allocator/kernel/sim" "$tmp/probe.c" 2>"$tmp/err"; then
		echo "FAIL $h: included from outside allocator/ without an error"
		fails=$((fails + 1))
	elif ! grep -q "$h is private to allocator/" "$tmp/err"; then
		echo "FAIL $h: failed, but not with the layer error:"
		head -5 "$tmp/err"
		fails=$((fails + 1))
	else
		echo "ok   $h refused outside allocator/"
	fi
	if "$cc" -fsyntax-only -DSHEAF_WHITE_BOX=1 -I"$root/allocator" -I"$root/allocator/kernel/sim" "$tmp/probe.c" 2>"$tmp/err"; then
		echo "ok   $h compiles in a white-box test"
	else
		echo "FAIL $h: does not compile even with SHEAF_WHITE_BOX:"
		head -5 "$tmp/err"
		fails=$((fails + 1))
	fi
done

if hits=$(grep -rnE '#include "(\.\./allocator/)?(internal|kvfree_rcu|model_trace)\.h"|SHEAF_WHITE_BOX|SHEAF_ALLOCATOR_PRIVATE' \
	"$root/harness" --include='*.c' --include='*.h'); then
	echo "FAIL harness/ reaches into allocator/:"
	echo "$hits"
	fails=$((fails + 1))
else
	echo "ok   harness/ includes public headers only"
fi
exit $((fails ? 1 : 0))
