// SPDX-License-Identifier: GPL-2.0
/*
 * test_env_locks.c - spinlock_t, mutex and completion, on either backend:
 * mutual exclusion between tasks that are preempted inside the critical
 * section, preemption off under a spin lock, trylock, completions as
 * counters; and the bad input: unlocking a mutex the task does not hold is
 * reported naming the function and the vCPU, and vcpu_env_init() refuses
 * 0 and 65 vCPUs.
 */
#include "kernel.h"
#include "ktest.h"
#include "env_test.h"

static DEFINE_MUTEX(m);
static DEFINE_SPINLOCK(s);
static int in_m, in_s, overlap;
/* One counter per lock: each is protected by its own lock only. */
static unsigned long counter_m, counter_s;

static void contender(void *arg)
{
	int i;

	for (i = 0; i < 40; i++) {
		mutex_lock(&m);
		if (ATOMIC_GET(in_m))
			ATOMIC_SET(overlap, 1);
		ATOMIC_SET(in_m, 1);
		cond_resched();
		counter_m++;
		ATOMIC_SET(in_m, 0);
		mutex_unlock(&m);

		spin_lock(&s);
		if (ATOMIC_GET(in_s) || preemptible())
			ATOMIC_SET(overlap, 1);
		ATOMIC_SET(in_s, 1);
		vcpu_decision_point("inside spin_lock");
		counter_s++;
		ATOMIC_SET(in_s, 0);
		spin_unlock(&s);
	}
}

static void run_exclusion(struct ktest *t, unsigned int seed)
{
	if (!env_start(t, VCPU_MODE_TASKS, seed))
		return;
	counter_m = counter_s = 0;
	ATOMIC_SET(overlap, 0);
	KEXPECT_EQ(t, vcpu_spawn("c1", 1, contender, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("c2", 2, contender, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("c3", 3, contender, NULL), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, counter_m, 3 * 40);
	KEXPECT_EQ(t, counter_s, 3 * 40);
	KEXPECT_EQ(t, ATOMIC_GET(overlap), 0);
	KEXPECT(t, !mutex_is_locked(&m));
	KEXPECT(t, !spin_is_locked(&s));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_mutual_exclusion(struct ktest *t)
{
	run_exclusion(t, 0);
#ifdef SHEAF_BACKEND_SIM
	{
		unsigned int seed;

		for (seed = 1; seed <= 50 && !t->failures; seed++)
			run_exclusion(t, seed);
	}
#endif
}

static void test_trylock_and_preemption(struct ktest *t)
{
	spinlock_t l;
	struct mutex mx;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	spin_lock_init(&l);
	mutex_init(&mx);
	KEXPECT(t, preemptible());
	spin_lock(&l);
	KEXPECT_EQ(t, current->preempt_count, 1);
	KEXPECT(t, spin_is_locked(&l));
	spin_unlock(&l);
	KEXPECT(t, preemptible());
	KEXPECT(t, spin_trylock(&l));
	KEXPECT(t, !preemptible());
	spin_unlock(&l);
	KEXPECT(t, mutex_trylock(&mx));
	KEXPECT(t, !mutex_trylock(&mx));
	mutex_unlock(&mx);
	KEXPECT(t, !mutex_is_locked(&mx));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static struct completion c2;
static int consumed;

static void waiter(void *arg)
{
	wait_for_completion(&c2);
	wait_for_completion(&c2);
	ATOMIC_SET(consumed, 2);
}

static void signaller(void *arg)
{
	complete(&c2);
	cond_resched();
	complete(&c2);
}

static void test_completion_counts(struct ktest *t)
{
	if (!env_start(t, VCPU_MODE_TASKS, 0))
		return;
	init_completion(&c2);
	ATOMIC_SET(consumed, 0);
	KEXPECT(t, !completion_done(&c2));
	KEXPECT_EQ(t, vcpu_spawn("waiter", 1, waiter, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("signaller", 2, signaller, NULL), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, ATOMIC_GET(consumed), 2);
	KEXPECT(t, !completion_done(&c2));
	complete_all(&c2);
	wait_for_completion(&c2);
	KEXPECT(t, completion_done(&c2));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_bad_unlock_reported(struct ktest *t)
{
	struct mutex mx;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	mutex_init(&mx);
	mutex_unlock(&mx);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "bad unlock balance");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "mutex_unlock");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "vCPU 0");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "mx");
	/* The mutex is still usable. */
	mutex_lock(&mx);
	mutex_unlock(&mx);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	env_stop();
}

static void test_env_init_bad_cpus(struct ktest *t)
{
	struct vcpu_config cfg;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = 0;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);
	cfg.nr_cpus = 65;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);
	cfg.nr_cpus = 64;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), 0);
	KEXPECT_EQ(t, num_online_cpus(), 64);
	vcpu_env_exit();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_mutual_exclusion),
	KTEST_CASE(test_trylock_and_preemption),
	KTEST_CASE(test_completion_counts),
	KTEST_CASE(test_bad_unlock_reported),
	KTEST_CASE(test_env_init_bad_cpus),
	{}
};

KTEST_MAIN("env_locks", cases)
