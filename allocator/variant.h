/* SPDX-License-Identifier: GPL-2.0 */
/*
 * variant.h - the deviations the model can take: historical versions of the
 * code and injected mutants (the table in variant.c; sheaf_variants --list-variants).
 *
 * A variant is a named set of sites.  Each site is one `if (variant(...))`
 * in the allocator, at the exact line the historical or injected change
 * touches, with a one-line comment naming the commit or mutant.  The
 * default variant, "fixed", has no site set: upstream after b55b423e8518
 * and 67ea9d353d0b.  variant() also counts how often each site was
 * evaluated, so a test can show that a variant's site is reached; a build
 * with SHEAF_NO_MODEL_COUNTERS (check.h) does not count.
 */
#ifndef SHEAF_VARIANT_H
#define SHEAF_VARIANT_H

#include <stdio.h>
#include "kernel/compiler.h"

enum variant_site {
	VS_H1_NO_RCU_BARRIER,		/* 0f35040de593: no rcu_barrier() after the on-cache flush */
	VS_H2_NO_CPUS_READ_LOCK,	/* 0f35040de593: flush without cpus_read_lock() */
	VS_H2_ASSERT_WITHOUT_LOCK,	/* h2-assert: 67ea9d353d0b's assertion, not its lock */
	VS_DESTROY_FULL_BARRIER,	/* ec66e0d59952 / M4: destroy calls kvfree_rcu_barrier() */
	VS_M3_CPUS_LOCK_INSIDE_FLUSH,	/* M3: cpus_read_lock() inside flush_rcu_sheaves_on_cache() */
	VS_M5_DESTROY_NO_BARRIER,	/* M5: destroy without any kfree_rcu barrier */
	VS_M6_ON_CACHE_NO_BATCHED,	/* M6: on-cache barrier skips __kvfree_rcu_barrier() */
	VS_M7_PLAIN_RCU_BARRIER,	/* M7: the on-cache barrier is a plain rcu_barrier() */
	VS_M8_NO_FLUSH_WORK,		/* M8: flush_rcu_sheaves_on_cache() without the flush_work() loop */
	VS_M9_PEEK_RCU_FREE,		/* M9: queue the flush only where pcs->rcu_free looks non-NULL */
	VS_M10_CALL_RCU_AFTER_UNLOCK,	/* M10: __kfree_rcu_sheaf() calls call_rcu() after local_unlock() */
	VS_M11_DEAD_CPU_KEEPS_RCU_FREE,	/* M11: slub_cpu_dead() does not submit rcu_free */
	VS_M12_NO_TYPESAFE_BARRIER,	/* M12: no rcu_barrier() before releasing a TYPESAFE_BY_RCU cache */
	VS_M13_NO_SHUTDOWN_BARRIER,	/* M13: no rcu_barrier() in __kmem_cache_shutdown() */
	VS_M14_RCU_SHEAF_TO_BARN,	/* M14: a full rcu sheaf goes to the barn before the grace period */
	VS_M15_FLUSH_KEEPS_RCU_FREE,	/* M15: flush_rcu_sheaf() submits rcu_free without clearing it */
	VS_M16_CALLBACK_NODE,		/* M16 (H6): rcu_free_sheaf() uses the callback vCPU's node */
	VS_M17_FLUSH_TAKES_SLAB_MUTEX,	/* M17: flush_rcu_sheaf() takes slab_mutex */
	VS_M18_FLUSHWQ_NO_RECLAIM,	/* M18: flushwq without WQ_MEM_RECLAIM */
	VS_M19_NO_FLUSH_LOCK,		/* M19: flush_rcu_sheaves_on_cache() without flush_lock */
	VS_M20_NO_MONITOR_CANCEL,	/* M20: __kvfree_rcu_barrier() does not cancel the monitor */
	VS_M22_BARN_COUNT,		/* M22: barn_put_empty_sheaf() forgets nr_empty++ */
	VS_F1_SCAN_VIA_MONITOR_WORK,	/* F1's proposed fix: the shrinker runs the monitor as its work */
	VS_TYPESAFE_SLAB_NOW,		/* a mutant: free_slab() of a TYPESAFE cache without call_rcu() */
	VS_CTOR_INIT_ON_FREE,		/* a mutant: init_on_free wipes objects of constructor caches */
	VS_F3_FLUSH_EVERY_CPU,		/* F3's proposed fix: has_pcs_used() does not dereference pcs->main */
	VS_F2_BARRIER_SYNCS_KRCP_LOCK,	/* F2's proposed fix: __kvfree_rcu_barrier() passes krcp->lock first */
	VS_M21_NO_DEFERRED_WORK_BARRIER, /* M21: the kfree_rcu barriers skip deferred_work_barrier() */
	VS_DEFERRED_BARRIER_AFTER_SHUTDOWN, /* kmem_cache_destroy(): deferred_work_barrier() after the shutdown */
	VS_H3_NO_WAIT_OVERRIDE,		/* ec66e0d59952: __kfree_rcu_sheaf() without kfree_rcu_sheaf_map */
	VS_ALIAS_DESTROY_NO_BARRIER,	/* alias-destroy-no-barrier: only a destroy seeing refcount 1 waits */
	VS_KMALLOC_UNLISTED,		/* kmalloc-unlisted: create_kmalloc_cache() without list_add() */
	VS_RCU_DEBUG_NO_DESTROY_BARRIER, /* rcu-debug-no-destroy-barrier: destroy skips SLUB_RCU_DEBUG's rcu_barrier() */
	NR_VARIANT_SITES
};

extern unsigned long variant_mask;
extern unsigned long variant_site_hits[NR_VARIANT_SITES];

/* Whether the selected variant changes @site; counts the evaluation. */
static inline bool variant(enum variant_site site)
{
#ifndef SHEAF_NO_MODEL_COUNTERS
	__atomic_fetch_add(&variant_site_hits[site], 1, __ATOMIC_RELAXED);
#endif
	return (__atomic_load_n(&variant_mask, __ATOMIC_RELAXED) >> site) & 1;
}

struct variant_desc {
	const char *name;
	unsigned long sites;		/* bit mask of enum variant_site */
	const char *what;		/* what changes, one line */
	const char *origin;		/* commit or mutant id */
	const char *oracle;		/* the oracle expected to catch it */
};

/*
 * Selects a variant by name, or the union of several joined by '+';
 * -EINVAL (after listing the valid names) if one is unknown.
 */
int variant_select(const char *name);
/* Selects $SHEAF_VARIANT if set, else "fixed". */
int variant_select_from_env(void);
const char *variant_name(void);
const struct variant_desc *variant_lookup(const char *name);
/* One line per variant: name, what changes, origin, expected oracle. */
void variant_print_list(FILE *out);
/* The table, terminated by an entry with a NULL name. */
extern const struct variant_desc variant_table[];
void variant_reset_hits(void);

#endif /* SHEAF_VARIANT_H */
