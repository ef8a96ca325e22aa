#!/usr/bin/env bash
# setup.sh - check, and as root install, the tools sheaf-fuzz builds and runs
# with.  Called by fuzz.sh and test.sh; safe to run again at any time.
#
# Checked: git, cmake >= 3.25 (presets), ninja, gcc/g++ (debug and release
# presets), clang/clang++ whose libFuzzer, ASan+UBSan and TSan runtimes
# really compile, link and run, llvm-symbolizer (readable sanitizer reports),
# liburcu-dev (urcu/urcu-memb.h and its libraries, threads backend),
# python3 with its YAML module (scripts/check-ci.py, ctest ci_lint) and,
# unless --no-afl, AFL++ (afl-clang-fast, afl-fuzz); with --bench, gnuplot
# with a PNG terminal (scripts/bench.sh); with --oss-fuzz, zip and unzip
# (scripts/check-oss-fuzz.sh).
#
# Missing Debian 12 packages are installed with apt-get when run as root;
# otherwise the exact apt-get command is printed and the script exits 2.
#
# Exit status: 0 all present, 1 something is still broken after installing
# (or cannot be fixed by a package), 2 usage error or not root.
set -euo pipefail

prog=setup
want_afl=1
want_bench=0
want_oss_fuzz=0
quiet=0

usage() {
	cat <<'EOF'
usage: scripts/setup.sh [--no-afl] [--bench] [--oss-fuzz] [--quiet] [--help]

Checks the tools sheaf-fuzz needs (clang with libFuzzer and the sanitizer
runtimes, gcc, cmake >= 3.25, ninja, liburcu-dev, git, python3-yaml, AFL++)
and installs the missing Debian 12 packages with apt-get when run as root.

  --no-afl   do not check or install AFL++ (afl-clang-fast, afl-fuzz)
  --bench    also check gnuplot with a PNG terminal (scripts/bench.sh)
  --oss-fuzz also check zip and unzip (scripts/check-oss-fuzz.sh)
  --quiet    print nothing when everything is present
  --help     this text

Exit status: 0 all present; 1 still broken after installing; 2 usage error,
or packages are missing and this is not root (the apt-get line is printed).
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--no-afl) want_afl=0 ;;
	--bench) want_bench=1 ;;
	--oss-fuzz) want_oss_fuzz=1 ;;
	--quiet) quiet=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done

say() { [ "$quiet" -eq 1 ] || echo "$prog: $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sheaf-setup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

missing=()	# Debian packages to install
broken=()	# problems no package fixes, one line each

need() {
	local pkg
	for pkg in "$@"; do
		case " ${missing[*]-} " in
		*" $pkg "*) ;;
		*) missing+=("$pkg") ;;
		esac
	done
}

have() { command -v "$1" >/dev/null 2>&1; }

# version_ge A B: whether dotted version A >= B.
version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

check_cmake() {
	local v
	if ! have cmake; then
		need cmake
		return
	fi
	v=$(cmake --version | sed -n '1s/^cmake version \([0-9.]*\).*/\1/p')
	if [ -z "$v" ] || ! version_ge "$v" 3.25; then
		# Debian 12 ships 3.25.1; anything older is a foreign install.
		broken+=("cmake ${v:-unknown} is older than 3.25 (needed for CMakePresets.json version 6): $(command -v cmake)")
	fi
}

# try_run NAME COMPILE-FLAGS... -- RUN-ARGS...: compile $tmp/NAME.c with
# clang, then run it.  Returns 1 when compiling or linking fails (a missing
# runtime package), 2 when the program does not run (the runtime is there but
# refuses this machine); the output is left in $tmp/NAME.log.
try_run() {
	local name=$1; shift
	local cflags=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		cflags+=("$1"); shift
	done
	[ $# -gt 0 ] && shift
	if ! clang "${cflags[@]}" "$tmp/$name.c" -o "$tmp/$name" >"$tmp/$name.log" 2>&1; then
		return 1
	fi
	if ! (cd "$tmp" && "./$name" "$@") >>"$tmp/$name.log" 2>&1; then
		return 2
	fi
	return 0
}

check_clang_runtimes() {
	local major rt rc
	major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
	rt=libclang-rt-${major:-14}-dev

	cat >"$tmp/fuzz.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile int sum = 0;
	for (size_t i = 0; i < size; i++)
		sum += data[i];
	return 0;
}
EOF
	rc=0
	try_run fuzz -g -fsanitize=fuzzer,address,undefined -- -runs=16 || rc=$?
	case $rc in
	1) need "$rt" ;;
	2) broken+=("a -fsanitize=fuzzer,address program built but did not run; see its output below")
	   sed 's/^/    /' "$tmp/fuzz.log" | tail -n 15 >&2 ;;
	esac

	cat >"$tmp/tsan.c" <<'EOF'
#include <pthread.h>
static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *worker(void *arg)
{
	pthread_mutex_lock(&lock);
	counter++;
	pthread_mutex_unlock(&lock);
	return arg;
}
int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	worker(NULL);
	pthread_join(t, NULL);
	return counter == 2 ? 0 : 1;
}
EOF
	rc=0
	try_run tsan -g -fsanitize=thread -pthread -- || rc=$?
	case $rc in
	1) need "$rt" ;;
	2) broken+=("a -fsanitize=thread program built but did not run; see its output below")
	   sed 's/^/    /' "$tmp/tsan.log" | tail -n 15 >&2
	   if grep -q 'unexpected memory mapping' "$tmp/tsan.log"; then
		   broken+=("TSan of clang $major needs vm.mmap_rnd_bits <= 28: sysctl -w vm.mmap_rnd_bits=28")
	   fi ;;
	esac
}

check_urcu() {
	local cc=cc
	have clang && cc=clang
	have "$cc" || return 0	# the compiler check already asks for one
	cat >"$tmp/urcu.c" <<'EOF'
#include <urcu/urcu-memb.h>
int main(void)
{
	urcu_memb_register_thread();
	urcu_memb_read_lock();
	urcu_memb_read_unlock();
	urcu_memb_synchronize_rcu();
	urcu_memb_unregister_thread();
	return 0;
}
EOF
	if ! "$cc" "$tmp/urcu.c" -o "$tmp/urcu" -lurcu-memb -lurcu-common -pthread \
	     >"$tmp/urcu.log" 2>&1; then
		need liburcu-dev
	fi
}

check_all() {
	missing=()
	broken=()
	have git || need git
	check_cmake
	have ninja || need ninja-build
	have gcc || need gcc
	have g++ || need g++
	if have clang && have clang++; then
		check_clang_runtimes
	else
		need clang
	fi
	have llvm-symbolizer || need llvm
	check_urcu
	if have python3; then
		python3 -c 'import yaml' 2>/dev/null || need python3-yaml
	else
		need python3 python3-yaml
	fi
	if [ "$want_afl" -eq 1 ]; then
		{ have afl-clang-fast && have afl-fuzz; } || need afl++
	fi
	if [ "$want_oss_fuzz" -eq 1 ]; then
		have zip || need zip
		have unzip || need unzip
	fi
	if [ "$want_bench" -eq 1 ]; then
		{ have gnuplot && echo 'set terminal' | gnuplot 2>&1 | grep -qw pngcairo; } ||
			need gnuplot-nox
	fi
}

# At most two install rounds: the sanitizer runtimes can only be checked
# once clang is there.
updated=0
for round in 1 2 3; do
	check_all
	[ ${#missing[@]} -gt 0 ] || break
	if [ "$round" -eq 3 ]; then
		echo "$prog: still missing after apt-get install: ${missing[*]}" >&2
		exit 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "$prog: missing packages: ${missing[*]}" >&2
		echo "$prog: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 2
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if { [ "$updated" -eq 1 ] || apt-get update -qq >"$tmp/apt.log" 2>&1; } &&
	   apt-get install -y -qq "${missing[@]}" >>"$tmp/apt.log" 2>&1; then
		updated=1
		hash -r
	else
		tail -n 20 "$tmp/apt.log" >&2
		echo "$prog: apt-get failed (full command: apt-get install -y ${missing[*]})" >&2
		exit 1
	fi
done

if [ ${#broken[@]} -gt 0 ]; then
	for b in "${broken[@]}"; do
		echo "$prog: $b" >&2
	done
	exit 1
fi

say "all tools present"
