// SPDX-License-Identifier: GPL-2.0
/*
 * threads_hotplug.c - CPU hotplug on the threads backend: cpu_down() runs
 * the teardown callbacks in reverse registration order under the hotplug
 * lock held for write, after the vCPU left the online mask; cpu_up() runs
 * the startup callbacks; cpus_read_lock() holds hotplug off and a waiting
 * writer holds new readers off; work pending on a dying vCPU still runs
 * (elsewhere), and so does work queued on an offline one; a task on a
 * dying vCPU moves.
 */
#include "threads_util.h"

#define NR_CPUS_TEST	4

static int calls[16], nr_calls;		/* +100*state+cpu: startup; -: teardown */
static int teardown_saw_online = -1;

static void record(int v)
{
	if (nr_calls < (int)ARRAY_SIZE(calls))
		calls[nr_calls++] = v;
}

static int dead_startup(unsigned int cpu)
{
	lockdep_assert_cpus_held();
	record(100 + (int)cpu);
	return 0;
}

static int dead_teardown(unsigned int cpu)
{
	lockdep_assert_cpus_held();
	record(-(100 + (int)cpu));
	return 0;
}

static int test_startup(unsigned int cpu)
{
	record(200 + (int)cpu);
	return 0;
}

static int test_teardown(unsigned int cpu)
{
	lockdep_assert_cpus_held();
	teardown_saw_online = cpu_online(cpu);
	record(-(200 + (int)cpu));
	return 0;
}

static void test_cpu_down_up_callbacks(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	nr_calls = 0;
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_SLUB_DEAD, "slub:dead",
						dead_startup, dead_teardown), 0);
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_MODEL_TEST, "test",
						test_startup, test_teardown), 0);
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_MODEL_TEST, "again", NULL, NULL), -EBUSY);

	KEXPECT_EQ(t, cpu_down(3), 0);
	KEXPECT(t, !cpu_online(3));
	KEXPECT_EQ(t, num_online_cpus(), 3);
	KEXPECT_EQ(t, nr_calls, 2);
	KEXPECT_EQ(t, calls[0], -203);		/* registered last, torn down first */
	KEXPECT_EQ(t, calls[1], -103);
	KEXPECT_EQ(t, teardown_saw_online, 0);
	KEXPECT_EQ(t, cpu_down(3), -EINVAL);
	KEXPECT_EQ(t, cpu_down(NR_CPUS_TEST), -EINVAL);

	KEXPECT_EQ(t, cpu_up(3), 0);
	KEXPECT(t, cpu_online(3));
	KEXPECT_EQ(t, nr_calls, 4);
	KEXPECT_EQ(t, calls[2], 103);
	KEXPECT_EQ(t, calls[3], 203);
	KEXPECT_EQ(t, cpu_up(3), -EINVAL);

	/* The driver's own vCPU can go: it moves.  The last one cannot. */
	KEXPECT_EQ(t, cpu_down(0), 0);
	KEXPECT(t, smp_processor_id() != 0);
	KEXPECT_EQ(t, cpu_down(1), 0);
	KEXPECT_EQ(t, cpu_down(2), 0);
	KEXPECT_EQ(t, cpu_down(3), -EBUSY);
	KEXPECT_EQ(t, smp_processor_id(), 3);
	KEXPECT_EQ(t, cpu_up(0), 0);
	KEXPECT_EQ(t, cpu_up(1), 0);
	KEXPECT_EQ(t, cpu_up(2), 0);
	KEXPECT_EQ(t, num_online_cpus(), NR_CPUS_TEST);

	cpuhp_remove_state_nocalls(CPUHP_MODEL_TEST);
	cpuhp_remove_state_nocalls(CPUHP_SLUB_DEAD);
	nr_calls = 0;
	KEXPECT_EQ(t, cpu_down(2), 0);
	KEXPECT_EQ(t, nr_calls, 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static void test_assert_cpus_held(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	lockdep_assert_cpus_held();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "lockdep_assert_cpus_held");
	cpus_read_lock();
	cpus_read_lock();	/* readers nest when no writer waits */
	lockdep_assert_cpus_held();
	cpus_read_unlock();
	cpus_read_unlock();
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	cpus_read_unlock();
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "bad unlock balance");
	env_stop(t);
}

/*
 * A reader holds hotplug off; a second reader arriving while the writer
 * waits is held off too:
 *  1. A takes the read lock; B calls cpu_down(1) and waits;
 *  2. C sees B waiting, tells A, and asks for the read lock: it must wait;
 *  3. A drops the lock; B's teardown runs, after A's unlock;
 *  4. C gets in after the teardown.
 */
static int a_holds, a_unlocking, c_asked, teardown_done, c_saw_teardown = -1, teardown_saw_a = -1;

static int order_teardown(unsigned int cpu)
{
	teardown_saw_a = raw_get(&a_unlocking);
	raw_set(&teardown_done, 1);
	return 0;
}

static void reader_a(void *arg)
{
	cpus_read_lock();
	raw_set(&a_holds, 1);
	raw_wait(&c_asked, 1);
	raw_set(&a_unlocking, 1);
	cpus_read_unlock();
}

static void writer_b(void *arg)
{
	raw_wait(&a_holds, 1);
	cpu_down(1);
}

static void reader_c(void *arg)
{
	raw_wait_until(thr_hotplug_writers_waiting() == 1);
	raw_set(&c_asked, 1);
	cpus_read_lock();
	c_saw_teardown = raw_get(&teardown_done);
	cpus_read_unlock();
}

static void test_read_lock_holds_hotplug_off(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	raw_set(&a_holds, 0);
	raw_set(&a_unlocking, 0);
	raw_set(&c_asked, 0);
	raw_set(&teardown_done, 0);
	cpuhp_setup_state_nocalls(CPUHP_MODEL_TEST, "order", NULL, order_teardown);
	vcpu_spawn("reader_a", 1, reader_a, NULL);
	vcpu_spawn("writer_b", 3, writer_b, NULL);
	vcpu_spawn("reader_c", 2, reader_c, NULL);
	vcpu_run_tasks();
	KEXPECT_EQ(t, teardown_saw_a, 1);
	KEXPECT_EQ(t, c_saw_teardown, 1);
	KEXPECT(t, !cpu_online(1));
	cpuhp_remove_state_nocalls(CPUHP_MODEL_TEST);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

/* --------------------------------------------------- work and dying vCPUs */

static struct workqueue_struct *wq;
static struct work_struct dying_work;
static int queued, dying_ran_on = -1, holder_after = -1, dying_saw_online = -1;
static local_lock_t __percpu *pcp_lock;

static void dying_fn(struct work_struct *work)
{
	dying_ran_on = (int)smp_processor_id();
	dying_saw_online = cpu_online(3);
}

/*
 * Holds vCPU 3 (its local lock: preemption off) with an item pending on
 * it until cpu_down(3) waits to stop the vCPU; only then lets go.
 */
static void holder_task(void *arg)
{
	local_lock(pcp_lock);
	queue_work_on(3, wq, &dying_work);
	raw_set(&queued, 1);
	raw_wait_until(thr_vcpu_stopping(3));
	local_unlock(pcp_lock);
	holder_after = (int)smp_processor_id();
}

static void downer_task(void *arg)
{
	raw_wait(&queued, 1);
	cpu_down(3);
	flush_work(&dying_work);
}

static void test_work_pending_on_dying_cpu_runs(struct ktest *t)
{
	unsigned int cpu;

	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	wq = alloc_workqueue("test_wq", WQ_PERCPU, 0);
	pcp_lock = alloc_percpu(local_lock_t);
	for_each_possible_cpu(cpu)
		local_lock_init(per_cpu_ptr(pcp_lock, cpu));
	INIT_WORK(&dying_work, dying_fn);
	raw_set(&queued, 0);
	vcpu_spawn("holder", 3, holder_task, NULL);
	vcpu_spawn("downer", 1, downer_task, NULL);
	vcpu_run_tasks();
	KEXPECT(t, dying_ran_on >= 0 && dying_ran_on != 3);
	KEXPECT_EQ(t, dying_saw_online, 0);
	KEXPECT(t, holder_after >= 0 && holder_after != 3);

	/* Queued on the offline vCPU: runs elsewhere; back online: runs there. */
	dying_ran_on = -1;
	queue_work_on(3, wq, &dying_work);
	flush_work(&dying_work);
	KEXPECT(t, dying_ran_on >= 0 && dying_ran_on != 3);
	KEXPECT_EQ(t, cpu_up(3), 0);
	queue_work_on(3, wq, &dying_work);
	flush_work(&dying_work);
	KEXPECT_EQ(t, dying_ran_on, 3);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	free_percpu(pcp_lock);
	destroy_workqueue(wq);
	env_stop(t);
}

/* A task sleeping when its vCPU goes down wakes up somewhere else. */
static struct completion wake_sleeper;
static int sleeper_asleep, sleeper_woke_on = -1;

static void sleeper_task(void *arg)
{
	raw_set(&sleeper_asleep, 1);
	wait_for_completion(&wake_sleeper);
	sleeper_woke_on = (int)smp_processor_id();
}

static void waker_task(void *arg)
{
	raw_wait(&sleeper_asleep, 1);
	cpu_down(2);
	complete(&wake_sleeper);
}

static void test_task_moves_off_dying_cpu(struct ktest *t)
{
	if (!env_start_cpus(t, NR_CPUS_TEST))
		return;
	init_completion(&wake_sleeper);
	raw_set(&sleeper_asleep, 0);
	vcpu_spawn("sleeper", 2, sleeper_task, NULL);
	vcpu_spawn("waker", 1, waker_task, NULL);
	vcpu_run_tasks();
	KEXPECT(t, sleeper_woke_on >= 0 && sleeper_woke_on != 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop(t);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_cpu_down_up_callbacks),
	KTEST_CASE(test_assert_cpus_held),
	KTEST_CASE(test_read_lock_holds_hotplug_off),
	KTEST_CASE(test_work_pending_on_dying_cpu_runs),
	KTEST_CASE(test_task_moves_off_dying_cpu),
	{}
};
KTEST_MAIN("threads_hotplug", cases)
