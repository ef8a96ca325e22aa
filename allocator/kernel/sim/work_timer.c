// SPDX-License-Identifier: GPL-2.0
/*
 * work_timer.c - virtual time, timers, delayed work and rcu_work.
 *
 * jiffies move only forward and only here (sim_jiffies_advance()): when
 * the driver ticks, when the decider says so, when a sleeper or a timer
 * is the only thing left to wait for.  Timers are the delayed_works whose
 * delay has not run out, on one list sorted by expiry (equal expiries in
 * arming order).  A timer that expires queues its item, as the kernel's
 * delayed_work_timer_fn() does; running it is the workqueue's business.
 *
 * rcu_work: queue_rcu_work() queues a callback; the callback queues the
 * item.  As in the kernel, the item counts as pending from
 * queue_rcu_work() on (rcu_pending, then work.pending), and
 * flush_rcu_work() of a pending item starts with rcu_barrier().
 */
#include "sim_internal.h"

static struct list_head timers = LIST_HEAD_INIT(timers);
static unsigned long nr_armed;

void sim_timers_reset(void)
{
	INIT_LIST_HEAD(&timers);
	nr_armed = 0;
}

unsigned long sim_timers_armed(void)
{
	return nr_armed;
}

bool sim_timers_earliest(unsigned long *when)
{
	if (list_empty(&timers))
		return false;
	*when = list_first_entry(&timers, struct delayed_work, timer_entry)->expires;
	return true;
}

/* Whether @dw is on the timer list (by address: @dw may be uninitialised). */
bool sim_timer_armed(const struct delayed_work *dw)
{
	const struct list_head *pos;

	list_for_each(pos, &timers)
		if (pos == &dw->timer_entry)
			return true;
	return false;
}

static void timer_arm(struct delayed_work *dw, unsigned long expires)
{
	struct list_head *pos = timers.prev;

	while (pos != &timers &&
	       time_after(list_entry(pos, struct delayed_work, timer_entry)->expires, expires))
		pos = pos->prev;
	list_add(&dw->timer_entry, pos);
	dw->expires = expires;
	WRITE_ONCE(dw->timer_pending, true);
	nr_armed++;
}

static void timer_disarm(struct delayed_work *dw)
{
	list_del_init(&dw->timer_entry);
	WRITE_ONCE(dw->timer_pending, false);
	nr_armed--;
}

void sim_timers_forget_wq(const struct workqueue_struct *wq)
{
	struct delayed_work *dw, *tmp;

	list_for_each_entry_safe(dw, tmp, &timers, timer_entry) {
		if (dw->wq != wq)
			continue;
		vcpu_report(VCPU_REPORT_BUG, "destroy_workqueue: delayed work still armed",
			    "destroy_workqueue", "%s: %s would be queued on a destroyed workqueue",
			    wq->name, dw->work.lockdep_map.name ? dw->work.lockdep_map.name : "?");
		timer_disarm(dw);
	}
}

/* Time moves to @to; the timers expiring on the way fire at their expiry. */
void sim_jiffies_advance(unsigned long to)
{
	unsigned long old = sim.now;
	struct delayed_work *dw;

	while (!list_empty(&timers)) {
		dw = list_first_entry(&timers, struct delayed_work, timer_entry);
		if (time_after(dw->expires, to))
			break;
		if (time_after(dw->expires, sim.now))
			sim.now = dw->expires;
		timer_disarm(dw);
		__sim_queue_work(dw->cpu, dw->wq, &dw->work);
	}
	if (time_after(to, sim.now))
		sim.now = to;
	if (sim.now != old)
		sim_trace(SIM_EV_TICK, old, sim.now, 0, NULL);
}

unsigned long vcpu_jiffies(void)
{
	return sim.now;
}

void vcpu_tick(unsigned long n)
{
	sim_jiffies_advance(sim.now + n);
}

void msleep(unsigned int msecs)
{
	struct sim_wait w = { .kind = SIM_WAIT_JIFFIES, .func = __func__ };

	might_sleep();
	w.target = sim.now + msecs_to_jiffies(msecs) + 1;
	sim_wait(&w);
}

/* -------------------------------------------------------- delayed work */

void __init_delayed_work(struct delayed_work *dw, work_func_t func, const char *name)
{
	if (vcpu_env_running && nr_armed && sim_timer_armed(dw)) {
		vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: init active object type: timer_list",
			    "__init_delayed_work", "INIT_DELAYED_WORK(%s) on an armed delayed work",
			    name);
		timer_disarm(dw);
	}
	__init_work(&dw->work, func, name);
	INIT_LIST_HEAD(&dw->timer_entry);
	dw->timer_pending = false;
	dw->expires = 0;
	dw->wq = NULL;
	dw->cpu = WORK_CPU_UNBOUND;
}

/* The kernel's __queue_delayed_work(): @dw is neither armed nor pending. */
static void queue_delayed(int cpu, struct workqueue_struct *wq, struct delayed_work *dw,
			  unsigned long delay)
{
	/* The timer fires where it was armed: the item goes to that vCPU. */
	if (cpu == WORK_CPU_UNBOUND)
		cpu = (int)smp_processor_id();
	dw->wq = wq;
	dw->cpu = cpu;
	if (!delay) {
		__sim_queue_work(cpu, wq, &dw->work);
		return;
	}
	timer_arm(dw, sim.now + delay);
}

bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq, struct delayed_work *dw,
			   unsigned long delay)
{
	if (WARN(!dw->work.func, "%s", "queueing a delayed work that was never initialised"))
		return false;
	if (delayed_work_pending(dw) || dw->work.disable)
		return false;
	queue_delayed(cpu, wq, dw, delay);
	return true;
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay)
{
	return queue_delayed_work_on(WORK_CPU_UNBOUND, wq, dw, delay);
}

/* Takes @dw's timer or pending item away; returns whether there was one. */
static bool grab_delayed(struct delayed_work *dw)
{
	if (dw->timer_pending) {
		timer_disarm(dw);
		return true;
	}
	return sim_grab_pending(&dw->work);
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay)
{
	bool was = grab_delayed(dw);

	/* a cancel_delayed_work_sync() under way: cancelled, not queued again */
	if (!dw->work.disable)
		queue_delayed(WORK_CPU_UNBOUND, wq, dw, delay);
	return was;
}

bool cancel_delayed_work(struct delayed_work *dw)
{
	return grab_delayed(dw);
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	bool was;

	might_sleep();
	dw->work.disable++;
	was = grab_delayed(dw);
	if (dw->work.func) {
		lock_acquire(&dw->work.lockdep_map, 0, 0, _RET_IP_);
		lock_release(&dw->work.lockdep_map, _RET_IP_);
		/* nothing can queue it now: the only retirement left is the running one */
		sim_wait_work(&dw->work, false, __func__);
	}
	dw->work.disable--;
	return was;
}

bool flush_delayed_work(struct delayed_work *dw)
{
	if (dw->timer_pending) {
		timer_disarm(dw);
		__sim_queue_work(dw->cpu, dw->wq, &dw->work);
	}
	return flush_work(&dw->work);
}

/* ------------------------------------------------------------ rcu_work */

static bool rcu_head_queued(const struct rcu_head *head);

void __init_rcu_work(struct rcu_work *rw, work_func_t func, const char *name)
{
	if (vcpu_env_running && vcpu_rcu_pending_callbacks() && rcu_head_queued(&rw->rcu))
		vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: init active object type: rcu_work",
			    "__init_rcu_work", "INIT_RCU_WORK(%s) while its grace period is pending",
			    name);
	__init_work(&rw->work, func, name);
	rw->wq = NULL;
	rw->rcu_pending = false;
}

static void rcu_work_rcufn(struct rcu_head *rcu)
{
	struct rcu_work *rw = container_of(rcu, struct rcu_work, rcu);

	rw->rcu_pending = false;
	__sim_queue_work(WORK_CPU_UNBOUND, rw->wq, &rw->work);
}

bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rw)
{
	if (WARN(!rw->work.func, "%s", "queueing an rcu_work that was never initialised"))
		return false;
	if (rw->rcu_pending || work_pending(&rw->work))
		return false;
	rw->wq = wq;
	rw->rcu_pending = true;
	call_rcu(&rw->rcu, rcu_work_rcufn);
	return true;
}

bool flush_rcu_work(struct rcu_work *rw)
{
	if (rw->rcu_pending || work_pending(&rw->work)) {
		rcu_barrier();
		flush_work(&rw->work);
		return true;
	}
	return flush_work(&rw->work);
}

static bool rcu_head_queued(const struct rcu_head *head)
{
	return sim_rcu_is_queued(head);
}
