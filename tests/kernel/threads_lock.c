// SPDX-License-Identifier: GPL-2.0
/*
 * threads_lock.c - locks, tasks and time on the threads backend: spin
 * locks and mutexes exclude across vCPUs; a context sleeping on a mutex or
 * a completion gives its vCPU to the next one; tasks start on the vCPU
 * they were spawned for and move only by vcpu_migrate(); jiffies follow
 * the clock plus vcpu_tick(); contexts that end with a lock held or
 * preemption off are reported.
 */
#include "threads_util.h"

#define NR_CPUS_TEST	4
#define ROUNDS		2000

static DEFINE_SPINLOCK(counter_spin);
static DEFINE_RAW_SPINLOCK(counter_raw);
static DEFINE_MUTEX(counter_mutex);
static unsigned long counter_a, counter_b, counter_c;

static void count_task(void *arg)
{
	unsigned int i;

	for (i = 0; i < ROUNDS; i++) {
		spin_lock(&counter_spin);
		counter_a++;
		spin_unlock(&counter_spin);
		raw_spin_lock(&counter_raw);
		counter_b++;
		raw_spin_unlock(&counter_raw);
		mutex_lock(&counter_mutex);
		counter_c++;
		mutex_unlock(&counter_mutex);
	}
}

static void test_locks_exclude(struct ktest *t)
{
	unsigned int cpu;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	counter_a = counter_b = counter_c = 0;
	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		vcpu_spawn("counter", (int)cpu, count_task, NULL);
		vcpu_spawn("counter", (int)cpu, count_task, NULL);
	}
	vcpu_run_tasks();
	KEXPECT_EQ(t, counter_a, 2 * NR_CPUS_TEST * ROUNDS);
	KEXPECT_EQ(t, counter_b, 2 * NR_CPUS_TEST * ROUNDS);
	KEXPECT_EQ(t, counter_c, 2 * NR_CPUS_TEST * ROUNDS);
	KEXPECT(t, !spin_is_locked(&counter_spin));
	KEXPECT(t, !mutex_is_locked(&counter_mutex));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

/*
 * Two tasks on one vCPU: the first sleeps holding the mutex, so the second
 * runs meanwhile, finds the mutex held and sleeps on it; the first comes
 * back and lets it in.  If a sleeper kept its vCPU this would deadlock.
 */
static DEFINE_MUTEX(shared_mutex);
static struct completion first_holds, second_checked;
static int order[3], nr_order;

static void holder_task(void *arg)
{
	mutex_lock(&shared_mutex);
	complete(&first_holds);
	wait_for_completion(&second_checked);
	order[nr_order++] = 1;
	mutex_unlock(&shared_mutex);
}

static void waiter_task(void *arg)
{
	struct ktest *t = arg;

	wait_for_completion(&first_holds);
	KEXPECT(t, mutex_is_locked(&shared_mutex));
	KEXPECT(t, !mutex_trylock(&shared_mutex));
	complete(&second_checked);
	mutex_lock(&shared_mutex);
	order[nr_order++] = 2;
	mutex_unlock(&shared_mutex);
}

static void test_sleeping_gives_the_vcpu_up(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	init_completion(&first_holds);
	init_completion(&second_checked);
	nr_order = 0;
	vcpu_spawn("holder", 1, holder_task, NULL);
	vcpu_spawn("waiter", 1, waiter_task, t);
	vcpu_run_tasks();
	KEXPECT_EQ(t, nr_order, 2);
	KEXPECT_EQ(t, order[0], 1);
	KEXPECT_EQ(t, order[1], 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

/* Only one context at a time runs on a vCPU. */
static int running_on[NR_CPUS_TEST], overlaps;

static void exclusive_task(void *arg)
{
	unsigned int i, cpu;

	for (i = 0; i < ROUNDS; i++) {
		cpu = smp_processor_id();
		if (__atomic_add_fetch(&running_on[cpu], 1, __ATOMIC_ACQ_REL) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		sched_yield();
		__atomic_sub_fetch(&running_on[cpu], 1, __ATOMIC_ACQ_REL);
		cond_resched();
	}
}

static void test_one_context_per_vcpu(struct ktest *t)
{
	unsigned int cpu;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	memset(running_on, 0, sizeof(running_on));
	raw_set(&overlaps, 0);
	for (cpu = 0; cpu < NR_CPUS_TEST; cpu++) {
		vcpu_spawn("excl", (int)cpu, exclusive_task, NULL);
		vcpu_spawn("excl", (int)cpu, exclusive_task, NULL);
		vcpu_spawn("excl", (int)cpu, exclusive_task, NULL);
	}
	vcpu_run_tasks();
	KEXPECT_EQ(t, raw_get(&overlaps), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static int spawned_on = -1, migrated_to = -1;

static void migrate_task(void *arg)
{
	spawned_on = (int)smp_processor_id();
	vcpu_migrate(3);
	migrated_to = (int)smp_processor_id();
}

static void test_spawn_and_migrate(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	KEXPECT_EQ(t, smp_processor_id(), 0);
	KEXPECT(t, current->flags & PF_DRIVER);
	KEXPECT_EQ(t, vcpu_spawn("bad", NR_CPUS_TEST, migrate_task, NULL), -EINVAL);
	KEXPECT_EQ(t, vcpu_spawn("mover", 2, migrate_task, NULL), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, spawned_on, 2);
	KEXPECT_EQ(t, migrated_to, 3);

	/* Pinned: reported, stays. */
	preempt_disable();
	vcpu_migrate(1);
	preempt_enable();
	KEXPECT_EQ(t, smp_processor_id(), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "migrating a pinned task");
	env_stop(t);
}

static void test_jiffies(struct ktest *t)
{
	unsigned long j0, j1;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	j0 = jiffies;
	vcpu_tick(1000);
	j1 = jiffies;
	KEXPECT(t, time_after_eq(j1, j0 + 1000));
	msleep(20);
	KEXPECT(t, time_after_eq(jiffies, j1 + 1));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static DEFINE_SPINLOCK(leaked_spin);

static void leaky_task(void *arg)
{
	spin_lock(&leaked_spin);
}

static void test_task_leaking_a_lock_reported(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	vcpu_spawn("leaky", 1, leaky_task, NULL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "leaked lock or atomic");
	env_stop(t);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_locks_exclude),
	KTEST_CASE(test_sleeping_gives_the_vcpu_up),
	KTEST_CASE(test_one_context_per_vcpu),
	KTEST_CASE(test_spawn_and_migrate),
	KTEST_CASE(test_jiffies),
	KTEST_CASE(test_task_leaking_a_lock_reported),
	{}
};
KTEST_MAIN("threads_lock", cases)
