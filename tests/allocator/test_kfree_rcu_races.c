// SPDX-License-Identifier: GPL-2.0
/*
 * test_kfree_rcu_races.c - barrier bugs that need an interleaving, found by
 * searching the sim decider's context choices (tasks mode).
 *
 * Each scenario sets a cache up from the driver, spawns task A and its
 * racers (for m20 the racer is the kfree_rcu monitor work), and lets a
 * seeded generator answer every SIM_PICK_CONTEXT question.  Task A calls
 * kvfree_rcu_barrier_on_cache(s) and, when it returns, notes whether an
 * object kfree_rcu()'d *before* the tasks started is still in flight: that
 * is the barrier contract broken.  The same seeds are run on the buggy
 * variant, where at least one must break the contract, and on "fixed",
 * where none may and nothing may be reported.  Seeds are fixed numbers, so
 * every run makes the same choices; RACE_TRACE_SEED=n prints the sim trace
 * of seed n's runs (`test_kfree_rcu_races_sim <case>`).
 *
 *   h2-only (0f35040de593 without 67ea9d353d0b): the flush runs without
 *     cpus_read_lock().  Task B takes vCPU 1 down while A is between
 *     queueing the flush works and waiting for them (or before A looks at
 *     the online mask at all); vCPU 1's partial rcu_free sheaf is handed
 *     to RCU by slub_cpu_dead() only after A's rcu_barrier() has returned.
 *     With the fix, A holds the hotplug lock, so the sheaf is either
 *     flushed on vCPU 1 before it goes down or submitted by slub_cpu_dead()
 *     before A starts; and lockdep_assert_cpus_held() holds.
 *   m10: __kfree_rcu_sheaf() calls call_rcu() after local_unlock().  vCPUs
 *     1-3 each hold CAP - 1 objects in their rcu_free sheaf, and a racer on
 *     each frees one more, detaching the full sheaf; a racer preempted
 *     between the unlock and call_rcu() lets A's flush work on its vCPU find
 *     nothing, and A's rcu_barrier() does not know the sheaf: the objects
 *     freed before A started escape.  A narrow window (a few seeds in a
 *     thousand), hence more seeds.
 *   m19: no flush_lock.  B shrinks another cache and re-initialises vCPU
 *     1's shared slub_flush item while A's flush is queued on it: A's flush
 *     of s never runs (and ODEBUG reports the init of an active item).
 *   m20: __kvfree_rcu_barrier() does not wait for a running monitor.  The
 *     monitor has taken a ready block off the krcp and not yet freed it
 *     when A's barrier looks: nothing to offload, nothing to wait for.
 *
 * Run: ctest -R kfree_rcu_races, or test_kfree_rcu_races_sim [case...].
 */
#include <stdlib.h>

#include "rcu_test.h"

#define NR_SEEDS	200
#define CAP		4

struct race {
	struct kmem_cache *s, *other;
	struct robj *before[3 * CAP];	/* kfree_rcu()'d before the tasks ran */
	unsigned int nr_before;
	struct robj *late[4];		/* per vCPU: the object a racer frees there */
	bool escaped;			/* A saw an object of before[] in flight */
	long pending_after;		/* s->model_rcu_pending when A returned */
	bool a_done, b_done;
	int down_ret;
};

static struct race race;
/* $RACE_TRACE_SEED: print the sim trace of the tasks' run for that seed */
static uint64_t trace_seed;

/* Task A: the barrier, then the contract check. */
static void task_barrier(void *arg)
{
	struct race *r = arg;
	unsigned int i;

	kvfree_rcu_barrier_on_cache(r->s);
	r->pending_after = rt_pending_racy(r->s);
	if (model_cache_has_sheaves(r->s)) {
		for (i = 0; i < r->nr_before; i++)
			if (rt_obj_in_rcu(r->s, r->before[i]))
				r->escaped = true;
	} else {
		/* batched path: objects stay LIVE; only its own counter tells */
		r->escaped = r->pending_after > 0;
	}
	r->a_done = true;
}

static void task_cpu_down(void *arg)
{
	struct race *r = arg;

	r->down_ret = cpu_down(1);
	r->b_done = true;
}

/* @arg is &race.late[cpu]: the racer of that vCPU fills its sheaf. */
static void task_kfree_rcu_late(void *arg)
{
	struct robj **late = arg;

	kfree_rcu(*late, rcu);
	race.b_done = true;
}

static void task_shrink_other(void *arg)
{
	struct race *r = arg;

	kmem_cache_shrink(r->other);
	r->b_done = true;
}

/* Puts @n objects of s into vCPU @cpu's rcu_free sheaf, noting them. */
static void free_before(struct ktest *t, struct race *r, int cpu, unsigned int n)
{
	rt_kfree_rcu_on(t, r->s, cpu, n, r->before + r->nr_before);
	r->nr_before += n;
}

enum scenario { SC_HOTPLUG, SC_LATE_FILL, SC_SHRINK, SC_MONITOR };

struct outcome {
	bool escaped;
	bool between;			/* SC_HOTPLUG: A's flush had been queued on vCPU 1 */
	unsigned long reports;
	unsigned long odebug;		/* ODEBUG work_struct reports */
};

/* One run of @sc under @variant with the generator seeded by @seed. */
static struct outcome attempt(struct ktest *t, enum scenario sc, const char *variant,
			      uint64_t seed)
{
	struct outcome out = { 0 };
	struct rt_env e = RT_ENV_DEFAULT;
	struct race *r = &race;
	void (*task_b)(void *arg);
	unsigned int cpu;

	memset(r, 0, sizeof(*r));
	e.tasks = true;
	e.variant = variant;
	if (!rt_start(&e)) {
		KEXPECT(t, false);
		return out;
	}
	r->s = rt_cache("race_s", sc == SC_MONITOR ? 0 : CAP, 0);
	KEXPECT(t, r->s != NULL);

	switch (sc) {
	case SC_HOTPLUG:
		free_before(t, r, 1, 1);
		/*
		 * Test-only: forget which cache vCPU 1's shared flush item last
		 * served (an earlier run's), so that afterwards it tells whether
		 * A queued its flush there, i.e. whether vCPU 1 went down
		 * between A's two loops rather than before them.
		 */
		per_cpu(slub_flush, 1).s = NULL;
		task_b = task_cpu_down;
		break;
	case SC_LATE_FILL:
		/* three vCPUs one object short of a full sheaf: three windows */
		for (cpu = 1; cpu < 4; cpu++) {
			free_before(t, r, cpu, CAP - 1);
			r->late[cpu] = kmem_cache_alloc(r->s, GFP_KERNEL);
			KEXPECT(t, r->late[cpu] != NULL);
		}
		task_b = task_kfree_rcu_late;
		break;
	case SC_SHRINK:
		r->other = rt_cache("race_other", CAP, 0);
		KEXPECT(t, r->other != NULL);
		free_before(t, r, 1, 1);
		/* the other cache has something on vCPU 1, so its flush goes there */
		vcpu_migrate(1);
		kmem_cache_free(r->other, kmem_cache_alloc(r->other, GFP_KERNEL));
		vcpu_migrate(0);
		task_b = task_shrink_other;
		break;
	case SC_MONITOR:
	default: {
		struct robj *o = kmem_cache_alloc(r->s, GFP_KERNEL);

		KEXPECT(t, o != NULL);
		kfree_rcu_mightsleep(o);		/* a block on vCPU 0's krcp */
		vcpu_rcu_gp();
		vcpu_rcu_gp();				/* the block is ready */
		vcpu_tick(KFREE_DRAIN_JIFFIES);		/* the monitor is queued */
		task_b = NULL;
		break;
	}
	}

	vcpu_spawn("barrier", 0, task_barrier, r);
	/* the racers free where their sheaf is; the others run beside A */
	if (sc == SC_LATE_FILL) {
		for (cpu = 1; cpu < 4; cpu++)
			vcpu_spawn("racer", (int)cpu, task_b, &r->late[cpu]);
	} else if (task_b) {
		vcpu_spawn("racer", 2, task_b, r);
	}
	rt_pick_seed(seed);
	if (trace_seed == seed)
		sim_set_trace(stdout);
	vcpu_run_tasks();
	sim_set_trace(NULL);
	rt_pick_stop();
	KEXPECT(t, r->a_done);
	KEXPECT(t, !task_b || r->b_done);
	KEXPECT_EQ(t, r->down_ret, 0);
	out.escaped = r->escaped;
	out.between = sc == SC_HOTPLUG && r->escaped && per_cpu(slub_flush, 1).s == r->s;

	/* whatever escaped or came late is taken back by a correct barrier */
	variant_select("fixed");
	kvfree_rcu_barrier_on_cache(r->s);
	KEXPECT_EQ(t, rt_pending(t, r->s), 0);
	if (r->other)
		kmem_cache_destroy(r->other);
	kmem_cache_destroy(r->s);
	out.reports = vcpu_nr_reports();
	out.odebug = rt_reports_matching("ODEBUG: init active object type: work_struct");
	rt_stop();
	return out;
}

/*
 * Runs seeds 1.. on @buggy until it has broken the contract ENOUGH times
 * (for SC_HOTPLUG, at least once with vCPU 1 going down between A's two
 * loops) or @max_seeds ran out, then the same seeds, and at least
 * NR_SEEDS, on "fixed", where no seed may break it and nothing may be
 * reported.
 */
#define ENOUGH	3

static void search(struct ktest *t, enum scenario sc, const char *buggy, unsigned int max_seeds)
{
	unsigned int seed, nr_seeds, escapes = 0, fixed_escapes = 0, first = 0, between = 0;
	unsigned long fixed_reports = 0;

	if (getenv("RACE_TRACE_SEED"))
		trace_seed = strtoull(getenv("RACE_TRACE_SEED"), NULL, 0);
	for (seed = 1; seed <= max_seeds; seed++) {
		struct outcome o = attempt(t, sc, buggy, seed);

		between += o.between;
		if (o.escaped && !escapes++)
			first = seed;
		if (escapes >= ENOUGH && (sc != SC_HOTPLUG || between))
			break;
	}
	nr_seeds = seed > max_seeds ? max_seeds : seed;
	for (seed = 1; seed <= max(nr_seeds, NR_SEEDS); seed++) {
		struct outcome o = attempt(t, sc, "fixed", seed);

		fixed_escapes += o.escaped;
		fixed_reports += o.reports;
	}
	printf("# %s: %u of seeds 1..%u escape the barrier (first: seed %u); fixed, seeds 1..%u: %u escapes, %lu reports\n",
	       buggy, escapes, nr_seeds, first, max(nr_seeds, NR_SEEDS), fixed_escapes,
	       fixed_reports);
	if (sc == SC_HOTPLUG) {
		printf("# %s: %u of them with vCPU 1 down between queueing and flushing\n",
		       buggy, between);
		KEXPECT(t, between > 0);
	}
	KEXPECT(t, escapes > 0);
	KEXPECT_EQ(t, fixed_escapes, 0);
	KEXPECT_EQ(t, fixed_reports, 0);
}

/* H2: a vCPU goes down between the two loops of flush_rcu_sheaves_on_cache(). */
static void test_h2_cpu_down_escapes_barrier(struct ktest *t)
{
	search(t, SC_HOTPLUG, "h2-only", NR_SEEDS);
}

static void test_m10_call_rcu_after_unlock(struct ktest *t)
{
	search(t, SC_LATE_FILL, "m10", 50 * NR_SEEDS);
}

static void test_m19_no_flush_lock(struct ktest *t)
{
	unsigned int seed;
	unsigned long odebug = 0;

	search(t, SC_SHRINK, "m19", NR_SEEDS);
	for (seed = 1; seed <= NR_SEEDS / 4; seed++)
		odebug += attempt(t, SC_SHRINK, "m19", seed).odebug;
	KEXPECT(t, odebug > 0);
}

static void test_m20_monitor_not_cancelled(struct ktest *t)
{
	search(t, SC_MONITOR, "m20", NR_SEEDS);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_h2_cpu_down_escapes_barrier),
	KTEST_CASE(test_m10_call_rcu_after_unlock),
	KTEST_CASE(test_m19_no_flush_lock),
	KTEST_CASE(test_m20_monitor_not_cancelled),
	{}
};

KTEST_MAIN("kfree_rcu_races", cases)
