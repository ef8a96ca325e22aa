// SPDX-License-Identifier: GPL-2.0
/*
 * empty_target.c - a libFuzzer target that does nothing, built with the
 * flags of fuzz_ops (fuzz preset: libFuzzer, ASan, UBSan's kernel checks).
 * Its exec/s is what the engine alone reaches on this machine, so that
 * fuzz_ops's exec/s can be stated as a share of it, a figure that depends
 * less on the machine than exec/s does (scripts/fuzz_figures.sh speed).
 * Not a fuzz target: it is not listed in fuzz_targets.txt.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return 0;
}
