// SPDX-License-Identifier: GPL-2.0
/*
 * test_env_exclusion.c - "the per-CPU lock is the CPU" (docs/architecture.md):
 * work queued on vCPU X runs as X, and never while a context on X holds
 * X's local_lock, even when everything else would let it run.
 *
 * The race, in steps:
 *   1. task "holder" on vCPU 1 takes vCPU 1's copy of a per-CPU local_lock;
 *   2. it queues a work item on vCPU 1 and passes many preemption points;
 *      (sim: the decider asks to switch at every one of them, and a task on
 *      vCPU 2 is there to switch to, so switching does happen)
 *   3. the item must not have run before the holder unlocks; when it runs,
 *      it must find the lock free and run on vCPU 1.
 * Without the vCPU token (a worker runnable while its vCPU is held) the
 * item runs at step 2 and both checks fail.
 */
#include "kernel.h"
#include "ktest.h"
#ifdef SHEAF_BACKEND_SIM
#include "sim.h"
#endif

#define ATOMIC_INC(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define ATOMIC_GET(x)	__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define ATOMIC_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

struct pcs {
	local_lock_t lock;
	int inside;
};

static struct pcs __percpu *pcs;
static struct work_struct item;
static int item_runs, item_cpu, item_saw_locked;
static int ran_while_held, other_ran_while_held, holding;

static void item_fn(struct work_struct *w)
{
	struct pcs *p;

	ATOMIC_SET(item_cpu, (int)smp_processor_id());
	if (ATOMIC_GET(holding))
		ATOMIC_SET(item_saw_locked, 1);
	/* The item takes the same lock, as flush_rcu_sheaf() does. */
	local_lock(&pcs->lock);
	p = this_cpu_ptr(pcs);
	if (p->inside)
		ATOMIC_SET(item_saw_locked, 1);
	local_unlock(&pcs->lock);
	ATOMIC_INC(item_runs);
}

static void holder(void *arg)
{
	struct pcs *p;
	int i;

	local_lock(&pcs->lock);
	p = this_cpu_ptr(pcs);
	p->inside = 1;
	ATOMIC_SET(holding, 1);
	queue_work_on(1, system_wq, &item);
	for (i = 0; i < 100; i++)
		vcpu_decision_point("holder");
#ifndef SHEAF_BACKEND_SIM
	{
		volatile unsigned long spin;

		for (spin = 0; spin < 5000000; spin++)
			;
	}
#endif
	if (ATOMIC_GET(item_runs))
		ATOMIC_SET(ran_while_held, 1);
	ATOMIC_SET(holding, 0);
	p->inside = 0;
	local_unlock(&pcs->lock);
}

static void other(void *arg)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (ATOMIC_GET(holding))
			ATOMIC_SET(other_ran_while_held, 1);
		vcpu_decision_point("other");
	}
}

#ifdef SHEAF_BACKEND_SIM
/* Always take the last option: switch away whenever anything else can run. */
static unsigned int eager(void *data, enum sim_choice what, unsigned int nr)
{
	return what == SIM_PICK_CONTEXT ? nr - 1 : 0;
}
#endif

static void test_work_excluded_by_local_lock(struct ktest *t)
{
	struct vcpu_config cfg;
	int cpu;
#ifdef SHEAF_BACKEND_SIM
	static const struct sim_decider d = { .choose = eager };
#endif

	vcpu_config_default(&cfg);
	cfg.mode = VCPU_MODE_TASKS;
#ifdef SHEAF_BACKEND_SIM
	cfg.decider = &d;
#endif
	KASSERT(t, vcpu_env_init(&cfg) == 0);
	pcs = alloc_percpu(struct pcs);
	KASSERT(t, pcs);
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(pcs, cpu)->lock);
	INIT_WORK(&item, item_fn);
	ATOMIC_SET(item_runs, 0);
	ATOMIC_SET(item_cpu, -1);
	ATOMIC_SET(item_saw_locked, 0);
	ATOMIC_SET(ran_while_held, 0);
	ATOMIC_SET(other_ran_while_held, 0);
	ATOMIC_SET(holding, 0);
	KEXPECT_EQ(t, vcpu_spawn("holder", 1, holder, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("other", 2, other, NULL), 0);
	vcpu_run_tasks();
	flush_work(&item);
	KEXPECT_EQ(t, ATOMIC_GET(item_runs), 1);
	KEXPECT_EQ(t, ATOMIC_GET(item_cpu), 1);
	KEXPECT_EQ(t, ATOMIC_GET(item_saw_locked), 0);
	KEXPECT_EQ(t, ATOMIC_GET(ran_while_held), 0);
#ifdef SHEAF_BACKEND_SIM
	/* The positive control: the decider did switch while the lock was held. */
	KEXPECT_EQ(t, ATOMIC_GET(other_ran_while_held), 1);
#endif
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	free_percpu(pcs);
	vcpu_env_exit();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_work_excluded_by_local_lock),
	{}
};

KTEST_MAIN("env_exclusion", cases)
