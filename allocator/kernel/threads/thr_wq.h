/* SPDX-License-Identifier: GPL-2.0 */
/*
 * thr_wq.h - the threads backend's workqueue data model, shared by
 * workqueue.c (workqueues, queueing, lifecycle), worker.c (pools and their
 * workers), flush.c (flushing and cancelling) and delayed_work.c (delayed
 * work, its timer thread, rcu_work).
 *
 * Locking: thr_wq_mutex guards everything below (workqueues, pools, item
 * state, flushers, timers).  It nests outside a vCPU's mutex (a worker's
 * reservation, then thr_token_get(), is done with it dropped: see thr.h).
 * thr_wq_done is broadcast whenever an execution ends, a flusher is
 * resolved, or a running item goes to sleep.
 *
 * work_struct.pending: 0 idle; PENDING_RCU waiting in queue_rcu_work()'s
 * grace period; PENDING_QUEUED(color) on a pool's list.  Written under
 * thr_wq_mutex with WRITE_ONCE() (work_pending() reads it locklessly).
 */
#ifndef SHEAF_THREADS_THR_WQ_H
#define SHEAF_THREADS_THR_WQ_H

#include "thr.h"

#define UNBOUND_MAX_ACTIVE	4
#define PENDING_RCU		1UL
#define PENDING_QUEUED(color)	(2UL + (color))

struct thr_pool {
	struct workqueue_struct *wq;
	int cpu;			/* home vCPU; -1: unbound */
	struct list_head items;		/* pending items, queueing order */
	struct list_head workers;	/* thr_ctx.node */
	pthread_cond_t cond;		/* idle workers sleep here */
	unsigned int nr_idle;
	unsigned int nr_running;	/* workers going to run or running, not asleep */
	unsigned int max_running;
	unsigned int next_cpu;		/* unbound: where to look for a token first */
	bool stop;			/* destroy_workqueue(): idle workers exit */
};

struct workqueue_struct {
	char name[32];
	unsigned int flags;
	struct list_head node;		/* on thr_wq_list */
	struct thr_pool *pools[VCPU_MAX];	/* per-CPU; NULL until first used */
	struct thr_pool *unbound;
	unsigned int color;		/* flush color of new queueings */
	unsigned long inflight[2];	/* per color: pending or running */
	bool flushing;			/* a flush_workqueue() owns the colors */
	unsigned int nr_rcu;		/* rcu_works in their grace period */
};

/* A flush_work() waiting for a pending item to be claimed, then to end. */
struct flusher {
	struct list_head node;		/* on thr_flushers until claimed or dropped */
	const struct work_struct *work;
	unsigned long seq;		/* the execution to wait for; 0: none */
	bool unclaimed;
};

extern pthread_mutex_t thr_wq_mutex;
extern pthread_cond_t thr_wq_done;
extern struct list_head thr_wq_list;	/* every live workqueue */
extern struct list_head thr_workers;	/* every worker: thr_ctx.all_node */
extern struct list_head thr_flushers;	/* struct flusher waiting for a claim */
extern unsigned long thr_inflight;	/* items pending or running, all workqueues */

/* workqueue.c */
struct thr_pool *thr_pool_of(struct workqueue_struct *wq, int cpu);
void thr_queue_locked(struct thr_pool *pool, struct work_struct *w, int cpu);

/* worker.c */
struct thr_pool *thr_pool_create(struct workqueue_struct *wq, int cpu);
void thr_pool_kick(struct thr_pool *pool);
void thr_kick_all_pools(void);
struct thr_ctx *thr_running_ctx(const struct work_struct *w);
bool thr_seq_running(unsigned long seq);

/* flush.c */
bool thr_work_queued(const struct work_struct *w);
void thr_drop_pending(struct work_struct *w);
void thr_resolve_flushers(const struct work_struct *w, unsigned long seq);
void thr_wait_running(struct work_struct *w, const char *func);

/* delayed_work.c */
void thr_timers_start(void);
void thr_timers_stop(void);
unsigned int thr_timers_disarm(struct workqueue_struct *wq);
bool thr_timers_armed(void);

#endif /* SHEAF_THREADS_THR_WQ_H */
