// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug.c - cpu_hotplug_lock and CPU hotplug.
 *
 * cpu_hotplug_lock is a writer-preferring rw-semaphore: readers count in
 * hp.readers, the writer is hp.writer, and a writer waiting
 * (hp.writers_waiting) keeps new readers out, as percpu_down_read() does.
 * Its lockdep map is "cpu_hotplug_lock"; cpus_read_lock() acquires it
 * shared (read = 1), the hotplug writer exclusive.
 *
 * cpu_down(X) under the write lock: waits until nothing on X has
 * preemption disabled or migration pinned (stop_machine's effect), takes
 * X out of the online mask, moves every context on X to the lowest online
 * vCPU, unbinds X's worker pools, hands X's pending RCU callbacks to that
 * vCPU (rcutree_migrate_callbacks()), then runs the teardown callbacks in
 * reverse order of registration.  cpu_up(X) runs the startup callbacks in
 * registration order, rebinds the pools and puts X online.
 */
#include "sim_internal.h"

static struct lockdep_map cpu_hotplug_map =
	STATIC_LOCKDEP_MAP_INIT("cpu_hotplug_lock", LD_WAIT_SLEEP);

struct cpuhp_step {
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
	unsigned long order;	/* registration order; 0: not registered */
};

static struct {
	unsigned int readers;
	unsigned int writers_waiting;
	struct sim_ctx *writer;
	unsigned long next_order;
	struct cpuhp_step steps[CPUHP_NR_STATES];
} hp;

void sim_hotplug_reset(void)
{
	memset(&hp, 0, sizeof(hp));
}

bool sim_hp_can_read(void)
{
	return !hp.writer && !hp.writers_waiting;
}

bool sim_hp_can_write(void)
{
	return !hp.writer && !hp.readers;
}

struct sim_ctx *sim_hp_writer(void)
{
	return hp.writer;
}

bool sim_hp_holds_read(const struct sim_ctx *c)
{
	int i;

	for (i = 0; i < c->task.lockdep_depth; i++)
		if (c->task.held_locks[i].instance == &cpu_hotplug_map && c->task.held_locks[i].read)
			return true;
	return false;
}

/* Nothing on @cpu has preemption disabled or is pinned to it. */
bool sim_cpu_quiet(unsigned int cpu)
{
	struct sim_ctx *c;
	unsigned int i;

	if (sim.token[cpu] && !(sim.token[cpu] == sim.cur && !sim.cur->task.preempt_count))
		return false;
	sim_for_each_ctx(i, c)
		if (c->state != SIM_IDLE && c->task.cpu == cpu && c->task.migration_disabled)
			return false;
	return true;
}

bool vcpu_cpus_write_held(void)
{
	return hp.writer && hp.writer == sim.cur;
}

void cpus_read_lock(void)
{
	struct sim_wait w = { .kind = SIM_WAIT_HP_READ, .func = __func__ };

	might_sleep();
	lock_acquire(&cpu_hotplug_map, 0, 1, _RET_IP_);
	vcpu_decision_point(__func__);
	if (!sim_hp_can_read())
		sim_wait(&w);
	hp.readers++;
}

void cpus_read_unlock(void)
{
	if (unlikely(!sim_hp_holds_read(sim.cur) || !hp.readers)) {
		/* lockdep names the culprit. */
		lock_release(&cpu_hotplug_map, _RET_IP_);
		return;
	}
	hp.readers--;
	lock_release(&cpu_hotplug_map, _RET_IP_);
	vcpu_decision_point(__func__);
}

void __lockdep_assert_cpus_held(const char *func)
{
	if (!lock_is_held(&cpu_hotplug_map))
		lockdep_assert_failed("lockdep_assert_cpus_held", cpu_hotplug_map.name, func);
}

static void hp_write_lock(unsigned long ip)
{
	struct sim_wait w = { .kind = SIM_WAIT_HP_WRITE, .func = "cpu_hotplug_begin" };

	might_sleep();
	lock_acquire(&cpu_hotplug_map, 0, 0, ip);
	hp.writers_waiting++;
	if (!sim_hp_can_write())
		sim_wait(&w);
	hp.writers_waiting--;
	hp.writer = sim.cur;
}

static void hp_write_unlock(unsigned long ip)
{
	hp.writer = NULL;
	lock_release(&cpu_hotplug_map, ip);
	vcpu_decision_point("cpu_hotplug_done");
}

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu))
{
	int ret = 0;

	if ((unsigned int)state >= CPUHP_NR_STATES)
		return -EINVAL;
	cpus_read_lock();
	if (hp.steps[state].order) {
		ret = -EBUSY;
	} else {
		hp.steps[state].name = name;
		hp.steps[state].startup = startup;
		hp.steps[state].teardown = teardown;
		hp.steps[state].order = ++hp.next_order;
	}
	cpus_read_unlock();
	return ret;
}

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	if ((unsigned int)state >= CPUHP_NR_STATES)
		return;
	cpus_read_lock();
	memset(&hp.steps[state], 0, sizeof(hp.steps[state]));
	cpus_read_unlock();
}

/* The registered step with the highest order below @below (0: none left). */
static struct cpuhp_step *step_before(unsigned long below)
{
	struct cpuhp_step *best = NULL;
	unsigned int i;

	for (i = 0; i < CPUHP_NR_STATES; i++)
		if (hp.steps[i].order && hp.steps[i].order < below &&
		    (!best || hp.steps[i].order > best->order))
			best = &hp.steps[i];
	return best;
}

/* The registered step with the lowest order above @above. */
static struct cpuhp_step *step_after(unsigned long above)
{
	struct cpuhp_step *best = NULL;
	unsigned int i;

	for (i = 0; i < CPUHP_NR_STATES; i++)
		if (hp.steps[i].order > above && (!best || hp.steps[i].order < best->order))
			best = &hp.steps[i];
	return best;
}

/* Teardown callbacks of the steps ordered below @below, newest first. */
static void run_teardowns(unsigned int cpu, unsigned long below)
{
	struct cpuhp_step *s;

	for (s = step_before(below); s; s = step_before(s->order)) {
		if (!s->teardown)
			continue;
		sim_trace(SIM_EV_HOTPLUG, 2, cpu, 0, s->name ? s->name : "teardown");
		if (s->teardown(cpu))
			vcpu_report(VCPU_REPORT_WARNING, "cpuhp teardown failed", "cpuhp_invoke_callback",
				    "%s for vCPU %u", s->name ? s->name : "?", cpu);
	}
}

int cpu_down(unsigned int cpu)
{
	struct sim_wait w = { .kind = SIM_WAIT_CPU_QUIET, .func = __func__, .target = cpu };
	struct sim_ctx *c;
	unsigned int to = 0, i;
	int ret = 0;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	hp_write_lock(_RET_IP_);
	if (!cpu_online(cpu)) {
		ret = -EINVAL;
		goto unlock;
	}
	if (num_online_cpus() == 1) {
		ret = -EBUSY;
		goto unlock;
	}
	for_each_online_cpu(to)
		if (to != cpu)
			break;
	if (sim.cur->task.cpu == cpu && sim.cur->task.preempt_count) {
		/* Pinned to the vCPU going down, keeping its token: it cannot leave. */
		vcpu_report(VCPU_REPORT_BUG, "cpu_down from a task pinned to that vCPU", __func__,
			    "%s/%d on vCPU %u: preempt_count %d", sim.cur->task.comm,
			    sim.cur->task.pid, cpu, sim.cur->task.preempt_count);
		ret = -EBUSY;
		goto unlock;
	}
	sim_trace(SIM_EV_HOTPLUG, 0, cpu, to, "down");
	if (sim.cur->task.cpu == cpu)
		sim_move_current(to);
	if (!sim_cpu_quiet(cpu))
		sim_wait(&w);
	BUG_ON(sim.token[cpu]);		/* quiet: nobody holds it, nobody will */
	WRITE_ONCE(vcpu_online_mask, vcpu_online_mask & ~(1UL << cpu));
	sim_for_each_ctx(i, c) {
		if (c->state == SIM_IDLE || c->task.cpu != cpu)
			continue;
		c->task.cpu = to;
		sim_trace(SIM_EV_MIGRATE, c->id, cpu, to, NULL);
	}
	sim_wq_unbind_cpu(cpu, true);
	sim_rcu_move_cpu(cpu, to);
	run_teardowns(cpu, ~0UL);
unlock:
	hp_write_unlock(_RET_IP_);
	return ret;
}

int cpu_up(unsigned int cpu)
{
	struct cpuhp_step *s;
	int ret = 0;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	hp_write_lock(_RET_IP_);
	if (cpu_online(cpu)) {
		ret = -EINVAL;
		goto unlock;
	}
	sim_trace(SIM_EV_HOTPLUG, 1, cpu, 0, "up");
	for (s = step_after(0); s; s = step_after(s->order)) {
		if (!s->startup)
			continue;
		sim_trace(SIM_EV_HOTPLUG, 3, cpu, 0, s->name ? s->name : "startup");
		ret = s->startup(cpu);
		if (ret) {
			/* Undo the steps that came up, as cpuhp_up_callbacks() does. */
			run_teardowns(cpu, s->order);
			goto unlock;
		}
	}
	sim_wq_unbind_cpu(cpu, false);
	WRITE_ONCE(vcpu_online_mask, vcpu_online_mask | (1UL << cpu));
unlock:
	hp_write_unlock(_RET_IP_);
	return ret;
}
