/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rcu_test.h - what the kfree_rcu and barrier tests share: the sim
 * environment started with reports counted instead of aborting, a variant
 * selected before the model starts, a decider the test scripts, a log of
 * every report's title, and peeks at where a kfree_rcu()'d object is.
 *
 *	struct rt_env e = RT_ENV_DEFAULT;
 *
 *	e.variant = "h1-only";
 *	e.quarantine = true;
 *	KASSERT(t, rt_start(&e));
 *	... kfree_rcu(o, rcu); kvfree_rcu_barrier_on_cache(s); ...
 *	KEXPECT(t, rt_pending(t, s) > 0);
 *	KEXPECT_EQ(t, rt_reports_matching("Objects remaining"), 1);
 *	rt_stop();
 *
 * The decider is slab_test.h's script (fail the n-th trylock from now:
 * script_fail_trylock(); run a hook at the next non-blocking allocation,
 * where the pcs lock is dropped and the hook may migrate the task as
 * preemption would: script_on_nowait()), and in tasks mode it draws
 * SIM_PICK_CONTEXT answers from a seeded generator (rt_pick_seed()), so a
 * search over seeds is a search over interleavings.  slab_test.h also gives
 * cache_counts(), stat snapshots and the pcs peeks.
 *
 * Quarantine: off unless a case asks (model_config turns it on under ASan
 * by default; these tests say what they need so that the gcc build without
 * a sanitizer takes the same decisions).
 */
#ifndef SHEAF_TESTS_RCU_TEST_H
#define SHEAF_TESTS_RCU_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ktest.h"
#include "kernel/kernel.h"
#include "kernel/sim.h"
#define SHEAF_WHITE_BOX 1	/* reads the model's internals on purpose */
#include "internal.h"
#include "kvfree_rcu.h"
#include "variant.h"
#include "vmalloc.h"
#include "slab_test.h"

/* A kfree_rcu()-able object, about the size of a maple node's header. */
struct robj {
	unsigned long payload[6];
	struct rcu_head rcu;
};

struct rt_env {
	unsigned int cpus, nodes;
	/* vCPU -> node; all zero: the environment's default blocks */
	unsigned char cpu_node[VCPU_MAX];
	bool cpu_node_set;
	unsigned long memoryless;	/* bit n: node n has no memory */
	bool quarantine;
	bool tasks;			/* VCPU_MODE_TASKS instead of inline */
	bool merge;			/* model_config.slab_merge */
	unsigned int kmalloc_sizes;	/* model_config.kmalloc_sizes */
	const char *variant;		/* NULL: $SHEAF_VARIANT, else "fixed" */
};

#define RT_ENV_DEFAULT	{ .cpus = 4, .nodes = 1 }

/* ------------------------------------------------------------------ */
/* The decider: slab_test.h's script, plus seeded context picks         */

struct rt_picker {
	bool armed;			/* SIM_PICK_CONTEXT from the generator */
	unsigned int stay;		/* of 4 picks, how many answer 0 (seed % 4) */
	uint64_t rng;			/* xorshift64 state */
	unsigned long picks;		/* SIM_PICK_CONTEXT answers given */
};

static struct rt_picker rt_picker;

static unsigned int rt_choose(void *data, enum sim_choice what, unsigned int nr)
{
	struct rt_picker *p = data;

	if (what != SIM_PICK_CONTEXT || !p->armed)
		return script_choose(&script, what, nr);
	ktest_xorshift64(&p->rng);
	p->picks++;
	/* some seeds keep the current context longer: long runs matter */
	if ((unsigned int)(p->rng >> 32) % 4 < p->stay)
		return 0;
	return (unsigned int)(p->rng % nr);
}

static const struct sim_decider rt_decider = { rt_choose, &rt_picker };

/*
 * Context picks from now on come from a generator seeded with @seed; seed
 * % 4 also sets how often it keeps the current context (0: never forced).
 */
static inline void rt_pick_seed(uint64_t seed)
{
	rt_picker.stay = (unsigned int)(seed % 4);
	rt_picker.rng = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	if (!rt_picker.rng)
		rt_picker.rng = 1;
	rt_picker.picks = 0;
	rt_picker.armed = true;
}

static inline void rt_pick_stop(void)
{
	rt_picker.armed = false;
}

/* ------------------------------------------------------------------ */
/* The report log                                                       */

#define RT_MAX_REPORTS	32

static char rt_report_log[RT_MAX_REPORTS][256];
static unsigned int rt_nr_logged;

/* Called inside every report, after its title was remembered. */
static void rt_report_hook(FILE *out)
{
	(void)out;
	if (rt_nr_logged < RT_MAX_REPORTS)
		snprintf(rt_report_log[rt_nr_logged++], sizeof(rt_report_log[0]), "%s",
			 vcpu_last_report());
}

static inline void rt_clear_reports(void)
{
	vcpu_clear_reports();
	rt_nr_logged = 0;
}

/* How many reports so far have @needle in their title line. */
static inline unsigned int rt_reports_matching(const char *needle)
{
	unsigned int i, n = 0;

	for (i = 0; i < rt_nr_logged; i++)
		if (strstr(rt_report_log[i], needle))
			n++;
	return n;
}

/* ------------------------------------------------------------------ */
/* Environment                                                          */

static inline bool rt_start(const struct rt_env *e)
{
	struct vcpu_config cfg;
	struct model_config mcfg;
	unsigned int cpu;

	memset(&script, 0, sizeof(script));
	memset(&rt_picker, 0, sizeof(rt_picker));
	vcpu_config_default(&cfg);
	cfg.nr_cpus = e->cpus;
	cfg.nr_nodes = e->nodes;
	for (cpu = 0; cpu < e->cpus; cpu++)
		cfg.cpu_to_node[cpu] = e->cpu_node_set ? e->cpu_node[cpu] :
				       (unsigned char)(cpu * e->nodes / e->cpus);
	cfg.memoryless_nodes = e->memoryless;
	cfg.mode = e->tasks ? VCPU_MODE_TASKS : VCPU_MODE_INLINE;
	cfg.panic_on_report = false;
	cfg.decider = &rt_decider;
	/*
	 * The variant first: model_slab_init() reads some sites (M18).  Cases
	 * that do not name one honour $SHEAF_VARIANT, so that running a test
	 * binary under a mutant shows which cases kill it.
	 */
	if (e->variant ? variant_select(e->variant) : variant_select_from_env())
		return false;
	variant_reset_hits();
	if (vcpu_env_init(&cfg))
		return false;
	model_config_default(&mcfg);
	mcfg.quarantine = e->quarantine;
	mcfg.slab_merge = e->merge;
	mcfg.kmalloc_sizes = e->kmalloc_sizes;
	if (model_slab_init(&mcfg)) {
		vcpu_env_exit();
		return false;
	}
	vcpu_set_report_hook(rt_report_hook);
	rt_clear_reports();
	return true;
}

/* Every cache must be destroyed (or leaked by a failed destroy) by now. */
static inline void rt_stop(void)
{
	rt_pick_stop();
	memset(&script, 0, sizeof(script));
	vcpu_fail_next(0);
	vcpu_fail_next_blocking(0);
	vcpu_quiesce();
	model_slab_exit();
	model_vmalloc_exit();
	vcpu_env_exit();
	vcpu_set_report_hook(NULL);
	variant_select("fixed");
}

/* ------------------------------------------------------------------ */
/* Caches, objects, peeks                                               */

static inline struct kmem_cache *rt_cache(const char *name, unsigned int sheaf_capacity,
					  slab_flags_t flags)
{
	struct kmem_cache_args args = {
		.sheaf_capacity = sheaf_capacity,
		.model_default_sheaf_capacity = sheaf_capacity,
	};

	/* capacity 0: a cache calculate_sheaf_capacity() excludes */
	if (!sheaf_capacity)
		flags |= SLAB_NOLEAKTRACE;
	return kmem_cache_create(name, sizeof(struct robj), &args, flags | SLAB_NO_MERGE);
}

/*
 * kfree_rcu() names its argument twice; keep allocations out of it.
 * Returns the object, already handed to kfree_rcu().
 */
static inline struct robj *rt_kfree_rcu_new(struct ktest *t, struct kmem_cache *s, gfp_t gfp)
{
	struct robj *o = kmem_cache_alloc(s, gfp);

	KEXPECT(t, o != NULL);
	if (o) {
		o->payload[0] = 0x5eaf;
		kfree_rcu(o, rcu);
	}
	return o;
}

/* @n new objects of @s kfree_rcu()'d from vCPU @cpu (into @out if set); back to vCPU 0. */
static inline void rt_kfree_rcu_on(struct ktest *t, struct kmem_cache *s, int cpu,
				   unsigned int n, struct robj **out)
{
	unsigned int i;
	struct robj *o;

	vcpu_migrate(cpu);
	for (i = 0; i < n; i++) {
		o = rt_kfree_rcu_new(t, s, GFP_KERNEL);
		if (out)
			out[i] = o;
	}
	vcpu_migrate(0);
}

/* Nothing reported, no slab error, no failed structure check (caller's line). */
#define RT_EXPECT_CLEAN(t)						\
	do {								\
		KEXPECT_EQ(t, vcpu_nr_reports(), 0);			\
		KEXPECT_EQ(t, model_slab_errors(), 0);			\
		KEXPECT_EQ(t, model_check_failures(), 0);		\
	} while (0)

static inline long rt_pending(struct ktest *t, struct kmem_cache *s)
{
	return cache_counts(t, s).rcu_pending;
}

/* The same count read without the admission gate (for tasks that race). */
static inline long rt_pending_racy(struct kmem_cache *s)
{
	return model_count_read(s->model_rcu_pending);
}

/* Whether a sheaf-path kfree_rcu()'d object still waits for its free hooks. */
static inline bool rt_obj_in_rcu(struct kmem_cache *s, const void *obj)
{
	struct slab *slab = virt_to_slab(obj);

	return slab && slab->slab_cache == s &&
	       model_obj_state(slab, __obj_to_index(s, slab, obj)) == MODEL_OBJ_RCU;
}

/* Objects in @cpu's rcu_free sheaf; 0 when it has none. */
static inline int rt_rcu_free_size(struct kmem_cache *s, unsigned int cpu)
{
	struct slab_sheaf *sheaf = pcs_of(s, cpu)->rcu_free;

	return sheaf ? (int)sheaf->size : 0;
}

static inline unsigned long rt_works_run(void)
{
	struct vcpu_stats st;

	vcpu_get_stats(&st);
	return st.works_run;
}

static inline unsigned long rt_gps(void)
{
	struct vcpu_stats st;

	vcpu_get_stats(&st);
	return st.gps_completed;
}

#endif /* SHEAF_TESTS_RCU_TEST_H */
