#!/usr/bin/env bash
# kernel_view.sh - a model source file as the kernel has it: the model-only
# parts taken out, so that a function can be read, or diffed, beside its
# kernel counterpart (docs/porting.md).
#
# Taken out: the variant sites (each variant() guard is evaluated for the
# selected variant, "fixed" by default, and only the code that variant runs
# is kept), the comment naming a site's commit or mutant, calls of model_*()
# and the other model-only statements (trace lines, decision points, the
# model's own reports and counters), and /* Model: */ comments.  The rules,
# and what they do not understand, are in scripts/lib/kernel_view.py.
#
# Exit status: 0 printed; 1 the function is not defined in FILE; 2 usage
# error (bad option, unreadable FILE, unknown variant).
set -uo pipefail

prog=kernel_view.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
	cat <<'EOF'
usage: scripts/kernel_view.sh [-n] [--function NAME] [--variant V] FILE
       scripts/kernel_view.sh --help

Prints FILE (a file under allocator/) without its model-only parts.

  -n               prefix every line with its line number in FILE
  --function NAME  only the definition of NAME (and the comment above it)
  --variant V      keep what variant V runs instead of what "fixed" runs
                   (a name of allocator/variant.c's table, or several
                   joined by '+'), e.g. seed-v3 for 0f35040de593 as posted
  --help           this text

Example: scripts/kernel_view.sh --function kvfree_rcu_barrier_on_cache \
             allocator/barrier.c
Exit status: 0 printed; 1 NAME is not defined in FILE; 2 usage error.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

number=()
function=()
variant=fixed
file=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-n) number=(-n) ;;
	--function | --variant)
		optarg "$1" "${2-}"
		set -- "$1=$2" "${@:3}"
		continue ;;
	--function=*) function=(--function "${1#*=}") ;;
	--variant=*) variant=${1#*=} ;;
	-*) die_usage "unknown option $1" ;;
	*)
		[ -z "$file" ] || die_usage "one FILE only"
		file=$1 ;;
	esac
	shift
done

[ -n "$file" ] || die_usage "name a FILE"
[ -r "$file" ] || die_usage "cannot read $file"
command -v python3 >/dev/null || { echo "$prog: python3 is missing" >&2; exit 2; }

exec python3 -B "$root/scripts/lib/kernel_view.py" "${number[@]}" "${function[@]}" \
	--variant "$variant" --variant-table "$root/allocator/variant.c" "$file"
