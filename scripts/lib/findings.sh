# findings.sh - sourced by fuzz.sh and fuzz_figures.sh: recognise a crash
# that matches a finding written up in docs/findings.md, from the "Known
# findings" table of corpus/findings/README.md.
#
#   known_finding ROOT FIRST_LINE REPORT_FILE
#
# prints the finding's id (e.g. F1) when FIRST_LINE contains one of its
# oracle texts and REPORT_FILE contains its signature; prints nothing
# otherwise.

known_finding() {
	local root=$1 first=$2 report=$3 table id oracles sig o
	table=$root/corpus/findings/README.md
	[ -f "$table" ] && [ -f "$report" ] || return 0
	# rows of the known-findings table: | F<n> | `o1` `o2` | `sig` |
	while IFS='|' read -r _ id oracles sig _; do
		id=$(echo "$id" | tr -d ' ')
		[[ $id =~ ^F[0-9]+$ ]] || continue
		sig=$(echo "$sig" | sed -n 's/^ *`\(.*\)` *$/\1/p')
		[ -n "$sig" ] && grep -qF -- "$sig" "$report" || continue
		while IFS= read -r o; do
			if [ -n "$o" ] && [[ $first == *"$o"* ]]; then
				echo "$id"
				return 0
			fi
		done < <(echo "$oracles" | grep -o '`[^`]*`' | tr -d '`')
	done < <(sed -n '/^## Known findings/,$p' "$table")
	return 0
}
