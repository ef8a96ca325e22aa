// SPDX-License-Identifier: GPL-2.0
/*
 * tasks.c - the stress program's tasks other than the vCPU tasks: readers,
 * the hotplug task, the reclaim task and the checker, and the quiescent
 * points the checker runs.
 *
 * Quiescent points.  The monitor asks for one every stats interval; the
 * checker sets park_req and waits until every other task is parked at the
 * top of its loop (no call in progress, no reader open, asleep without its
 * vCPU) or has finished.  Then nothing runs but the environment's own work:
 * vcpu_quiesce() lets it drain, and the checks that need a still model run:
 * model_cache_validate() of every cache, the live-object count of each cache
 * against what the tasks hold, and kvfree_rcu_barrier() with the contract
 * that every kfree_rcu()'d object is then given back (every kfree_rcu() has
 * returned by now).
 */
#include <stdlib.h>

#include "stress.h"
#include "check.h"

#if SHEAF_DEBUG_LEVEL >= 2
#define CHECK_LEVEL	2
#else
#define CHECK_LEVEL	1
#endif

static int park_req;		/* atomic: tasks park at their next loop top */
static unsigned int parked;	/* atomic: tasks parked now */
static unsigned int done;	/* atomic: parking tasks that left their loop */
static unsigned int nr_parkers;	/* set before the tasks start */

void stress_park_point(struct stress_task *t)
{
	if (!__atomic_load_n(&park_req, __ATOMIC_ACQUIRE))
		return;
	stress_doing(t, "parked");
	__atomic_add_fetch(&parked, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&park_req, __ATOMIC_ACQUIRE))
		msleep(1);
	__atomic_sub_fetch(&parked, 1, __ATOMIC_ACQ_REL);
	stress_doing(t, "loop");
}

void stress_task_done(struct stress_task *t)
{
	stress_doing(t, "done");
	/* The backend frees the task_struct once we return: the watchdog must not look. */
	__atomic_store_n(&t->task, NULL, __ATOMIC_RELEASE);
	if (t->parks)
		__atomic_add_fetch(&done, 1, __ATOMIC_ACQ_REL);
}

static bool stopping(void)
{
	return __atomic_load_n(&stress_stop, __ATOMIC_RELAXED);
}

/* Sleeps @ms in short steps, parking when asked; false once the run stops. */
static bool nap(struct stress_task *t, unsigned long ms)
{
	while (ms && !stopping()) {
		unsigned long step = ms < 20 ? ms : 20;

		stress_doing(t, "msleep");
		msleep((unsigned int)step);
		ms -= step;
		stress_park_point(t);
	}
	return !stopping();
}

/* ------------------------------------------------------------ readers */

void stress_reader_task(void *arg)
{
	struct stress_task *t = arg;
	struct stress_obj *seen_o[8];
	unsigned long seen[8];
	struct stress_rand r;
	unsigned int slots = stress_opts.cpus * STRESS_PUB_PER_CPU, n, i, k;

	__atomic_store_n(&t->task, current, __ATOMIC_RELEASE);
	stress_rand_init(&r, stress_opts.seed, 1000 + (unsigned int)(t - stress_tasks));
	while (!stopping()) {
		stress_park_point(t);
		stress_doing(t, "rcu_read_lock");
		rcu_read_lock();
		n = 0;
		for (i = 0; i < 8; i++) {
			struct stress_obj *o = rcu_dereference(stress_pub[stress_below(&r, slots)]);

			if (!o)
				continue;
			seen[n] = o->canary;
			seen_o[n] = o;
			stress_reader_check(o, seen[n], "at once");
			n++;
		}
		/* Stay inside a while, letting the others on this vCPU run. */
		for (k = stress_below(&r, 4); k; k--) {
			vcpu_decision_point("stress reader");
			for (i = 0; i < n; i++)
				stress_reader_check(seen_o[i], seen[i], "later in the same reader");
		}
		for (i = 0; i < n; i++)
			stress_reader_check(seen_o[i], seen[i], "before rcu_read_unlock()");
		rcu_read_unlock();
		stress_inc(ST_READS, n);
		if (!stress_below(&r, 8))
			msleep(1);
	}
	stress_task_done(t);
}

/* ------------------------------------------------------------ hotplug */

void stress_hotplug_task(void *arg)
{
	struct stress_task *t = arg;
	unsigned int cpu, offline = 0;
	struct stress_rand r;

	__atomic_store_n(&t->task, current, __ATOMIC_RELEASE);
	stress_rand_init(&r, stress_opts.seed, 2000);
	while (nap(t, stress_opts.hotplug_ms)) {
		cpu = stress_below(&r, stress_opts.cpus);
		if (cpu_online(cpu) && offline < stress_opts.cpus / 2) {
			stress_doing(t, "cpu_down");
			if (!cpu_down(cpu)) {
				offline++;
				stress_inc(ST_HOTPLUG, 1);
			}
		} else if (!cpu_online(cpu)) {
			stress_doing(t, "cpu_up");
			if (!cpu_up(cpu)) {
				offline--;
				stress_inc(ST_HOTPLUG, 1);
			}
		}
	}
	for (cpu = 0; cpu < stress_opts.cpus; cpu++) {
		if (cpu_online(cpu))
			continue;
		stress_doing(t, "cpu_up");
		if (!cpu_up(cpu))
			stress_inc(ST_HOTPLUG, 1);
	}
	stress_task_done(t);
}

/* ------------------------------------------------------------ reclaim */

/* What memory pressure calls: the kvfree_rcu shrinker, cache shrinking. */
void stress_reclaim_task(void *arg)
{
	struct stress_task *t = arg;
	struct stress_cache_info info;
	struct shrink_control sc;
	struct stress_rand r;
	unsigned long count;
	unsigned int c;

	__atomic_store_n(&t->task, current, __ATOMIC_RELEASE);
	stress_rand_init(&r, stress_opts.seed, 3000);
	while (nap(t, stress_opts.shrink_ms)) {
		stress_doing(t, "kfree_rcu_shrink_count");
		count = kfree_rcu_shrink_count(&sc);
		if (count && count != SHRINK_EMPTY) {
			sc.nr_to_scan = (long)(count < 128 ? count : 128);
			stress_doing(t, "kfree_rcu_shrink_scan");
			kfree_rcu_shrink_scan(&sc);
		}
		stress_inc(ST_SHRINKER, 1);

		c = stress_below(&r, stress_opts.caches);
		if (stress_cache_get(c, &info)) {
			stress_doing(t, "kmem_cache_shrink");
			kmem_cache_shrink(info.s);
			stress_inc(ST_SHRINKS, 1);
			stress_cache_put(c, info.gen);
		}
		if (!stress_below(&r, 4)) {
			stress_doing(t, "model_memory_going_offline");
			model_memory_going_offline();
			stress_inc(ST_MEM_OFFLINE, 1);
		}
	}
	stress_task_done(t);
}

/* ------------------------------------------------------------ checker */

static void check_live_counts(void)
{
	struct stress_cache_info info;
	struct model_cache_counts cc;
	unsigned int c;
	long held;

	for (c = 0; c < stress_opts.caches; c++) {
		if (!stress_cache_get(c, &info))
			continue;
		held = __atomic_load_n(&stress_live[c], __ATOMIC_RELAXED);
		if (!model_cache_counts(info.s, &cc) && cc.live != held) {
			stress_inc(ST_ERRORS, 1);
			vcpu_report(VCPU_REPORT_BUG, "allocator contract: live objects miscounted",
				    "stress_checker_task",
				    "cache %s: the model counts %ld objects handed out, the tasks hold %ld",
				    model_cache_name(info.s), cc.live, held);
		}
		stress_cache_put(c, info.gen);
	}
}

static void quiescent_checks(struct stress_task *t)
{
	unsigned long start;
	int ret;

	stress_doing(t, "vcpu_quiesce");
	vcpu_quiesce();
	stress_doing(t, "model_cache_validate");
	ret = model_cache_validate(NULL, CHECK_LEVEL);
	if (ret == -EUCLEAN) {
		stress_inc(ST_ERRORS, 1);
		vcpu_report(VCPU_REPORT_BUG, "slab structure check failed", "model_cache_validate",
			    "at a quiescent point (%lu ms): see the first violation above",
			    stress_elapsed_ms());
	}
	check_live_counts();
	/* Every kfree_rcu() has returned: the full barrier owes all of them. */
	stress_doing(t, "kvfree_rcu_barrier");
	start = stress_barrier_begin();
	kvfree_rcu_barrier();
	stress_barrier_end(start, -1, 0, "kvfree_rcu_barrier (quiescent point)");
	stress_inc(ST_BARRIER, 1);
	stress_inc(ST_CHECKS, 1);
}

/* Parks every other task: each is parked, or has left its loop for good. */
static void park_all(struct stress_task *t)
{
	__atomic_store_n(&park_req, 1, __ATOMIC_RELEASE);
	stress_doing(t, "waiting for the tasks to park");
	while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) +
	       __atomic_load_n(&done, __ATOMIC_ACQUIRE) < nr_parkers)
		msleep(1);
}

static void unpark_all(void)
{
	__atomic_store_n(&park_req, 0, __ATOMIC_RELEASE);
}

void stress_checker_task(void *arg)
{
	struct stress_task *t = arg;
	unsigned int c;

	__atomic_store_n(&t->task, current, __ATOMIC_RELEASE);
	for (;;) {
		stress_doing(t, "msleep");
		msleep(10);
		if (__atomic_exchange_n(&stress_check_req, 0, __ATOMIC_ACQ_REL)) {
			park_all(t);
			quiescent_checks(t);
			unpark_all();
		}
		if (stopping() && __atomic_load_n(&done, __ATOMIC_ACQUIRE) == nr_parkers)
			break;
	}
	/* The end: every other task gave back what it held; destroy what is left. */
	for (c = 0; c < stress_opts.caches; c++) {
		stress_doing(t, "kmem_cache_destroy");
		stress_cache_kill(c, STRESS_ANY_GEN);
	}
	BUG_ON(stress_caches_in_use());
	quiescent_checks(t);
	if (stress_pending()) {
		stress_inc(ST_ERRORS, 1);
		vcpu_report(VCPU_REPORT_BUG, "barrier contract: objects still in flight at the end",
			    __func__, "%lu kfree_rcu()'d objects not given back after every cache "
			    "was destroyed and kvfree_rcu_barrier() returned", stress_pending());
	}
	stress_task_done(t);
}

void stress_set_parkers(unsigned int n)
{
	nr_parkers = n;
}
