/* SPDX-License-Identifier: GPL-2.0 */
/*
 * targets.h - the libFuzzer-style targets, as replay and bench_ops link
 * them: each target's source defines LLVMFuzzerInitialize() and
 * LLVMFuzzerTestOneInput() only, and is compiled into those tools once
 * more with both renamed to <target>_Initialize() and
 * <target>_TestOneInput() (harness/CMakeLists.txt), so that one tool runs
 * any target's inputs (--target).
 */
#ifndef SHEAF_HARNESS_TARGETS_H
#define SHEAF_HARNESS_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_TARGETS(X) X(fuzz_ops) X(fuzz_sched)

#define X(t)								\
	int t##_Initialize(int *argc, char ***argv);			\
	int t##_TestOneInput(const uint8_t *data, size_t size);
FUZZ_TARGETS(X)
#undef X

struct fuzz_target {
	const char *name;
	int (*init)(int *argc, char ***argv);
	int (*one)(const uint8_t *data, size_t size);
};

static const struct fuzz_target fuzz_targets[] = {
#define X(t) { #t, t##_Initialize, t##_TestOneInput },
	FUZZ_TARGETS(X)
#undef X
	{ NULL, NULL, NULL }
};

static inline const struct fuzz_target *fuzz_target_lookup(const char *name)
{
	const struct fuzz_target *t;

	for (t = fuzz_targets; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

#endif /* SHEAF_HARNESS_TARGETS_H */
