/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gfp.h - allocation flags, fault injection, and the system memory the
 * model itself runs on.
 *
 * The model's slabs, kmem_cache structs, barns and sheaves come from the
 * system allocator through vcpu_alloc()/vcpu_free(), so AddressSanitizer
 * sees any touch after they are given back.  A non-blocking allocation
 * (!gfpflags_allow_blocking()) can be made to fail: by the caller, with
 * vcpu_fail_next(), and in sim also by the decider (SIM_NOWAIT_FAIL); so
 * can a blocking one with __GFP_NORETRY (vcpu_fail_next_mayfail()).  Other
 * blocking allocations never fail unless vcpu_fail_next_blocking() says so.
 */
#ifndef SHEAF_KERNEL_GFP_H
#define SHEAF_KERNEL_GFP_H

#include "compiler.h"

typedef unsigned int gfp_t;

#define __GFP_DIRECT_RECLAIM	0x001u
#define __GFP_KSWAPD_RECLAIM	0x002u
#define __GFP_ZERO		0x004u
#define __GFP_NOWARN		0x008u
#define __GFP_NORETRY		0x010u
#define __GFP_NOMEMALLOC	0x020u
#define __GFP_NO_OBJ_EXT	0x040u
#define __GFP_HIGH		0x080u
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_KERNEL	(__GFP_RECLAIM)
#define GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_ATOMIC	(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)

static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & __GFP_DIRECT_RECLAIM;
}

/* The next @n non-blocking allocations fail. */
void vcpu_fail_next(unsigned int n);
/* The next @n blocking allocations that may fail (__GFP_NORETRY) fail. */
void vcpu_fail_next_mayfail(unsigned int n);
/* The next @n allocations of any kind fail (tests; the kernel's never do). */
void vcpu_fail_next_blocking(unsigned int n);
/*
 * Whether an allocation with @gfp fails now: consumes an armed failure, or
 * (sim, non-blocking only) asks the decider.  Blocking callers get
 * might_sleep() checked here.
 */
bool vcpu_should_fail(gfp_t gfp);

/* System memory; NULL when vcpu_should_fail(gfp).  Zeroed with __GFP_ZERO. */
void *vcpu_alloc(size_t size, gfp_t gfp);
void vcpu_free(const void *ptr);

/* One page, for kvfree_rcu's bulk blocks. */
static inline unsigned long __get_free_page(gfp_t gfp)
{
	return (unsigned long)vcpu_alloc(PAGE_SIZE, gfp);
}
static inline void free_page(unsigned long addr)
{
	vcpu_free((void *)addr);
}

#endif /* SHEAF_KERNEL_GFP_H */
