// SPDX-License-Identifier: GPL-2.0
/*
 * rcu.c - grace periods, readers and callbacks, as counters.
 *
 * Grace periods are numbered 1, 2, ...: gp_started is the number of the
 * newest one started, gp_completed of the newest one completed; at most
 * one is in progress (gp_started == gp_completed + 1).  Starting and
 * completing are two steps, so that a call_rcu() or a reader can land
 * while one is in progress.
 *
 * A reader remembers gp_started at its outermost rcu_read_lock()
 * (task->rcu_reader_seq): it began before every GP numbered higher, and
 * GP g completes only when no reader with rcu_reader_seq < g is inside.
 *
 * call_rcu() at a time when gp_started == s gives the callback the cookie
 * s + 1, the first GP that starts after the call: the callback is ready
 * once gp_completed >= s + 1.  Callbacks wait on the list of the vCPU
 * that queued them, in queueing order (so cookies never decrease along a
 * list and the ready ones are a prefix), and are invoked one at a time per
 * vCPU, in that order, by an "rcuc/N" context holding vCPU N's token with
 * preemption disabled, like a softirq.
 *
 * Every callback also gets a global id in queueing order; rcu_barrier()
 * waits for the ids up to the newest one at its call, so for exactly the
 * callbacks queued before it.
 *
 * The rcu_head of a queued callback: impl[0] = cookie, impl[1] = id.
 * Whether a head is queued (call_rcu() of a queued head is reported) is
 * known from a set of the queued heads' addresses, not from the head: the
 * head given to call_rcu() is often memory nobody initialised, and reading
 * a marker there would be a use of uninitialised memory (MSan).  A head
 * leaves the set before its callback runs, so the callback may queue it
 * again.
 */
#include <stdlib.h>

#include "sim_internal.h"

struct rcu_cpu {
	struct rcu_head *head, **tail;	/* pending callbacks, oldest first */
	struct sim_ctx *invoker;	/* the context invoking one of them */
	unsigned long inv_id, inv_cookie;
	bool ids_unsorted;		/* merged by hotplug: ids out of order */
};

static struct {
	unsigned long gp_started, gp_completed;
	unsigned long last_id;		/* the newest callback id handed out */
	unsigned long nr_pending;	/* queued, not yet taken for invocation */
	struct rcu_cpu cpu[VCPU_MAX];
} rcu;

/*
 * The queued heads by address: open addressing with linear probing, at
 * most half full.  Allocated at the first call_rcu(), freed by
 * vcpu_env_exit().  Addresses only decide where a head sits in the table,
 * never the order of anything, so the trace does not depend on them.
 */
static struct {
	const struct rcu_head **slot;
	size_t size;		/* a power of two, or 0 */
	size_t used;
} queued;

static size_t queued_home(const struct rcu_head *h)
{
	uint64_t x = (uint64_t)(uintptr_t)h;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & (queued.size - 1);
}

/* The slot holding @h, or the empty slot that ends its probe run. */
static size_t queued_find(const struct rcu_head *h)
{
	size_t i = queued_home(h);

	while (queued.slot[i] && queued.slot[i] != h)
		i = (i + 1) & (queued.size - 1);
	return i;
}

static void queued_grow(void)
{
	const struct rcu_head **old = queued.slot;
	size_t old_size = queued.size, i;

	queued.size = old_size ? 2 * old_size : 64;
	queued.slot = calloc(queued.size, sizeof(*queued.slot));
	if (!queued.slot)
		vcpu_panic("out of memory", "call_rcu", "no room to track %zu rcu_heads", queued.size);
	for (i = 0; i < old_size; i++)
		if (old[i])
			queued.slot[queued_find(old[i])] = old[i];
	free(old);
}

static void queued_add(const struct rcu_head *h)
{
	if (2 * (queued.used + 1) > queued.size)
		queued_grow();
	queued.slot[queued_find(h)] = h;
	queued.used++;
}

/* Takes @h out; the entries after it in its probe run close the gap. */
static void queued_del(const struct rcu_head *h)
{
	size_t mask = queued.size - 1, hole = queued_find(h), i = hole;

	BUG_ON(queued.slot[hole] != h);
	queued.slot[hole] = NULL;
	for (;;) {
		i = (i + 1) & mask;
		if (!queued.slot[i])
			break;
		/* It may fill the hole when the hole lies between its home and it. */
		if (((i - queued_home(queued.slot[i])) & mask) >= ((i - hole) & mask)) {
			queued.slot[hole] = queued.slot[i];
			queued.slot[i] = NULL;
			hole = i;
		}
	}
	queued.used--;
}

static inline unsigned long head_cookie(const struct rcu_head *h)
{
	return (unsigned long)(uintptr_t)h->impl[0];
}

static inline unsigned long head_id(const struct rcu_head *h)
{
	return (unsigned long)(uintptr_t)h->impl[1];
}

void sim_rcu_reset(void)
{
	unsigned int cpu;

	memset(&rcu, 0, sizeof(rcu));
	for (cpu = 0; cpu < VCPU_MAX; cpu++)
		rcu.cpu[cpu].tail = &rcu.cpu[cpu].head;
	if (queued.slot)
		memset(queued.slot, 0, queued.size * sizeof(*queued.slot));
	queued.used = 0;
}

/*
 * vcpu_env_exit(): callbacks never invoked are forgotten.  A table of the
 * first size stays for the next environment (sim_rcu_reset() clears it):
 * one allocation less for each fuzz input; a grown one is released.
 */
void sim_rcu_exit(void)
{
	if (queued.size <= 64) {
		if (queued.slot)
			memset(queued.slot, 0, queued.size * sizeof(*queued.slot));
		queued.used = 0;
		return;
	}
	free(queued.slot);
	memset(&queued, 0, sizeof(queued));
}

unsigned long sim_gp_completed(void)
{
	return rcu.gp_completed;
}

unsigned long sim_gp_started(void)
{
	return rcu.gp_started;
}

unsigned long vcpu_rcu_pending_callbacks(void)
{
	return rcu.nr_pending;
}

/* ------------------------------------------------------------ readers */

void rcu_read_lock(void)
{
	struct task_struct *t = current;

	if (unlikely(!t))
		vcpu_panic("no task context", __func__, "called outside a vCPU context");
	if (t->rcu_read_lock_nesting++ == 0)
		t->rcu_reader_seq = rcu.gp_started;
}

void rcu_read_unlock(void)
{
	struct task_struct *t = current;

	if (unlikely(!t))
		vcpu_panic("no task context", __func__, "called outside a vCPU context");
	if (unlikely(t->rcu_read_lock_nesting <= 0)) {
		vcpu_report(VCPU_REPORT_BUG, "rcu_read_unlock() without rcu_read_lock()", __func__,
			    "%s/%d on vCPU %u", t->comm, t->pid, t->cpu);
		t->rcu_read_lock_nesting = 0;
		return;
	}
	t->rcu_read_lock_nesting--;
}

bool rcu_read_lock_held(void)
{
	struct task_struct *t = current;

	return t && t->rcu_read_lock_nesting > 0;
}

/* ------------------------------------------------------ grace periods */

/* A reader inside since before the GP in progress, if any. */
struct sim_ctx *sim_gp_blocker(void)
{
	struct sim_ctx *c;
	unsigned int i;

	if (rcu.gp_started == rcu.gp_completed)
		return NULL;
	sim_for_each_ctx(i, c)
		if (c->state != SIM_IDLE && c->task.rcu_read_lock_nesting > 0 &&
		    !SIM_SEQ_GE(c->task.rcu_reader_seq, rcu.gp_started))
			return c;
	return NULL;
}

bool sim_gp_can_advance(void)
{
	return rcu.gp_started == rcu.gp_completed || !sim_gp_blocker();
}

/* Whether anything needs a grace period: one in progress, callbacks, waiters. */
bool sim_gp_wanted(void)
{
	struct sim_ctx *c;
	unsigned int i, cpu;

	if (rcu.gp_started != rcu.gp_completed)
		return true;
	if (rcu.nr_pending) {
		for_each_online_cpu(cpu) {
			struct rcu_cpu *rc = &rcu.cpu[cpu];
			struct rcu_head *last;

			if (rc->tail == &rc->head)
				continue;
			last = container_of(rc->tail, struct rcu_head, next);
			if (!SIM_SEQ_GE(rcu.gp_completed, head_cookie(last)))
				return true;
		}
	}
	sim_for_each_ctx(i, c)
		if (c->state == SIM_BLOCKED && c->wait.kind == SIM_WAIT_GP &&
		    !SIM_SEQ_GE(rcu.gp_completed, c->wait.target))
			return true;
	return false;
}

/* Starts a GP, or completes the one in progress (the caller checked it can). */
void sim_gp_advance(void)
{
	if (rcu.gp_started == rcu.gp_completed) {
		rcu.gp_started++;
		sim_trace(SIM_EV_GP_START, rcu.gp_started, 0, 0, NULL);
		return;
	}
	rcu.gp_completed = rcu.gp_started;
	sim.stats.gps_completed++;
	sim_trace(SIM_EV_GP_END, rcu.gp_completed, 0, 0, NULL);
}

/* ---------------------------------------------------------- callbacks */

/* By address only: @head may be memory nobody initialised. */
bool sim_rcu_is_queued(const struct rcu_head *head)
{
	return queued.used && queued.slot[queued_find(head)] == head;
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	struct task_struct *t = current;
	struct rcu_cpu *rc;

	if (unlikely(!t))
		vcpu_panic("no task context", __func__, "called outside a vCPU context");
	if (unlikely(sim_rcu_is_queued(head))) {
		vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: activate active object type: rcu_head",
			    __func__, "%s/%d on vCPU %u queues an rcu_head that is already queued "
			    "(callback at %p)", t->comm, t->pid, t->cpu, (void *)(uintptr_t)head->func);
		return;
	}
	rc = &rcu.cpu[t->cpu];
	queued_add(head);
	head->func = func;
	head->next = NULL;
	head->impl[0] = (void *)(uintptr_t)(rcu.gp_started + 1);
	head->impl[1] = (void *)(uintptr_t)++rcu.last_id;
	*rc->tail = head;
	rc->tail = &head->next;
	rcu.nr_pending++;
}

/* vCPU @cpu's oldest callback is ready and nothing of @cpu runs one. */
bool sim_rcu_invokable(unsigned int cpu)
{
	const struct rcu_cpu *rc = &rcu.cpu[cpu];

	return rc->head && !rc->invoker && SIM_SEQ_GE(rcu.gp_completed, head_cookie(rc->head));
}

struct rcu_head *sim_rcu_take(unsigned int cpu, struct sim_ctx *c)
{
	struct rcu_cpu *rc = &rcu.cpu[cpu];
	struct rcu_head *h = rc->head;

	rc->head = h->next;
	if (!rc->head) {
		rc->tail = &rc->head;
		rc->ids_unsorted = false;
	}
	rc->invoker = c;
	rc->inv_id = head_id(h);
	rc->inv_cookie = head_cookie(h);
	rcu.nr_pending--;
	queued_del(h);
	c->cb = h;
	return h;
}

/* The rcuc context's job: one callback, as a softirq would run it. */
void sim_rcu_invoke(struct sim_ctx *c)
{
	struct rcu_head *h = c->cb;
	unsigned int cpu = c->task.cpu;
	rcu_callback_t func = h->func;

	sim.stats.callbacks_run++;
	sim_trace(SIM_EV_CB_INVOKE, cpu, rcu.cpu[cpu].inv_id, 0, NULL);
	c->task.preempt_count++;
	func(h);			/* may free h */
	c->task.preempt_count--;
	c->cb = NULL;
	rcu.cpu[cpu].invoker = NULL;
}

/* Whether every callback up to @target (an id, or a cookie) was invoked. */
bool sim_rcu_done_upto(bool by_id, unsigned long target)
{
	const struct rcu_head *h;
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		const struct rcu_cpu *rc = &rcu.cpu[cpu];

		if (rc->invoker &&
		    !SIM_SEQ_GE(by_id ? rc->inv_id : rc->inv_cookie, target + 1))
			return false;
		for (h = rc->head; h; h = h->next) {
			if (!SIM_SEQ_GE(by_id ? head_id(h) : head_cookie(h), target + 1))
				return false;
			if (!by_id || !rc->ids_unsorted)
				break;
		}
	}
	return true;
}

/* The step that brings the callbacks up to @target closest to invocation. */
bool sim_rcu_resolve_upto(bool by_id, unsigned long target, struct sim_ctx *self,
			  unsigned int depth, struct sim_action *act)
{
	const struct rcu_head *h;
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		const struct rcu_cpu *rc = &rcu.cpu[cpu];

		if (rc->invoker && !SIM_SEQ_GE(by_id ? rc->inv_id : rc->inv_cookie, target + 1) &&
		    sim_resolve_ctx(rc->invoker, self, depth + 1, act))
			return true;
	}
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		const struct rcu_cpu *rc = &rcu.cpu[cpu];
		bool wanted = false;

		for (h = rc->head; h && !wanted; h = h->next) {
			wanted = !SIM_SEQ_GE(by_id ? head_id(h) : head_cookie(h), target + 1);
			if (!by_id || !rc->ids_unsorted)
				break;
		}
		if (!wanted || rc->invoker)
			continue;
		/* The list is invoked in order: its head goes first. */
		if (!SIM_SEQ_GE(rcu.gp_completed, head_cookie(rc->head)))
			return sim_resolve_gp(self, depth + 1, act);
		if (!sim_token_free(cpu, NULL))
			return sim_resolve_ctx(sim.token[cpu], self, depth + 1, act);
		act->kind = SIM_ACT_INVOKE_CB;
		act->cpu = cpu;
		return true;
	}
	return false;
}

/* Hotplug: @from's callbacks join @to's, merged by cookie so both orders hold. */
void sim_rcu_move_cpu(unsigned int from, unsigned int to)
{
	struct rcu_cpu *a = &rcu.cpu[to], *b = &rcu.cpu[from];
	struct rcu_head *x = a->head, *y = b->head, *head = NULL, **tail = &head;

	if (!y)
		return;
	a->ids_unsorted = a->ids_unsorted || b->ids_unsorted || x;
	while (x || y) {
		struct rcu_head **pick;

		if (x && (!y || SIM_SEQ_GE(head_cookie(y), head_cookie(x))))
			pick = &x;
		else
			pick = &y;
		*tail = *pick;
		tail = &(*pick)->next;
		*pick = (*pick)->next;
	}
	*tail = NULL;
	a->head = head;
	a->tail = tail;
	b->head = NULL;
	b->tail = &b->head;
	b->ids_unsorted = false;
}

/* ---------------------------------------------------------- waiting */

void synchronize_rcu(void)
{
	struct sim_wait w = { .kind = SIM_WAIT_GP, .func = __func__ };

	might_sleep();
	w.target = rcu.gp_started + 1;
	sim_wait(&w);
}

void rcu_barrier(void)
{
	struct sim_wait w = { .kind = SIM_WAIT_CB_ID, .func = __func__ };

	might_sleep();
	w.target = rcu.last_id;
	sim_wait(&w);
}

unsigned long get_state_synchronize_rcu(void)
{
	return rcu.gp_started + 1;
}

bool poll_state_synchronize_rcu(unsigned long oldstate)
{
	return SIM_SEQ_GE(rcu.gp_completed, oldstate);
}

/*
 * Completes one grace period (the one in progress, or a new one) and
 * invokes the callbacks it made ready.  Model: when the caller is itself
 * inside a reader, the GP cannot complete; it is started and left running.
 */
void vcpu_rcu_gp(void)
{
	struct sim_wait w = { .kind = SIM_WAIT_GP, .func = __func__ };
	struct task_struct *t = current;

	if (unlikely(!t))
		vcpu_panic("no task context", __func__, "called outside a vCPU context");
	w.target = rcu.gp_started == rcu.gp_completed ? rcu.gp_started + 1 : rcu.gp_started;
	if (t->rcu_read_lock_nesting) {
		if (rcu.gp_started == rcu.gp_completed)
			sim_gp_advance();
		return;
	}
	if (!sim_wait(&w))
		return;
	w.kind = SIM_WAIT_CB_COOKIE;
	sim_wait(&w);
}
