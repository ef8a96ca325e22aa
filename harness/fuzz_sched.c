// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_sched.c - however two to four tasks interleave, slab.h's promises
 * hold: a barrier leaves nothing pending that was queued before it began,
 * kfree_rcu() objects outlive every reader that may see them, destroy finds
 * no object the program freed, and no interleaving deadlocks.
 *
 * One input is a prologue, the task programs and a schedule (tasks.c,
 * harness/README.md), run on a fresh model in the sim backend's tasks
 * mode, where the schedule answers every question at every decision point.
 * SHEAF_VARIANT, SHEAF_CPUS and SHEAF_NODES as for fuzz_ops; a build may
 * compile in another default variant with -DSHEAF_FUZZ_DEFAULT_VARIANT="V"
 * (scripts/oss-fuzz/build.sh, docs/continuous-fuzzing.md).  Linked with
 * libFuzzer, with AFL++'s driver, or with replay_main.c.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ops.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
#ifdef SHEAF_FUZZ_DEFAULT_VARIANT
	const char *v = getenv("SHEAF_VARIANT");

	/* The build's default; a SHEAF_VARIANT of the environment still wins. */
	if (!v || !*v) {
		setenv("SHEAF_VARIANT", SHEAF_FUZZ_DEFAULT_VARIANT, 1);
		fprintf(stderr, "fuzz_sched: variant %s (this build's default; SHEAF_VARIANT overrides it)\n",
			SHEAF_FUZZ_DEFAULT_VARIANT);
	}
#endif
	if (ops_init_from_env("fuzz_sched")) {
		fprintf(stderr, "fuzz_sched: bad SHEAF_VARIANT, SHEAF_CPUS or SHEAF_NODES (see above)\n");
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sched_run(data, size);
	return 0;
}
