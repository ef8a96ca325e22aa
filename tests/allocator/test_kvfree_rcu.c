// SPDX-License-Identifier: GPL-2.0
/*
 * test_kvfree_rcu.c - the batched kvfree_rcu() path (allocator/kvfree_rcu.c)
 * on a cache without sheaves, so that kfree_rcu_sheaf() always declines.
 *
 * sim runs every case in inline mode: nothing moves unless the test ticks
 * jiffies, completes a grace period or runs work, so each case can count
 * exactly which channel, block, batch or fallback an object took.  The
 * threads backend runs only the cases that do not depend on timing.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ktest.h"
#include "check.h"
#define SHEAF_WHITE_BOX 1	/* reads the model's internals on purpose */
#include "kvfree_rcu.h"
#include "slab.h"
#include "variant.h"
#include "vmalloc.h"
#ifdef SHEAF_BACKEND_SIM
#include "sim.h"
#endif

struct tobj {
	unsigned long payload[4];
	struct rcu_head rcu;
};

static struct kmem_cache *cache;
static const struct sim_decider *test_decider;	/* sim: setup() installs it */

static void run_work_all(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		vcpu_run_work(cpu);
}

/* Fires the monitor (it was armed for KFREE_DRAIN_JIFFIES) and runs it. */
static void fire_monitor(void)
{
	vcpu_tick(KFREE_DRAIN_JIFFIES);
	run_work_all();
}

/* Grace periods until every queued rcu_work is queued as work, then run it. */
static void gp_and_work(void)
{
	vcpu_rcu_gp();
	vcpu_rcu_gp();
	run_work_all();
}

static struct model_kvfree_rcu_stats stats(void)
{
	struct model_kvfree_rcu_stats st;

	model_kvfree_rcu_get_stats(&st);
	return st;
}

static bool krc_idle(unsigned int cpu)
{
	struct kfree_rcu_cpu *krcp = &per_cpu(krc, cpu);
	int i, j;

	for (i = 0; i < FREE_N_CHANNELS; i++)
		if (!list_empty(&krcp->bulk_head[i]))
			return false;
	for (i = 0; i < KFREE_N_BATCHES; i++) {
		for (j = 0; j < FREE_N_CHANNELS; j++)
			if (!list_empty(&krcp->krw_arr[i].bulk_head_free[j]))
				return false;
		if (krcp->krw_arr[i].head_free)
			return false;
	}
	return !krcp->head && !krcp->head_count && !krcp->bulk_count[0] &&
	       !krcp->bulk_count[1];
}

static bool setup(struct ktest *t, unsigned int nr_cpus, enum vcpu_mode mode)
{
	struct kmem_cache_args args = { .sheaf_capacity = 0 };
	struct vcpu_config cfg;
	struct model_config mcfg;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = nr_cpus;
	cfg.mode = mode;
	cfg.decider = test_decider;
	if (vcpu_env_init(&cfg))
		return false;
	variant_select("fixed");
	model_config_default(&mcfg);
	if (model_slab_init(&mcfg))	/* kvfree_rcu_init() */
		return false;

	cache = kmem_cache_create("kvf_test", sizeof(struct tobj), &args,
				  SLAB_NO_MERGE | SLAB_NOLEAKTRACE);
	KEXPECT(t, cache && !model_cache_has_sheaves(cache));
	return cache != NULL;
}

/* Everything queued gets freed, the cache is destroyed, nothing survives. */
static void teardown(struct ktest *t)
{
	unsigned int cpu;

	__kvfree_rcu_barrier();
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		KEXPECT(t, krc_idle(cpu));
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 0);
	KEXPECT_EQ(t, model_vmalloc_nr_areas(), 0);
	kmem_cache_destroy(cache);
	cache = NULL;
	vcpu_quiesce();
	model_slab_exit();		/* kvfree_rcu_exit() */
	model_vmalloc_exit();
	vcpu_env_exit();
	variant_select("fixed");
}

static struct tobj *alloc_obj(struct ktest *t)
{
	struct tobj *o = kmem_cache_alloc(cache, GFP_KERNEL);

	KEXPECT(t, o != NULL);
	return o;
}

/* kfree_rcu() names its argument twice: never pass it an allocation. */
static void kfree_rcu_new(struct ktest *t)
{
	struct tobj *o = alloc_obj(t);

	kfree_rcu(o, rcu);
}

/* Needs the sim's virtual time and inline scheduling. */
#ifdef SHEAF_BACKEND_SIM
/* Headless: the block is allocated right away with GFP_KERNEL. */
static void test_headless_bulk_channel0(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;

	if (!setup(t, 2, VCPU_MODE_INLINE))
		return;
	kfree_rcu_mightsleep(alloc_obj(t));
	kfree_rcu_mightsleep(alloc_obj(t));
	st = stats();
	KEXPECT_EQ(t, st.bulk_objs[0], 2);
	KEXPECT_EQ(t, st.blocks_allocated, 1);
	KEXPECT_EQ(t, per_cpu(krc, 0).bulk_count[0], 2);
	KEXPECT(t, delayed_work_pending(&per_cpu(krc, 0).monitor_work));

	fire_monitor();
	st = stats();
	KEXPECT_EQ(t, st.monitor_runs, 1);
	KEXPECT_EQ(t, st.batches_queued, 1);
	KEXPECT_EQ(t, st.freed_objs, 0);	/* the batch waits for its grace period */

	gp_and_work();
	st = stats();
	KEXPECT_EQ(t, st.work_runs, 1);
	KEXPECT_EQ(t, st.freed_objs, 2);
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 1);	/* the block page is kept */
	KEXPECT(t, krc_idle(0));
	teardown(t);
}
#endif

/*
 * Two-argument kfree_rcu() never allocates a block: with an empty page
 * cache it takes channel 3 and kicks the refill; once filled, channel 0.
 */
static void test_headed_list_then_cached_block(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;
	struct tobj *a, *b;

	if (!setup(t, 2, VCPU_MODE_INLINE))
		return;
	a = alloc_obj(t);
	kfree_rcu(a, rcu);
	st = stats();
	KEXPECT_EQ(t, st.list_objs, 1);
	KEXPECT_EQ(t, st.bulk_objs[0], 0);
	KEXPECT(t, per_cpu(krc, 0).head == &a->rcu);
	KEXPECT(t, (void *)(uintptr_t)a->rcu.func == (void *)a);

	run_work_all();		/* fill_page_cache_func() */
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 5);
	KEXPECT_EQ(t, stats().pages_filled, 5);

	b = alloc_obj(t);
	kfree_rcu(b, rcu);
	st = stats();
	KEXPECT_EQ(t, st.bulk_objs[0], 1);
	KEXPECT_EQ(t, st.blocks_cached, 1);
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 4);

	fire_monitor();
	gp_and_work();
	KEXPECT_EQ(t, stats().freed_objs, 2);
	KEXPECT(t, krc_idle(0));
	teardown(t);
}

/* vmalloc areas: channel 1 for headless, channel 3 (then kvfree) for headed. */
static void test_vmalloc_channel1(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;
	struct tobj *v;

	if (!setup(t, 2, VCPU_MODE_INLINE))
		return;
	v = vmalloc(3 * PAGE_SIZE);
	KASSERT(t, v && is_vmalloc_addr(v) && is_vmalloc_addr((char *)v + 2 * PAGE_SIZE));
	kfree_rcu_mightsleep(v);
	st = stats();
	KEXPECT_EQ(t, st.bulk_objs[1], 1);
	KEXPECT_EQ(t, per_cpu(krc, 0).bulk_count[1], 1);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 1);

	/* vCPU 1 has no block and no cached page: channel 3. */
	vcpu_migrate(1);
	v = vmalloc(sizeof(*v));
	KASSERT(t, v != NULL);
	kfree_rcu(v, rcu);
	KEXPECT_EQ(t, stats().list_objs, 1);
	KEXPECT(t, per_cpu(krc, 1).head == &v->rcu);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 2);
	vcpu_migrate(0);

	fire_monitor();
	gp_and_work();
	KEXPECT_EQ(t, stats().freed_objs, 2);
	KEXPECT_EQ(t, model_vmalloc_rcu_pending, 0);
	KEXPECT_EQ(t, model_vmalloc_nr_areas(), 0);
	teardown(t);
}

/* Needs the sim: on threads the refill work races with the frees. */
#ifdef SHEAF_BACKEND_SIM
/* The refill fails too: headed objects keep taking channel 3. */
static void test_list_channel_when_fill_fails(struct ktest *t)
{
	int i;

	if (!setup(t, 1, VCPU_MODE_INLINE))
		return;
	kfree_rcu_new(t);
	vcpu_fail_next_blocking(1);	/* fill_page_cache_func()'s first page */
	run_work_all();
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 0);
	for (i = 0; i < 3; i++)
		kfree_rcu_new(t);
	KEXPECT_EQ(t, stats().list_objs, 4);
	KEXPECT_EQ(t, per_cpu(krc, 0).head_count, 4);

	fire_monitor();
	gp_and_work();
	KEXPECT_EQ(t, stats().freed_objs, 4);
	teardown(t);
}
#endif

/* Headless with no page: synchronize_rcu() and kvfree() before returning. */
static void test_headless_inline_fallback(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;
	struct vcpu_stats vs;
	unsigned long gps;
	struct tobj *o;

	if (!setup(t, 2, VCPU_MODE_INLINE))
		return;
	o = alloc_obj(t);
	vcpu_get_stats(&vs);
	gps = vs.gps_completed;
	vcpu_fail_next_blocking(1);	/* the block's __get_free_page() */
	kfree_rcu_mightsleep(o);
	st = stats();
	vcpu_get_stats(&vs);
	KEXPECT_EQ(t, st.inline_objs, 1);
	KEXPECT_EQ(t, st.block_alloc_failed, 1);
	KEXPECT_EQ(t, st.freed_objs, 1);
	KEXPECT(t, vs.gps_completed > gps);
	KEXPECT(t, krc_idle(0));
	teardown(t);
}

/* Needs the sim's virtual time and inline scheduling. */
#ifdef SHEAF_BACKEND_SIM
/* The monitor waits KFREE_DRAIN_JIFFIES, not a jiffy less. */
static void test_monitor_after_drain_jiffies(struct ktest *t)
{
	if (!setup(t, 1, VCPU_MODE_INLINE))
		return;
	kfree_rcu_mightsleep(alloc_obj(t));
	vcpu_tick(KFREE_DRAIN_JIFFIES - 1);
	run_work_all();
	KEXPECT_EQ(t, stats().monitor_runs, 0);
	vcpu_tick(1);
	run_work_all();
	KEXPECT_EQ(t, stats().monitor_runs, 1);
	KEXPECT_EQ(t, stats().batches_queued, 1);
	gp_and_work();
	KEXPECT_EQ(t, stats().freed_objs, 1);
	teardown(t);
}
#endif

/* Needs the sim's virtual time and inline scheduling. */
#ifdef SHEAF_BACKEND_SIM
/* A full block's worth brings the monitor forward to one jiffy. */
static void test_monitor_shortened_when_block_full(struct ktest *t)
{
	unsigned long i, n = KVFREE_BULK_MAX_ENTR + 1;

	if (!setup(t, 1, VCPU_MODE_INLINE))
		return;
	for (i = 0; i < n; i++)
		kfree_rcu_mightsleep(alloc_obj(t));
	KEXPECT_EQ(t, stats().blocks_allocated, 2);
	KEXPECT_EQ(t, per_cpu(krc, 0).bulk_count[0], n);
	vcpu_tick(1);
	run_work_all();
	KEXPECT_EQ(t, stats().monitor_runs, 1);
	KEXPECT_EQ(t, stats().batches_queued, 1);
	gp_and_work();
	KEXPECT_EQ(t, stats().freed_objs, n);
	teardown(t);
}
#endif

/* Needs the sim's virtual time and inline scheduling. */
#ifdef SHEAF_BACKEND_SIM
/* Blocks whose snapshot already completed are freed by the monitor itself. */
static void test_drain_ready(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;
	struct tobj *o;

	if (!setup(t, 1, VCPU_MODE_INLINE))
		return;
	o = alloc_obj(t);
	kfree_rcu(o, rcu);		/* channel 3: no block, no cached page */
	kfree_rcu_mightsleep(alloc_obj(t));	/* channel 0, new block */
	KEXPECT_EQ(t, stats().list_objs, 1);
	KEXPECT_EQ(t, stats().bulk_objs[0], 1);
	vcpu_rcu_gp();
	vcpu_rcu_gp();
	fire_monitor();
	st = stats();
	KEXPECT_EQ(t, st.ready_objs, 2);
	KEXPECT_EQ(t, st.freed_objs, 2);
	KEXPECT_EQ(t, st.batches_queued, 0);
	KEXPECT(t, krc_idle(0));
	teardown(t);
}
#endif

static void test_barrier_nothing_to_offload(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;

	if (!setup(t, 4, VCPU_MODE_INLINE))
		return;
	__kvfree_rcu_barrier();
	st = stats();
	KEXPECT_EQ(t, st.barriers, 1);
	KEXPECT_EQ(t, st.barrier_offloads, 0);
	KEXPECT_EQ(t, st.batches_queued, 0);
	teardown(t);
}

/* Objects pending on three vCPUs are all freed when the barrier returns. */
static void test_barrier_several_cpus(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;
	unsigned int cpu;

	if (!setup(t, 4, VCPU_MODE_INLINE))
		return;
	for (cpu = 0; cpu < 3; cpu++) {
		vcpu_migrate(cpu);
		kfree_rcu_new(t);		/* channel 3 */
		kfree_rcu_mightsleep(alloc_obj(t));	/* channel 0 */
		KEXPECT_EQ(t, per_cpu(krc, cpu).bulk_count[0], 1);
		KEXPECT_EQ(t, per_cpu(krc, cpu).head_count, 1);
	}
	vcpu_migrate(0);
	__kvfree_rcu_barrier();
	st = stats();
	KEXPECT_EQ(t, st.barrier_offloads, 3);
	KEXPECT_EQ(t, st.batches_queued, 3);
	KEXPECT_EQ(t, st.barrier_retries, 0);
	KEXPECT_EQ(t, st.freed_objs, 6);
	for (cpu = 0; cpu < 4; cpu++) {
		KEXPECT(t, krc_idle(cpu));
		KEXPECT(t, !delayed_work_pending(&per_cpu(krc, cpu).monitor_work));
	}
	teardown(t);
}

/* Needs the sim's virtual time and inline scheduling. */
#ifdef SHEAF_BACKEND_SIM
/* Both batches in flight: the barrier flushes them, then queues the rest. */
static void test_barrier_retry_both_batches_busy(struct ktest *t)
{
	struct kfree_rcu_cpu *krcp;
	struct model_kvfree_rcu_stats st;

	if (!setup(t, 1, VCPU_MODE_INLINE))
		return;
	krcp = &per_cpu(krc, 0);
	kfree_rcu_mightsleep(alloc_obj(t));
	fire_monitor();			/* batch 0 waits for its grace period */
	kfree_rcu_mightsleep(alloc_obj(t));
	fire_monitor();			/* batch 1 too */
	KEXPECT_EQ(t, stats().batches_queued, 2);
	KEXPECT(t, !list_empty(&krcp->krw_arr[0].bulk_head_free[0]));
	KEXPECT(t, !list_empty(&krcp->krw_arr[1].bulk_head_free[0]));
	kfree_rcu_mightsleep(alloc_obj(t));

	__kvfree_rcu_barrier();
	st = stats();
	KEXPECT_EQ(t, st.barrier_offloads, 1);
	KEXPECT_EQ(t, st.barrier_retries, 1);
	KEXPECT_EQ(t, st.batches_queued, 3);
	KEXPECT_EQ(t, st.freed_objs, 3);
	KEXPECT(t, krc_idle(0));
	teardown(t);
}
#endif

/* M20: the barrier leaves the monitor armed; the fixed barrier does not. */
static void test_barrier_m20_leaves_monitor(struct ktest *t)
{
	unsigned long hits;

	if (!setup(t, 2, VCPU_MODE_INLINE))
		return;
	kfree_rcu_mightsleep(alloc_obj(t));
	__kvfree_rcu_barrier();
	KEXPECT(t, !delayed_work_pending(&per_cpu(krc, 0).monitor_work));

	KASSERT(t, variant_select("m20") == 0);
	hits = variant_site_hits[VS_M20_NO_MONITOR_CANCEL];
	kfree_rcu_mightsleep(alloc_obj(t));
	__kvfree_rcu_barrier();
	KEXPECT_EQ(t, variant_site_hits[VS_M20_NO_MONITOR_CANCEL] - hits, nr_cpu_ids);
	KEXPECT(t, delayed_work_pending(&per_cpu(krc, 0).monitor_work));
	KEXPECT_EQ(t, stats().freed_objs, 2);
	variant_select("fixed");
	teardown(t);
}

/* The same pointer twice: WARN "Double-freed call", the second one leaks. */
static void test_double_kfree_rcu_warns(struct ktest *t)
{
	struct tobj *o;
	bool old;

	if (!setup(t, 1, VCPU_MODE_INLINE))
		return;
	old = vcpu_set_panic_on_report(false);
	vcpu_clear_reports();
	o = alloc_obj(t);
	kfree_rcu_mightsleep(o);
	kfree_rcu_mightsleep(o);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Double-freed call");
	KEXPECT_EQ(t, stats().double_frees, 1);
	KEXPECT_EQ(t, stats().bulk_objs[0], 1);
	vcpu_clear_reports();
	vcpu_set_panic_on_report(old);
	__kvfree_rcu_barrier();
	KEXPECT_EQ(t, stats().freed_objs, 1);
	teardown(t);
}

/* Needs the sim's virtual time and inline scheduling. */
#ifdef SHEAF_BACKEND_SIM
/* count sees queued pointers and cached pages and backs the refill off. */
static void test_shrinker(struct ktest *t)
{
	struct shrink_control sc = { .nr_to_scan = 100 };
	struct model_kvfree_rcu_stats st;

	if (!setup(t, 2, VCPU_MODE_INLINE))
		return;
	kfree_rcu_new(t);	/* channel 3, refill queued */
	run_work_all();
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 5);
	kfree_rcu_new(t);	/* channel 0, one page used */

	KEXPECT_EQ(t, kfree_rcu_shrink_count(&sc), 2 + 4);
	KEXPECT(t, per_cpu(krc, 0).backoff_page_cache_fill);
	KEXPECT_EQ(t, kfree_rcu_shrink_scan(&sc), 6);
	st = stats();
	KEXPECT_EQ(t, st.pages_freed, 4);
	KEXPECT_EQ(t, st.monitor_runs, 2);	/* both vCPUs' monitors, synchronously */
	KEXPECT_EQ(t, st.batches_queued, 1);
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 0);

	/* Backed off: the refill comes rcu_delay_page_cache_fill_msec later, one page. */
	kfree_rcu_new(t);		/* channel 3 again */
	KEXPECT_EQ(t, stats().list_objs, 2);
	vcpu_tick(msecs_to_jiffies(5000) - 1);
	run_work_all();
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 0);
	vcpu_tick(1);
	run_work_all();
	KEXPECT_EQ(t, per_cpu(krc, 0).nr_bkv_objs, 1);
	KEXPECT(t, !per_cpu(krc, 0).backoff_page_cache_fill);
	gp_and_work();
	KEXPECT_EQ(t, stats().freed_objs, 3);
	teardown(t);
}
#endif

/* Tasks on every vCPU queue at once; the barrier still frees everything. */
#define TASK_OBJS	200

static void queue_many(void *arg)
{
	unsigned long i;
	struct tobj *o;

	for (i = 0; i < TASK_OBJS; i++) {
		o = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!o)
			continue;
		if (i & 1)
			kfree_rcu(o, rcu);
		else
			kfree_rcu_mightsleep(o);
		if (i % 50 == 0)
			__kvfree_rcu_barrier();
	}
}

static void test_concurrent_tasks(struct ktest *t)
{
	struct model_kvfree_rcu_stats st;
	unsigned int cpu;

	if (!setup(t, 4, VCPU_MODE_TASKS))
		return;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		KASSERT(t, vcpu_spawn("kvf", (int)cpu, queue_many, NULL) == 0);
	vcpu_run_tasks();
	__kvfree_rcu_barrier();
	st = stats();
	KEXPECT_EQ(t, st.bulk_objs[0] + st.bulk_objs[1] + st.list_objs + st.inline_objs,
		   nr_cpu_ids * TASK_OBJS);
	KEXPECT_EQ(t, st.freed_objs, nr_cpu_ids * TASK_OBJS);
	teardown(t);
}

#ifdef SHEAF_BACKEND_SIM
/*
 * Random interleavings (sim tasks mode, a seeded decider): each task owns a
 * cache, queues its objects down every path and, after each of its own
 * barriers, checks that none of its objects is still rcu-pending.  That is
 * the barrier's promise; M20 breaks it when a monitor is preempted between
 * taking ready blocks off the krcp and freeing them.
 */
#define RANDOM_TASKS	3
#define RANDOM_ITERS	60

struct xorshift {
	uint64_t s;
};

static unsigned int random_choose(void *data, enum sim_choice what, unsigned int nr)
{
	struct xorshift *x = data;
	uint64_t r;

	r = ktest_xorshift64(&x->s) >> 11;
	switch (what) {
	case SIM_PICK_CONTEXT:
	case SIM_PICK_CPU:
		return (unsigned int)(r % nr);
	case SIM_TRYLOCK_FAIL:
		return 0;
	default:
		return r % 4 == 0;
	}
}

static struct kmem_cache *task_cache[RANDOM_TASKS];
static unsigned long barrier_violations, barrier_checks;

static void random_task(void *arg)
{
	struct kmem_cache *s = task_cache[(uintptr_t)arg];
	unsigned long i;
	struct tobj *o;

	for (i = 1; i <= RANDOM_ITERS; i++) {
		o = i % 7 == 0 ? vmalloc(sizeof(*o)) : kmem_cache_alloc(s, GFP_KERNEL);
		if (!o)
			continue;
		if (i % 3 == 0)
			kfree_rcu_mightsleep(o);
		else
			kfree_rcu(o, rcu);
		if (i % 5 == 0)
			vcpu_tick(KFREE_DRAIN_JIFFIES / 2);
		if (i % 9 == 0)
			vcpu_migrate((smp_processor_id() + 1) % nr_cpu_ids);
		if (i % 20 == 0) {
			__kvfree_rcu_barrier();
			barrier_checks++;
			/* only this task kfree_rcu()s objects of s */
			if (model_cache_rcu_pending(s))
				barrier_violations++;
		}
	}
}

/*
 * Runs @seeds seeded schedules (stopping at the first that breaks the
 * barrier when @stop is set); returns the barrier violations seen.
 */
static unsigned long run_random(struct ktest *t, const char *variant_name, unsigned int seeds,
				bool stop)
{
	struct kmem_cache_args args = { .sheaf_capacity = 0 };
	struct sim_decider d = { .choose = random_choose };
	unsigned long violations = 0;
	struct xorshift x;
	unsigned int seed;
	uintptr_t i;

	for (seed = 1; seed <= seeds && !(stop && violations); seed++) {
		x.s = 0x9E3779B97F4A7C15ull * seed;
		d.data = &x;
		test_decider = &d;
		if (!setup(t, 4, VCPU_MODE_TASKS))
			break;
		test_decider = NULL;
		variant_select(variant_name);
		for (i = 0; i < RANDOM_TASKS; i++) {
			task_cache[i] = kmem_cache_create("kvf_task", sizeof(struct tobj), &args,
							  SLAB_NO_MERGE | SLAB_NOLEAKTRACE);
			KEXPECT(t, task_cache[i] != NULL);
			KEXPECT(t, vcpu_spawn("kvf", (int)i, random_task, (void *)i) == 0);
		}
		barrier_violations = barrier_checks = 0;
		vcpu_run_tasks();
		KEXPECT_EQ(t, barrier_checks, RANDOM_TASKS * (RANDOM_ITERS / 20));
		violations += barrier_violations;
		variant_select("fixed");
		__kvfree_rcu_barrier();
		for (i = 0; i < RANDOM_TASKS; i++)
			kmem_cache_destroy(task_cache[i]);
		teardown(t);
	}
	test_decider = NULL;
	return violations;
}

static void test_random_interleavings(struct ktest *t)
{
	KEXPECT_EQ(t, run_random(t, "fixed", 40, false), 0);
}

/*
 * Schedules of the same kind find M20's window; how many it takes depends
 * on the decision points on the way (a few dozen), hence a generous bound.
 */
static void test_random_interleavings_m20(struct ktest *t)
{
	KEXPECT(t, run_random(t, "m20", 400, true) > 0);
}
#endif

static const struct ktest_case cases[] = {
	KTEST_CASE(test_headed_list_then_cached_block),
	KTEST_CASE(test_vmalloc_channel1),
	KTEST_CASE(test_headless_inline_fallback),
	KTEST_CASE(test_barrier_nothing_to_offload),
	KTEST_CASE(test_barrier_several_cpus),
	KTEST_CASE(test_barrier_m20_leaves_monitor),
	KTEST_CASE(test_double_kfree_rcu_warns),
	KTEST_CASE(test_concurrent_tasks),
#ifdef SHEAF_BACKEND_SIM
	/* these depend on the sim's virtual time and inline scheduling */
	KTEST_CASE(test_headless_bulk_channel0),
	KTEST_CASE(test_list_channel_when_fill_fails),
	KTEST_CASE(test_monitor_after_drain_jiffies),
	KTEST_CASE(test_monitor_shortened_when_block_full),
	KTEST_CASE(test_drain_ready),
	KTEST_CASE(test_barrier_retry_both_batches_busy),
	KTEST_CASE(test_shrinker),
	KTEST_CASE(test_random_interleavings),
	KTEST_CASE(test_random_interleavings_m20),
#endif
	{}
};
KTEST_MAIN("kvfree_rcu", cases)
