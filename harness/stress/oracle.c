// SPDX-License-Identifier: GPL-2.0
/*
 * oracle.c - the promises stress checks while every task runs at once:
 * the barrier contract and the reader rule.  Only slab.h and check.h are
 * used; reports go through vcpu_report(), which aborts.
 *
 * Under real concurrency "before" must be provable, or an oracle reports
 * what is not a bug.  One sequence counter, seq, orders the events that
 * matter: a kfree_rcu() takes a number from it after the call *returned*
 * (ret_seq); a barrier takes one before it is *called* (start).
 * ret_seq < start then means the kfree_rcu() had returned before the
 * barrier began, and only those objects are owed by the barrier.  A
 * kfree_rcu() that was still running, or had returned but not yet taken
 * its number, is left out: the check may miss a bug, never invent one.
 *
 * Records.  Each kfree_rcu() gets a record before the call, since the
 * object can be given back before the call returns (the headless form's
 * inline synchronize_rcu(), a quick grace period).  The model's rcu free
 * hook (check.h) marks it given back, in whatever context frees; the hook
 * runs before the object goes back to the allocator, so at that moment the
 * object's only record not given back is this one.  Records live in a
 * hash table keyed by address, one mutex per bucket; a record goes away
 * once it is both returned and given back.
 *
 *  1. barrier contract: when kvfree_rcu_barrier_on_cache(s) (or the one in
 *     kmem_cache_destroy(s)) returns, every record of s with ret_seq <
 *     start is given back; for kvfree_rcu_barrier(), every record.
 *  2. reader rule: an object a reader found published (so the reader
 *     began before its kfree_rcu(), which follows the unpublish) keeps
 *     the canary the reader first saw until the reader leaves.
 * Also reported: the allocator handing out an object whose kfree_rcu() is
 * still in flight, and the machinery giving back an object that is not in
 * flight (twice, or never given to kfree_rcu()).  A failed barrier check
 * waits 200 ms before it reports, to say whether and by which path the
 * object came back after all.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "stress.h"
#include "check.h"

#define NR_BUCKETS	1024
#define CANARY_MAGIC	0x5354524553534f42UL	/* "STRESSOB" */

struct srec {
	const void *obj;
	struct srec *next;
	unsigned int c, gen;
	unsigned long ret_seq;		/* 0 until the call returned */
	unsigned long ret_ms;		/* when, for the report */
	unsigned int cpu;		/* the vCPU the call started on */
	bool freed;			/* the rcu free hook ran for it */
};

struct bucket {
	pthread_mutex_t mu;
	struct srec *head;
};

static struct bucket buckets[NR_BUCKETS];
static unsigned long seq;		/* atomic: the event sequence */
static unsigned long pending;		/* atomic: records not given back */
static unsigned long max_pending;	/* atomic */
static long slot_pending[STRESS_MAX_CACHES];	/* atomic: records per slot */
/*
 * A late give-back: the object a failed barrier check found, and what the
 * hook saw when it was given back after all (the report says so).
 */
static const void *watch_obj;		/* atomic */
static char watch_seen[160];		/* written by the hook that sees it */
static int watch_hit;			/* atomic */

static struct bucket *bucket_of(const void *obj)
{
	uintptr_t a = (uintptr_t)obj;

	return &buckets[((a >> 4) ^ (a >> 14)) % NR_BUCKETS];
}

/* --------------------------------------------------------- objects */

static _Thread_local struct stress_rand canary_rand;

void stress_rand_init(struct stress_rand *r, unsigned long seed, unsigned int stream)
{
	r->state = seed ^ ((unsigned long)stream + 1) * 0xd1b54a32d192ed03UL;
	stress_next(r);
}

void stress_obj_init(struct stress_obj *o)
{
	if (!canary_rand.state)
		stress_rand_init(&canary_rand, (uintptr_t)&canary_rand, 0);
	o->canary = stress_next(&canary_rand);
	o->check = o->canary ^ (uintptr_t)o ^ CANARY_MAGIC;
}

bool stress_obj_ok(const struct stress_obj *o)
{
	return o->check == (o->canary ^ (uintptr_t)o ^ CANARY_MAGIC);
}

void stress_reader_check(const struct stress_obj *o, unsigned long seen, const char *when)
{
	unsigned long now = READ_ONCE(o->canary);

	if (now == seen && stress_obj_ok(o))
		return;
	stress_inc(ST_ERRORS, 1);
	vcpu_report(VCPU_REPORT_BUG, "reader rule: object changed under an RCU reader",
		    "stress_reader_task",
		    "object %p: canary %#lx when the reader found it published, %#lx %s "
		    "(check word %s); the reader began before its kfree_rcu()",
		    (const void *)o, seen, now, when, stress_obj_ok(o) ? "intact" : "broken");
}

/* --------------------------------------------------------- records */

static void pending_add(long n)
{
	unsigned long now = __atomic_add_fetch(&pending, (unsigned long)n, __ATOMIC_RELAXED);
	unsigned long max = __atomic_load_n(&max_pending, __ATOMIC_RELAXED);

	while (n > 0 && now > max &&
	       !__atomic_compare_exchange_n(&max_pending, &max, now, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

unsigned long stress_pending(void)
{
	return __atomic_load_n(&pending, __ATOMIC_RELAXED);
}

long stress_slot_pending(unsigned int c)
{
	return __atomic_load_n(&slot_pending[c], __ATOMIC_RELAXED);
}

unsigned long stress_max_pending(void)
{
	return __atomic_load_n(&max_pending, __ATOMIC_RELAXED);
}

/* Under b->mu. */
static void unlink_rec(struct bucket *b, struct srec *r)
{
	struct srec **pp;

	for (pp = &b->head; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			free(r);
			return;
		}
	}
	BUG();
}

void *stress_kfree_rcu_begin(const void *o, unsigned int c, unsigned int gen)
{
	struct bucket *b = bucket_of(o);
	struct srec *r = calloc(1, sizeof(*r));

	if (!r)
		vcpu_panic("out of memory", __func__, "kfree_rcu record");
	r->obj = o;
	r->c = c;
	r->gen = gen;
	r->cpu = smp_processor_id();
	__atomic_add_fetch(&slot_pending[c], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&b->mu);
	r->next = b->head;
	b->head = r;
	pthread_mutex_unlock(&b->mu);
	pending_add(1);
	return r;
}

void stress_kfree_rcu_end(void *rec)
{
	struct srec *r = rec;
	struct bucket *b = bucket_of(r->obj);
	unsigned long s = __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);

	pthread_mutex_lock(&b->mu);
	r->ret_seq = s;
	r->ret_ms = stress_elapsed_ms();
	if (r->freed)
		unlink_rec(b, r);
	pthread_mutex_unlock(&b->mu);
}

static const enum stress_stat path_stat[NR_MODEL_RCU_PATHS] = {
	[MODEL_RCU_SHEAF] = ST_RCU_SHEAF,
	[MODEL_RCU_BULK] = ST_RCU_BULK,
	[MODEL_RCU_LIST] = ST_RCU_LIST,
	[MODEL_RCU_INLINE] = ST_RCU_INLINE,
};

/* The model's rcu free hook: @obj leaves the kfree_rcu machinery. */
static void rcu_given_back(const void *obj, enum model_rcu_path path)
{
	struct bucket *b;
	struct srec *r;

	/* not a kfree_rcu(); stress leaves SLUB_RCU_DEBUG off */
	if (path == MODEL_RCU_DEBUG || path == MODEL_RCU_DEBUG_DEFER)
		return;
	b = bucket_of(obj);
	pthread_mutex_lock(&b->mu);
	for (r = b->head; r; r = r->next)
		if (r->obj == obj && !r->freed)
			break;
	if (r) {
		r->freed = true;
		__atomic_sub_fetch(&slot_pending[r->c], 1, __ATOMIC_RELAXED);
		if (r->ret_seq)
			unlink_rec(b, r);
	}
	pthread_mutex_unlock(&b->mu);
	if (r && __atomic_load_n(&watch_obj, __ATOMIC_ACQUIRE) == obj) {
		struct task_struct *t = current;

		snprintf(watch_seen, sizeof(watch_seen), "given back at %lu ms by the %s path, "
			 "in %s on vCPU %u", stress_elapsed_ms(), model_rcu_path_name(path),
			 t ? t->comm : "?", t ? t->cpu : 0);
		__atomic_store_n(&watch_hit, 1, __ATOMIC_RELEASE);
	}
	if (!r) {
		stress_inc(ST_ERRORS, 1);
		vcpu_report(VCPU_REPORT_BUG, "kfree_rcu: object given back that is not in flight",
			    "rcu_given_back", "object %p given back by the %s path: no kfree_rcu() "
			    "of it is outstanding (given back twice?)", obj,
			    model_rcu_path_name(path));
		return;
	}
	pending_add(-1);
	if (path < NR_MODEL_RCU_PATHS)
		stress_inc(path_stat[path], 1);
}

/*
 * For a report: the kfree_rcu() records not given back yet, so that an
 * address in the report ("Objects remaining", a barrier) can be told
 * apart from an object the tasks still hold.  Buckets are only tried: the
 * reporting thread may hold one.
 */
void stress_print_pending(FILE *out, unsigned int max)
{
	unsigned int i, n = 0;
	struct srec *r;

	for (i = 0; i < NR_BUCKETS && n < max; i++) {
		if (pthread_mutex_trylock(&buckets[i].mu))
			continue;
		for (r = buckets[i].head; r && n < max; r = r->next) {
			if (r->freed)
				continue;
			fprintf(out, "stress: in flight: %p of slot %u gen %u, kfree_rcu() on vCPU %u "
				"%s%lu ms\n", r->obj, r->c, r->gen, r->cpu,
				r->ret_seq ? "returned at " : "still running, ",
				r->ret_seq ? r->ret_ms : 0);
			n++;
		}
		pthread_mutex_unlock(&buckets[i].mu);
	}
}

/*
 * An object just handed out by the allocator: no kfree_rcu() of it may be
 * in flight (the hook runs before the machinery frees it, so a record not
 * given back means the object was reused while the machinery holds it).
 */
void stress_check_allocated(const void *o, const char *func)
{
	struct bucket *b = bucket_of(o);
	struct srec *r, bad;
	bool found = false;

	pthread_mutex_lock(&b->mu);
	for (r = b->head; r; r = r->next) {
		if (r->obj == o && !r->freed) {
			bad = *r;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&b->mu);
	if (!found)
		return;
	stress_inc(ST_ERRORS, 1);
	vcpu_report(VCPU_REPORT_BUG, "allocator contract: object handed out while in flight", func,
		    "object %p of cache slot %u handed out again, while its kfree_rcu() "
		    "(on vCPU %u, %s) is not given back", o, bad.c, bad.cpu,
		    bad.ret_seq ? "returned" : "still running");
}

/* --------------------------------------------------------- barriers */

unsigned long stress_barrier_begin(void)
{
	return __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
}

void stress_barrier_end(unsigned long start, int c, unsigned int gen, const char *func)
{
	unsigned long at;
	unsigned int i;

	for (i = 0; i < NR_BUCKETS; i++) {
		struct bucket *b = &buckets[i];
		struct srec *r, bad;
		bool found = false;

		pthread_mutex_lock(&b->mu);
		for (r = b->head; r; r = r->next) {
			if (r->freed || !r->ret_seq || r->ret_seq >= start)
				continue;
			if (c >= 0 && (r->c != (unsigned int)c || r->gen != gen))
				continue;
			bad = *r;
			found = true;
			break;
		}
		pthread_mutex_unlock(&b->mu);
		if (!found)
			continue;
		stress_inc(ST_ERRORS, 1);
		at = stress_elapsed_ms();
		/* Wait a little, to say how it leaves the machinery, if it does. */
		__atomic_store_n(&watch_obj, bad.obj, __ATOMIC_RELEASE);
		msleep(200);
		vcpu_report(VCPU_REPORT_BUG, "barrier contract: object still in flight", func,
			    "%s%s returned at %lu ms with object %p of cache slot %u (generation %u) "
			    "not given back, although its kfree_rcu() (on vCPU %u) returned at "
			    "%lu ms, before the barrier began (event %lu < %lu); 200 ms later: %s",
			    func, c >= 0 ? "" : " (every cache)", at, bad.obj,
			    bad.c, bad.gen, bad.cpu, bad.ret_ms, bad.ret_seq, start,
			    __atomic_load_n(&watch_hit, __ATOMIC_ACQUIRE) ? watch_seen :
			    "still not given back");
		return;
	}
}

void stress_oracle_init(void)
{
	unsigned int i;

	for (i = 0; i < NR_BUCKETS; i++) {
		pthread_mutex_init(&buckets[i].mu, NULL);
		buckets[i].head = NULL;
	}
	model_set_rcu_free_hook(rcu_given_back);
}
