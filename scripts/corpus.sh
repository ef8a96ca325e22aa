#!/usr/bin/env bash
# corpus.sh - keep the binary seed corpus in step with its text sources, and
# check the regression files.
#
#   corpus/src/*.ops              hand-written programs in the op language
#   corpus/fuzz_ops/<sha1>        each one assembled ("replay --asm"), named
#                                 by the SHA-1 of its bytes, as libFuzzer names
#                                 its corpus files
#   corpus/fuzz_ops.dict          "replay --dict": one entry per op
#   corpus/regressions/<variant>/ minimized crashes, each a pair: <name>.ops,
#                                 the text with its steps and oracle, and
#                                 <name>, the bytes it assembles to; each has
#                                 a row in corpus/regressions/README.md
#                                 naming its variant and the report it must
#                                 produce
set -euo pipefail

prog=corpus.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
replay=

usage() {
	cat <<'EOF'
usage: scripts/corpus.sh [--replay BIN] update|check|regressions

  update       assemble corpus/src/*.ops into corpus/fuzz_ops/ (stale files
               removed), rewrite corpus/fuzz_ops.dict, and assemble every
               corpus/regressions/<variant>/<name>.ops into <name>
  check        fail (status 1) unless corpus/fuzz_ops/, corpus/fuzz_ops.dict
               and the regression binaries are exactly what "update" would
               write, and every regression binary has its text; changes
               nothing
  regressions  every file under corpus/regressions/<variant>/ must have a row
               in corpus/regressions/README.md, fail on its variant with the
               report text the row names, and pass on "fixed"

  --replay BIN the replay binary (default: build/asan/harness/replay, then
               build/debug/harness/replay)
Exit status: 0 ok; 1 out of sync or a regression misbehaves; 2 usage error.
EOF
}

die_usage() {
	echo "$prog: $*" >&2
	echo "$prog: try --help" >&2
	exit 2
}

cmd=
while [ $# -gt 0 ]; do
	case $1 in
	--replay) [ -n "${2-}" ] || die_usage "--replay needs a path"; replay=$2; shift ;;
	--replay=*) replay=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	update | check | regressions) [ -z "$cmd" ] || die_usage "one command only"; cmd=$1 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
	shift
done
[ -n "$cmd" ] || die_usage "no command given"
if [ -n "$replay" ]; then
	[ -x "$replay" ] || die_usage "'$replay' is not an executable"
	replay=$(realpath "$replay")
fi

cd "$root"
if [ -z "$replay" ]; then
	for r in build/asan/harness/replay build/debug/harness/replay; do
		if [ -x "$r" ]; then replay=$r; break; fi
	done
	[ -n "$replay" ] || die_usage "no replay binary: build one (cmake --build --preset asan --target replay) or pass --replay"
fi
[ -x "$replay" ] || die_usage "'$replay' is not an executable"

src=corpus/src
seeds=corpus/fuzz_ops
dict=corpus/fuzz_ops.dict
regress=corpus/regressions

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# assemble DIR: every corpus/src/*.ops into DIR/<sha1>, and DIR.dict.
assemble() {
	local out=$1 f h
	mkdir -p "$out"
	for f in "$src"/*.ops; do
		[ -e "$f" ] || continue
		"$replay" --asm "$f" -o "$tmp/one" || { echo "$prog: $f does not assemble" >&2; exit 1; }
		h=$(sha1sum "$tmp/one" | cut -d' ' -f1)
		if [ -e "$out/$h" ]; then
			echo "$prog: note: $f assembles to the same bytes as another source ($h)" >&2
		fi
		mv "$tmp/one" "$out/$h"
	done
	"$replay" --dict >"$out.dict"
}

# The regression binaries: every file under corpus/regressions/<variant>/
# but the texts, hidden files and the README.
regression_binaries() {
	find "$regress" -mindepth 2 -type f ! -name '.*' ! -name '*.md' ! -name '*.ops' | sort
}

case $cmd in
update)
	assemble "$tmp/seeds"
	mkdir -p "$seeds"
	find "$seeds" -maxdepth 1 -type f -delete
	cp "$tmp/seeds"/* "$seeds"/
	cp "$tmp/seeds.dict" "$dict"
	n=0
	while IFS= read -r f; do
		"$replay" --asm "$f" -o "${f%.ops}" || { echo "$prog: $f does not assemble" >&2; exit 1; }
		n=$((n + 1))
	done < <(find "$regress" -mindepth 2 -type f -name '*.ops' | sort)
	echo "$prog: $(find "$seeds" -type f | wc -l) seed(s) in $seeds/ from $(find "$src" -maxdepth 1 -name '*.ops' | wc -l) source(s); $dict rewritten; $n regression(s) reassembled"
	;;
check)
	assemble "$tmp/seeds"
	bad=0
	# Each regression's text assembles to exactly its binary, and each
	# binary has its text (a reviewer reads the text in a diff).
	while IFS= read -r f; do
		if [ ! -f "$f.ops" ]; then
			echo "$prog: $f has no text $f.ops (replay --dis $f > $f.ops, then add its steps)"
			bad=1
			continue
		fi
		"$replay" --asm "$f.ops" -o "$tmp/reg" || { bad=1; continue; }
		if ! cmp -s "$tmp/reg" "$f"; then
			echo "$prog: $f is not what $f.ops assembles to (scripts/corpus.sh update)"
			bad=1
		fi
	done < <(regression_binaries)
	while IFS= read -r f; do
		if [ ! -f "${f%.ops}" ]; then
			echo "$prog: $f has no binary ${f%.ops} (scripts/corpus.sh update)"
			bad=1
		fi
	done < <(find "$regress" -mindepth 2 -type f -name '*.ops' | sort)
	if ! diff -r "$tmp/seeds" "$seeds" >"$tmp/diff" 2>&1; then
		echo "$prog: $seeds/ is out of step with $src/*.ops:"
		sed "s|$tmp/seeds|(assembled)|g" "$tmp/diff"
		bad=1
	fi
	if ! cmp -s "$tmp/seeds.dict" "$dict"; then
		echo "$prog: $dict differs from 'replay --dict'"
		bad=1
	fi
	# The text form is a fixed point: disassembling, assembling and
	# disassembling again changes nothing but comments, for every seed and for byte
	# strings made up on the spot (a fixed pseudo-random sequence).
	for i in $(seq 1 20); do
		LC_ALL=C awk -v seed="$i" 'BEGIN { srand(seed); n = int(rand() * 300);
			for (j = 0; j < n; j++) printf "%c", int(rand() * 256) }' >"$tmp/random-$i"
	done
	for f in "$seeds"/* "$tmp"/random-*; do
		[ -f "$f" ] || continue
		"$replay" --dis "$f" | { grep -v '^#' || true; } >"$tmp/a.ops"
		"$replay" --asm "$tmp/a.ops" -o "$tmp/a.bin"
		"$replay" --dis "$tmp/a.bin" | { grep -v '^#' || true; } >"$tmp/b.ops"
		if ! cmp -s "$tmp/a.ops" "$tmp/b.ops"; then
			echo "$prog: the text form of $f is not a fixed point:"
			diff "$tmp/a.ops" "$tmp/b.ops" | head -n 10
			bad=1
		fi
	done
	if [ "$bad" -ne 0 ]; then
		echo "$prog: run scripts/corpus.sh update and commit the result (or fix text.c)"
		exit 1
	fi
	echo "$prog: $seeds/ ($(find "$seeds" -type f | wc -l) seeds) and $dict match $src/;" \
		"$(regression_binaries | wc -l) regression(s) match their texts"
	;;
regressions)
	# README rows: | `<variant>/<file>` | <variant> | `<report text>` | origin |
	readme=$regress/README.md
	[ -f "$readme" ] || { echo "$prog: $readme is missing"; exit 1; }
	declare -A want_variant want_text
	# shellcheck disable=SC2016 # backquotes, not an expansion
	rows='^\| *`[^`]+/[^`]+`'
	while IFS='|' read -r _ file variant text _; do
		file=$(echo "$file" | tr -d '` ')
		variant=$(echo "$variant" | tr -d '` ')
		# shellcheck disable=SC2016 # backquotes, not an expansion
		text=$(echo "$text" | sed 's/^ *`//; s/` *$//')
		if [ -z "$file" ] || [ -z "$variant" ]; then
			continue
		fi
		want_variant[$file]=$variant
		want_text[$file]=$text
	done < <(grep -E "$rows" "$readme")

	fails=0 n=0
	while IFS= read -r path; do
		rel=${path#"$regress"/}
		n=$((n + 1))
		if [ -z "${want_variant[$rel]-}" ]; then
			echo "FAIL $rel: no row in $readme"
			fails=$((fails + 1))
			continue
		fi
		v=${want_variant[$rel]}
		if [ "$v" != "${rel%%/*}" ]; then
			echo "FAIL $rel: its row says variant '$v', its directory '${rel%%/*}'"
			fails=$((fails + 1))
			continue
		fi
		rc=0
		"$replay" --variant "$v" "$path" >"$tmp/out" 2>&1 || rc=$?
		if [ "$rc" -ne 1 ]; then
			echo "FAIL $rel: on $v replay exited $rc, expected 1 (a finding)"
			tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		if ! grep -qF -- "${want_text[$rel]}" "$tmp/out"; then
			echo "FAIL $rel: on $v the report does not say '${want_text[$rel]}':"
			grep -E '^FAIL ' "$tmp/out" || tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		rc=0
		"$replay" --variant fixed "$path" >"$tmp/out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $rel: fails on fixed too:"
			tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		echo "OK   $rel: $v reports '${want_text[$rel]}', fixed passes"
	done < <(regression_binaries)
	for f in "${!want_variant[@]}"; do
		if [ ! -f "$regress/$f" ]; then
			echo "FAIL $f: listed in $readme but missing"
			fails=$((fails + 1))
		fi
	done
	echo "$prog: $n regression file(s), $fails failure(s)"
	[ "$fails" -eq 0 ]
	;;
esac
