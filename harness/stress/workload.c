// SPDX-License-Identifier: GPL-2.0
/*
 * workload.c - what one vCPU task does: a random mix of the slab API,
 * drawn from a stream seeded by --seed and the task's vCPU number.
 *
 * The task owns the objects it allocated (its pool) and never touches
 * another task's.  Some of them it publishes in its row of stress_pub[],
 * where readers find them; a published object is only ever given to
 * kfree_rcu(), after it was unpublished, as RCU users must.  Caches are
 * shared through the slots of caches.c: the task holds a reference on
 * each cache it has objects of, and gives everything back when it sees the
 * cache DYING, so that the last of those drops destroys it.
 */
#include <stdlib.h>

#include "stress.h"
#include "check.h"

struct held {
	struct stress_obj *o;
	unsigned char c;	/* cache slot */
	short pub;		/* index in stress_pub[], or -1 */
};

struct vstate {
	struct stress_task *t;
	struct stress_rand r;
	unsigned int home;	/* the vCPU it started on */
	bool attached[STRESS_MAX_CACHES];
	struct stress_cache_info info[STRESS_MAX_CACHES];
	struct held pool[STRESS_POOL];
	unsigned int nr;
};

struct stress_obj *stress_pub[VCPU_MAX * STRESS_PUB_PER_CPU];
long stress_live[STRESS_MAX_CACHES];

static void report_overwritten(const struct stress_obj *o, const char *func)
{
	stress_inc(ST_ERRORS, 1);
	vcpu_report(VCPU_REPORT_BUG, "allocator contract: live object overwritten", func,
		    "object %p: canary %#lx, check word %#lx do not match", (const void *)o,
		    o->canary, o->check);
}

/* ------------------------------------------------------------ the pool */

static void pool_add(struct vstate *v, unsigned int c, void *p)
{
	struct stress_obj *o = p;

	stress_check_allocated(o, v->t->doing);
	stress_obj_init(o);
	v->pool[v->nr++] = (struct held){ .o = o, .c = (unsigned char)c, .pub = -1 };
	__atomic_add_fetch(&stress_live[c], 1, __ATOMIC_RELAXED);
	stress_inc(ST_ALLOCS, 1);
}

static void pool_del(struct vstate *v, unsigned int i)
{
	__atomic_sub_fetch(&stress_live[v->pool[i].c], 1, __ATOMIC_RELAXED);
	v->pool[i] = v->pool[--v->nr];
}

static void unpublish(struct held *h)
{
	if (h->pub < 0)
		return;
	__atomic_store_n(&stress_pub[h->pub], NULL, __ATOMIC_RELEASE);
	h->pub = -1;
}

/* A cache to use: one we hold, or take a reference on (creating it first). */
static int pick_cache(struct vstate *v, bool create)
{
	unsigned int c = stress_below(&v->r, stress_opts.caches);

	if (v->attached[c] && !stress_cache_dying(c, v->info[c].gen))
		return (int)c;
	if (v->attached[c])
		return -1;		/* the loop top gives it back first */
	if (create)
		stress_cache_try_create(c, &v->r);
	if (!stress_cache_get(c, &v->info[c]))
		return -1;
	v->attached[c] = true;
	return (int)c;
}

/* ------------------------------------------------------------ freeing */

/* kfree_rcu() of pool entry @i in either form; the entry goes. */
static void do_kfree_rcu(struct vstate *v, unsigned int i)
{
	struct held *h = &v->pool[i];
	struct stress_obj *o = h->o;
	bool headless = !stress_below(&v->r, 4);
	void *rec;

	if (!stress_obj_ok(o))
		report_overwritten(o, "kvfree_call_rcu");
	unpublish(h);
	rec = stress_kfree_rcu_begin(o, h->c, v->info[h->c].gen);
	if (headless) {
		stress_doing(v->t, "kfree_rcu_mightsleep");
		kfree_rcu_mightsleep(o);
		stress_inc(ST_KFREE_RCU_HEADLESS, 1);
	} else {
		stress_doing(v->t, "kfree_rcu");
		kfree_rcu(o, rcu);
	}
	stress_kfree_rcu_end(rec);
	stress_inc(ST_KFREE_RCU, 1);
	pool_del(v, i);
}

/* A plain free of unpublished entry @i. */
static void do_free(struct vstate *v, unsigned int i)
{
	struct held *h = &v->pool[i];

	if (!stress_obj_ok(h->o))
		report_overwritten(h->o, "kmem_cache_free");
	stress_doing(v->t, "kmem_cache_free");
	if (stress_below(&v->r, 2))
		kmem_cache_free(v->info[h->c].s, h->o);
	else
		kfree(h->o);
	stress_inc(ST_FREES, 1);
	pool_del(v, i);
}

/* Gives back every object of cache @c and the reference. */
static void drain_cache(struct vstate *v, unsigned int c)
{
	unsigned int i = 0;

	while (i < v->nr) {
		if (v->pool[i].c != c) {
			i++;
			continue;
		}
		if (v->pool[i].pub >= 0 || stress_below(&v->r, 2))
			do_kfree_rcu(v, i);
		else
			do_free(v, i);
	}
	v->attached[c] = false;
	stress_doing(v->t, "stress_cache_put");
	stress_cache_put(c, v->info[c].gen);
}

static unsigned int held_of(struct vstate *v, unsigned int c)
{
	unsigned int i, n = 0;

	for (i = 0; i < v->nr; i++)
		n += v->pool[i].c == c;
	return n;
}

/* ------------------------------------------------------------ the ops */

static gfp_t pick_gfp(struct vstate *v)
{
	switch (stress_below(&v->r, 8)) {
	case 0:
		return GFP_NOWAIT;
	case 1:
		return GFP_ATOMIC;
	case 2:
		return GFP_KERNEL | __GFP_ZERO;
	default:
		return GFP_KERNEL;
	}
}

static void op_alloc(struct vstate *v)
{
	int c = pick_cache(v, true);
	void *p;

	if (c < 0 || v->nr >= STRESS_POOL)
		return;
	stress_doing(v->t, "kmem_cache_alloc");
	p = kmem_cache_alloc(v->info[c].s, pick_gfp(v));
	if (p)
		pool_add(v, (unsigned int)c, p);
}

static void op_alloc_bulk(struct vstate *v)
{
	void *p[STRESS_BULK];
	unsigned int n = 1 + stress_below(&v->r, STRESS_BULK), i;
	int c = pick_cache(v, true), got;

	if (c < 0 || v->nr + n > STRESS_POOL)
		return;
	stress_doing(v->t, "kmem_cache_alloc_bulk");
	got = kmem_cache_alloc_bulk(v->info[c].s, stress_below(&v->r, 4) ? GFP_KERNEL : GFP_NOWAIT,
				    n, p);
	for (i = 0; i < (unsigned int)got; i++)
		pool_add(v, (unsigned int)c, p[i]);
}

static void op_free_bulk(struct vstate *v)
{
	void *p[STRESS_BULK];
	unsigned int n = 0, i = 0, c;

	if (!v->nr)
		return;
	c = v->pool[stress_below(&v->r, v->nr)].c;
	while (i < v->nr && n < STRESS_BULK) {
		struct held *h = &v->pool[i];

		if (h->c != c || h->pub >= 0 || stress_below(&v->r, 4) == 0) {
			i++;
			continue;
		}
		if (!stress_obj_ok(h->o))
			report_overwritten(h->o, "kmem_cache_free_bulk");
		p[n++] = h->o;
		pool_del(v, i);
	}
	if (!n)
		return;
	stress_doing(v->t, "kmem_cache_free_bulk");
	if (stress_below(&v->r, 2))
		kmem_cache_free_bulk(v->info[c].s, n, p);
	else
		kfree_bulk(n, p);
	stress_inc(ST_FREES, n);
}

static void op_free(struct vstate *v)
{
	unsigned int i;

	if (!v->nr)
		return;
	i = stress_below(&v->r, v->nr);
	if (v->pool[i].pub >= 0)
		do_kfree_rcu(v, i);
	else
		do_free(v, i);
}

static void op_kfree_rcu(struct vstate *v)
{
	if (v->nr)
		do_kfree_rcu(v, stress_below(&v->r, v->nr));
}

static void op_publish(struct vstate *v)
{
	unsigned int k = stress_below(&v->r, STRESS_PUB_PER_CPU);
	unsigned int slot = v->home * STRESS_PUB_PER_CPU + k, i;

	if (!v->nr || __atomic_load_n(&stress_pub[slot], __ATOMIC_RELAXED))
		return;
	i = stress_below(&v->r, v->nr);
	if (v->pool[i].pub >= 0)
		return;
	v->pool[i].pub = (short)slot;
	rcu_assign_pointer(stress_pub[slot], v->pool[i].o);
}

static void op_prefill(struct vstate *v)
{
	struct slab_sheaf *sheaf;
	unsigned int n, take, i;
	int c = pick_cache(v, true);
	void *p;

	if (c < 0 || !v->info[c].sheaves)
		return;
	n = 1 + stress_below(&v->r, v->info[c].capacity + 4);
	stress_doing(v->t, "kmem_cache_prefill_sheaf");
	sheaf = kmem_cache_prefill_sheaf(v->info[c].s, GFP_KERNEL, n);
	if (!sheaf)
		return;
	take = stress_below(&v->r, n + 1);
	for (i = 0; i < take && v->nr < STRESS_POOL; i++) {
		stress_doing(v->t, "kmem_cache_alloc_from_sheaf");
		p = kmem_cache_alloc_from_sheaf(v->info[c].s, GFP_KERNEL, sheaf);
		if (!p)
			break;
		pool_add(v, (unsigned int)c, p);
	}
	if (!stress_below(&v->r, 3)) {
		stress_doing(v->t, "kmem_cache_refill_sheaf");
		kmem_cache_refill_sheaf(v->info[c].s, GFP_KERNEL, &sheaf,
					1 + stress_below(&v->r, v->info[c].capacity + 4));
	}
	stress_doing(v->t, "kmem_cache_return_sheaf");
	kmem_cache_return_sheaf(v->info[c].s, GFP_KERNEL, sheaf);
	stress_inc(ST_PREFILLS, 1);
}

static void op_barrier_on_cache(struct vstate *v)
{
	int c = pick_cache(v, false);
	unsigned long start;

	if (c < 0)
		return;
	stress_doing(v->t, "kvfree_rcu_barrier_on_cache");
	start = stress_barrier_begin();
	kvfree_rcu_barrier_on_cache(v->info[c].s);
	stress_barrier_end(start, c, v->info[c].gen, "kvfree_rcu_barrier_on_cache");
	stress_inc(ST_BARRIER_ON_CACHE, 1);
}

static void op_barrier(struct vstate *v)
{
	unsigned long start;

	stress_doing(v->t, "kvfree_rcu_barrier");
	start = stress_barrier_begin();
	kvfree_rcu_barrier();
	stress_barrier_end(start, -1, 0, "kvfree_rcu_barrier");
	stress_inc(ST_BARRIER, 1);
}

static void op_shrink(struct vstate *v)
{
	int c = pick_cache(v, false);

	if (c < 0)
		return;
	stress_doing(v->t, "kmem_cache_shrink");
	kmem_cache_shrink(v->info[c].s);
	stress_inc(ST_SHRINKS, 1);
}

/* Starts the destroy of a cache we hold; the last one to let go destroys it. */
static void op_kill(struct vstate *v)
{
	int c = pick_cache(v, false);

	if (c < 0)
		return;
	stress_doing(v->t, "stress_cache_kill");
	if (stress_cache_kill((unsigned int)c, v->info[c].gen))
		drain_cache(v, (unsigned int)c);
}

/* Back home, if hotplug moved us away and home is online again. */
static void op_migrate(struct vstate *v)
{
	if (smp_processor_id() == v->home)
		return;
	stress_doing(v->t, "vcpu_migrate");
	cpus_read_lock();
	if (cpu_online(v->home))
		vcpu_migrate((int)v->home);
	cpus_read_unlock();
}

struct op_weight {
	void (*fn)(struct vstate *v);
	unsigned int weight;
};

static const struct op_weight ops[] = {
	{ op_alloc, 30 }, { op_free, 14 }, { op_kfree_rcu, 14 }, { op_publish, 10 },
	{ op_alloc_bulk, 4 }, { op_free_bulk, 4 }, { op_prefill, 3 },
	{ op_barrier_on_cache, 2 }, { op_barrier, 1 }, { op_shrink, 1 }, { op_kill, 1 },
	{ op_migrate, 2 },
};

static void one_op(struct vstate *v)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		total += ops[i].weight;
	x = stress_below(&v->r, total);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (x < ops[i].weight) {
			ops[i].fn(v);
			break;
		}
		x -= ops[i].weight;
	}
	stress_inc(ST_OPS, 1);
}

void stress_vcpu_task(void *arg)
{
	struct stress_task *t = arg;
	struct vstate *v = calloc(1, sizeof(*v));
	unsigned int c;

	if (!v)
		vcpu_panic("out of memory", __func__, "vCPU task state");
	__atomic_store_n(&t->task, current, __ATOMIC_RELEASE);
	v->t = t;
	v->home = smp_processor_id();
	stress_rand_init(&v->r, stress_opts.seed, v->home);

	while (!__atomic_load_n(&stress_stop, __ATOMIC_RELAXED)) {
		stress_doing(t, "loop");
		for (c = 0; c < stress_opts.caches; c++) {
			if (!v->attached[c])
				continue;
			/* DYING, or idle: let go, so that a destroy is never held up long */
			if (stress_cache_dying(c, v->info[c].gen) ||
			    (!held_of(v, c) && !stress_below(&v->r, 8)))
				drain_cache(v, c);
		}
		stress_park_point(t);
		one_op(v);
		if (!stress_below(&v->r, 16))
			cond_resched();
	}
	for (c = 0; c < stress_opts.caches; c++)
		if (v->attached[c])
			drain_cache(v, c);
	BUG_ON(v->nr);
	free(v);
	stress_task_done(t);
}
