#!/usr/bin/env bash
# corpus.sh - keep the binary seed corpus in step with its text sources, and
# check the regression files.
#
#   corpus/src/*.ops              hand-written programs in the op language
#   corpus/src/sched/*.ops        the same for fuzz_sched: prologue, tasks and
#                                 schedule
#   corpus/<target>/<sha1>        each one assembled ("replay --asm"), named
#                                 by the SHA-1 of its bytes, as libFuzzer names
#                                 its corpus files (fuzz_ops, fuzz_sched)
#   corpus/<target>.dict          "replay --dict": one entry per op
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
usage: scripts/corpus.sh [--replay BIN] update|check|regressions|findings
       scripts/corpus.sh [--replay BIN] merge [--fuzzers DIR] [--target T] [--variant V]
                         [--counters] RUN_DIR

  update       assemble corpus/src/*.ops into corpus/fuzz_ops/ and
               corpus/src/sched/*.ops into corpus/fuzz_sched/ (stale files
               removed), rewrite corpus/<target>.dict, and assemble every
               corpus/regressions/<variant>/<name>.ops into <name>
  check        fail (status 1) unless the seed directories, the dictionaries
               and the regression binaries are exactly what "update" would
               write, and every regression binary has its text; changes
               nothing
  regressions  every file under corpus/regressions/<variant>/ must have a row
               in corpus/regressions/README.md, fail on its variant (run by
               the target its row names) with the report text the row
               names, and pass on "fixed"
  findings     every reproducer under corpus/findings/ must fail on "fixed"
               with the text of its row in corpus/findings/README.md and
               pass on the variant carrying the proposed fix
  merge RUN_DIR fold a fuzz run (run/<timestamp>/ of scripts/fuzz.sh, one
               target's directory in it, or with --target a directory of
               inputs, e.g. a ClusterFuzzLite corpus) into corpus/<target>/
               through libFuzzer's -merge=1: of the inputs that add an edge,
               each passing on "fixed" becomes a text
               corpus/src/[sched/]merged_<sha1>.ops and the seed it
               assembles to; prints the count added and the coverage before
               and after, then runs "check"
    --fuzzers DIR  the libFuzzer targets (default: build/fuzz/harness)
    --target T     only target T, or the target of a plain input directory
    --variant V    the variant coverage is measured on (default: fixed)
    --counters     keep inputs that add any libFuzzer feature (hit counts
                   too), not only those that add an edge

  --replay BIN the replay binary (default: build/asan/harness/replay, then
               build/debug/harness/replay)
Exit status: 0 ok; 1 out of sync or a regression misbehaves; 2 usage error.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

cmd=
while [ $# -gt 0 ]; do
	case $1 in
	--replay) [ -n "${2-}" ] || die_usage "--replay needs a path"; replay=$2; shift ;;
	--replay=*) replay=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	update | check | regressions | findings) [ -z "$cmd" ] || die_usage "one command only"; cmd=$1 ;;
	merge) [ -z "$cmd" ] || die_usage "one command only"; cmd=$1; shift; merge_args=("$@"); break ;;
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

regress=corpus/regressions

# Each fuzz target's seeds: its text sources, and where they are assembled.
targets=(fuzz_ops fuzz_sched)
declare -A src_of=([fuzz_ops]=corpus/src [fuzz_sched]=corpus/src/sched)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# assemble TARGET DIR: every source of TARGET into DIR/<sha1>, and DIR.dict.
assemble() {
	local t=$1 out=$2 f h
	mkdir -p "$out"
	for f in "${src_of[$t]}"/*.ops; do
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
# match_report TEXT: does replay's first report line in $tmp/out ("FAIL
# <file>: <line>", the one contract) contain TEXT?  Sets said_rc: 0 yes,
# 1 no, 2 TEXT is one of ASan's own reports and this replay has no ASan
# (debug, release, msan presets): only the failure can be checked there,
# the asan preset checks the text.
asan_reports='heap-use-after-free|heap-buffer-overflow|use-after-poison|double-free|AddressSanitizer|LeakSanitizer'
match_report() {
	local first
	first=$(sed -n 's/^FAIL [^:]*: //p' "$tmp/out" | head -n 1)
	said_rc=0
	if [[ $first != *"$1"* ]]; then
		said_rc=1
		if ! grep -qa __asan_init "$replay" && [[ $1 =~ $asan_reports ]]; then
			said_rc=2
		fi
	fi
}

regression_binaries() {
	find "$regress" -mindepth 2 -type f ! -name '.*' ! -name '*.md' ! -name '*.ops' | sort
}

findings=corpus/findings
finding_binaries() {
	find "$findings" -maxdepth 1 -type f ! -name '.*' ! -name '*.md' ! -name '*.ops' 2>/dev/null | sort
}

case $cmd in
update)
	msg=
	for t in "${targets[@]}"; do
		assemble "$t" "$tmp/$t"
		mkdir -p "corpus/$t"
		find "corpus/$t" -maxdepth 1 -type f -delete
		find "$tmp/$t" -maxdepth 1 -type f -exec cp -t "corpus/$t" {} +
		cp "$tmp/$t.dict" "corpus/$t.dict"
		msg+="$(find "corpus/$t" -type f | wc -l) seed(s) in corpus/$t/; "
	done
	n=0
	while IFS= read -r f; do
		"$replay" --asm "$f" -o "${f%.ops}" || { echo "$prog: $f does not assemble" >&2; exit 1; }
		n=$((n + 1))
	done < <({ find "$regress" -mindepth 2 -type f -name '*.ops'
		   find "$findings" -maxdepth 1 -type f -name '*.ops' 2>/dev/null; } | sort)
	echo "$prog: ${msg}dictionaries rewritten; $n regression(s) and finding(s) reassembled"
	;;
check)
	bad=0
	for t in "${targets[@]}"; do
		assemble "$t" "$tmp/$t"
		if ! diff -r "$tmp/$t" "corpus/$t" >"$tmp/diff" 2>&1; then
			echo "$prog: corpus/$t/ is out of step with ${src_of[$t]}/*.ops:"
			sed "s|$tmp/$t|(assembled)|g" "$tmp/diff"
			bad=1
		fi
		if ! cmp -s "$tmp/$t.dict" "corpus/$t.dict"; then
			echo "$prog: corpus/$t.dict differs from 'replay --dict'"
			bad=1
		fi
	done
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
	done < <(regression_binaries; finding_binaries)
	while IFS= read -r f; do
		if [ ! -f "${f%.ops}" ]; then
			echo "$prog: $f has no binary ${f%.ops} (scripts/corpus.sh update)"
			bad=1
		fi
	done < <({ find "$regress" -mindepth 2 -type f -name '*.ops'
		   find "$findings" -maxdepth 1 -type f -name '*.ops' 2>/dev/null; } | sort)
	# The text form is a fixed point: disassembling, assembling and
	# disassembling again changes nothing but comments, for every seed and for byte
	# strings made up on the spot (a fixed pseudo-random sequence).
	for i in $(seq 1 20); do
		LC_ALL=C awk -v seed="$i" 'BEGIN { srand(seed); n = int(rand() * 300);
			for (j = 0; j < n; j++) printf "%c", int(rand() * 256) }' >"$tmp/random-$i"
	done
	for f in corpus/fuzz_ops/* corpus/fuzz_sched/* "$tmp"/random-*; do
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
	echo "$prog: corpus/fuzz_ops/ ($(find corpus/fuzz_ops -type f | wc -l) seeds)," \
		"corpus/fuzz_sched/ ($(find corpus/fuzz_sched -type f 2>/dev/null | wc -l) seeds) and their" \
		"dictionaries match corpus/src/; $(regression_binaries | wc -l) regression(s) match their texts"
	;;
regressions)
	# README rows: | `<variant>/<file>` | <variant> | <target> | `<report text>` | origin |
	readme=$regress/README.md
	[ -f "$readme" ] || { echo "$prog: $readme is missing"; exit 1; }
	declare -A want_variant want_text want_target
	# shellcheck disable=SC2016 # backquotes, not an expansion
	rows='^\| *`[^`]+/[^`]+`'
	while IFS='|' read -r _ file variant target text _; do
		file=$(echo "$file" | tr -d '` ')
		variant=$(echo "$variant" | tr -d '` ')
		target=$(echo "$target" | tr -d '` ')
		# shellcheck disable=SC2016 # backquotes, not an expansion
		text=$(echo "$text" | sed 's/^ *`//; s/` *$//')
		if [ -z "$file" ] || [ -z "$variant" ]; then
			continue
		fi
		want_variant[$file]=$variant
		want_target[$file]=$target
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
		tg=${want_target[$rel]}
		"$replay" --target "$tg" --variant "$v" "$path" >"$tmp/out" 2>&1 || rc=$?
		if [ "$rc" -ne 1 ]; then
			echo "FAIL $rel: on $v replay exited $rc, expected 1 (a finding)"
			tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		said="reports '${want_text[$rel]}'"
		match_report "${want_text[$rel]}"
		if [ "$said_rc" -eq 2 ]; then
			said="fails (its report, '${want_text[$rel]}', is ASan's: this replay has no ASan)"
		elif [ "$said_rc" -eq 1 ]; then
			echo "FAIL $rel: on $v the report does not say '${want_text[$rel]}':"
			grep -E '^FAIL ' "$tmp/out" || tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		rc=0
		"$replay" --target "$tg" --variant fixed "$path" >"$tmp/out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $rel: fails on fixed too:"
			tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		echo "OK   $rel ($tg): $v $said, fixed passes"
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
merge)
	# shellcheck source=scripts/lib/corpus_merge.sh
	. "$root/scripts/lib/corpus_merge.sh"
	corpus_merge "${merge_args[@]}"
	"$root/scripts/corpus.sh" --replay "$replay" check
	;;
findings)
	readme=$findings/README.md
	[ -f "$readme" ] || { echo "$prog: $readme is missing"; exit 1; }
	fails=0 n=0
	# rows: | `<file>` | F<n> | <target> | `<report text>` | <fix variant> |
	# shellcheck disable=SC2016 # backquotes, not an expansion
	while IFS='|' read -r _ file id tg text fixv _; do
		file=$(echo "$file" | tr -d '` ')
		id=$(echo "$id" | tr -d ' ')
		tg=$(echo "$tg" | tr -d ' ')
		fixv=$(echo "$fixv" | tr -d '` ')
		text=$(echo "$text" | sed 's/^ *`//; s/` *$//')
		path=$findings/$file
		n=$((n + 1))
		if [ ! -f "$path" ]; then
			echo "FAIL $file: listed in $readme but missing"
			fails=$((fails + 1))
			continue
		fi
		rc=0
		"$replay" --target "$tg" --variant fixed "$path" >"$tmp/out" 2>&1 || rc=$?
		said="reports '$text'"
		match_report "$text"
		if [ "$said_rc" -eq 2 ]; then
			# a read of freed memory goes unseen without ASan: nothing to check
			said="is not checked (its report, '$text', needs ASan: the asan preset checks it)"
		elif [ "$rc" -ne 1 ] || [ "$said_rc" -eq 1 ]; then
			echo "FAIL $file ($id): on fixed it no longer reports '$text' (exit $rc):"
			grep -E '^(OK|FAIL) ' "$tmp/out" || tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		rc=0
		"$replay" --target "$tg" --variant "$fixv" "$path" >"$tmp/out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "FAIL $file ($id): the proposed fix, $fixv, does not pass it:"
			tail -n 20 "$tmp/out"
			fails=$((fails + 1))
			continue
		fi
		echo "OK   $file ($id, $tg): fixed $said, $fixv passes"
	done < <(sed -n '1,/^## Known findings/p' "$readme" | grep -E '^\| *`[^`]+`')
	while IFS= read -r f; do
		grep -qF "\`${f#"$findings"/}\`" "$readme" || {
			echo "FAIL ${f#"$findings"/}: no row in $readme"; fails=$((fails + 1)); }
	done < <(finding_binaries)
	echo "$prog: $n finding reproducer(s), $fails failure(s)"
	[ "$fails" -eq 0 ]
	;;
esac
