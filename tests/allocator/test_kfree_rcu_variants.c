// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_variants.c - one case per entry of variant_table: a
 * scenario that reaches the variant's site(s) (variant_site_hits[] moves
 * for every site the variant sets) and, where the model can show it
 * without a race, the oracle that catches it.  The same scenario run on
 * "fixed" stays silent, so each case also says what "caught" means.
 *
 *   variant   oracle shown here
 *   fixed     none: no report, no slab error, barrier contract holds
 *   pre-seed  none functional; the destroy flushes every sheaf cache (more
 *             flush works than "fixed", another cache's rcu_free gone)
 *   seed-v3   barrier contract; "Objects remaining" with the quarantine
 *   h1-only   the same
 *   h2-only   site only; the escape needs hotplug: test_kfree_rcu_races
 *   m3        lockdep: circular dependency on kvfree_rcu_barrier()
 *   m5        "Objects remaining" and the destroy's WARN (batched path)
 *   m6        barrier contract (batched path); "Objects remaining"
 *   m7        barrier contract (sheaf path and list path)
 *   m8        barrier contract: a queued flush not waited for
 *   m9        site only: equivalent in the model (see its case)
 *   m10       site only here; escape search: test_kfree_rcu_races
 *   m11       barrier contract after cpu_down(); "Objects remaining"
 *   m12       site only here (ASan: test_kfree_rcu_death)
 *   m13       site only alone (masked by the on-cache rcu_barrier());
 *             with h1 on top: "Objects remaining" even without quarantine
 *   m14       RCU reader oracle: the object is reused inside a reader
 *   m15       ODEBUG: call_rcu() of a queued rcu_head
 *   m16       site only here (SEGV on a memoryless node: death test)
 *   m17       lockdep circular dependency / sim deadlock report
 *   m18       check_flush_dependency() report
 *   m19       site only here; escape search: test_kfree_rcu_races
 *   m20       site only here; escape search: test_kfree_rcu_races
 *   m21       barrier contract: a parked rcu sheaf outlives both barriers
 *   kmalloc-unlisted  kvfree_rcu_barrier() misses a kmalloc cache's rcu sheaf
 *   m22       model_cache_validate() -EUCLEAN and the automatic check
 *   deferred-barrier-after-shutdown
 *             "Objects remaining": a deferred kfree_nolock() object
 *   h3        lockdep: Invalid wait context, kfree_rcu() under a raw lock
 *   alias-destroy-no-barrier  the alias's destroy leaves its object pending;
 *             alone harmless (the last destroy waits); the race of two
 *             destroys: corpus/regressions/alias-destroy-no-barrier/
 *   rcu-debug-no-destroy-barrier
 *             "Objects remaining": a SLUB_RCU_DEBUG free of a TYPESAFE
 *             object still waits for its grace period at the shutdown
 *
 * test_every_variant_has_a_case fails when variant_table grows an entry
 * this file does not know.
 *
 * Run: ctest -R kfree_rcu_variants, or test_kfree_rcu_variants_sim [case...].
 */
#include "rcu_test.h"

#define CAP	4

static bool start(struct ktest *t, const char *variant, bool quarantine)
{
	struct rt_env e = RT_ENV_DEFAULT;

	e.variant = variant;
	e.quarantine = quarantine;
	if (!rt_start(&e)) {
		KEXPECT(t, false);
		return false;
	}
	return true;
}

/* Every site the selected variant sets was evaluated at least once. */
static void expect_sites_reached(struct ktest *t, const char *name)
{
	const struct variant_desc *v = variant_lookup(name);
	unsigned int site;

	KASSERT(t, v);
	for (site = 0; site < NR_VARIANT_SITES; site++) {
		if (!((v->sites >> site) & 1))
			continue;
		if (!variant_site_hits[site]) {
			fprintf(stderr, "    variant %s: site %u never reached\n", name, site);
			t->failures++;
		}
	}
}

/* ------------------------------------------------------------------ */

/* Partial rcu_free sheaves on two vCPUs, a full one, a batched object. */
static void test_fixed(struct ktest *t)
{
	struct kmem_cache *s, *plain;

	if (!start(t, "fixed", true))
		return;
	s = rt_cache("v_fixed", CAP, 0);
	plain = rt_cache("v_fixed_plain", 0, 0);
	KASSERT(t, s && plain);
	rt_kfree_rcu_on(t, s, 1, CAP + 1, NULL);
	rt_kfree_rcu_on(t, s, 2, 1, NULL);
	rt_kfree_rcu_on(t, plain, 3, 2, NULL);
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	kmem_cache_destroy(plain);
	KEXPECT_EQ(t, variant_mask, 0);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * Destroy @s while @other has a partial rcu_free sheaf on vCPU 1; returns
 * the flush works run by the destroy, and whether @other's sheaf survived.
 */
static unsigned long destroy_beside_other(struct ktest *t, const char *variant, bool *kept)
{
	struct kmem_cache *s, *other;
	unsigned long works;

	if (!start(t, variant, false))
		return 0;
	s = rt_cache("v_destroyed", CAP, 0);
	other = rt_cache("v_other", CAP, 0);
	KEXPECT(t, s && other);
	rt_kfree_rcu_on(t, s, 2, 1, NULL);
	rt_kfree_rcu_on(t, other, 1, 1, NULL);
	works = rt_works_run();
	kmem_cache_destroy(s);
	works = rt_works_run() - works;
	*kept = rt_rcu_free_size(other, 1) == 1;
	kmem_cache_destroy(other);
	RT_EXPECT_CLEAN(t);
	if (strcmp(variant, "fixed"))
		expect_sites_reached(t, variant);
	rt_stop();
	return works;
}

/* ec66e0d59952: correct, but every destroy flushes every sheaf cache (H4). */
static void test_pre_seed(struct ktest *t)
{
	bool kept_fixed = false, kept_pre = true;
	unsigned long fixed = destroy_beside_other(t, "fixed", &kept_fixed);
	unsigned long pre = destroy_beside_other(t, "pre-seed", &kept_pre);

	printf("# flush works per destroy: fixed %lu, pre-seed %lu\n", fixed, pre);
	KEXPECT(t, kept_fixed);
	KEXPECT(t, !kept_pre);
	KEXPECT(t, pre > fixed);
}

/* The barrier leaves the object in flight; the destroy fails under KASAN. */
static void run_h1(struct ktest *t, const char *variant)
{
	struct kmem_cache *s;

	if (!start(t, variant, true))
		return;
	s = rt_cache("v_h1", 32, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 0, 1, NULL);
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 1);		/* contract broken */
	expect_sites_reached(t, variant);
	vcpu_quiesce();
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();

	if (!start(t, variant, true))
		return;
	s = rt_cache("v_h1", 32, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 0, 1, NULL);
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, rt_reports_matching("Objects remaining on __kmem_cache_shutdown()"), 1);
	KEXPECT_EQ(t, rt_reports_matching("Slab cache still has objects"), 1);
	KEXPECT_EQ(t, model_slab_errors(), 2);
	rt_stop();
}

static void test_seed_v3(struct ktest *t)
{
	run_h1(t, "seed-v3");
}

static void test_h1_only(struct ktest *t)
{
	run_h1(t, "h1-only");
}

/* The site is the hotplug lock around the flush; the race is elsewhere. */
static void test_h2_only(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "h2-only", true))
		return;
	s = rt_cache("v_h2", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "h2-only");
	/* without a concurrent cpu_down() nothing goes wrong */
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* The assertion the fix of H2 added fires on the posted patch, at the first barrier. */
static void test_h2_assert(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "h2-assert", false))
		return;
	s = rt_cache("v_h2a", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "h2-assert");
	KEXPECT(t, rt_reports_matching("lockdep_assert_cpus_held") >= 1);
	rt_stop();
}

/* The rejected fix of H2: slab_mutex -> cpu_hotplug_lock, the reverse of the order. */
static void test_m3(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m3", false))
		return;
	s = rt_cache("v_m3", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kvfree_rcu_barrier();
	expect_sites_reached(t, "m3");
	KEXPECT(t, rt_reports_matching("possible circular locking dependency detected") >= 1);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	rt_stop();
}

/* No barrier in the destroy: a krcp object is still LIVE at shutdown. */
static void test_m5(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m5", false))
		return;
	s = rt_cache("v_m5", 0, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m5");
	KEXPECT_EQ(t, rt_reports_matching("Objects remaining on __kmem_cache_shutdown()"), 1);
	KEXPECT_EQ(t, rt_reports_matching("Slab cache still has objects"), 1);
	rt_stop();
}

/* The on-cache barrier forgets the batched path. */
static void test_m6(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m6", false))
		return;
	s = rt_cache("v_m6", 0, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 2, NULL);
	kvfree_rcu_barrier_on_cache(s);
	expect_sites_reached(t, "m6");
	KEXPECT_EQ(t, rt_pending(t, s), 2);		/* contract broken */
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, rt_reports_matching("Objects remaining on __kmem_cache_shutdown()"), 1);
	rt_stop();
}

/* A plain rcu_barrier(): partial sheaves and krcp lists are not RCU callbacks. */
static void test_m7(struct ktest *t)
{
	struct kmem_cache *s, *plain;

	if (!start(t, "m7", false))
		return;
	s = rt_cache("v_m7", CAP, 0);
	plain = rt_cache("v_m7_plain", 0, 0);
	KASSERT(t, s && plain);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	rt_kfree_rcu_on(t, plain, 2, 1, NULL);
	kvfree_rcu_barrier_on_cache(s);
	kvfree_rcu_barrier_on_cache(plain);
	expect_sites_reached(t, "m7");
	KEXPECT_EQ(t, rt_pending(t, s), 1);
	KEXPECT_EQ(t, rt_pending(t, plain), 1);
	variant_select("fixed");
	kvfree_rcu_barrier();
	kmem_cache_destroy(s);
	kmem_cache_destroy(plain);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* The flushes are queued and never waited for: rcu_barrier() comes first. */
static void test_m8(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m8", false))
		return;
	s = rt_cache("v_m8", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kvfree_rcu_barrier_on_cache(s);
	expect_sites_reached(t, "m8");
	KEXPECT_EQ(t, rt_pending(t, s), 1);		/* contract broken */
	vcpu_quiesce();
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	/* a destroy under m8 leaves flush works queued past the release (death test) */
	variant_select("fixed");
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * M9 peeks at each vCPU's rcu_free and skips the NULL ones.  In the model
 * that is harmless: every place that clears rcu_free either calls
 * call_rcu() before anything else can run (__kfree_rcu_sheaf(),
 * __pcs_flush_all_cpu()) or runs under flush_lock, which the peeking
 * flusher holds too (flush_rcu_sheaf(), pcs_flush_all()); so a NULL seen
 * under flush_lock never hides a sheaf that is not yet queued.  The kernel's
 * window (a remote reader seeing the NULL store before the same CPU's
 * call_rcu()) needs memory-level concurrency the sim does not have.
 */
static void test_m9(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m9", false))
		return;
	s = rt_cache("v_m9", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kvfree_rcu_barrier_on_cache(s);
	expect_sites_reached(t, "m9");
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* Reached by every sheaf that fills up; the window needs a second task. */
static void test_m10(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m10", false))
		return;
	s = rt_cache("v_m10", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, CAP, NULL);
	KEXPECT_EQ(t, vcpu_rcu_pending_callbacks(), 1);	/* still submitted, only later */
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m10");
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * The dead vCPU keeps its partial rcu_free sheaf: no flush reaches an
 * offline vCPU, so the barrier returns with the object pending, and the
 * destroy finds it in use.
 */
static void test_m11(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m11", false))
		return;
	s = rt_cache("v_m11", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 2, NULL);
	KEXPECT_EQ(t, cpu_down(1), 0);
	expect_sites_reached(t, "m11");
	KEXPECT_EQ(t, rt_rcu_free_size(s, 1), 2);
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 2);		/* contract broken */

	/* back on "fixed", the vCPU comes up and the next barrier finds it */
	variant_select("fixed");
	KEXPECT_EQ(t, cpu_up(1), 0);
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* A TYPESAFE cache destroyed with no slab: the site, no callback to run late. */
static void test_m12(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m12", false))
		return;
	s = rt_cache("v_m12", CAP, SLAB_TYPESAFE_BY_RCU);
	KASSERT(t, s);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m12");
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * After b55b423e8518 the shutdown's rcu_barrier() only matters for sheaves
 * submitted after the barrier, i.e. a kfree_rcu() racing with the destroy
 * (a caller bug): alone, m13 changes nothing.  Under h1 it was the safety
 * net that hid the bug without KASAN: with both, the late callback comes
 * after the partial lists were checked, quarantine or not.
 */
static void test_m13(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m13", false))
		return;
	s = rt_cache("v_m13", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m13");
	RT_EXPECT_CLEAN(t);
	rt_stop();

	if (!start(t, "m13", false))
		return;
	variant_mask |= 1UL << VS_H1_NO_RCU_BARRIER;
	s = rt_cache("v_m13_h1", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, rt_reports_matching("Objects remaining on __kmem_cache_shutdown()"), 1);
	variant_select("fixed");
	rt_stop();

	/* and h1 alone without quarantine is masked by the shutdown barrier */
	if (!start(t, "h1-only", false))
		return;
	s = rt_cache("v_h1_masked", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * The sheaf reaches the barn without a grace period: inside a reader that
 * started before the kfree_rcu()s, an allocation hands one of them out.
 */
static void test_m14(struct ktest *t)
{
	struct robj *objs[CAP], *q;
	struct kmem_cache *s;
	unsigned long gps;
	unsigned int i;
	bool reused = false;

	if (!start(t, "m14", false))
		return;
	s = rt_cache("v_m14", CAP, 0);
	KASSERT(t, s);
	for (i = 0; i < CAP; i++)
		KASSERT(t, objs[i] = kmem_cache_alloc(s, GFP_NOWAIT));
	gps = rt_gps();

	rcu_read_lock();
	for (i = 0; i < CAP; i++)
		kfree_rcu(objs[i], rcu);
	q = kmem_cache_alloc(s, GFP_NOWAIT);
	for (i = 0; i < CAP; i++)
		reused |= q == objs[i];
	rcu_read_unlock();

	expect_sites_reached(t, "m14");
	KEXPECT_EQ(t, rt_gps(), gps);
	KEXPECT_EQ(t, model_cache_stat(s, BARN_PUT), 1);
	KEXPECT(t, reused);				/* the RCU reader oracle */
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
	rt_stop();
}

/*
 * flush_rcu_sheaf() submits the sheaf and leaves it installed; a shrink
 * before the grace period finds it again and hands the same rcu_head to
 * call_rcu() a second time.
 */
static void test_m15(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m15", false))
		return;
	s = rt_cache("v_m15", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 0, 1, NULL);
	cpus_read_lock();
	flush_rcu_sheaves_on_cache(s);		/* the barrier's first step */
	cpus_read_unlock();
	expect_sites_reached(t, "m15");
	KEXPECT_EQ(t, rt_rcu_free_size(s, 0), 1);	/* still installed, and queued */
	kmem_cache_shrink(s);
	KEXPECT(t, rt_reports_matching("ODEBUG: activate active object type: rcu_head") >= 1);
	KEXPECT(t, rt_reports_matching("sheaf in two states") >= 1);
	variant_select("fixed");
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	rt_stop();
}

/* Every full-sheaf callback evaluates the site; harmless on a node with memory. */
static void test_m16(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m16", false))
		return;
	s = rt_cache("v_m16", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, CAP, NULL);
	vcpu_rcu_gp();
	expect_sites_reached(t, "m16");
	KEXPECT_EQ(t, model_cache_stat(s, BARN_PUT), 1);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * The flush work takes slab_mutex.  kmem_cache_destroy() alone closes the
 * cycle in lockdep's graph (slab_mutex -> flush_lock under shutdown,
 * flush_lock -> the work under the barrier's flush_work(), the work ->
 * slab_mutex); kvfree_rcu_barrier() deadlocks for real, holding slab_mutex
 * while it waits for the works, and the sim reports that too (then gives
 * the waiter up, so the run goes on).
 */
static void test_m17(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m17", false))
		return;
	s = rt_cache("v_m17", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m17");
	KEXPECT_EQ(t, rt_reports_matching("possible circular locking dependency detected"), 1);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	rt_stop();

	if (!start(t, "m17", false))
		return;
	s = rt_cache("v_m17", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kvfree_rcu_barrier();
	KEXPECT(t, rt_reports_matching("possible circular locking dependency detected") >= 1);
	KEXPECT(t, rt_reports_matching("deadlock") >= 1);
	vcpu_quiesce();
	kmem_cache_destroy(s);
	rt_stop();
}

struct destroy_work {
	struct work_struct work;
	struct kmem_cache *s;
};

static void destroy_fn(struct work_struct *w)
{
	kmem_cache_destroy(container_of(w, struct destroy_work, work)->s);
}

/* slub_kunit's test_kfree_rcu_wq_destroy meets a flushwq without WQ_MEM_RECLAIM. */
static void test_m18(struct ktest *t)
{
	struct workqueue_struct *wq;
	struct destroy_work dw;

	if (!start(t, "m18", false))
		return;
	wq = alloc_workqueue("test_kfree_rcu_destroy_wq", WQ_HIGHPRI | WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	KASSERT(t, wq);
	dw.s = rt_cache("v_m18", CAP, 0);
	KASSERT(t, dw.s);
	rt_kfree_rcu_on(t, dw.s, 1, 1, NULL);
	INIT_WORK(&dw.work, destroy_fn);
	queue_work(wq, &dw.work);
	flush_work(&dw.work);
	destroy_workqueue(wq);
	expect_sites_reached(t, "m18");
	KEXPECT(t, rt_reports_matching("WQ_MEM_RECLAIM flushing !WQ_MEM_RECLAIM") >= 1);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	rt_stop();
}

/* Reached by every on-cache flush; the damage needs a concurrent flusher. */
static void test_m19(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m19", false))
		return;
	s = rt_cache("v_m19", CAP, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m19");
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* Reached by every batched barrier; the damage needs a running monitor. */
static void test_m20(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "m20", false))
		return;
	s = rt_cache("v_m20", 0, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 1, NULL);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "m20");
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/* The first blocking allocation parks the old main sheaf, uncounted. */
static void test_m22(struct ktest *t)
{
	struct kmem_cache *s;
	void *o;

	if (!start(t, "m22", false))
		return;
	s = rt_cache("v_m22", CAP, 0);
	KASSERT(t, s);
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, o);
	expect_sites_reached(t, "m22");
	KEXPECT_EQ(t, model_cache_validate(s, 1), -EUCLEAN);
	KEXPECT(t, model_check_failures() > 0);
#if SHEAF_DEBUG_LEVEL >= 1
	/* the report comes from the check at the allocation's exit */
	KEXPECT(t, rt_reports_matching("slab structure check failed") >= 1);
#endif
	kmem_cache_free(s, o);
	kmem_cache_destroy(s);
	rt_stop();
}

/*
 * kfree_rcu_nolock() with interrupts off fills the rcu sheaf of vCPU 1,
 * which is parked for the irq_work; neither barrier waits for that irq_work
 * before its rcu_barrier(), so both return with the objects pending.
 */
static void test_m21(struct ktest *t)
{
	struct kmem_cache *s;
	unsigned long flags;
	unsigned int i;

	if (!start(t, "m21", false))
		return;
	s = rt_cache("v_m21", CAP, 0);
	KASSERT(t, s);
	vcpu_migrate(1);
	for (i = 0; i < CAP; i++) {
		struct robj *o = kmem_cache_alloc(s, GFP_KERNEL);

		KASSERT(t, o);
		local_irq_save(flags);
		kfree_rcu_nolock(o, rcu);
		local_irq_restore(flags);
	}
	vcpu_migrate(0);
	kvfree_rcu_barrier_on_cache(s);
	KEXPECT_EQ(t, rt_pending(t, s), CAP);		/* contract broken */
	kvfree_rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, s), CAP);		/* and again */
	expect_sites_reached(t, "m21");
	deferred_work_barrier();
	rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * A cache without sheaves: kfree_nolock() always defers.  The destroy waits
 * for the irq_work only after the shutdown counted the object in its slab.
 */
static void test_deferred_barrier_after_shutdown(struct ktest *t)
{
	struct kmem_cache *s;
	struct robj *o;

	if (!start(t, "deferred-barrier-after-shutdown", false))
		return;
	s = rt_cache("v_deferred", 0, 0);
	KASSERT(t, s);
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KASSERT(t, o);
	kfree_nolock(o);
	kmem_cache_destroy(s);
	expect_sites_reached(t, "deferred-barrier-after-shutdown");
	KEXPECT_EQ(t, rt_reports_matching("Objects remaining on __kmem_cache_shutdown()"), 1);
	rt_stop();
}

/*
 * F1's proposed fix: the shrinker's scan still frees what is ready, now
 * through the monitor work, and a barrier after it leaves nothing pending.
 */
static void test_f1_fix(struct ktest *t)
{
	struct shrink_control sc = { .nr_to_scan = 128 };
	struct kmem_cache *s;

	if (!start(t, "f1-fix", false))
		return;
	s = rt_cache("v_f1", 0, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 2, NULL);
	vcpu_rcu_gp();
	vcpu_rcu_gp();
	KEXPECT(t, kfree_rcu_shrink_count(&sc) != SHRINK_EMPTY);
	kfree_rcu_shrink_scan(&sc);
	expect_sites_reached(t, "f1-fix");
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * f2-fix: the batched barrier passes every krcp->lock before it flushes
 * that CPU's batches.  Alone it must behave as fixed: a batched object is
 * given back by the barrier, nothing is reported.  (The race it closes
 * needs two barriers on two threads; stress finds it, docs/findings.md.)
 */
static void test_f2_fix(struct ktest *t)
{
	struct kmem_cache *s;

	if (!start(t, "f2-fix", false))
		return;
	s = rt_cache("v_f2", 0, 0);
	KASSERT(t, s);
	rt_kfree_rcu_on(t, s, 1, 2, NULL);
	kvfree_rcu_barrier_on_cache(s);
	expect_sites_reached(t, "f2-fix");
	KEXPECT_EQ(t, rt_pending(t, s), 0);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

/*
 * The mutant typesafe-slab-now frees a SLAB_TYPESAFE_BY_RCU slab's pages at
 * discard_slab() time: __free_slab() reports it at once, where fixed waits
 * for rcu_free_slab() after a grace period and stays silent.
 */
static unsigned int typesafe_slab_reports(struct ktest *t, const char *variant)
{
	const char *title = "SLAB_TYPESAFE_BY_RCU contract: slab freed before a grace period";
	struct kmem_cache *s;
	unsigned int n;
	void *o;

	if (!start(t, variant, false))
		return 0;
	s = rt_cache("v_typesafe_slab", 0, SLAB_TYPESAFE_BY_RCU);
	if (!s) {
		KEXPECT(t, s);
		rt_stop();
		return 0;
	}
	o = kmem_cache_alloc(s, GFP_KERNEL);
	KEXPECT(t, o);
	if (o)
		kmem_cache_free(s, o);
	kmem_cache_destroy(s);		/* free_partial() discards the empty slab */
	n = rt_reports_matching(title);
	if (strcmp(variant, "fixed"))
		expect_sites_reached(t, variant);
	else
		RT_EXPECT_CLEAN(t);
	rt_stop();
	return n;
}

static void test_typesafe_slab_now(struct ktest *t)
{
	KEXPECT_EQ(t, typesafe_slab_reports(t, "fixed"), 0);
	KEXPECT(t, typesafe_slab_reports(t, "typesafe-slab-now") >= 1);
}

/*
 * ctor-init-on-free: with the constructor exclusion forgotten, a free wipes
 * the constructed state, and the object comes back zeroed; fixed keeps it.
 * (No quarantine: the freed object is the next one pcs->main hands out.)
 */
static void ctor_fill(void *obj)
{
	memset(obj, 0xc7, sizeof(struct robj));
}

static bool ctor_state_kept(struct ktest *t, const char *variant)
{
	struct kmem_cache_args args = {
		.sheaf_capacity = CAP,
		.model_default_sheaf_capacity = CAP,
		.ctor = ctor_fill,
	};
	struct kmem_cache *s;
	unsigned char *o, *again;
	bool kept;

	if (!start(t, variant, false))
		return false;
	s = kmem_cache_create("v_ctor", sizeof(struct robj), &args, SLAB_NO_MERGE);
	o = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	if (!o) {
		KEXPECT(t, o != NULL);
		rt_stop();
		return false;
	}
	KEXPECT_EQ(t, o[0], 0xc7);
	kmem_cache_free(s, o);
	again = kmem_cache_alloc(s, GFP_KERNEL);
	if (!again) {
		KEXPECT(t, again != NULL);
		rt_stop();
		return false;
	}
	KEXPECT(t, again == o);
	kept = again[0] == 0xc7 && again[sizeof(struct robj) - 1] == 0xc7;
	if (strcmp(variant, "fixed"))
		expect_sites_reached(t, variant);
	kmem_cache_free(s, again);
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
	return kept;
}

static void test_ctor_init_on_free(struct ktest *t)
{
	KEXPECT(t, ctor_state_kept(t, "fixed"));
	KEXPECT(t, !ctor_state_kept(t, "ctor-init-on-free"));
}

/*
 * F3's proposed fix: kmem_cache_shrink() of a cache whose sheaves hold
 * nothing anywhere still runs the flush work on every online vCPU, since
 * has_pcs_used() no longer looks; fixed skips them all.
 */
static unsigned long shrink_works(struct ktest *t, const char *variant)
{
	struct vcpu_stats before, after;
	struct kmem_cache *s;

	if (!start(t, variant, false))
		return 0;
	s = rt_cache("v_f3", CAP, 0);
	if (!s) {
		KEXPECT(t, s);
		rt_stop();
		return 0;
	}
	vcpu_get_stats(&before);
	kmem_cache_shrink(s);
	vcpu_get_stats(&after);
	if (!strcmp(variant, "f3-fix"))
		expect_sites_reached(t, "f3-fix");
	kmem_cache_destroy(s);
	RT_EXPECT_CLEAN(t);
	rt_stop();
	return after.works_run - before.works_run;
}

static void test_f3_fix(struct ktest *t)
{
	KEXPECT_EQ(t, shrink_works(t, "fixed"), 0);
	KEXPECT_EQ(t, shrink_works(t, "f3-fix"), (unsigned long)num_online_cpus());
}

static DEFINE_RAW_SPINLOCK(v_pi_lock);

/* kfree_rcu() under a raw_spinlock_t, into an rcu_free sheaf the barn gives. */
static unsigned int raw_locked_kfree_rcu(struct ktest *t, const char *variant)
{
	struct kmem_cache *s;
	struct robj *o;
	unsigned int reports;

	if (!start(t, variant, false))
		return 0;
	s = rt_cache("v_h3", CAP, 0);
	o = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	KEXPECT(t, o != NULL);
	if (!o) {
		kmem_cache_destroy(s);
		rt_stop();
		return 0;
	}
	raw_spin_lock(&v_pi_lock);
	kfree_rcu(o, rcu);
	raw_spin_unlock(&v_pi_lock);
	expect_sites_reached(t, variant);
	reports = rt_reports_matching("Invalid wait context");
	kmem_cache_destroy(s);
	rt_stop();
	return reports;
}

static void test_h3(struct ktest *t)
{
	KEXPECT_EQ(t, raw_locked_kfree_rcu(t, "fixed"), 0);
	KEXPECT_EQ(t, raw_locked_kfree_rcu(t, "h3"), 1);
}

/*
 * Two references of one merged cache; a kfree_rcu() object on vCPU 1.
 * Returns what is still pending after the first destroy; the second one
 * waits for it either way.
 */
static long alias_destroy_pending(struct ktest *t, const char *variant)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache_args args = { .model_default_sheaf_capacity = CAP };
	struct kmem_cache *s, *alias;
	long pending;

	e.variant = variant;
	e.merge = true;
	if (!rt_start(&e)) {
		KEXPECT(t, false);
		return -1;
	}
	s = kmem_cache_create("v_merged", sizeof(struct robj), &args, 0);
	alias = kmem_cache_create("v_alias", sizeof(struct robj), &args, 0);
	KEXPECT(t, s && s == alias);
	if (!s || s != alias) {
		kmem_cache_destroy(alias);
		kmem_cache_destroy(s);
		rt_stop();
		return -1;
	}
	rt_kfree_rcu_on(t, alias, 1, 1, NULL);
	kmem_cache_destroy(alias);
	pending = rt_pending(t, s);
	kmem_cache_destroy(s);
	expect_sites_reached(t, variant);
	RT_EXPECT_CLEAN(t);
	rt_stop();
	return pending;
}

static void test_alias_destroy_no_barrier(struct ktest *t)
{
	KEXPECT_EQ(t, alias_destroy_pending(t, "fixed"), 0);
	KEXPECT_EQ(t, alias_destroy_pending(t, "alias-destroy-no-barrier"), 1);
}

/*
 * SLUB_RCU_DEBUG on, a TYPESAFE cache without sheaves (no rcu_barrier() in
 * its on-cache barrier): a free waits for slab_free_after_rcu_debug() and
 * a grace period resumes it; a free whose rcu_delayed_free allocation fails
 * is not deferred.  The last free is still deferred when the destroy
 * begins; returns the "Objects remaining" reports.
 */
static void rcu_debug_free_new(struct ktest *t, struct kmem_cache *s, bool fail_delayed)
{
	void *o = kmem_cache_alloc(s, GFP_KERNEL);

	KASSERT(t, o);
	if (fail_delayed)
		vcpu_fail_next(1);	/* kmalloc_obj(*delayed_free, GFP_NOWAIT) */
	kmem_cache_free(s, o);
}

static unsigned int rcu_debug_destroy_reports(struct ktest *t, const char *variant)
{
	struct kmem_cache *s, *plain;
	unsigned int n;

	if (!start(t, variant, false))
		return 0;
	/* only a TYPESAFE cache pins the setting */
	plain = rt_cache("v_rcu_debug_plain", 0, 0);
	KEXPECT(t, plain != NULL);
	KEXPECT_EQ(t, model_set_slub_rcu_debug(true), 0);
	kmem_cache_destroy(plain);
	s = rt_cache("v_rcu_debug", 0, SLAB_TYPESAFE_BY_RCU);
	if (!s) {
		KEXPECT(t, s);
		rt_stop();
		return 0;
	}
	KEXPECT_EQ(t, model_set_slub_rcu_debug(false), -EBUSY);
	KEXPECT(t, model_slub_rcu_debug());

	rcu_debug_free_new(t, s, false);
	KEXPECT_EQ(t, model_cache_rcu_pending(s), 1);
	vcpu_rcu_gp();
	KEXPECT_EQ(t, model_cache_rcu_pending(s), 0);

	rcu_debug_free_new(t, s, true);
	KEXPECT_EQ(t, model_cache_rcu_pending(s), 0);

	rcu_debug_free_new(t, s, false);
	KEXPECT_EQ(t, model_cache_rcu_pending(s), 1);
	kmem_cache_destroy(s);
	n = rt_reports_matching("Objects remaining on __kmem_cache_shutdown()");
	if (strcmp(variant, "fixed"))
		expect_sites_reached(t, variant);
	else
		RT_EXPECT_CLEAN(t);
	rt_stop();
	return n;
}

static void test_rcu_debug_no_destroy_barrier(struct ktest *t)
{
	KEXPECT_EQ(t, rcu_debug_destroy_reports(t, "fixed"), 0);
	KEXPECT_EQ(t, rcu_debug_destroy_reports(t, "rcu-debug-no-destroy-barrier"), 1);
}

/* ------------------------------------------------------------------ */

/*
 * kmalloc-unlisted: the kmalloc caches are not on slab_caches, so
 * flush_all_rcu_sheaves() never flushes their rcu sheaves and
 * kvfree_rcu_barrier() returns with a kfree_rcu()'d kmalloc object still
 * waiting; kvfree_rcu_barrier_on_cache(), which names the cache, still works.
 */
static void test_kmalloc_unlisted(struct ktest *t)
{
	struct rt_env e = RT_ENV_DEFAULT;
	struct kmem_cache *k;
	struct robj *o;

	e.variant = "kmalloc-unlisted";
	e.kmalloc_sizes = model_kmalloc_size_bit(sizeof(*o));
	if (!rt_start(&e)) {
		KEXPECT(t, false);
		return;
	}
	k = model_kmalloc_cache(sizeof(*o));
	KASSERT(t, k);
	o = kmalloc(sizeof(*o), GFP_KERNEL);
	KASSERT(t, o);
	kfree_rcu(o, rcu);
	kvfree_rcu_barrier();
	KEXPECT_EQ(t, rt_pending(t, k), 1);		/* contract broken */
	expect_sites_reached(t, "kmalloc-unlisted");
	kvfree_rcu_barrier_on_cache(k);
	KEXPECT_EQ(t, rt_pending(t, k), 0);
	RT_EXPECT_CLEAN(t);
	rt_stop();
}

struct variant_case {
	const char *name;
	void (*fn)(struct ktest *t);
};

static const struct variant_case variant_cases[] = {
	{ "fixed", test_fixed },	{ "pre-seed", test_pre_seed },
	{ "seed-v3", test_seed_v3 },	{ "h1-only", test_h1_only },
	{ "h2-only", test_h2_only },	{ "h2-assert", test_h2_assert },	{ "m3", test_m3 },
	{ "m5", test_m5 },		{ "m6", test_m6 },
	{ "m7", test_m7 },		{ "m8", test_m8 },
	{ "m9", test_m9 },		{ "m10", test_m10 },
	{ "m11", test_m11 },		{ "m12", test_m12 },
	{ "m13", test_m13 },		{ "m14", test_m14 },
	{ "m15", test_m15 },		{ "m16", test_m16 },
	{ "m17", test_m17 },		{ "m18", test_m18 },
	{ "m19", test_m19 },		{ "m20", test_m20 },
	{ "m21", test_m21 },		{ "m22", test_m22 },
	{ "deferred-barrier-after-shutdown", test_deferred_barrier_after_shutdown },
	{ "f1-fix", test_f1_fix },
	{ "f2-fix", test_f2_fix },
	{ "f3-fix", test_f3_fix },	{ "typesafe-slab-now", test_typesafe_slab_now },
	{ "ctor-init-on-free", test_ctor_init_on_free },
	{ "h3", test_h3 },		{ "alias-destroy-no-barrier", test_alias_destroy_no_barrier },
	{ "kmalloc-unlisted", test_kmalloc_unlisted },
	{ "rcu-debug-no-destroy-barrier", test_rcu_debug_no_destroy_barrier },
};

/* variant_table and this file agree, name for name. */
static void test_every_variant_has_a_case(struct ktest *t)
{
	const struct variant_desc *v;
	unsigned int i, nr_table = 0;

	for (v = variant_table; v->name; v++) {
		nr_table++;
		for (i = 0; i < ARRAY_SIZE(variant_cases); i++)
			if (!strcmp(variant_cases[i].name, v->name))
				break;
		if (i == ARRAY_SIZE(variant_cases)) {
			fprintf(stderr, "    variant %s has no case in %s\n", v->name, __FILE__);
			t->failures++;
		}
	}
	KEXPECT_EQ(t, nr_table, ARRAY_SIZE(variant_cases));
	for (i = 0; i < ARRAY_SIZE(variant_cases); i++)
		KEXPECT(t, variant_lookup(variant_cases[i].name) != NULL);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_every_variant_has_a_case),
	KTEST_CASE(test_fixed),
	KTEST_CASE(test_pre_seed),
	KTEST_CASE(test_seed_v3),
	KTEST_CASE(test_h1_only),
	KTEST_CASE(test_h2_only),
	KTEST_CASE(test_h2_assert),
	KTEST_CASE(test_m3),
	KTEST_CASE(test_m5),
	KTEST_CASE(test_m6),
	KTEST_CASE(test_m7),
	KTEST_CASE(test_m8),
	KTEST_CASE(test_m9),
	KTEST_CASE(test_m10),
	KTEST_CASE(test_m11),
	KTEST_CASE(test_m12),
	KTEST_CASE(test_m13),
	KTEST_CASE(test_m14),
	KTEST_CASE(test_m15),
	KTEST_CASE(test_m16),
	KTEST_CASE(test_m17),
	KTEST_CASE(test_m18),
	KTEST_CASE(test_m19),
	KTEST_CASE(test_m20),
	KTEST_CASE(test_m21),
	KTEST_CASE(test_m22),
	KTEST_CASE(test_deferred_barrier_after_shutdown),
	KTEST_CASE(test_f1_fix),
	KTEST_CASE(test_f2_fix),
	KTEST_CASE(test_f3_fix),
	KTEST_CASE(test_typesafe_slab_now),
	KTEST_CASE(test_ctor_init_on_free),
	KTEST_CASE(test_h3),
	KTEST_CASE(test_alias_destroy_no_barrier),
	KTEST_CASE(test_kmalloc_unlisted),
	KTEST_CASE(test_rcu_debug_no_destroy_barrier),
	{}
};

KTEST_MAIN("kfree_rcu_variants", cases)
