// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - failing allocations on purpose, and the system memory the
 * model runs on.
 *
 * Two armed counters, consumed one per failed allocation: fail_nowait for
 * non-blocking allocations only, fail_any for every kind.  A non-blocking
 * allocation consumes fail_nowait first.  When neither is armed, a
 * non-blocking allocation asks the backend (sim: the decider).
 */
#include <stdlib.h>

#include "env_internal.h"

static unsigned int fail_nowait;	/* atomic */
static unsigned int fail_any;		/* atomic */

void vcpu_fail_next(unsigned int n)
{
	__atomic_store_n(&fail_nowait, n, __ATOMIC_RELAXED);
}

void vcpu_fail_next_blocking(unsigned int n)
{
	__atomic_store_n(&fail_any, n, __ATOMIC_RELAXED);
}

void vcpu_faults_reset(void)
{
	vcpu_fail_next(0);
	vcpu_fail_next_blocking(0);
}

/* Takes one armed failure from @counter; false when it is not armed. */
static inline bool consume(unsigned int *counter)
{
	unsigned int n = __atomic_load_n(counter, __ATOMIC_RELAXED);

	while (n) {
		if (__atomic_compare_exchange_n(counter, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

bool vcpu_should_fail(gfp_t gfp)
{
	if (gfpflags_allow_blocking(gfp)) {
		__might_sleep(__func__);
		return consume(&fail_any);
	}
	if (consume(&fail_nowait) || consume(&fail_any))
		return true;
	return vcpu_backend_choose(SIM_NOWAIT_FAIL, 2) == 1;
}

void *vcpu_alloc(size_t size, gfp_t gfp)
{
	if (vcpu_should_fail(gfp))
		return NULL;
	return (gfp & __GFP_ZERO) ? calloc(1, size) : malloc(size);
}

void vcpu_free(const void *ptr)
{
	free((void *)ptr);
}
