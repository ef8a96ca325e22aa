// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug.c (threads) - cpu_hotplug_lock, the cpuhp state table, cpu_down()
 * and cpu_up().
 *
 * cpu_hotplug_lock is a writer-preferring rwsem over hp_mu: a writer that
 * waits (hp_writers_waiting) keeps new readers out, as percpu_down_read()
 * does once a percpu_down_write() has started.  Readers and the writer
 * give their vCPU token up while they wait.
 *
 * cpu_down(X) under the lock held for write: thr_vcpu_stop() waits until
 * nothing runs on X (the token is free; a holder with preemption enabled
 * yields at its next decision point) and takes X offline in the same
 * step, so no context ever runs on an offline vCPU.  From then on, a
 * context that wants X - a task whose home it was, a worker of one of X's
 * per-CPU pools, the RCU callback of something queued on X - runs on
 * another online vCPU instead: X's pools are unbound without further ado.
 * Then the teardown callbacks run, in the control task, on its own vCPU.
 */
#include "thr.h"

struct cpuhp_step {
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
	unsigned long seq;		/* registration order; 0: not registered */
};

static pthread_mutex_t hp_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hp_cond = PTHREAD_COND_INITIALIZER;
static unsigned int hp_readers;		/* under hp_mu */
static unsigned int hp_writers_waiting;	/* under hp_mu */
static bool hp_writer;			/* under hp_mu */
static struct cpuhp_step hp_steps[CPUHP_NR_STATES];	/* under hp_mu */
static unsigned long hp_seq;		/* under hp_mu */

static struct lockdep_map cpu_hotplug_lock_map =
	STATIC_LOCKDEP_MAP_INIT("cpu_hotplug_lock", LD_WAIT_SLEEP);

void thr_hotplug_init(void)
{
	pthread_mutex_lock(&hp_mu);
	/* A holder of the last environment left with it: that is reported. */
	hp_readers = 0;
	hp_writers_waiting = 0;
	hp_writer = false;
	memset(hp_steps, 0, sizeof(hp_steps));
	hp_seq = 0;
	pthread_mutex_unlock(&hp_mu);
}

/* ------------------------------------------------------------- the lock */

unsigned int thr_hotplug_writers_waiting(void)
{
	unsigned int n;

	pthread_mutex_lock(&hp_mu);
	n = hp_writers_waiting;
	pthread_mutex_unlock(&hp_mu);
	return n;
}

void cpus_read_lock(void)
{
	bool released;

	thr_task(__func__);
	might_sleep();
	lock_acquire(&cpu_hotplug_lock_map, 0, 1, _RET_IP_);
	pthread_mutex_lock(&hp_mu);
	if (hp_writer || hp_writers_waiting) {
		pthread_mutex_unlock(&hp_mu);
		released = thr_sleep_begin();
		pthread_mutex_lock(&hp_mu);
		while (hp_writer || hp_writers_waiting)
			pthread_cond_wait(&hp_cond, &hp_mu);
		hp_readers++;
		pthread_mutex_unlock(&hp_mu);
		thr_sleep_end(released);
		return;
	}
	hp_readers++;
	pthread_mutex_unlock(&hp_mu);
}

void cpus_read_unlock(void)
{
	if (!lock_is_held_type(&cpu_hotplug_lock_map, 1)) {
		lock_release(&cpu_hotplug_lock_map, _RET_IP_);	/* reports */
		return;
	}
	lock_release(&cpu_hotplug_lock_map, _RET_IP_);
	pthread_mutex_lock(&hp_mu);
	if (--hp_readers == 0)
		pthread_cond_broadcast(&hp_cond);
	pthread_mutex_unlock(&hp_mu);
	vcpu_decision_point("cpus_read_unlock");
}

bool vcpu_cpus_write_held(void)
{
	return lock_is_held_type(&cpu_hotplug_lock_map, 0);
}

void __lockdep_assert_cpus_held(const char *func)
{
	if (!lock_is_held(&cpu_hotplug_lock_map))
		lockdep_assert_failed("lockdep_assert_cpus_held", "cpu_hotplug_lock", func);
}

/*
 * Takes the lock for write: lockdep first, then the wait without a token.
 * A caller that may not sleep has been reported and gets false: stopping
 * its own vCPU would wait for itself.
 */
static bool cpus_write_lock(unsigned long ip)
{
	struct task_struct *t = thr_task("cpu_hotplug_begin");
	bool released;

	might_sleep();
	if (t->preempt_count || t->rcu_read_lock_nesting)
		return false;
	lock_acquire(&cpu_hotplug_lock_map, 0, 0, ip);
	released = thr_sleep_begin();
	pthread_mutex_lock(&hp_mu);
	hp_writers_waiting++;
	while (hp_writer || hp_readers)
		pthread_cond_wait(&hp_cond, &hp_mu);
	hp_writers_waiting--;
	hp_writer = true;
	pthread_mutex_unlock(&hp_mu);
	thr_sleep_end(released);
	return true;
}

static void cpus_write_unlock(unsigned long ip)
{
	lock_release(&cpu_hotplug_lock_map, ip);
	pthread_mutex_lock(&hp_mu);
	hp_writer = false;
	pthread_cond_broadcast(&hp_cond);
	pthread_mutex_unlock(&hp_mu);
	vcpu_decision_point("cpus_write_unlock");
}

/* ------------------------------------------------------------ the states */

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu))
{
	int ret = 0;

	if ((unsigned int)state >= CPUHP_NR_STATES)
		return -EINVAL;
	cpus_read_lock();
	pthread_mutex_lock(&hp_mu);
	if (hp_steps[state].seq) {
		ret = -EBUSY;
	} else {
		hp_steps[state] = (struct cpuhp_step){
			.name = name, .startup = startup, .teardown = teardown, .seq = ++hp_seq,
		};
	}
	pthread_mutex_unlock(&hp_mu);
	cpus_read_unlock();
	return ret;
}

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	if ((unsigned int)state >= CPUHP_NR_STATES)
		return;
	cpus_read_lock();
	pthread_mutex_lock(&hp_mu);
	memset(&hp_steps[state], 0, sizeof(hp_steps[state]));
	pthread_mutex_unlock(&hp_mu);
	cpus_read_unlock();
}

/*
 * The registered steps by registration order, into @order; returns their
 * number.  Under the write lock the table cannot change (registration
 * takes the read side), so the copy stays true while the callbacks run.
 */
static unsigned int steps_in_order(struct cpuhp_step *order)
{
	unsigned int i, j, n = 0;
	struct cpuhp_step s;

	pthread_mutex_lock(&hp_mu);
	for (i = 0; i < CPUHP_NR_STATES; i++)
		if (hp_steps[i].seq)
			order[n++] = hp_steps[i];
	pthread_mutex_unlock(&hp_mu);
	for (i = 1; i < n; i++) {
		s = order[i];
		for (j = i; j > 0 && order[j - 1].seq > s.seq; j--)
			order[j] = order[j - 1];
		order[j] = s;
	}
	return n;
}

/* Teardowns of steps [0, n) in reverse order; they must not fail. */
static void run_teardowns(const struct cpuhp_step *order, unsigned int n, unsigned int cpu)
{
	int ret;

	while (n-- > 0) {
		if (!order[n].teardown)
			continue;
		ret = order[n].teardown(cpu);
		WARN(ret, "cpuhp teardown %s for vCPU %u returned %d", order[n].name, cpu, ret);
	}
}

int cpu_down(unsigned int cpu)
{
	struct cpuhp_step order[CPUHP_NR_STATES];
	bool released;
	unsigned int n;
	int ret = 0;

	if (cpu >= nr_cpu_ids || !cpus_write_lock(_RET_IP_))
		return -EINVAL;
	if (!cpu_online(cpu)) {
		ret = -EINVAL;
		goto unlock;
	}
	if (num_online_cpus() == 1) {
		ret = -EBUSY;
		goto unlock;
	}
	/* Our own token goes while X stops: we may be running on X. */
	released = thr_sleep_begin();
	thr_vcpu_stop(cpu);
	thr_sleep_end(released);
	n = steps_in_order(order);
	run_teardowns(order, n, cpu);
unlock:
	cpus_write_unlock(_RET_IP_);
	return ret;
}

int cpu_up(unsigned int cpu)
{
	struct cpuhp_step order[CPUHP_NR_STATES];
	unsigned int n, i;
	int ret = 0;

	if (cpu >= nr_cpu_ids || !cpus_write_lock(_RET_IP_))
		return -EINVAL;
	if (cpu_online(cpu)) {
		ret = -EINVAL;
		goto unlock;
	}
	n = steps_in_order(order);
	for (i = 0; i < n; i++) {
		if (!order[i].startup)
			continue;
		ret = order[i].startup(cpu);
		if (ret) {
			/* Roll back what came up, as the kernel's cpuhp_up_callbacks(). */
			run_teardowns(order, i, cpu);
			goto unlock;
		}
	}
	thr_vcpu_start(cpu);
unlock:
	cpus_write_unlock(_RET_IP_);
	return ret;
}
