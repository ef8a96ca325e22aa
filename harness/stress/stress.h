/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress.h - what the files of the stress program share (harness/stress.c
 * and harness/stress/): its settings, the cache slots, the oracles, the
 * tasks and the monitor.  The stress program runs the model on the threads
 * backend, rcutorture-style: one task per vCPU running a random mix of the
 * slab API, readers, a hotplug task, a reclaim task and a checker task, for
 * a fixed time (docs/stress.md).
 *
 * Counters that one thread writes and the monitor thread reads are
 * updated with relaxed atomics (stress_inc()); everything else is owned by
 * one task or guarded as its comment says.
 */
#ifndef SHEAF_HARNESS_STRESS_H
#define SHEAF_HARNESS_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "slab.h"

#define STRESS_MAX_CACHES	16
#define STRESS_MAX_READERS	32
#define STRESS_PUB_PER_CPU	16	/* published objects per vCPU task */
#define STRESS_POOL		96	/* objects one vCPU task holds at most */
#define STRESS_BULK		16

/* --- settings (stress.c) ------------------------------------------- */

struct stress_opts {
	unsigned int cpus;
	unsigned long duration_ms;
	unsigned long seed;
	const char *variant;
	unsigned int caches;
	unsigned int readers;
	unsigned long hotplug_ms;	/* 0: no hotplug task */
	unsigned long shrink_ms;	/* 0: no reclaim task */
	unsigned long stat_ms;		/* 0: no periodic stats line */
	unsigned long stall_ms;		/* the watchdog's limit */
};
extern struct stress_opts stress_opts;

/* --- counters (the stats line) -------------------------------------- */

enum stress_stat {
	ST_OPS,			/* operations of the vCPU tasks */
	ST_ALLOCS,		/* objects allocated (single, bulk, from sheaves) */
	ST_FREES,		/* objects freed directly */
	ST_KFREE_RCU,		/* kfree_rcu() calls, both forms */
	ST_KFREE_RCU_HEADLESS,	/* of which kfree_rcu_mightsleep() */
	ST_RCU_SHEAF,		/* objects given back by an rcu sheaf's callback */
	ST_RCU_BULK,		/* ... from a kvfree_rcu block */
	ST_RCU_LIST,		/* ... from the rcu_head list */
	ST_RCU_INLINE,		/* ... after an inline synchronize_rcu() */
	ST_BARRIER_ON_CACHE,	/* kvfree_rcu_barrier_on_cache() calls */
	ST_BARRIER,		/* kvfree_rcu_barrier() calls */
	ST_CREATES,
	ST_DESTROYS,
	ST_PREFILLS,		/* prefilled sheaves taken and returned */
	ST_SHRINKS,		/* kmem_cache_shrink() calls */
	ST_SHRINKER,		/* kfree_rcu shrinker scans */
	ST_MEM_OFFLINE,		/* memory-offline notifications */
	ST_HOTPLUG,		/* successful cpu_down()/cpu_up() */
	ST_READS,		/* objects a reader checked */
	ST_CHECKS,		/* quiescent structure checks */
	ST_ERRORS,		/* oracle reports */
	NR_STRESS_STATS
};
extern unsigned long stress_stats[NR_STRESS_STATS];

static inline void stress_inc(enum stress_stat st, unsigned long n)
{
	__atomic_add_fetch(&stress_stats[st], n, __ATOMIC_RELAXED);
}

static inline unsigned long stress_read(enum stress_stat st)
{
	return __atomic_load_n(&stress_stats[st], __ATOMIC_RELAXED);
}

/* The run's phases; the monitor moves them on. */
extern int stress_stop;			/* atomic: tasks leave their loops */
extern int stress_check_req;		/* atomic: the checker should park everyone */

/* --- the per-thread random stream (splitmix64) ---------------------- */

struct stress_rand {
	unsigned long state;
};

static inline unsigned long stress_next(struct stress_rand *r)
{
	unsigned long z = (r->state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

/* A value in [0, n). */
static inline unsigned int stress_below(struct stress_rand *r, unsigned int n)
{
	return n ? (unsigned int)(stress_next(r) % n) : 0;
}

void stress_rand_init(struct stress_rand *r, unsigned long seed, unsigned int stream);

/* --- objects --------------------------------------------------------- */

/*
 * Every object starts with a canary pair and its rcu_head.  The canary is
 * written once, at allocation, before the object is published; it names
 * the allocation (a serial), and check is a function of canary and
 * address, so a reader can tell a well-formed canary from a torn or
 * foreign one without knowing the serial.
 */
struct stress_obj {
	unsigned long canary;
	unsigned long check;
	struct rcu_head rcu;
};
#define STRESS_MIN_SIZE	64

void stress_obj_init(struct stress_obj *o);
bool stress_obj_ok(const struct stress_obj *o);

/* --- cache slots (caches.c) ----------------------------------------- */

/*
 * A slot's life: EMPTY -> (one task creates) LIVE -> (a task marks it)
 * DYING -> (the task that drops the last reference destroys it) EMPTY.
 * A task holds a reference for as long as it has objects of the cache or
 * is inside a call on it; it drops it after it has given back everything
 * it held, so a destroy always finds a cache whose objects were all freed
 * or given to kfree_rcu(), and no call on the cache is in progress.
 */
struct stress_cache_info {
	struct kmem_cache *s;
	unsigned int size;
	unsigned int gen;
	unsigned int capacity;		/* the sheaf_capacity asked for; 0: none */
	bool typesafe;
	bool sheaves;
};

/* Takes a reference on slot @c if it is LIVE; fills @info. */
bool stress_cache_get(unsigned int c, struct stress_cache_info *info);
/* Whether the cache @c/@gen that we hold a reference on is being destroyed. */
bool stress_cache_dying(unsigned int c, unsigned int gen);
/* Drops a reference; the last one of a DYING cache destroys it. */
void stress_cache_put(unsigned int c, unsigned int gen);
/* Creates a cache in @c if it is EMPTY; returns whether it did. */
bool stress_cache_try_create(unsigned int c, struct stress_rand *r);
/*
 * Marks @c/@gen DYING and drops the reference the slot held itself
 * (@gen STRESS_ANY_GEN: whatever is LIVE there, the end of the run).
 */
#define STRESS_ANY_GEN	(~0U)
bool stress_cache_kill(unsigned int c, unsigned int gen);
/* The number of LIVE or DYING slots (the end of the run waits for 0). */
unsigned int stress_caches_in_use(void);

/* --- the oracles (oracle.c) ------------------------------------------ */

/* Installs the model's rcu free hook. */
void stress_oracle_init(void);
/*
 * Around one kfree_rcu() of @o, an object of slot @c generation @gen:
 * _begin before the call (returns the record), _end after it returned.
 */
void *stress_kfree_rcu_begin(const void *o, unsigned int c, unsigned int gen);
void stress_kfree_rcu_end(void *rec);
/*
 * Around a barrier: _begin returns the barrier's start; _end checks that
 * every record of @c/@gen (every record, for @c < 0) whose kfree_rcu()
 * returned before that start has been given back.
 */
unsigned long stress_barrier_begin(void);
void stress_barrier_end(unsigned long start, int c, unsigned int gen, const char *func);
/* Records not given back yet, and the most there ever were. */
unsigned long stress_pending(void);
unsigned long stress_max_pending(void);
long stress_slot_pending(unsigned int c);
/* Reports when object @o, just allocated, has a kfree_rcu() in flight. */
void stress_check_allocated(const void *o, const char *func);
/* Up to @max records not given back, one line each (reports). */
void stress_print_pending(FILE *out, unsigned int max);
/* The reader rule: report when @o's canary changed under a reader. */
void stress_reader_check(const struct stress_obj *o, unsigned long seen, const char *when);

/* --- tasks (tasks.c, workload.c) ------------------------------------- */

/* Published objects: readers rcu_dereference() them. */
extern struct stress_obj *stress_pub[VCPU_MAX * STRESS_PUB_PER_CPU];

/* Objects the vCPU tasks hold, per cache slot (atomic). */
extern long stress_live[STRESS_MAX_CACHES];

/* Each task records what it does, for the watchdog and reports. */
struct stress_task {
	const char *name;
	struct task_struct *task;	/* set by the task itself */
	const char *doing;		/* atomic: the call it is in */
	unsigned long progress;		/* atomic: bumped at every step */
	bool parks;			/* takes part in quiescent points */
};
extern struct stress_task stress_tasks[];
extern unsigned int stress_nr_tasks;

static inline void stress_doing(struct stress_task *t, const char *what)
{
	__atomic_store_n(&t->doing, what, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->progress, 1, __ATOMIC_RELAXED);
}

void stress_vcpu_task(void *arg);	/* workload.c */
void stress_reader_task(void *arg);	/* tasks.c */
void stress_hotplug_task(void *arg);
void stress_reclaim_task(void *arg);
void stress_checker_task(void *arg);
/* How many tasks park at quiescent points (set before they start). */
void stress_set_parkers(unsigned int n);
/* At the top of each loop of a parking task: waits while a check runs. */
void stress_park_point(struct stress_task *t);
/* A task leaves its loop for good (the checker waits for all of them). */
void stress_task_done(struct stress_task *t);

/* --- the monitor (monitor.c) ---------------------------------------- */

void stress_monitor_start(void);
void stress_monitor_stop(void);
void stress_print_stats(FILE *out, bool final);
/* Installs the report hook, the sanitizers' death callbacks, SIGABRT. */
void stress_reports_init(void);
/* Prints the end line, flushes; the process exits with the returned status. */
int stress_end(const char *failure);
unsigned long stress_elapsed_ms(void);

#endif /* SHEAF_HARNESS_STRESS_H */
