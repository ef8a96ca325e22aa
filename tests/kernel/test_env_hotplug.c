// SPDX-License-Identifier: GPL-2.0
/*
 * test_env_hotplug.c - cpuhotplug.h, on either backend.
 *
 *  - cpu_down() runs the teardown callbacks with the hotplug lock held for
 *    write, newest registration first, for the vCPU going down; cpu_up()
 *    runs the startup callbacks in registration order;
 *  - cpus_read_lock() holds hotplug off: a cpu_down() in another task
 *    runs its teardown only after cpus_read_unlock();
 *  - work pending on a dying vCPU still runs (elsewhere), and a task on it
 *    continues elsewhere;
 *  - bad input: a vCPU out of range or in the requested state is -EINVAL,
 *    the last online vCPU is -EBUSY.
 */
#include "kernel.h"
#include "ktest.h"
#include "env_test.h"


/* Callback log: "D<cpu>" / "T<cpu>" / "S<cpu>" per call, with the lock state. */
static char log_buf[64];
static int write_held_in_callbacks;

static void log_call(char kind, unsigned int cpu)
{
	size_t n = strlen(log_buf);

	if (n + 3 < sizeof(log_buf)) {
		log_buf[n] = kind;
		log_buf[n + 1] = (char)('0' + cpu);
		log_buf[n + 2] = '\0';
	}
	if (!vcpu_cpus_write_held())
		write_held_in_callbacks = 0;
	lockdep_assert_cpus_held();
}

static int dyn_teardown(unsigned int cpu)
{
	log_call('D', cpu);
	return 0;
}

static int test_teardown(unsigned int cpu)
{
	log_call('T', cpu);
	return 0;
}

static int test_startup(unsigned int cpu)
{
	log_call('S', cpu);
	return 0;
}

static void test_callbacks_under_write_lock(struct ktest *t)
{
	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	log_buf[0] = '\0';
	write_held_in_callbacks = 1;
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "dyn", NULL, dyn_teardown), 0);
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_MODEL_TEST, "test", test_startup,
						test_teardown), 0);
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_MODEL_TEST, "again", NULL, NULL), -EBUSY);
	KEXPECT(t, !vcpu_cpus_write_held());
	KEXPECT_EQ(t, cpu_down(2), 0);
	KEXPECT(t, !cpu_online(2));
	KEXPECT_EQ(t, num_online_cpus(), 3);
	KEXPECT_EQ(t, cpu_up(2), 0);
	KEXPECT(t, cpu_online(2));
	KEXPECT(t, strcmp(log_buf, "T2D2S2") == 0);
	KEXPECT_EQ(t, write_held_in_callbacks, 1);
	cpuhp_remove_state_nocalls(CPUHP_MODEL_TEST);
	cpuhp_remove_state_nocalls(CPUHP_AP_ONLINE_DYN);
	KEXPECT_EQ(t, cpu_down(3), 0);
	KEXPECT(t, strcmp(log_buf, "T2D2S2") == 0);
	KEXPECT_EQ(t, cpu_up(3), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

/* A reader holds hotplug off; the writer's teardown runs after the unlock. */
static struct completion reader_locked;
static int reader_done, teardown_saw_reader_done, teardown_calls;

static int order_teardown(unsigned int cpu)
{
	ATOMIC_SET(teardown_saw_reader_done, ATOMIC_GET(reader_done));
	teardown_calls++;
	return 0;
}

static void reader(void *arg)
{
	int i;

	cpus_read_lock();
	complete(&reader_locked);
	for (i = 0; i < 50; i++)
		cond_resched();
	msleep(20);
	ATOMIC_SET(reader_done, 1);
	cpus_read_unlock();
}

static void writer(void *arg)
{
	wait_for_completion(&reader_locked);
	KEXPECT((struct ktest *)arg, cpu_down(3) == 0);
}

static void test_read_lock_holds_hotplug_off(struct ktest *t)
{
	if (!env_start(t, VCPU_MODE_TASKS, 0))
		return;
	init_completion(&reader_locked);
	ATOMIC_SET(reader_done, 0);
	ATOMIC_SET(teardown_saw_reader_done, 0);
	teardown_calls = 0;
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_MODEL_TEST, "order", NULL,
						order_teardown), 0);
	KEXPECT_EQ(t, vcpu_spawn("reader", 1, reader, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("writer", 2, writer, t), 0);
	vcpu_run_tasks();
	KEXPECT_EQ(t, teardown_calls, 1);
	KEXPECT_EQ(t, ATOMIC_GET(teardown_saw_reader_done), 1);
	KEXPECT(t, !cpu_online(3));
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

/* Work pending on a dying vCPU runs elsewhere; a task on it moves. */
static int work_ran, work_cpu;

static void pending_fn(struct work_struct *w)
{
	ATOMIC_SET(work_cpu, (int)smp_processor_id());
	ATOMIC_SET(work_ran, 1);
}

static struct completion down_done;
static int moved_cpu;

static void sitter(void *arg)
{
	wait_for_completion(&down_done);
	ATOMIC_SET(moved_cpu, (int)smp_processor_id());
}

static void downer(void *arg)
{
	KEXPECT((struct ktest *)arg, cpu_down(3) == 0);
	complete(&down_done);
}

static void test_dying_cpu_work_and_tasks(struct ktest *t)
{
	struct work_struct w;

	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	INIT_WORK(&w, pending_fn);
	ATOMIC_SET(work_ran, 0);
	ATOMIC_SET(work_cpu, -1);
	KEXPECT(t, queue_work_on(3, system_wq, &w));
	KEXPECT_EQ(t, cpu_down(3), 0);
	KEXPECT(t, flush_work(&w) || ATOMIC_GET(work_ran));
	KEXPECT_EQ(t, ATOMIC_GET(work_ran), 1);
#ifdef SHEAF_BACKEND_SIM
	/* Inline mode: it was still pending at cpu_down(), so it ran elsewhere. */
	KEXPECT(t, ATOMIC_GET(work_cpu) != 3 && cpu_online((unsigned int)ATOMIC_GET(work_cpu)));
#endif
	/* Queued on the offline vCPU: its pool is unbound now. */
	ATOMIC_SET(work_ran, 0);
	KEXPECT(t, queue_work_on(3, system_wq, &w));
	flush_work(&w);
	KEXPECT_EQ(t, ATOMIC_GET(work_ran), 1);
	KEXPECT(t, ATOMIC_GET(work_cpu) != 3);
	KEXPECT_EQ(t, cpu_up(3), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();

	if (!env_start(t, VCPU_MODE_TASKS, 0))
		return;
	init_completion(&down_done);
	ATOMIC_SET(moved_cpu, -1);
	KEXPECT_EQ(t, vcpu_spawn("sitter", 3, sitter, NULL), 0);
	KEXPECT_EQ(t, vcpu_spawn("downer", 0, downer, t), 0);
	vcpu_run_tasks();
	KEXPECT(t, ATOMIC_GET(moved_cpu) >= 0 && ATOMIC_GET(moved_cpu) != 3);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_bad_input(struct ktest *t)
{
	if (!env_start(t, VCPU_MODE_INLINE, 0))
		return;
	KEXPECT_EQ(t, cpu_down(4), -EINVAL);
	KEXPECT_EQ(t, cpu_down(64), -EINVAL);
	KEXPECT_EQ(t, cpu_down((unsigned int)-1), -EINVAL);
	KEXPECT_EQ(t, cpu_up(0), -EINVAL);
	KEXPECT_EQ(t, cpu_up(4), -EINVAL);
	KEXPECT_EQ(t, cpu_down(1), 0);
	KEXPECT_EQ(t, cpu_down(1), -EINVAL);
	KEXPECT_EQ(t, cpu_down(2), 0);
	KEXPECT_EQ(t, cpu_down(3), 0);
	/* The driver sits on vCPU 0, the last one. */
	KEXPECT_EQ(t, cpu_down(0), -EBUSY);
	KEXPECT_EQ(t, num_online_cpus(), 1);
	KEXPECT_EQ(t, cpu_up(1), 0);
	/* Going down from the vCPU it runs on moves the caller first. */
	KEXPECT_EQ(t, cpu_down(0), 0);
	KEXPECT_EQ(t, smp_processor_id(), 1);
	KEXPECT_EQ(t, cpuhp_setup_state_nocalls(CPUHP_NR_STATES, "bad", NULL, NULL), -EINVAL);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_callbacks_under_write_lock),
	KTEST_CASE(test_read_lock_holds_hotplug_off),
	KTEST_CASE(test_dying_cpu_work_and_tasks),
	KTEST_CASE(test_bad_input),
	{}
};

KTEST_MAIN("env_hotplug", cases)
