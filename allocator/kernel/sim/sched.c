// SPDX-License-Identifier: GPL-2.0
/*
 * sched.c - contexts, their jobs, blocking and switching.
 *
 * sim_schedule() is run by the context that gives the CPU up (it blocked,
 * finished its job, or was preempted at a decision point) on its own
 * stack.  It chooses the next step until one of them is "run context X",
 * then switches there.  Grace periods and time advance inside the loop
 * without a switch.  Tasks mode: decide.c offers the steps to the decider;
 * inline mode: plan.c names the step.
 *
 * vCPU tokens change hands only through sim_token_take(),
 * sim_token_drop() and sim_token_switch() (decide.c), which check the
 * token rules as they go.
 */
#include <stdlib.h>

#include "sim_internal.h"

#ifdef SHEAF_ASAN
#include <sanitizer/asan_interface.h>
#endif

/*
 * Fiber blocks kept from one environment to the next: a fuzz target starts
 * and stops the environment once per input, and a fresh 64-120 KiB block
 * per worker is most of an input's system-allocator cost.  Only memory is
 * kept; nothing in it is read before sim_ctx_alloc() sets it up again.
 */
#define SIM_BLOCK_CACHE	8
static void *block_cache[SIM_BLOCK_CACHE];
static unsigned int nr_cached_blocks;

static void *block_get(size_t size)
{
	void *b;

	if (!nr_cached_blocks)
		return malloc(size);
	b = block_cache[--nr_cached_blocks];
#ifdef SHEAF_ASAN
	/* a parked fiber's abandoned frames may have left redzones poisoned */
	ASAN_UNPOISON_MEMORY_REGION(b, size);
#endif
	return b;
}

static void block_put(void *b)
{
	if (nr_cached_blocks < SIM_BLOCK_CACHE)
		block_cache[nr_cached_blocks++] = b;
	else
		free(b);
}

struct sim_state sim;
struct sim_ctx sim_driver;
struct vcpu_config sim_cfg;

/* Set on the thread that called vcpu_env_init() while the sim is up. */
static _Thread_local bool on_sim_thread;
/* current (sched.h): &sim.cur->task while on_sim_thread, else NULL */
_Thread_local struct task_struct *sim_current_task;

struct task_struct *get_current(void)
{
	return sim_current_task;
}

unsigned int smp_processor_id(void)
{
	return likely(on_sim_thread) ? sim.cur->task.cpu : 0;
}

const struct vcpu_config *vcpu_env_config(void)
{
	return &sim_cfg;
}

/* ------------------------------------------------------------ contexts */

void sim_sched_reset(void)
{
	memset(&sim, 0, sizeof(sim));
	INIT_LIST_HEAD(&sim.idle);
	memset(&sim_driver, 0, sizeof(sim_driver));
	sim_driver.kind = SIM_CTX_DRIVER;
	sim_driver.state = SIM_RUNNING;
	sim_driver.task.backend = &sim_driver;
	sim_driver.task.flags = PF_DRIVER;
	strcpy(sim_driver.task.comm, "driver");
	INIT_LIST_HEAD(&sim_driver.idle_node);
	sim_fiber_init_driver(&sim_driver);
	sim.ctxs[0] = &sim_driver;
	sim.nr_ctxs = 1;
	sim.token[0] = &sim_driver;
	sim.cur = &sim_driver;
	sim.tasks_mode = sim_cfg.mode == VCPU_MODE_TASKS;
	/* As the kernel does, start five minutes before the 32-bit wrap. */
	sim.now = (unsigned long)(unsigned int)(-300 * HZ);
	on_sim_thread = true;
	sim_current_task = &sim.cur->task;
}

/* Frees every fiber, whatever it was doing (the driver runs this). */
void sim_sched_exit(void)
{
	unsigned int i;

	for (i = 1; i < sim.nr_ctxs; i++) {
		sim_fiber_destroy(sim.ctxs[i]);
		block_put(sim.ctxs[i]);
		sim.ctxs[i] = NULL;
	}
	sim.nr_ctxs = 1;
	INIT_LIST_HEAD(&sim.idle);
}

void sim_sched_leave_thread(void)
{
	on_sim_thread = false;
	sim_current_task = NULL;
}

struct sim_ctx *sim_ctx_alloc(void)
{
	size_t size = sim_fiber_block_size();
	struct sim_ctx *c;

	if (sim.nr_ctxs == SIM_MAX_CTX)
		vcpu_panic("too many contexts", __func__, "%d contexts alive", SIM_MAX_CTX);
	c = block_get(size);
	if (!c)
		vcpu_panic("out of memory", __func__, "no %zu bytes for a fiber", size);
	memset(c, 0, sizeof(*c));
	c->id = sim.nr_ctxs;
	c->task.backend = c;
	c->task.pid = (int)c->id;
	c->state = SIM_IDLE;
	INIT_LIST_HEAD(&c->idle_node);
	sim_fiber_create(c, size);
	sim.ctxs[sim.nr_ctxs++] = c;
	return c;
}

/* A fiber for a new job: the current one if it just went idle, else a parked one. */
static struct sim_ctx *get_fiber(void)
{
	struct sim_ctx *c = sim.cur;

	if (c->state == SIM_IDLE) {
		list_del_init(&c->idle_node);
		return c;
	}
	if (!list_empty(&sim.idle)) {
		c = list_first_entry(&sim.idle, struct sim_ctx, idle_node);
		list_del_init(&c->idle_node);
		return c;
	}
	return sim_ctx_alloc();
}

static void set_comm(struct sim_ctx *c, const char *prefix, unsigned int cpu)
{
	size_t n = strlen(prefix);
	char *p = c->task.comm + n;

	memcpy(c->task.comm, prefix, n);
	if (cpu != SIM_NO_CPU) {
		if (cpu >= 10)
			*p++ = (char)('0' + cpu / 10);
		*p++ = (char)('0' + cpu % 10);
	}
	*p = '\0';
}

/* Gives fiber @c a fresh task state for a job of @kind on @cpu. */
static void setup_job(struct sim_ctx *c, enum sim_ctx_kind kind, unsigned int cpu,
		      unsigned int flags)
{
	struct task_struct *t = &c->task;

	c->kind = kind;
	c->state = SIM_READY;
	c->work = NULL;
	c->work_old = false;
	c->cb = NULL;
	t->flags = flags;
	t->cpu = cpu;
	t->preempt_count = 0;
	t->migration_disabled = 0;
	t->rcu_read_lock_nesting = 0;
	t->lockdep_depth = 0;
	t->worker_wq = NULL;
	t->current_work = NULL;
}

/* --------------------------------------------------------------- jobs */

static struct sim_ctx *start_worker(struct sim_pool *p)
{
	struct sim_ctx *c = get_fiber();
	unsigned int cpu = p->unbound ? sim_pick_unbound_cpu() : p->cpu;

	setup_job(c, SIM_CTX_WORKER, cpu, PF_WQ_WORKER);
	set_comm(c, p->unbound ? "kworker/u" : "kworker/", p->unbound ? SIM_NO_CPU : cpu);
	c->pool = p;
	sim_pool_take(p, c);
	return c;
}

static struct sim_ctx *start_rcu(unsigned int cpu)
{
	struct sim_ctx *c = get_fiber();

	setup_job(c, SIM_CTX_RCU, cpu, PF_RCU_CB);
	set_comm(c, "rcuc/", cpu);
	sim_rcu_take(cpu, c);
	return c;
}

int vcpu_spawn(const char *name, int cpu, void (*fn)(void *arg), void *arg)
{
	struct sim_ctx *c;

	if (!on_sim_thread || !sim.tasks_mode || !fn || cpu < 0 ||
	    !cpu_online((unsigned int)cpu))
		return -EINVAL;
	c = get_fiber();
	setup_job(c, SIM_CTX_TASK, (unsigned int)cpu, 0);
	snprintf(c->task.comm, sizeof(c->task.comm), "%s", name ? name : "task");
	c->fn = fn;
	c->arg = arg;
	sim.nr_live_tasks++;
	sim_trace(SIM_EV_SPAWN, c->id, (unsigned long)cpu, 0, c->task.comm);
	return 0;
}

/* ---------------------------------------------------------- switching */

/*
 * The current context gives the CPU to @next: it drops its token when it is
 * preemptible and keeps it otherwise (a), @next takes its own (b).
 */
static void switch_to(struct sim_ctx *next)
{
	struct sim_ctx *prev = sim.cur;

	sim_token_switch(prev, next);
	next->state = SIM_RUNNING;
	if (next == prev)
		return;
	sim.cur = next;
	sim_current_task = &next->task;
	sim.stats.switches++;
	sim_trace(SIM_EV_SWITCH, prev->id, next->id, 0, NULL);
	sim_fiber_switch(prev, next);
}

static bool wait_recoverable(enum sim_wait_kind kind)
{
	switch (kind) {
	case SIM_WAIT_LOCK:
	case SIM_WAIT_HP_READ:
	case SIM_WAIT_HP_WRITE:
	case SIM_WAIT_CPU_QUIET:
	case SIM_WAIT_TOKEN:
	case SIM_WAIT_WQ_FLUSHER:
		return false;
	default:
		return true;
	}
}

/* A waiter that can return empty-handed, and run: its token is available (b). */
static bool can_give_up(const struct sim_ctx *c)
{
	return c && c->state == SIM_BLOCKED && wait_recoverable(c->wait.kind) &&
	       sim_token_free(c->task.cpu, c);
}

/*
 * Nothing can make progress.  Reports every waiting context, then picks a
 * waiter that can return empty-handed (flush_work(), rcu_barrier() and the
 * like return; a lock cannot be had without its owner): the driver first,
 * then the context that blocked last.  With none, the run cannot go on.
 */
static struct sim_ctx *deadlock(void)
{
	struct sim_ctx *c, *victim = NULL;
	const char *func = sim.cur->state == SIM_BLOCKED ? sim.cur->wait.func : "sim_schedule";
	char buf[2048], what[192];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	sim_for_each_ctx(i, c) {
		if (c->state != SIM_BLOCKED && c->state != SIM_READY)
			continue;
		sim_describe_wait(c, what, sizeof(what));
		if (len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\n  %s/%d on vCPU %u: %s",
						c->task.comm, c->task.pid, c->task.cpu, what);
		/* and what it holds, which somebody else may be waiting for */
		for (int k = 0; k < c->task.lockdep_depth && len < sizeof(buf); k++) {
			const struct lockdep_map *m = c->task.held_locks[k].instance;

			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s%s",
						k ? ", " : "; holds ", m && m->name ? m->name : "?",
						c->task.held_locks[k].read ? " (shared)" : "");
		}
	}
	vcpu_report(VCPU_REPORT_BUG, "deadlock", func, "no context can make progress:%s", buf);

	if (can_give_up(&sim_driver))
		victim = &sim_driver;
	else if (can_give_up(sim.cur))
		victim = sim.cur;
	sim_for_each_ctx(i, c)
		if (!victim && can_give_up(c))
			victim = c;
	if (!victim)
		vcpu_panic("deadlock", func, "no waiting context can give up; cannot go on");
	victim->wait.failed = true;
	return victim;
}

/* Takes a step that runs something: a context, a work item, a callback. */
void sim_run_action(const struct sim_action *act)
{
	switch (act->kind) {
	case SIM_ACT_RUN:
		switch_to(act->ctx);
		return;
	case SIM_ACT_START_WORK:
		switch_to(start_worker(act->pool));
		return;
	case SIM_ACT_INVOKE_CB:
		switch_to(start_rcu(act->cpu));
		return;
	default:
		BUG();
	}
}

void sim_schedule(void)
{
	unsigned long guard = 0;
	struct sim_action act;

	for (;;) {
		act.kind = SIM_ACT_NONE;
		if (sim.tasks_mode)
			sim_tasks_plan(&act);
		else
			sim_plan_inline(&act);
		switch (act.kind) {
		case SIM_ACT_RUN:
		case SIM_ACT_START_WORK:
		case SIM_ACT_INVOKE_CB:
			sim_run_action(&act);
			return;
		case SIM_ACT_GP:
			sim_gp_advance();
			break;
		case SIM_ACT_JIFFIES:
			sim_jiffies_advance(act.when);
			break;
		case SIM_ACT_NONE:
			switch_to(deadlock());
			return;
		}
		if (++guard > 100000000ul)
			vcpu_panic("scheduler livelock", __func__, "no context chosen after %lu steps", guard);
	}
}

/*
 * Blocks the current context until @w holds (and its vCPU token is free).
 * Returns false when it was given up after a deadlock report.
 */
bool sim_wait(struct sim_wait *w)
{
	struct sim_ctx *c = sim.cur;
	bool worker = c->kind == SIM_CTX_WORKER && c->work;

	c->wait = *w;
	c->wait.failed = false;
	if (sim_wait_satisfied(c) && sim_token_free(c->task.cpu, c)) {
		sim_token_take(c);
		return true;
	}
	c->state = SIM_BLOCKED;
	if (worker)
		c->pool->nr_awake--;
	if (w->kind == SIM_WAIT_WORK)
		sim.nr_work_waiters++;
	sim_trace(SIM_EV_BLOCK, c->id, w->kind, 0, w->func);
	sim_schedule();
	if (w->kind == SIM_WAIT_WORK)
		sim.nr_work_waiters--;
	if (worker)
		c->pool->nr_awake++;
	return !c->wait.failed;
}

/*
 * The current context continues on vCPU @to (online, and the context
 * preemptible: checked by the caller; sim_token_drop() insists).
 */
void sim_move_current(unsigned int to)
{
	struct sim_ctx *c = sim.cur;
	unsigned int from = c->task.cpu;
	struct sim_wait w = { .kind = SIM_WAIT_TOKEN, .func = "vcpu_migrate" };

	if (from == to)
		return;
	sim_token_drop(c, from);
	c->task.cpu = to;
	sim_trace(SIM_EV_MIGRATE, c->id, from, to, NULL);
	sim_wait(&w);
}

/* --------------------------------------------------------- the fibers */

/* A job left its context in a state the next job must not inherit. */
static void job_done(struct sim_ctx *c)
{
	struct task_struct *t = &c->task;

	if (likely(!t->preempt_count && !t->lockdep_depth && !t->rcu_read_lock_nesting &&
		   !t->migration_disabled))
		return;
	vcpu_report(VCPU_REPORT_BUG,
		    c->kind == SIM_CTX_RCU ? "RCU callback leaked lock or atomic" :
					     "task exited with a lock held or in atomic context",
		    c->kind == SIM_CTX_RCU ? "rcu_do_batch" : "do_exit",
		    "%s/%d on vCPU %u: preempt_count %d, %d lock%s held, RCU nesting %d, migrate_disable %d",
		    t->comm, t->pid, t->cpu, t->preempt_count, t->lockdep_depth,
		    t->lockdep_depth == 1 ? "" : "s", t->rcu_read_lock_nesting,
		    t->migration_disabled);
	t->preempt_count = 0;
	t->lockdep_depth = 0;
	t->rcu_read_lock_nesting = 0;
	t->migration_disabled = 0;
}

void sim_fiber_main(void)
{
	struct sim_ctx *c = sim.cur;

	sim_fiber_arrived_first(c);
	for (;;) {
		switch (c->kind) {
		case SIM_CTX_TASK:
			c->fn(c->arg);
			sim_trace(SIM_EV_EXIT, c->id, 0, 0, c->task.comm);
			sim.nr_live_tasks--;
			break;
		case SIM_CTX_WORKER:
			sim_work_run(c);
			break;
		case SIM_CTX_RCU:
			sim_rcu_invoke(c);
			break;
		case SIM_CTX_DRIVER:
			BUG();
		}
		job_done(c);
		/* An idle fiber owns no vCPU: its next job may be elsewhere. */
		sim_token_drop(c, c->task.cpu);
		c->state = SIM_IDLE;
		list_add(&c->idle_node, &sim.idle);
		sim_schedule();
	}
}

void vcpu_get_stats(struct vcpu_stats *st)
{
	*st = sim.stats;
	st->reports = vcpu_nr_reports();
}
