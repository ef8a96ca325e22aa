# shellcheck shell=bash
# shellcheck disable=SC2154 # prog: the sourcing script's name
# usage.sh - the command-line errors every script under scripts/ reports the
# same way: the message, a pointer to --help, exit status 2.  Sourced after
# the script sets $prog.

die_usage() {
	echo "$prog: $*" >&2
	echo "$prog: try --help" >&2
	exit 2
}

# optarg NAME VALUE: VALUE must be present and not look like an option.
optarg() {
	if [ -z "${2-}" ] || [ "${2#-}" != "$2" ]; then
		die_usage "option $1 needs a value"
	fi
}
