// SPDX-License-Identifier: GPL-2.0
/*
 * fault.c - failing allocations on purpose, and the system memory the
 * model runs on.
 *
 * Which allocations may fail follows their gfp, as in the kernel: a
 * non-blocking one (GFP_NOWAIT, GFP_ATOMIC), and a blocking one that says
 * it may (__GFP_NORETRY: kvfree_rcu's page for a block).  A plain blocking
 * allocation of the model's sizes does not fail: the kernel's page
 * allocator retries (or OOM-kills) for orders this small.  Three armed
 * counters, consumed one per failed allocation: fail_nowait for
 * non-blocking allocations, fail_mayfail for __GFP_NORETRY ones, fail_any
 * for every kind (tests only).  When none is armed, an allocation that may
 * fail asks the backend (sim: the decider).
 */
#include <stdlib.h>

#include "env_internal.h"

static unsigned int fail_nowait;	/* atomic */
static unsigned int fail_mayfail;	/* atomic */
static unsigned int fail_any;		/* atomic */

void vcpu_fail_next(unsigned int n)
{
	__atomic_store_n(&fail_nowait, n, __ATOMIC_RELAXED);
}

void vcpu_fail_next_mayfail(unsigned int n)
{
	__atomic_store_n(&fail_mayfail, n, __ATOMIC_RELAXED);
}

void vcpu_fail_next_blocking(unsigned int n)
{
	__atomic_store_n(&fail_any, n, __ATOMIC_RELAXED);
}

void vcpu_faults_reset(void)
{
	vcpu_fail_next(0);
	vcpu_fail_next_mayfail(0);
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
		if (consume(&fail_any))
			return true;
		/* Model: only __GFP_NORETRY lets a blocking allocation fail */
		if (!(gfp & __GFP_NORETRY))
			return false;
		return consume(&fail_mayfail) ||
		       vcpu_backend_choose(SIM_NOWAIT_FAIL, 2) == 1;
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
