/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slab_test.h - what the slab model tests share: starting and stopping the
 * sim environment with the model in it, snapshots of a cache's stat
 * counters with an exact comparison, and a scripted decider.
 *
 *	struct slab_env e = SLAB_ENV_DEFAULT;
 *	struct stat_snap snap;
 *
 *	KASSERT(t, !slab_env_start(&e));
 *	...
 *	stat_snap(s, &snap);
 *	p = kmem_cache_alloc(s, GFP_KERNEL);
 *	EXPECT_STATS(t, s, &snap, { ALLOC_PCS, 1 });
 *	...
 *	slab_env_stop();
 *
 * EXPECT_STATS() is exact: every counter it does not name must not have
 * moved, so a test that expects one branch fails when the model takes
 * another.  The decider answers the sim backend's questions from a script:
 * fail the n-th trylock from now, or run a hook the next time a
 * non-blocking allocation is decided (the pcs lock is dropped there, so the
 * hook can migrate the task, as an interrupt or the scheduler would).
 *
 * Tests that peek at per-CPU sheaves include "internal.h" before this file
 * and get pcs_main_size() and friends.
 */
#ifndef SHEAF_TESTS_SLAB_TEST_H
#define SHEAF_TESTS_SLAB_TEST_H

#include <stdio.h>
#include <string.h>

#include "ktest.h"
#include "kernel/kernel.h"
#include "kernel/sim.h"
#include "slab.h"
#include "check.h"

struct slab_env {
	unsigned int cpus, nodes;
	unsigned long memoryless;	/* bit n: node n has no memory */
	bool quarantine;		/* off by default: frees must reach the sheaves */
	bool scripted;			/* install the scripted decider */
};

#define SLAB_ENV_DEFAULT	{ .cpus = 2, .nodes = 1, .scripted = true }

/* ------------------------------------------------------------------ */
/* The scripted decider                                                 */

struct script {
	unsigned int trylock_fail_at;	/* fail the n-th trylock from now; 0: never */
	unsigned int trylocks;		/* trylocks decided since it was armed */
	void (*nowait_hook)(void);	/* run once at the next non-blocking allocation */
};

static struct script script;

static unsigned int script_choose(void *data, enum sim_choice what, unsigned int nr)
{
	struct script *sc = data;

	if (what == SIM_TRYLOCK_FAIL && sc->trylock_fail_at) {
		if (++sc->trylocks == sc->trylock_fail_at) {
			sc->trylock_fail_at = 0;
			return 1;
		}
	}
	if (what == SIM_NOWAIT_FAIL && sc->nowait_hook) {
		void (*hook)(void) = sc->nowait_hook;

		sc->nowait_hook = NULL;
		hook();
	}
	return 0;
}

static const struct sim_decider script_decider = { script_choose, &script };

/* The @n-th trylock from now fails (1: the next one). */
static inline void script_fail_trylock(unsigned int n)
{
	script.trylocks = 0;
	script.trylock_fail_at = n;
}

static inline void script_on_nowait(void (*hook)(void))
{
	script.nowait_hook = hook;
}

/* ------------------------------------------------------------------ */
/* Environment                                                          */

static inline int slab_env_start(const struct slab_env *e)
{
	struct vcpu_config cfg;
	struct model_config mcfg;
	unsigned int cpu;

	memset(&script, 0, sizeof(script));
	vcpu_config_default(&cfg);
	cfg.nr_cpus = e->cpus;
	cfg.nr_nodes = e->nodes;
	for (cpu = 0; cpu < e->cpus; cpu++)
		cfg.cpu_to_node[cpu] = (unsigned char)(cpu * e->nodes / e->cpus);
	cfg.memoryless_nodes = e->memoryless;
	cfg.mode = VCPU_MODE_INLINE;
	cfg.decider = e->scripted ? &script_decider : NULL;
	if (vcpu_env_init(&cfg))
		return -1;
	model_config_default(&mcfg);
	mcfg.quarantine = e->quarantine;
	if (model_slab_init(&mcfg)) {
		vcpu_env_exit();
		return -1;
	}
	vcpu_clear_reports();
	return 0;
}

/* Every cache must have been destroyed; LeakSanitizer sees the rest. */
static inline void slab_env_stop(void)
{
	vcpu_fail_next(0);
	vcpu_fail_next_blocking(0);
	vcpu_quiesce();
	model_slab_exit();
	vcpu_env_exit();
}

/*
 * The end of every case: nothing reported, no slab error, no failed
 * check, then the environment goes away.
 */
static inline void slab_env_finish(struct ktest *t)
{
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	KEXPECT_EQ(t, model_check_failures(), 0);
	slab_env_stop();
}

/* ------------------------------------------------------------------ */
/* Stat snapshots                                                       */

struct stat_snap {
	unsigned long v[NR_SLUB_STAT_ITEMS];
};

struct stat_expect {
	enum stat_item item;
	long delta;
};

static inline void stat_snap(const struct kmem_cache *s, struct stat_snap *snap)
{
	unsigned int i;

	for (i = 0; i < NR_SLUB_STAT_ITEMS; i++)
		snap->v[i] = model_cache_stat(s, (enum stat_item)i);
}

static inline long stat_delta(const struct kmem_cache *s, const struct stat_snap *snap,
			      enum stat_item item)
{
	return (long)(model_cache_stat(s, item) - snap->v[item]);
}

/* Every counter moved by exactly what @exp says (unnamed ones: 0). */
static inline void expect_stats(struct ktest *t, const char *file, int line,
				const struct kmem_cache *s,
				const struct stat_snap *snap, const struct stat_expect *exp)
{
	long want[NR_SLUB_STAT_ITEMS] = { 0 };
	unsigned int i;

	for (; exp->item != NR_SLUB_STAT_ITEMS; exp++)
		want[exp->item] = exp->delta;
	for (i = 0; i < NR_SLUB_STAT_ITEMS; i++) {
		long got = stat_delta(s, snap, (enum stat_item)i);

		if (got != want[i]) {
			fprintf(stderr, "    %s:%d: stat %s moved by %ld, expected %ld\n",
				file, line, model_stat_name((enum stat_item)i), got, want[i]);
			t->failures++;
		}
	}
}

#define EXPECT_STATS(t, s, snap, ...)					\
	expect_stats((t), __FILE__, __LINE__, (s), (snap),			\
		     (const struct stat_expect[]){ __VA_ARGS__,		\
						   { NR_SLUB_STAT_ITEMS, 0 } })

/* model_cache_counts() of a quiet cache; a failure is a test failure. */
static inline struct model_cache_counts cache_counts(struct ktest *t, struct kmem_cache *s)
{
	struct model_cache_counts c;

	memset(&c, 0, sizeof(c));
	KEXPECT_EQ(t, model_cache_counts(s, &c), 0);
	return c;
}

/* ------------------------------------------------------------------ */
/* Peeks at the per-CPU sheaves (with internal.h only)                  */

#ifdef SHEAF_ALLOCATOR_INTERNAL_H
static inline struct slub_percpu_sheaves *pcs_of(struct kmem_cache *s, unsigned int cpu)
{
	return per_cpu_ptr(s->cpu_sheaves, cpu);
}

static inline int pcs_main_size(struct kmem_cache *s, unsigned int cpu)
{
	return (int)pcs_of(s, cpu)->main->size;
}

/* -1 when there is no spare */
static inline int pcs_spare_size(struct kmem_cache *s, unsigned int cpu)
{
	struct slab_sheaf *spare = pcs_of(s, cpu)->spare;

	return spare ? (int)spare->size : -1;
}

static inline int obj_node(const void *obj)
{
	return slab_nid(virt_to_slab(obj));
}

/* Objects in one slab of a cache of @size bytes with @flags. */
static inline unsigned int slab_objects_for(unsigned int size, slab_flags_t flags,
					    void (*ctor)(void *))
{
	struct kmem_cache_args args = { .ctor = ctor };
	struct kmem_cache *probe = kmem_cache_create("probe", size, &args, flags);
	unsigned int n;

	if (!probe)
		return 0;
	n = oo_objects(probe->oo);
	kmem_cache_destroy(probe);
	return n;
}
#endif

#endif /* SHEAF_TESTS_SLAB_TEST_H */
