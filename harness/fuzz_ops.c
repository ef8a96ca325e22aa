// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ops.c - every op sequence keeps slab.h's promises: the barriers
 * leave nothing of their cache pending, kfree_rcu() objects outlive the
 * readers that may see them, destroy finds no object the program freed.
 *
 * One input is one program of the op language (harness/README.md), run on
 * a fresh model in the sim backend's inline mode.  The variant comes from
 * SHEAF_VARIANT (default "fixed"), the vCPU count from SHEAF_CPUS (default
 * 4); both are read once, and a bad value stops the target with status 2.
 * Linked with libFuzzer, with AFL++'s driver, or with replay_main.c.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ops.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (ops_init_from_env("fuzz_ops")) {
		fprintf(stderr, "fuzz_ops: bad SHEAF_VARIANT, SHEAF_CPUS or SHEAF_NODES (see above)\n");
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ops_run(data, size);
	return 0;
}
