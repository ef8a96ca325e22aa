// SPDX-License-Identifier: GPL-2.0
/*
 * flush.c (threads) - waiting for work: flush_work(), flush_workqueue(),
 * cancel_work_sync(), and the WQ_MEM_RECLAIM flush dependency check.
 *
 * Workers never touch an item once its function returned, so "the
 * execution flush_work() waits for" is named by the worker: each claim
 * gets a sequence number (thr_ctx.exec_seq).  A flusher of a running item
 * takes the running worker's number; a flusher of a pending item waits on
 * thr_flushers until the item is claimed (and learns the number then) or
 * cancelled (and then waits only for a running instance, if any).  Either
 * way it then waits until no worker runs that execution any more.
 *
 * flush_workqueue() uses two flush colors, as the kernel does: items queued
 * before a flush have the old color; the flush flips the color and waits
 * for the old color's count of pending and running items to drop to zero.
 * Flushes of one workqueue take turns (wq->flushing).
 */
#include "thr_wq.h"

/* ------------------------------------------------------------ flushers */

bool thr_work_queued(const struct work_struct *w)
{
	return w->pending >= PENDING_QUEUED(0);
}

/* Takes queued @w off its pool's list: cancelled.  Under thr_wq_mutex. */
void thr_drop_pending(struct work_struct *w)
{
	struct thr_ctx *r = thr_running_ctx(w);

	list_del_init(&w->entry);
	w->wq->inflight[w->pending - PENDING_QUEUED(0)]--;
	thr_inflight--;
	WRITE_ONCE(w->pending, 0);
	/* Its flushers now wait for the running instance, if there is one. */
	thr_resolve_flushers(w, r ? r->exec_seq : 0);
	pthread_cond_broadcast(&thr_wq_done);
}

/* Hands the flushers of @w's pending instance the execution to wait for. */
void thr_resolve_flushers(const struct work_struct *w, unsigned long seq)
{
	struct flusher *f, *tmp;

	list_for_each_entry_safe(f, tmp, &thr_flushers, node) {
		if (f->work != w)
			continue;
		f->seq = seq;
		f->unclaimed = false;
		list_del_init(&f->node);
	}
}

static bool flusher_done(const struct flusher *f)
{
	return !f->unclaimed && (!f->seq || !thr_seq_running(f->seq));
}

/* Waits, without the token, until @f is done; takes and drops thr_wq_mutex. */
static void flusher_wait(struct flusher *f)
{
	bool released = thr_sleep_begin();

	pthread_mutex_lock(&thr_wq_mutex);
	while (!flusher_done(f))
		pthread_cond_wait(&thr_wq_done, &thr_wq_mutex);
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_sleep_end(released);
}

/* ------------------------------------------------------- flush, cancel */

/* A WQ_MEM_RECLAIM worker must not wait for a workqueue without it. */
static void check_flush_dependency(struct workqueue_struct *target_wq,
				   const struct work_struct *target_work)
{
	struct thr_ctx *c = thr_self;
	struct workqueue_struct *wq = c ? c->task.worker_wq : NULL;

	if (!wq || !target_wq || !(wq->flags & WQ_MEM_RECLAIM) ||
	    (target_wq->flags & WQ_MEM_RECLAIM))
		return;
	vcpu_report(VCPU_REPORT_WARNING, "workqueue: WQ_MEM_RECLAIM flushing !WQ_MEM_RECLAIM",
		    "check_flush_dependency",
		    "workqueue: WQ_MEM_RECLAIM %s:%s is flushing !WQ_MEM_RECLAIM %s:%s",
		    wq->name, c->exec_map.name, target_wq->name,
		    target_work ? target_work->lockdep_map.name : "");
}

/* Waiting for @w from @w itself can never end: lockdep's report, no wait. */
static bool flushing_self(const struct work_struct *w, const char *func)
{
	struct thr_ctx *c = thr_self;

	if (!c || c->task.current_work != w || !c->exec_seq)
		return false;
	vcpu_report(VCPU_REPORT_BUG, "possible recursive locking detected", func,
		    "%s/%d waits for %s from inside it", c->task.comm, c->task.pid,
		    w->lockdep_map.name);
	return true;
}

bool flush_work(struct work_struct *work)
{
	struct flusher f = { .work = work };
	struct workqueue_struct *wq;
	struct thr_ctx *r;

	if (WARN(!work->func, "%s",
		 "flushing a work item that was never initialised (work->func == NULL)"))
		return false;
	might_sleep();
	if (flushing_self(work, __func__))
		return false;
	/* Whatever we hold is now ordered before the item's locks. */
	lock_acquire(&work->lockdep_map, 0, 0, _RET_IP_);
	lock_release(&work->lockdep_map, _RET_IP_);

	INIT_LIST_HEAD(&f.node);
	pthread_mutex_lock(&thr_wq_mutex);
	wq = work->wq;
	if (thr_work_queued(work)) {
		f.unclaimed = true;
		list_add_tail(&f.node, &thr_flushers);
	} else if ((r = thr_running_ctx(work))) {
		f.seq = r->exec_seq;
	} else {
		pthread_mutex_unlock(&thr_wq_mutex);
		return false;
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	check_flush_dependency(wq, work);
	flusher_wait(&f);
	return true;
}

/* Waits for the execution of @w running now, if any. */
void thr_wait_running(struct work_struct *w, const char *func)
{
	struct flusher f = { .work = w };
	struct thr_ctx *r;

	might_sleep();
	if (flushing_self(w, func))
		return;
	INIT_LIST_HEAD(&f.node);
	pthread_mutex_lock(&thr_wq_mutex);
	r = thr_running_ctx(w);
	f.seq = r ? r->exec_seq : 0;
	pthread_mutex_unlock(&thr_wq_mutex);
	if (f.seq)
		flusher_wait(&f);
}

bool cancel_work_sync(struct work_struct *work)
{
	bool was_pending = false;

	pthread_mutex_lock(&thr_wq_mutex);
	/* queueing fails until it returns; atomic for readers outside the mutex */
	__atomic_add_fetch(&work->disable, 1, __ATOMIC_RELAXED);
	if (thr_work_queued(work)) {
		thr_drop_pending(work);
		was_pending = true;
	}
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_wait_running(work, __func__);
	pthread_mutex_lock(&thr_wq_mutex);
	__atomic_sub_fetch(&work->disable, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&thr_wq_mutex);
	return was_pending;
}

void flush_workqueue(struct workqueue_struct *wq)
{
	unsigned int color;
	bool released;

	might_sleep();
	check_flush_dependency(wq, NULL);
	released = thr_sleep_begin();
	pthread_mutex_lock(&thr_wq_mutex);
	while (wq->flushing)
		pthread_cond_wait(&thr_wq_done, &thr_wq_mutex);
	wq->flushing = true;
	color = wq->color;
	wq->color ^= 1;
	while (wq->inflight[color])
		pthread_cond_wait(&thr_wq_done, &thr_wq_mutex);
	wq->flushing = false;
	pthread_cond_broadcast(&thr_wq_done);
	pthread_mutex_unlock(&thr_wq_mutex);
	thr_sleep_end(released);
}
