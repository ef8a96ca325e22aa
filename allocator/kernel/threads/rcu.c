// SPDX-License-Identifier: GPL-2.0
/*
 * rcu.c (threads) - RCU on liburcu: readers, call_rcu(), the callback
 * context, synchronize_rcu(), rcu_barrier() and polled grace periods.
 *
 * Readers are urcu-memb readers (the outermost rcu_read_lock() of a task
 * enters liburcu's read-side section); grace periods and callback queueing
 * are liburcu's.  Everything a callback needs travels in the model's
 * rcu_head: liburcu's own head in rcu_head.impl, and in rcu_head.state a
 * marker that it is queued, what kind of head it is, and the vCPU of the
 * caller:
 *
 *	bits 63..40  HEAD_MAGIC while queued (anything else: not queued)
 *	bits 23..16  enum head_kind
 *	bits 15..0   vCPU that called call_rcu()
 *
 * A 24-bit magic rather than one bit, because heads live in recycled
 * memory (a freed object's bytes): stale data passes for "queued" with
 * probability 2^-24 per head instead of 1/2.
 *
 * Callbacks.  liburcu runs them on its call_rcu thread; thr_rcu_invoke()
 * makes that thread the "rcu" context for the duration: it takes the token
 * of the vCPU that queued the callback (another online one if that went
 * down), disables preemption (callbacks run as in softirq: they keep their
 * vCPU and may not sleep), runs it and gives everything back.
 *
 * rcu_barrier().  We use liburcu's default call_rcu_data only, so there is
 * one call_rcu thread that invokes callbacks one after the other in the
 * order they were queued (a wait-free FIFO).  rcu_barrier() queues a marker
 * of its own and waits until the marker is invoked: then every callback
 * queued before the marker has returned, and none queued after it is
 * waited for.
 *
 * ThreadSanitizer cannot see liburcu's ordering (it is not instrumented).
 * The edges we rely on are annotated: call_rcu() releases the head and
 * the callback acquires it; each reader's outermost rcu_read_unlock()
 * releases rcu_readers_sync, and whatever ends a grace period for us
 * (callback entry, synchronize_rcu() return, a successful poll) acquires
 * it.  That is coarser than RCU's real guarantee (it also orders readers
 * that began after the call_rcu()), which can hide a race but never
 * invent one.  The barrier needs no annotation: the marker is invoked
 * after the earlier callbacks on the same thread and signals under rcu_mu.
 */
#include "thr.h"

#ifdef SHEAF_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_release(addr)	__tsan_release((void *)(addr))
#define tsan_acquire(addr)	__tsan_acquire((void *)(addr))
#else
#define tsan_release(addr)	((void)(addr))
#define tsan_acquire(addr)	((void)(addr))
#endif

#define HEAD_MAGIC	0x5243550000000000UL	/* "RCU" */
#define HEAD_MAGIC_MASK	0xffffff0000000000UL
#define HEAD_KIND_SHIFT	16
#define HEAD_CPU_MASK	0xffffUL

enum head_kind {
	HEAD_CALLBACK,		/* the model's call_rcu() */
	HEAD_BARRIER,		/* an rcu_barrier() marker */
	HEAD_GP_STEP,		/* one step of the grace-period chain */
};

struct rcu_marker {
	struct rcu_head head;
	bool done;		/* under rcu_mu */
};

static char rcu_readers_sync;		/* TSan: readers' exits meet here */
static unsigned long rcu_pending;	/* atomic: model callbacks queued, not yet returned */

static struct thr_ctx rcu_ctx;		/* the "rcu" context; only the call_rcu thread */
static int rcu_ctx_busy;		/* atomic: one invocation at a time */

static pthread_mutex_t rcu_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rcu_cond = PTHREAD_COND_INITIALIZER;	/* markers done */

void (*thr_rcu_barrier_queued_hook)(void);

/*
 * Polled grace periods (liburcu 0.13 has no polling API).  A cookie is a
 * ticket: get_state_synchronize_rcu() takes the next number of gp_ticket.
 * A grace period we run ourselves records, before it starts, the newest
 * ticket handed out so far (its snapshot), and when it ends raises
 * gp_done to that snapshot; a cookie is complete once gp_done reached it.
 * Our grace periods are synchronize_rcu() calls and the steps of a chain:
 * one head, gp_head, which call_rcu()s itself again while some ticket is
 * not complete.  The proof is at get_state_synchronize_rcu().
 */
static pthread_mutex_t gp_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long gp_ticket;		/* under gp_mu: the newest cookie */
static unsigned long gp_done;		/* atomic; raised under gp_mu */
static unsigned long gp_step_snap;	/* under gp_mu: the queued step's snapshot */
static bool gp_running;			/* under gp_mu: gp_head is queued or running */
static bool gp_stop;			/* under gp_mu: vcpu_env_exit() winds it down */
static struct rcu_head gp_head;

/* Under gp_mu: a grace period with snapshot @snap has ended. */
static void gp_complete(unsigned long snap)
{
	if ((long)(snap - __atomic_load_n(&gp_done, __ATOMIC_RELAXED)) > 0)
		__atomic_store_n(&gp_done, snap, __ATOMIC_RELEASE);
}

static bool gp_outstanding(void)
{
	return (long)(gp_ticket - __atomic_load_n(&gp_done, __ATOMIC_RELAXED)) > 0;
}

/* ------------------------------------------------------------- queueing */

/*
 * Marks @head queued and hands it to liburcu.  False, with nothing done,
 * when it is queued already.
 */
static bool queue_head(struct rcu_head *head, rcu_callback_t func,
		       enum head_kind kind, unsigned int cpu)
{
	unsigned long old = __atomic_load_n(&head->state, __ATOMIC_RELAXED);
	unsigned long state = HEAD_MAGIC | (unsigned long)kind << HEAD_KIND_SHIFT |
			      (cpu & HEAD_CPU_MASK);

	BUILD_BUG_ON(sizeof(head->impl) < THR_URCU_HEAD_SIZE);
	do {
		if ((old & HEAD_MAGIC_MASK) == HEAD_MAGIC)
			return false;
	} while (!__atomic_compare_exchange_n(&head->state, &old, state, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	head->func = func;
	/*
	 * The newest cookie handed out before this call_rcu(): when the
	 * callback runs, a full grace period has passed since then, so every
	 * cookie up to it is complete (see invoke_callback()).
	 */
	head->next = (struct rcu_head *)(uintptr_t)__atomic_load_n(&gp_ticket, __ATOMIC_ACQUIRE);
	tsan_release(head);
	thr_urcu_call(head->impl);
	return true;
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	struct task_struct *t = thr_task(__func__);

	__atomic_add_fetch(&rcu_pending, 1, __ATOMIC_RELAXED);
	if (queue_head(head, func, HEAD_CALLBACK, t->cpu))
		return;
	__atomic_sub_fetch(&rcu_pending, 1, __ATOMIC_RELAXED);
	/* The kernel's debug_rcu_head_queue() (CONFIG_DEBUG_OBJECTS_RCU_HEAD). */
	vcpu_report(VCPU_REPORT_WARNING, "ODEBUG: activate active object type: rcu_head",
		    __func__, "%s/%d on vCPU %u queues an rcu_head that is already queued "
		    "(callback at %p)", t->comm, t->pid, t->cpu, (void *)(uintptr_t)func);
}

bool thr_rcu_head_queued(const struct rcu_head *head)
{
	return (__atomic_load_n(&head->state, __ATOMIC_RELAXED) & HEAD_MAGIC_MASK) == HEAD_MAGIC;
}

unsigned long vcpu_rcu_pending_callbacks(void)
{
	return __atomic_load_n(&rcu_pending, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------- invoking */

static void invoke_callback(struct rcu_head *head, unsigned int cpu)
{
	rcu_callback_t func = head->func;
	unsigned long snap = (unsigned long)(uintptr_t)head->next;
	struct task_struct *t = &rcu_ctx.task;

	if (__atomic_exchange_n(&rcu_ctx_busy, 1, __ATOMIC_ACQUIRE))
		vcpu_panic("RCU callbacks invoked concurrently", __func__,
			   "liburcu has more than one call_rcu thread");
	if (!READ_ONCE(vcpu_env_running))
		vcpu_panic("RCU callback outside the environment", __func__,
			   "callback %p of head %p", (void *)func, (void *)head);
	tsan_acquire(&rcu_readers_sync);
	/* A grace period has passed since the call_rcu(): its cookies are done. */
	pthread_mutex_lock(&gp_mu);
	gp_complete(snap);
	pthread_mutex_unlock(&gp_mu);
	thr_self = &rcu_ctx;
	t->cpu = cpu < nr_cpu_ids ? cpu : 0;
	thr_token_get(&rcu_ctx);
	preempt_disable();

	/* Not queued any more: the callback may queue it again, or free it. */
	__atomic_store_n(&head->state, 0, __ATOMIC_RELAXED);
	func(head);
	thr_check_clean(t, "RCU callback leaked lock or atomic", "rcu_do_batch", 1);

	preempt_enable();
	thr_token_put(&rcu_ctx);
	thr_self = NULL;
	__atomic_add_fetch(&thr_stats.callbacks_run, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&rcu_ctx_busy, 0, __ATOMIC_RELEASE);
	/* Last: vcpu_quiesce() must not see zero while a callback still runs. */
	__atomic_sub_fetch(&rcu_pending, 1, __ATOMIC_RELEASE);
}

static void marker_done(struct rcu_head *head)
{
	struct rcu_marker *m = container_of(head, struct rcu_marker, head);

	__atomic_store_n(&head->state, 0, __ATOMIC_RELAXED);
	pthread_mutex_lock(&rcu_mu);
	m->done = true;
	pthread_cond_broadcast(&rcu_cond);
	pthread_mutex_unlock(&rcu_mu);
}

/* One chain step: its grace period is over. */
static void gp_step(struct rcu_head *head)
{
	bool again;

	pthread_mutex_lock(&gp_mu);
	__atomic_store_n(&head->state, 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&thr_stats.gps_completed, 1, __ATOMIC_RELAXED);
	gp_complete(gp_step_snap);
	again = !gp_stop && gp_outstanding();
	if (again)
		gp_step_snap = gp_ticket;
	else
		gp_running = false;
	pthread_mutex_unlock(&gp_mu);
	if (again)
		queue_head(head, NULL, HEAD_GP_STEP, 0);
}

void thr_rcu_invoke(void *urcu_head)
{
	struct rcu_head *head = container_of((void *(*)[2])urcu_head, struct rcu_head, impl);
	unsigned long state;

	tsan_acquire(head);
	state = __atomic_load_n(&head->state, __ATOMIC_RELAXED);
	BUG_ON((state & HEAD_MAGIC_MASK) != HEAD_MAGIC);
	switch ((enum head_kind)((state >> HEAD_KIND_SHIFT) & 0xff)) {
	case HEAD_CALLBACK:
		invoke_callback(head, (unsigned int)(state & HEAD_CPU_MASK));
		break;
	case HEAD_BARRIER:
		marker_done(head);
		break;
	case HEAD_GP_STEP:
		gp_step(head);
		break;
	default:
		BUG();
	}
}

/* ------------------------------------------------------ readers, waiting */

void rcu_read_lock(void)
{
	struct task_struct *t = thr_task(__func__);

	if (t->rcu_read_lock_nesting++ == 0)
		thr_urcu_read_lock();
}

void rcu_read_unlock(void)
{
	struct task_struct *t = thr_task(__func__);

	if (unlikely(t->rcu_read_lock_nesting <= 0)) {
		vcpu_report(VCPU_REPORT_BUG, "rcu_read_unlock() without rcu_read_lock()", __func__,
			    "%s/%d on vCPU %u", t->comm, t->pid, t->cpu);
		return;
	}
	if (--t->rcu_read_lock_nesting == 0) {
		tsan_release(&rcu_readers_sync);
		thr_urcu_read_unlock();
		vcpu_decision_point("rcu_read_unlock");
	}
}

bool rcu_read_lock_held(void)
{
	struct thr_ctx *c = thr_self;

	return c && c->task.rcu_read_lock_nesting > 0;
}

void thr_rcu_force_unlock(struct task_struct *t)
{
	if (t->rcu_read_lock_nesting <= 0)
		return;
	t->rcu_read_lock_nesting = 0;
	tsan_release(&rcu_readers_sync);
	thr_urcu_read_unlock();
}

/*
 * might_sleep(), and whether waiting is possible at all: inside a reader
 * a grace period would wait for ourselves, and with preemption disabled
 * (a callback, a pcs lock holder) a barrier could wait for a callback that
 * needs our vCPU.  The report is made; the wait is skipped, not hung.
 */
static bool may_wait(struct task_struct *t, const char *func)
{
	__might_sleep(func);
	return t->preempt_count == 0 && t->rcu_read_lock_nesting == 0;
}

/* Queues a marker and sleeps until liburcu invokes it. */
static void wait_for_marker(bool call_hook)
{
	struct rcu_marker m = { .done = false };
	void (*hook)(void);
	bool released;

	queue_head(&m.head, NULL, HEAD_BARRIER, 0);
	hook = __atomic_load_n(&thr_rcu_barrier_queued_hook, __ATOMIC_ACQUIRE);
	if (call_hook && hook)
		hook();
	released = thr_sleep_begin();
	pthread_mutex_lock(&rcu_mu);
	while (!m.done)
		pthread_cond_wait(&rcu_cond, &rcu_mu);
	pthread_mutex_unlock(&rcu_mu);
	thr_sleep_end(released);
}

void rcu_barrier(void)
{
	if (may_wait(thr_task(__func__), __func__))
		wait_for_marker(true);
}

void synchronize_rcu(void)
{
	unsigned long snap;
	bool released;

	if (!may_wait(thr_task(__func__), __func__))
		return;
	pthread_mutex_lock(&gp_mu);
	snap = gp_ticket;
	pthread_mutex_unlock(&gp_mu);
	released = thr_sleep_begin();
	thr_urcu_synchronize();
	tsan_acquire(&rcu_readers_sync);
	thr_sleep_end(released);
	pthread_mutex_lock(&gp_mu);
	gp_complete(snap);
	pthread_mutex_unlock(&gp_mu);
	__atomic_add_fetch(&thr_stats.gps_completed, 1, __ATOMIC_RELAXED);
}

void vcpu_rcu_gp(void)
{
	synchronize_rcu();
	rcu_barrier();
}

/* ------------------------------------------------------------- polling */

/*
 * Why poll_state_synchronize_rcu(cookie) is true only after a full grace
 * period that began after this call:
 *  1. The cookie c is a new ticket, taken under gp_mu; tickets grow by one
 *     per call, so a snapshot read under gp_mu is >= c exactly when it
 *     was read after this call took c.
 *  2. gp_done is only ever raised to the snapshot of a grace period that
 *     has ended: a synchronize_rcu() (snapshot read before it calls
 *     liburcu's synchronize_rcu(), so that grace period began after the
 *     read) or a chain step (snapshot read before its call_rcu(), and
 *     liburcu invokes a callback only after a grace period that began
 *     after the call_rcu()).
 *  3. So gp_done >= c means: some grace period whose snapshot was read
 *     after this call began after this call, and has ended.
 * Progress: while a ticket is outstanding the chain keeps stepping (this
 * call starts it if it is idle), and the next step's snapshot covers every
 * ticket taken before it was queued.  Comparisons are on the signed
 * difference, as the kernel's ULONG_CMP_GE, so wrapping is harmless.
 */
unsigned long get_state_synchronize_rcu(void)
{
	unsigned long cookie;
	bool start = false;

	pthread_mutex_lock(&gp_mu);
	cookie = __atomic_add_fetch(&gp_ticket, 1, __ATOMIC_RELEASE);
	if (!gp_running && !gp_stop) {
		gp_running = true;
		gp_step_snap = gp_ticket;
		start = true;
	}
	pthread_mutex_unlock(&gp_mu);
	if (start)
		queue_head(&gp_head, NULL, HEAD_GP_STEP, 0);
	return cookie;
}

bool poll_state_synchronize_rcu(unsigned long oldstate)
{
	if ((long)(__atomic_load_n(&gp_done, __ATOMIC_ACQUIRE) - oldstate) < 0)
		return false;
	tsan_acquire(&rcu_readers_sync);
	return true;
}

/* ------------------------------------------------------------- lifecycle */

void thr_rcu_init(void)
{
	thr_ctx_init(&rcu_ctx, "rcu", PF_RCU_CB, 0);
	__atomic_store_n(&rcu_pending, 0, __ATOMIC_RELAXED);
	pthread_mutex_lock(&gp_mu);
	gp_stop = false;
	pthread_mutex_unlock(&gp_mu);
}

/* After vcpu_quiesce(): stops the chain and waits until it is idle. */
void thr_rcu_exit(void)
{
	bool running;

	pthread_mutex_lock(&gp_mu);
	gp_stop = true;
	pthread_mutex_unlock(&gp_mu);
	for (;;) {
		pthread_mutex_lock(&gp_mu);
		running = gp_running;
		pthread_mutex_unlock(&gp_mu);
		if (!running)
			break;
		wait_for_marker(false);
	}
	/* Whatever the call_rcu thread did for this environment happened before. */
	wait_for_marker(false);
	WARN(vcpu_rcu_pending_callbacks(), "%lu RCU callbacks still queued at exit",
	     vcpu_rcu_pending_callbacks());
}
