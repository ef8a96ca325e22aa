#!/usr/bin/env bash
# test_encoding.sh abi|doc|compat REPLAY [PROBE] - the op language's
# compatibility promise and its generated documentation.
#
#   abi     harness/opcodes.lock holds every line "replay --doc abi" prints,
#           and nothing else: a changed or missing line means existing
#           inputs changed meaning (the encoding is broken); a new line
#           only needs adding to the lock.
#   doc     harness/README.md's operand and opcode tables are what
#           "replay --doc operands|opcodes" prints.
#   compat  PROBE is replay built with a throwaway op in a free opcode slot
#           (SHEAF_OPS_COMPAT_PROBE): every committed input file decodes to
#           the same program with and without it, and no committed file
#           holds a byte that names a free slot (.byte), which is what
#           makes the first true for any op added later.
# Prints one line per check; exits 1 if one failed, 2 on a usage error.
set -uo pipefail

mode=${1-}
replay=${2-}
probe=${3-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

[ -x "$replay" ] || { echo "usage: test_encoding.sh abi|doc|compat REPLAY [PROBE]" >&2; exit 2; }

# Every committed input file, binaries only (texts are checked by corpus.sh).
inputs() {
	find "$root/corpus" -mindepth 2 -type f ! -path "$root/corpus/src/*" ! -name '*.md' \
		! -name '*.ops' ! -name '*.dict' ! -name '.*' | sort
}

case $mode in
abi)
	grep -v '^#' "$root/harness/opcodes.lock" | sort >"$tmp/lock"
	"$replay" --doc abi | sort >"$tmp/now"
	broken=$(comm -23 "$tmp/lock" "$tmp/now")
	added=$(comm -13 "$tmp/lock" "$tmp/now")
	if [ -n "$broken" ]; then
		fail "the encoding changed: these lines of harness/opcodes.lock no longer hold," \
			"so saved inputs mean something else now:"
		echo "$broken" | sed 's/^/    /'
		[ -z "$added" ] || { echo "  the table has instead:"; echo "$added" | sed 's/^/    /'; }
	elif [ -n "$added" ]; then
		fail "new opcodes or operand kinds not yet in harness/opcodes.lock; append them:"
		echo "$added" | sed 's/^/    /'
	else
		echo "ok   harness/opcodes.lock: $(wc -l <"$tmp/now") lines, all as assigned"
	fi
	;;
doc)
	for what in operands opcodes; do
		begin="<!-- replay --doc $what -->"
		awk -v b="$begin" '$0 == b { on = 1; next } on && /^<!-- end -->$/ { exit }
			on { print }' "$root/harness/README.md" >"$tmp/readme"
		"$replay" --doc "$what" >"$tmp/table"
		if ! grep -qxF -- "$begin" "$root/harness/README.md"; then
			fail "harness/README.md has no '$begin' section"
		elif ! cmp -s "$tmp/readme" "$tmp/table"; then
			fail "harness/README.md's $what table differs from 'replay --doc $what':"
			diff "$tmp/readme" "$tmp/table" | head -n 20
		else
			echo "ok   harness/README.md: the $what table is the generated one"
		fi
	done
	;;
compat)
	[ -x "$probe" ] || { echo "test_encoding.sh compat: no probe binary" >&2; exit 2; }
	# the probe must really have an op where replay has a free slot
	slot=$("$probe" --doc abi | sed -n 's/^op \(0x[0-9a-f]*\) compat_probe .*/\1/p')
	if [ -z "$slot" ] || "$replay" --doc abi | grep -q "^op $slot "; then
		fail "the probe has no throwaway op in a slot that is free in replay"
	else
		printf "$(printf '\\x%02x' $((slot)))\x01\x02\x03" >"$tmp/free-slot"
		if cmp -s <("$replay" --dis "$tmp/free-slot") <("$probe" --dis "$tmp/free-slot"); then
			fail "a byte naming slot $slot decodes alike with and without the probe op"
		else
			echo "ok   the probe decodes slot $slot as an op, replay as .byte"
		fi
	fi
	n=0
	while IFS= read -r f; do
		n=$((n + 1))
		"$replay" --dis "$f" >"$tmp/a" 2>&1
		"$probe" --dis "$f" >"$tmp/b" 2>&1
		rel=${f#"$root"/}
		if ! cmp -s "$tmp/a" "$tmp/b"; then
			fail "$rel decodes differently once an op is added at $slot:"
			diff "$tmp/a" "$tmp/b" | head -n 6
		elif grep -q '^\.byte' "$tmp/a"; then
			fail "$rel holds a byte naming a free slot (.byte): a later op would change it"
		fi
	done < <(inputs)
	[ "$n" -gt 0 ] || fail "no committed input file found under corpus/"
	echo "ok   $n committed input file(s) checked against the probe"
	;;
*)
	echo "usage: test_encoding.sh abi|doc|compat REPLAY [PROBE]" >&2
	exit 2
	;;
esac

if [ "$fails" -ne 0 ]; then
	echo "test_encoding $mode: $fails check(s) failed"
	exit 1
fi
echo "test_encoding $mode: all checks passed"
