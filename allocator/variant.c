// SPDX-License-Identifier: GPL-2.0
/*
 * variant.c - the table of named variants and their selection.
 */
#include <stdlib.h>
#include "variant.h"

unsigned long variant_mask;
unsigned long variant_site_hits[NR_VARIANT_SITES];
static char selected_name[128] = "fixed";

#define BIT(site)	(1UL << (site))

const struct variant_desc variant_table[] = {
	{ "fixed", 0,
	  "upstream after b55b423e8518 and 67ea9d353d0b (default)",
	  "b55b423e8518+67ea9d353d0b", "none: every oracle stays silent" },
	{ "pre-seed", BIT(VS_DESTROY_FULL_BARRIER),
	  "kmem_cache_destroy() calls the full kvfree_rcu_barrier() (correct, slow)",
	  "ec66e0d59952 (M4, H4)", "none functional; bench_destroy: flush works per destroy" },
	{ "seed-v3", BIT(VS_H1_NO_RCU_BARRIER) | BIT(VS_H2_NO_CPUS_READ_LOCK),
	  "kvfree_rcu_barrier_on_cache() as posted: no rcu_barrier(), no cpus_read_lock()",
	  "0f35040de593 (H1+H2)", "barrier contract; Objects remaining with the quarantine" },
	{ "h1-only", BIT(VS_H1_NO_RCU_BARRIER),
	  "no rcu_barrier() after flush_rcu_sheaves_on_cache() (never a tree of its own: "
	  "67ea9d353d0b came after b55b423e8518)",
	  "0f35040de593, fixed by b55b423e8518 (H1, M1)", "barrier contract; Objects remaining" },
	{ "h2-only", BIT(VS_H2_NO_CPUS_READ_LOCK),
	  "flush_rcu_sheaves_on_cache() called without cpus_read_lock()",
	  "0f35040de593, fixed by 67ea9d353d0b (H2, M2)",
	  "fuzz_sched: escaped rcu_free sheaf; flush of a never-initialised item" },
	{ "h2-assert", BIT(VS_H2_NO_CPUS_READ_LOCK) | BIT(VS_H2_ASSERT_WITHOUT_LOCK),
	  "h2-only with 67ea9d353d0b's lockdep_assert_cpus_held() and without its cpus_read_lock()",
	  "0f35040de593 + the assertion of 67ea9d353d0b",
	  "lockdep_assert_cpus_held() in flush_rcu_sheaves_on_cache(), at the first barrier" },
	{ "m3", BIT(VS_M3_CPUS_LOCK_INSIDE_FLUSH),
	  "cpus_read_lock() taken again inside flush_rcu_sheaves_on_cache(), the callers keeping "
	  "theirs (close to the rejected fix of H2, which moved the lock inside)",
	  "M3", "lockdep-lite: circular dependency slab_mutex -> cpu_hotplug_lock" },
	{ "m5", BIT(VS_M5_DESTROY_NO_BARRIER),
	  "kmem_cache_destroy() without any kfree_rcu barrier",
	  "M5", "barrier contract; Objects remaining; ASan use-after-free" },
	{ "m6", BIT(VS_M6_ON_CACHE_NO_BATCHED),
	  "kvfree_rcu_barrier_on_cache() skips __kvfree_rcu_barrier()",
	  "M6", "barrier contract (batched path); ASan use-after-free" },
	{ "m7", BIT(VS_M7_PLAIN_RCU_BARRIER),
	  "kvfree_rcu_barrier_on_cache() is a plain rcu_barrier()",
	  "M7", "barrier contract (rcu_free sheaf or batched path)" },
	{ "m8", BIT(VS_M8_NO_FLUSH_WORK),
	  "flush_rcu_sheaves_on_cache() does not flush_work() what it queued",
	  "M8", "barrier contract; Objects remaining" },
	{ "m9", BIT(VS_M9_PEEK_RCU_FREE),
	  "the flush is queued only on vCPUs whose pcs->rcu_free is seen non-NULL",
	  "M9", "barrier contract under interleaving (fuzz_sched)" },
	{ "m10", BIT(VS_M10_CALL_RCU_AFTER_UNLOCK),
	  "__kfree_rcu_sheaf() calls call_rcu() after local_unlock()",
	  "M10", "barrier contract under interleaving (fuzz_sched)" },
	{ "m11", BIT(VS_M11_DEAD_CPU_KEEPS_RCU_FREE),
	  "slub_cpu_dead() leaves the dead vCPU's rcu_free sheaf in place",
	  "M11", "barrier contract; pcs_destroy WARN_ON(pcs->rcu_free)" },
	{ "m12", BIT(VS_M12_NO_TYPESAFE_BARRIER),
	  "no rcu_barrier() before releasing a SLAB_TYPESAFE_BY_RCU cache",
	  "M12", "SLAB_TYPESAFE_BY_RCU contract: cache released while slabs await rcu_free_slab()" },
	{ "m13", BIT(VS_M13_NO_SHUTDOWN_BARRIER),
	  "__kmem_cache_shutdown() skips its rcu_barrier() for rcu sheaves in flight",
	  "M13", "Objects remaining when combined with h1; alone only a racing kfree_rcu()" },
	{ "m14", BIT(VS_M14_RCU_SHEAF_TO_BARN),
	  "a full rcu_free sheaf goes to the barn before its grace period",
	  "M14", "RCU reader oracle: object reused inside a reader" },
	{ "m15", BIT(VS_M15_FLUSH_KEEPS_RCU_FREE),
	  "flush_rcu_sheaf() submits pcs->rcu_free without clearing it",
	  "M15", "call_rcu() of a queued head; ASan double free" },
	{ "m16", BIT(VS_M16_CALLBACK_NODE),
	  "rcu_free_sheaf() picks the barn of the callback vCPU's node",
	  "M16 (H6)", "NULL barn on a memoryless node (SEGV); structure check" },
	{ "m17", BIT(VS_M17_FLUSH_TAKES_SLAB_MUTEX),
	  "flush_rcu_sheaf() takes slab_mutex",
	  "M17", "lockdep-lite: circular dependency / deadlock report" },
	{ "m18", BIT(VS_M18_FLUSHWQ_NO_RECLAIM),
	  "flushwq is created without WQ_MEM_RECLAIM",
	  "M18", "check_flush_dependency() report" },
	{ "m19", BIT(VS_M19_NO_FLUSH_LOCK),
	  "flush_rcu_sheaves_on_cache() does not take flush_lock",
	  "M19", "fuzz_sched: ODEBUG work re-initialised while queued" },
	{ "m20", BIT(VS_M20_NO_MONITOR_CANCEL),
	  "__kvfree_rcu_barrier() does not cancel_delayed_work_sync() the monitor",
	  "M20", "fuzz_sched: barrier contract (batched path)" },
	{ "m21", BIT(VS_M21_NO_DEFERRED_WORK_BARRIER),
	  "kvfree_rcu_barrier() and kvfree_rcu_barrier_on_cache() call rcu_barrier() without "
	  "deferred_work_barrier() first",
	  "M21", "barrier contract: a parked rcu sheaf gets its call_rcu() after the barrier" },
	{ "kmalloc-unlisted", BIT(VS_KMALLOC_UNLISTED),
	  "create_kmalloc_cache() leaves the cache off slab_caches, so whatever walks the "
	  "caches (flush_all_rcu_sheaves(), slub_cpu_dead()) misses the kmalloc caches",
	  "a mutant of create_kmalloc_cache()",
	  "barrier contract: a kfree_rcu()'d kmalloc object pending after kvfree_rcu_barrier()" },
	{ "m22", BIT(VS_M22_BARN_COUNT),
	  "barn_put_empty_sheaf() does not count the sheaf in nr_empty",
	  "M22", "structure check: barn counter != list length" },
	{ "deferred-barrier-after-shutdown", BIT(VS_DEFERRED_BARRIER_AFTER_SHUTDOWN),
	  "kmem_cache_destroy() calls deferred_work_barrier() after __kmem_cache_shutdown(), "
	  "not before cpus_read_lock()",
	  "a mutant of kmem_cache_destroy()",
	  "Objects remaining: a deferred kfree_nolock() object still counts in its slab" },
	{ "typesafe-slab-now", BIT(VS_TYPESAFE_SLAB_NOW),
	  "free_slab() of a SLAB_TYPESAFE_BY_RCU cache frees the pages at once, no call_rcu()",
	  "a mutant of free_slab()",
	  "SLAB_TYPESAFE_BY_RCU contract: slab freed before a grace period, at the free" },
	{ "ctor-init-on-free", BIT(VS_CTOR_INIT_ON_FREE),
	  "init_on_free on, and slab_want_init_on_free() without its exclusion of caches with "
	  "a constructor: a free zeroes the constructed state",
	  "a mutant of slab_want_init_on_free()",
	  "allocator contract: object handed out unconstructed" },
	{ "h3", BIT(VS_H3_NO_WAIT_OVERRIDE),
	  "__kfree_rcu_sheaf() without the LD_WAIT_CONFIG wait-override map, so barn->lock "
	  "under a caller's raw_spinlock_t is an invalid wait context to lockdep",
	  "ec66e0d59952, fixed by f8b4cd2dad09 (H3)",
	  "lockdep-lite: Invalid wait context (kfree_rcu_raw_locked)" },
	{ "alias-destroy-no-barrier", BIT(VS_ALIAS_DESTROY_NO_BARRIER),
	  "kmem_cache_destroy() skips kvfree_rcu_barrier_on_cache() when it reads a refcount "
	  "above 1 (dropping an alias of a merged cache)",
	  "a mutant of kmem_cache_destroy()",
	  "destroy contract at the alias's destroy; fuzz_sched: Objects remaining" },
	{ "rcu-debug-no-destroy-barrier", BIT(VS_RCU_DEBUG_NO_DESTROY_BARRIER),
	  "with SLUB_RCU_DEBUG on, kmem_cache_destroy() of a SLAB_TYPESAFE_BY_RCU cache skips "
	  "the rcu_barrier() that waits for slab_free_after_rcu_debug()",
	  "a mutant of kmem_cache_destroy()",
	  "Objects remaining: a deferred free still counts in its slab at the shutdown" },
	{ "f1-fix", BIT(VS_F1_SCAN_VIA_MONITOR_WORK),
	  "fixed, plus a fix for F1: kfree_rcu_shrink_scan() runs the monitor as its work item",
	  "docs/findings.md F1 (proposed)", "none: F1's reproducer passes" },
	{ "f2-fix", BIT(VS_F2_BARRIER_SYNCS_KRCP_LOCK),
	  "fixed, plus a fix for F2: __kvfree_rcu_barrier() takes and drops each krcp->lock "
	  "before flushing its batches, so that a concurrent kvfree_rcu_queue_batch() has made "
	  "its call_rcu()",
	  "docs/findings.md F2 (proposed)", "none: stress on fixed+f2-fix stays silent" },
	{ "f3-fix", BIT(VS_F3_FLUSH_EVERY_CPU),
	  "fixed, plus a fix for F3: flush_all_cpus_locked() does not read another CPU's "
	  "pcs->main->size, it queues the flush on every online CPU of a cache with sheaves",
	  "docs/findings.md F3 (proposed)", "none: F3's reproducer passes" },
	{ NULL, 0, NULL, NULL, NULL }
};

const struct variant_desc *variant_lookup(const char *name)
{
	const struct variant_desc *v;

	for (v = variant_table; v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

void variant_print_list(FILE *out)
{
	const struct variant_desc *v;

	fprintf(out, "%-9s %-78s %-44s %s\n", "VARIANT", "WHAT CHANGES", "ORIGIN", "EXPECTED ORACLE");
	for (v = variant_table; v->name; v++)
		fprintf(out, "%-9s %-78s %-44s %s\n", v->name, v->what, v->origin, v->oracle);
}

/*
 * A name, or several joined by '+' ("h2-only+f1-fix"): the union of their
 * sites, e.g. a historical bug with a later fix applied beside it.
 */
int variant_select(const char *name)
{
	const struct variant_desc *v;
	unsigned long mask = 0;
	char part[64];
	const char *p = name;
	size_t n;

	if (!*p)
		goto bad;
	for (;;) {
		n = strcspn(p, "+");
		if (!n || n >= sizeof(part))
			goto bad;
		memcpy(part, p, n);
		part[n] = '\0';
		v = variant_lookup(part);
		if (!v)
			goto bad;
		mask |= v->sites;
		if (!p[n])
			break;
		p += n + 1;
	}
	snprintf(selected_name, sizeof(selected_name), "%s", name);
	variant_mask = mask;
	return 0;

bad:
	fprintf(stderr, "unknown variant '%s'; valid variants (join several with '+'):\n", name);
	for (v = variant_table; v->name; v++)
		fprintf(stderr, "  %-9s %s\n", v->name, v->what);
	return -EINVAL;
}

int variant_select_from_env(void)
{
	const char *name = getenv("SHEAF_VARIANT");

	return variant_select(name && *name ? name : "fixed");
}

const char *variant_name(void)
{
	return selected_name;
}

void variant_reset_hits(void)
{
	memset(variant_site_hits, 0, sizeof(variant_site_hits));
}
