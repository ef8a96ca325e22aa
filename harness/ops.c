// SPDX-License-Identifier: GPL-2.0
/*
 * ops.c - the op executors: one exec_<op>() per entry of ops.def, each
 * turning a decoded op into model calls on the program's handles, with
 * the contract oracle (shadow.c) told about every object on the way.
 *
 * Rules that make every op meaningful after mutation (harness/README.md):
 *  - an op whose handle names nothing, or that cannot run now, is skipped;
 *  - destroy frees every object and returns every sheaf the program still
 *    holds of that cache first, so "Objects remaining" can only be the
 *    model's fault; destroy_leak is the deliberate leak (test_leak_destroy);
 *  - a blocking op (ops.def) first closes the RCU reader of the task that
 *    runs it, since kernel code may not sleep inside rcu_read_lock(); in
 *    fuzz_ops, the only task, that stands for the reader's task leaving its
 *    section before another task's blocking call proceeds, a legal
 *    interleaving inline mode cannot run side by side; in fuzz_sched
 *    another task's reader stays inside across it.  An allocation inside a
 *    reader uses GFP_NOWAIT instead of a blocking gfp, as kernel code
 *    inside rcu_read_lock() must;
 *  - several tasks share the handles (exec.h): an op on a cache another
 *    task is destroying, the destroy of a cache another task's op is
 *    using, an op on a prefilled sheaf another op is using, are skipped,
 *    because each would be a bug of the program, not of the allocator.
 */
#include "kernel/bug.h"
#include "kernel/cpu.h"
#include "kernel/cpuhotplug.h"
#include "kernel/gfp.h"
#include "kernel/rcupdate.h"
#include "kernel/sched.h"
#include "kernel/spinlock.h"
#include "kernel/vcpu.h"
#include "slab.h"
#include "check.h"
#include "vmalloc.h"

#include "exec.h"
#include "shadow.h"

static const char *const cache_names[H_CACHES] = { "c0", "c1", "c2", "c3" };

/* ------------------------------------------------------------ helpers */

static struct kmem_cache *cache_of(unsigned int c)
{
	if (!h.cache[c].s)
		h_skip(" (c%u: no cache, skipped)", c);
	return h.cache[c].s;
}

/* The object named by an A_OBJ operand, if live. */
static void *live_obj(unsigned int v, unsigned int *c, unsigned int *slot)
{
	void *p;

	*c = v / H_OBJS;
	*slot = v % H_OBJS;
	p = shadow_live(*c, *slot);
	if (!p)
		h_skip(" (c%u.o%u: not live, skipped)", *c, *slot);
	return p;
}

static gfp_t gfp_of(unsigned int v)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_NOWAIT, GFP_ATOMIC };
	gfp_t gfp = gfps[v];

	/* inside a reader, a blocking allocation would sleep in an RCU section */
	if (shadow_reader_nesting(h_self()) && gfpflags_allow_blocking(gfp)) {
		h_note(" [GFP_NOWAIT: inside a reader]");
		gfp = GFP_NOWAIT;
	}
	return gfp;
}

static void close_readers(void)
{
	unsigned int t = h_self();

	if (!shadow_reader_nesting(t))
		return;
	h_note(" [reader closed first]");
	while (shadow_reader_nesting(t)) {
		rcu_read_unlock();
		shadow_reader_unlock(t);
	}
}

static void new_object(unsigned int c, unsigned int slot, void *p, const char *func)
{
	shadow_alloc(c, slot, p, func);
	h_note(" c%u.o%u", c, slot);
}

/* Returns the program's prefilled sheaves of cache @c. */
static void return_sheaves_of(unsigned int c)
{
	unsigned int i;

	for (i = 0; i < H_SHEAVES; i++) {
		if (!h.sheaf[i].sheaf || h.sheaf[i].c != c)
			continue;
		kmem_cache_return_sheaf(h.cache[c].s, GFP_KERNEL, h.sheaf[i].sheaf);
		h.sheaf[i].sheaf = NULL;
		h_note(" [s%u returned]", i);
	}
}

/* destroy's first step: what the program holds of @c goes back. */
static void free_all_of(unsigned int c)
{
	unsigned int slot, n = 0;

	for (slot = 0; slot < H_OBJS; slot++) {
		void *p = shadow_live(c, slot);

		if (!p)
			continue;
		shadow_check_live(c, slot, "kmem_cache_free");
		shadow_freed(h_self(), c, slot, SHADOW_FREE);
		kmem_cache_free(h.cache[c].s, p);
		n++;
	}
	if (n)
		h_note(" [%u object(s) freed]", n);
}

static int alias_of(unsigned int c);

/*
 * kmem_cache_destroy() with the barrier promise checked around it, when it
 * drops the program's last handle of the cache.  Dropping one reference of
 * a merged cache promises its caller nothing about kfree_rcu() objects in
 * flight: they belong to a cache that lives on, and its last destroy waits
 * for them.  That destroy's own barrier cannot know about a racing alias
 * drop, which is why the kernel waits before the refcount is looked at.
 */
static void destroy_checked(unsigned int c)
{
	bool last = alias_of(c) < 0;

	if (last)
		shadow_barrier_begin(h_self(), (int)c);
	kmem_cache_destroy(h.cache[c].s);
	if (last)
		shadow_barrier_end(h_self(), (int)c, "kmem_cache_destroy");
}

static void forget_cache(unsigned int c)
{
	h.cache[c].s = NULL;
	h.cache[c].kmalloc = false;
	shadow_cache_gone(c);
}

/* ---------------------------------------------------------------- ops */

#define CAP_KERNEL	(-1)	/* create_default: the capacity calculate_sheaf_capacity() gives */

/*
 * create, create_mergeable, create_ctor and create_default: @mergeable
 * leaves SLAB_NO_MERGE out and gives the capacity as the cache's default
 * one, which, unlike an explicit args.sheaf_capacity, does not make the
 * cache unmergeable (slab.h); @ctor is the harness's constructor, or NULL;
 * @cap the op's sheaf= operand, or CAP_KERNEL.
 */
static void create_one(const struct op *op, bool mergeable, void (*ctor)(void *), int cap)
{
	unsigned int c = op->arg[0], size = op->arg[1], fl = op->arg[2];
	unsigned int k = (fl >> CFLAG_ALIGN_SHIFT) & 7, d;
	struct kmem_cache_args args = {
		.align = k ? 4u << k : 0,
		.ctor = ctor,
	};
	slab_flags_t flags = mergeable ? 0 : SLAB_NO_MERGE;
	struct kmem_cache *s;

	if (h.cache[c].s) {
		h_skip(" (c%u exists, skipped)", c);
		return;
	}
	if (ctor && size < H_CTOR_MIN_SIZE)
		size = H_CTOR_MIN_SIZE;
	/*
	 * sheaf=0: a cache calculate_sheaf_capacity() excludes, which is also
	 * never merged; sheaf=N: exactly N, the default capacity's stand-in
	 * (slab.h), which create also asks for explicitly.
	 */
	if (cap == CAP_KERNEL)
		;
	else if (!cap)
		flags |= SLAB_NOLEAKTRACE;
	else if (mergeable)
		args.model_default_sheaf_capacity = (unsigned int)cap;
	else
		args.sheaf_capacity = args.model_default_sheaf_capacity = (unsigned int)cap;
	if (fl & CFLAG_TYPESAFE)
		flags |= SLAB_TYPESAFE_BY_RCU;
	if (fl & CFLAG_HWALIGN)
		flags |= SLAB_HWCACHE_ALIGN;
	s = kmem_cache_create(cache_names[c], size, &args, flags);
	if (!s) {
		h_note(" failed");
		return;
	}
	h.cache[c].s = s;
	shadow_cache_set(c, s, size, fl & CFLAG_TYPESAFE, ctor != NULL);
	if (cap == CAP_KERNEL)
		h_note(" with %u-object sheaves", model_cache_sheaf_capacity(s));
	else
		h_note(" %s", model_cache_has_sheaves(s) ? "with sheaves" : "without sheaves");
	for (d = 0; d < H_CACHES; d++)
		if (d != c && h.cache[d].s == s) {
			h_note(", merged: an alias of c%u", d);
			break;
		}
}

static void exec_create(const struct op *op)
{
	create_one(op, false, NULL, (int)op->arg[3]);
}

static void exec_create_mergeable(const struct op *op)
{
	create_one(op, true, NULL, (int)op->arg[3]);
}

/* Another handle naming the same cache as @c (a merged cache), or -1. */
static int alias_of(unsigned int c)
{
	unsigned int d;

	for (d = 0; d < H_CACHES; d++)
		if (d != c && h.cache[d].s && h.cache[d].s == h.cache[c].s)
			return (int)d;
	return -1;
}

/*
 * A cache with a constructor: each object is constructed once, when its
 * slab is allocated, and must come back from every later allocation with
 * that state intact (shadow_ctor()).  Sizes below H_CTOR_MIN_SIZE are
 * taken as that, for room for the constructed word.
 */
static void exec_create_ctor(const struct op *op)
{
	create_one(op, false, shadow_ctor, (int)op->arg[3]);
}

/* A cache with the sheaves every 2026 cache gets: the kernel's capacity for its size. */
static void exec_create_default(const struct op *op)
{
	create_one(op, false, NULL, CAP_KERNEL);
}

/*
 * A handle on a kmalloc cache (op kmalloc) is given up, not destroyed: its
 * objects are freed and its sheaves returned, and the cache lives on.
 */
static bool release_kmalloc_handle(unsigned int c)
{
	if (!h.cache[c].kmalloc)
		return false;
	return_sheaves_of(c);
	free_all_of(c);
	h_note(" (%s is never destroyed: objects freed, handle released)",
	       model_cache_name(h.cache[c].s));
	forget_cache(c);
	return true;
}

static void exec_destroy(const struct op *op)
{
	unsigned int c = op->arg[0];

	if (!cache_of(c) || release_kmalloc_handle(c))
		return;
	return_sheaves_of(c);
	free_all_of(c);
	destroy_checked(c);
	forget_cache(c);
}

/*
 * slub_kunit's test_leak_destroy(): destroy with objects still allocated.
 * With slab_in_kunit_test() the model counts slab errors instead of
 * reporting them: one per partial slab's "Objects remaining" header and
 * one per object in it (a full slab is on no list and is not listed, as
 * in the kernel, so the count says nothing exact about what is held).
 * What is checked: holding nothing, destroy must count no error.  A cache
 * with objects left is leaked on purpose and released by model_slab_exit().
 */
static void exec_destroy_leak(const struct op *op)
{
	unsigned int c = op->arg[0], held;
	unsigned long errors;
	bool was;

	/* a kmalloc cache is never destroyed, leaking or not */
	if (!cache_of(c) || release_kmalloc_handle(c))
		return;
	/*
	 * Dropping one reference of a merged cache with objects held would
	 * leave them to the last destroy's "Objects remaining", a bug of the
	 * program, not of the allocator.
	 */
	if (alias_of(c) >= 0) {
		h_skip(" (c%u: an alias of c%d, skipped)", c, alias_of(c));
		return;
	}
	return_sheaves_of(c);
	held = shadow_live_count(c);
	was = model_set_slab_kunit_test(true);
	errors = model_slab_errors();
	destroy_checked(c);
	errors = model_slab_errors() - errors;
	model_set_slab_kunit_test(was);
	h_note(" %u object(s) held, %lu slab error(s)", held, errors);
	if (!held && errors)
		vcpu_report(VCPU_REPORT_BUG,
			    "destroy contract: Objects remaining after every object was freed",
			    "kmem_cache_destroy", "cache c%u: the program freed all its objects, "
			    "yet destroy counted %lu slab error(s)", c, errors);
	forget_cache(c);
}

static void alloc_one(unsigned int c, unsigned int gfpv, int node)
{
	struct kmem_cache *s = cache_of(c);
	int slot;
	gfp_t gfp;
	void *p;

	if (!s)
		return;
	slot = shadow_reserve_slot(c);
	if (slot < 0) {
		h_skip(" (c%u: every handle live, skipped)", c);
		return;
	}
	gfp = gfp_of(gfpv);
	p = node < 0 ? kmem_cache_alloc(s, gfp) : kmem_cache_alloc_node(s, gfp, node);
	if (!p) {
		shadow_unreserve(c, (unsigned int)slot);
		h_note(" failed");
		return;
	}
	new_object(c, (unsigned int)slot, p, node < 0 ? "kmem_cache_alloc" : "kmem_cache_alloc_node");
}

static void exec_alloc(const struct op *op)
{
	alloc_one(op->arg[0], op->arg[1], -1);
}

/*
 * kmalloc(size, gfp) into handle cN.  A free cN becomes a handle on the
 * kmalloc cache that serves the size (the trace names it); a cN that
 * already names that cache takes one more object; any other cN is
 * skipped.  The objects are freed, kfree_rcu()ed and read like any other.
 */
static int kmalloc_handle(unsigned int c, unsigned int size)
{
	struct kmem_cache *k = model_kmalloc_cache(size);
	int slot;

	if (!h.cache[c].s) {
		if (!k) {
			h_skip(" (no kmalloc cache for %u bytes, skipped)", size);
			return -1;
		}
		h.cache[c].s = k;
		h.cache[c].kmalloc = true;
		shadow_cache_set(c, k, size, false, false);
		h_note(" c%u: %s", c, model_cache_name(k));
	} else if (!h.cache[c].kmalloc || h.cache[c].s != k) {
		h_skip(" (c%u names another cache, skipped)", c);
		return -1;
	}
	if (h.cache[c].dying || h.cache[c].creating)
		return -1;
	slot = shadow_reserve_slot(c);
	if (slot < 0)
		h_skip(" (c%u: every handle live, skipped)", c);
	return slot;
}

static void exec_kmalloc(const struct op *op)
{
	unsigned int c = op->arg[0], size = op->arg[1];
	int slot = kmalloc_handle(c, size);
	void *p;

	if (slot < 0)
		return;
	p = kmalloc(size, gfp_of(op->arg[2]));
	if (!p) {
		shadow_unreserve(c, (unsigned int)slot);
		h_note(" failed");
		return;
	}
	new_object(c, (unsigned int)slot, p, "kmalloc");
}

static void exec_alloc_node(const struct op *op)
{
	alloc_one(op->arg[0], op->arg[2], (int)(op->arg[1] % ops_config.nr_nodes));
}

static void exec_alloc_bulk(const struct op *op)
{
	unsigned int c = op->arg[0], n = op->arg[1], i;
	struct kmem_cache *s = cache_of(c);
	unsigned int slots[H_OBJS];
	void *p[H_OBJS];
	int got, k;

	if (!s)
		return;
	for (i = 0; i < n && (k = shadow_reserve_slot(c)) >= 0; i++)
		slots[i] = (unsigned int)k;
	n = i;
	if (!n) {
		h_skip(" (c%u: every handle live, skipped)", c);
		return;
	}
	got = kmem_cache_alloc_bulk(s, gfp_of(op->arg[2]), n, p);
	h_note(" %d of %u:", got, n);
	for (i = 0; i < n; i++) {
		if (i < (unsigned int)got)
			new_object(c, slots[i], p[i], "kmem_cache_alloc_bulk");
		else
			shadow_unreserve(c, slots[i]);
	}
}

static void free_one(const struct op *op, bool via_kfree)
{
	unsigned int c, slot;
	void *p = live_obj(op->arg[0], &c, &slot);

	if (!p)
		return;
	shadow_check_live(c, slot, via_kfree ? "kfree" : "kmem_cache_free");
	shadow_freed(h_self(), c, slot, SHADOW_FREE);
	if (via_kfree)
		kfree(p);
	else
		kmem_cache_free(h.cache[c].s, p);
}

static void exec_free(const struct op *op)
{
	free_one(op, false);
}

static void exec_kfree(const struct op *op)
{
	free_one(op, true);
}

/* The first n live objects of the cache from the named slot on. */
static void exec_free_bulk(const struct op *op)
{
	unsigned int c = op->arg[0] / H_OBJS, slot = op->arg[0] % H_OBJS, n = 0;
	void *p[H_OBJS];

	if (!cache_of(c))
		return;
	for (; slot < H_OBJS && n < op->arg[1]; slot++) {
		if (!shadow_live(c, slot))
			continue;
		p[n++] = shadow_live(c, slot);
		shadow_check_live(c, slot, "kmem_cache_free_bulk");
		shadow_freed(h_self(), c, slot, SHADOW_FREE);
		h_note(" c%u.o%u", c, slot);
	}
	if (!n) {
		h_skip(" (nothing live, skipped)");
		return;
	}
	if (op->arg[2])
		kfree_bulk(n, p);
	else
		kmem_cache_free_bulk(h.cache[c].s, n, p);
}

static void kfree_rcu_one(const struct op *op, bool two_arg)
{
	unsigned int c, slot;
	struct h_object *p = live_obj(op->arg[0], &c, &slot);
	int rec;

	if (!p)
		return;
	shadow_check_live(c, slot, "kvfree_call_rcu");
	rec = shadow_freed(h_self(), c, slot, SHADOW_KFREE_RCU);
	if (two_arg)
		kfree_rcu(p, rcu);
	else
		kfree_rcu_mightsleep(p);
	shadow_kfree_rcu_returned(rec);
}

static void exec_kfree_rcu(const struct op *op)
{
	kfree_rcu_one(op, true);
}

/*
 * The caller's raw_spinlock_t of kfree_rcu_raw_locked: it stands for
 * p->pi_lock, which set_cpus_allowed_force() holds around its kfree_rcu().
 */
static DEFINE_RAW_SPINLOCK(h_pi_lock);

static void exec_kfree_rcu_raw_locked(const struct op *op)
{
	unsigned int c, slot;
	struct h_object *p = live_obj(op->arg[0], &c, &slot);
	unsigned long flags;
	int rec;

	if (!p)
		return;
	shadow_check_live(c, slot, "kvfree_call_rcu");
	rec = shadow_freed(h_self(), c, slot, SHADOW_KFREE_RCU);
	raw_spin_lock_irqsave(&h_pi_lock, flags);
	kfree_rcu(p, rcu);
	raw_spin_unlock_irqrestore(&h_pi_lock, flags);
	shadow_kfree_rcu_returned(rec);
}

static void exec_kfree_rcu_mightsleep(const struct op *op)
{
	kfree_rcu_one(op, false);
}

static void exec_kvfree_rcu_barrier(const struct op *op)
{
	shadow_barrier_begin(h_self(), -1);
	kvfree_rcu_barrier();
	shadow_barrier_end(h_self(), -1, "kvfree_rcu_barrier");
}

static void exec_kvfree_rcu_barrier_on_cache(const struct op *op)
{
	unsigned int c = op->arg[0];

	if (!cache_of(c))
		return;
	shadow_barrier_begin(h_self(), (int)c);
	kvfree_rcu_barrier_on_cache(h.cache[c].s);
	shadow_barrier_end(h_self(), (int)c, "kvfree_rcu_barrier_on_cache");
}

static void exec_shrink(const struct op *op)
{
	struct kmem_cache *s = cache_of(op->arg[0]);

	if (s)
		h_note(" -> %d", kmem_cache_shrink(s));
}

static void exec_prefill(const struct op *op)
{
	unsigned int c = op->arg[0], i = op->arg[1];
	struct kmem_cache *s = cache_of(c);
	struct slab_sheaf *sheaf;

	if (!s)
		return;
	if (h.sheaf[i].sheaf) {
		h_skip(" (s%u held, skipped)", i);
		return;
	}
	/* the kernel WARNs: prefilling from a cache created without sheaves is a misuse */
	if (!model_cache_has_sheaves(s)) {
		h_skip(" (c%u has no sheaves, skipped)", c);
		return;
	}
	sheaf = kmem_cache_prefill_sheaf(s, gfp_of(op->arg[3]), op->arg[2]);
	if (!sheaf) {
		h_note(" failed");
		return;
	}
	h.sheaf[i].sheaf = sheaf;
	h.sheaf[i].c = c;
	h_note(" size %u", kmem_cache_sheaf_size(sheaf));
}

static struct h_sheaf *sheaf_of(unsigned int i)
{
	if (!h.sheaf[i].sheaf) {
		h_skip(" (s%u: no sheaf, skipped)", i);
		return NULL;
	}
	return &h.sheaf[i];
}

static void exec_refill(const struct op *op)
{
	struct h_sheaf *hs = sheaf_of(op->arg[0]);
	int ret;

	if (!hs)
		return;
	ret = kmem_cache_refill_sheaf(h.cache[hs->c].s, gfp_of(op->arg[2]), &hs->sheaf,
				      op->arg[1]);
	h_note(" -> %d, size %u", ret, kmem_cache_sheaf_size(hs->sheaf));
}

static void exec_return(const struct op *op)
{
	struct h_sheaf *hs = sheaf_of(op->arg[0]);

	if (!hs)
		return;
	kmem_cache_return_sheaf(h.cache[hs->c].s, gfp_of(op->arg[1]), hs->sheaf);
	hs->sheaf = NULL;
}

static void exec_alloc_from_sheaf(const struct op *op)
{
	struct h_sheaf *hs = sheaf_of(op->arg[0]);
	int slot;
	void *p;

	if (!hs)
		return;
	slot = shadow_reserve_slot(hs->c);
	if (slot < 0) {
		h_skip(" (c%u: every handle live, skipped)", hs->c);
		return;
	}
	p = kmem_cache_alloc_from_sheaf(h.cache[hs->c].s, gfp_of(0), hs->sheaf);
	if (!p) {
		shadow_unreserve(hs->c, (unsigned int)slot);
		h_note(" empty");
		return;
	}
	new_object(hs->c, (unsigned int)slot, p, "kmem_cache_alloc_from_sheaf");
}

static void exec_rcu_read_lock(const struct op *op)
{
	unsigned int t = h_self();

	if (shadow_reader_nesting(t) >= H_MAX_NESTING) {
		h_skip(" (nested %u deep, skipped)", H_MAX_NESTING);
		return;
	}
	rcu_read_lock();
	shadow_reader_lock(t);
	h_note(" depth %u", shadow_reader_nesting(t));
}

static void exec_deref(const struct op *op)
{
	h_note(" %s", shadow_deref(h_self(), op->arg[0] / H_OBJS, op->arg[0] % H_OBJS));
}

static void exec_rcu_read_unlock(const struct op *op)
{
	unsigned int t = h_self();

	if (!shadow_reader_nesting(t)) {
		h_skip(" (no reader, skipped)");
		return;
	}
	rcu_read_unlock();
	shadow_reader_unlock(t);
}

static void exec_gp(const struct op *op)
{
	vcpu_rcu_gp();
}

static void exec_run_work(const struct op *op)
{
	vcpu_run_work((int)(op->arg[0] % ops_config.nr_cpus));
}

static void exec_tick(const struct op *op)
{
	vcpu_tick(op->arg[0]);
}

static void exec_migrate(const struct op *op)
{
	unsigned int cpu = op->arg[0] % ops_config.nr_cpus;

	if (!cpu_online(cpu)) {
		h_skip(" (vCPU %u offline, skipped)", cpu);
		return;
	}
	vcpu_migrate((int)cpu);
}

static void exec_cpu_down(const struct op *op)
{
	h_note(" -> %d", cpu_down(op->arg[0] % ops_config.nr_cpus));
}

static void exec_cpu_up(const struct op *op)
{
	h_note(" -> %d", cpu_up(op->arg[0] % ops_config.nr_cpus));
}

static void exec_fail_next(const struct op *op)
{
	vcpu_fail_next(op->arg[0]);
}

static void exec_fail_trylock(const struct op *op)
{
	h.trylock_fail_at = op->arg[0];
}

/*
 * Memory pressure on the kvfree_rcu shrinker, as do_shrink_slab() applies
 * it: count, then scan in batches of SHRINK_BATCH until the count is used
 * up or the scan says stop.  Model: the highest pressure, where everything
 * counted is scanned.
 */
#define SHRINK_BATCH	128

static void exec_kvfree_rcu_shrink(const struct op *op)
{
	struct shrink_control sc = { 0 };
	unsigned long count = kfree_rcu_shrink_count(&sc), freed = 0, r;
	long left;

	if (count == SHRINK_EMPTY) {
		h_note(" count: empty");
		return;
	}
	for (left = (long)count; left > 0; left -= SHRINK_BATCH) {
		sc.nr_to_scan = min(left, (long)SHRINK_BATCH);
		r = kfree_rcu_shrink_scan(&sc);
		if (r == SHRINK_STOP)
			break;
		freed += r;
	}
	h_note(" count %lu, scanned %lu", count, freed);
}

static void exec_page_cache_refill(const struct op *op)
{
	model_kvfree_rcu_refill_page_cache(op->arg[0] % ops_config.nr_cpus);
}

static void exec_mem_offline(const struct op *op)
{
	model_memory_going_offline();
}

/* The KASAN-like quarantine's size from here on: 0 lets frees reach the sheaves. */
static void exec_quarantine(const struct op *op)
{
	if (model_set_quarantine(op->arg[0]))
		h_note(" (refused)");
}

/*
 * CONFIG_SLUB_RCU_DEBUG on or off for the rest of the input; refused while
 * a SLAB_TYPESAFE_BY_RCU cache exists, whose deferred frees and destroy
 * must agree.
 */
static void exec_rcu_debug(const struct op *op)
{
	if (model_set_slub_rcu_debug(op->arg[0]))
		h_skip(" (a typesafe cache exists, skipped)");
}

static void exec_fail_noretry(const struct op *op)
{
	vcpu_fail_next_mayfail(op->arg[0]);
}

static void exec_vmalloc(const struct op *op)
{
	unsigned int v = op->arg[0], size = op->arg[1];
	void *p;

	if (!shadow_vm_reserve(v)) {
		h_skip(" (v%u in use, skipped)", v);
		return;
	}
	p = vmalloc(size);
	if (!p) {
		shadow_vm_unreserve(v);
		h_note(" failed");
		return;
	}
	shadow_vm_alloc(v, p, size);
}

static void exec_vfree(const struct op *op)
{
	unsigned int v = op->arg[0];
	void *p = shadow_vm_live(v);

	if (!p) {
		h_skip(" (v%u: not live, skipped)", v);
		return;
	}
	shadow_vm_freed(h_self(), v, SHADOW_FREE);
	vfree(p);
}

/* kvfree_rcu() of a vmalloc area: the batched path's channel 1. */
static void exec_kvfree_rcu_vmalloc(const struct op *op)
{
	unsigned int v = op->arg[0];
	struct h_object *p = shadow_vm_live(v);
	int rec;

	if (!p) {
		h_skip(" (v%u: not live, skipped)", v);
		return;
	}
	rec = shadow_vm_freed(h_self(), v, SHADOW_KFREE_RCU);
	kvfree_rcu(p, rcu);
	shadow_kfree_rcu_returned(rec);
}

/*
 * The context a _nolock free runs in (operand NLCTX): interrupts off, or
 * an interrupt that arrived while this vCPU held the cache's pcs lock
 * (Model: the next local_trylock() is made to fail, the sim's way of
 * saying that its holder was interrupted; a fail_trylock armed before
 * stays armed for the trylocks after the op), or only preemption off.
 */
enum nolock_ctx { NOLOCK_IRQOFF, NOLOCK_INLOCK, NOLOCK_PREEMPT };

struct nolock_state {
	unsigned long flags;
	unsigned int saved_fail_at;
};

static void nolock_enter(unsigned int ctx, struct nolock_state *st)
{
	st->saved_fail_at = h.trylock_fail_at;
	if (ctx == NOLOCK_PREEMPT) {
		preempt_disable();
		return;
	}
	local_irq_save(st->flags);
	if (ctx == NOLOCK_INLOCK)
		h.trylock_fail_at = 1;
}

static void nolock_exit(unsigned int ctx, struct nolock_state *st)
{
	if (ctx == NOLOCK_INLOCK && h.trylock_fail_at)
		h_note(" [no trylock asked]");
	h.trylock_fail_at = st->saved_fail_at;
	if (ctx == NOLOCK_PREEMPT)
		preempt_enable();
	else
		local_irq_restore(st->flags);
}

/* kfree_nolock(): freed at once to the sheaves, or deferred to the irq_work. */
static void exec_kfree_nolock(const struct op *op)
{
	unsigned int c, slot;
	void *p = live_obj(op->arg[0], &c, &slot);
	struct nolock_state st;

	if (!p)
		return;
	shadow_check_live(c, slot, "kfree_nolock");
	shadow_freed(h_self(), c, slot, SHADOW_FREE_NOLOCK);
	nolock_enter(op->arg[1], &st);
	kfree_nolock(p);
	nolock_exit(op->arg[1], &st);
}

/*
 * kmalloc_nolock() into handle cN, as op kmalloc names it, from the
 * context the NLCTX operand names; with `inlock` the pcs trylock fails and
 * the object comes from a slab, or from the next kmalloc size.
 */
static void exec_kmalloc_nolock(const struct op *op)
{
	unsigned int c = op->arg[0], size = op->arg[1];
	int slot = kmalloc_handle(c, size);
	struct nolock_state st;
	void *p;

	if (slot < 0)
		return;
	nolock_enter(op->arg[2], &st);
	p = kmalloc_nolock(size, 0, NUMA_NO_NODE);
	nolock_exit(op->arg[2], &st);
	if (!p) {
		shadow_unreserve(c, (unsigned int)slot);
		h_note(" failed");
		return;
	}
	/* a retry in the next size gives an object of another cache: it is freed, not kept */
	if (model_virt_to_cache(p) != h.cache[c].s) {
		h_note(" from %s, freed", model_cache_name(model_virt_to_cache(p)));
		shadow_unreserve(c, (unsigned int)slot);
		kfree(p);
		return;
	}
	new_object(c, (unsigned int)slot, p, "kmalloc_nolock");
}

/* kfree_rcu_nolock(): kfree_rcu() with allow_spin = false. */
static void exec_kfree_rcu_nolock(const struct op *op)
{
	unsigned int c, slot;
	struct h_object *p = live_obj(op->arg[0], &c, &slot);
	struct nolock_state st;
	int rec;

	if (!p)
		return;
	shadow_check_live(c, slot, "kfree_rcu_nolock");
	rec = shadow_freed(h_self(), c, slot, SHADOW_KFREE_RCU);
	nolock_enter(op->arg[1], &st);
	kfree_rcu_nolock(p, rcu);
	nolock_exit(op->arg[1], &st);
	shadow_kfree_rcu_returned(rec);
}

/* fuzz_sched: the ops after it are task N's (input.c); fuzz_ops runs them all in order. */
static void exec_task(const struct op *op)
{
	h.task[h_self()].skipped = true;	/* a marker, not an op */
	if (!h.tasks_mode)
		h_note(" (one task in fuzz_ops: ignored)");
}

/* Ends the ops: never run (input_decode_program() stops there). */
static void exec_sched(const struct op *op)
{
}

#ifdef SHEAF_OPS_COMPAT_PROBE
static void exec_compat_probe(const struct op *op)
{
}
#endif

static void (*const exec_table[OP_SLOTS])(const struct op *op) = {
#define OP(name, ...) [OP_##name] = exec_##name,
#include "ops.def"
#undef OP
};

/*
 * Whether @op makes a cache for its handle: while it runs (it may be
 * preempted inside kmem_cache_create()), no other task's op may use or
 * take the handle.  Every create op must be named here.
 */
static bool op_creates(const struct op *op)
{
	switch (op->code) {
	case OP_create:
	case OP_create_mergeable:
	case OP_create_ctor:
	case OP_create_default:
		return true;
	default:
		return false;
	}
}

/* Whether @op sleeps, so that the running task's reader is closed first. */
static bool op_blocks(const struct op *op)
{
	/* a task waiting for work to run sleeps; the driver of fuzz_ops only helps it along */
	return op_table[op->code].blocking || (h.tasks_mode && op->code == OP_run_work);
}

/*
 * The caches and the sheaf an op names, and whether it may run now (exec.h,
 * "Sharing").  Returns false, with the reason noted, when it must be skipped.
 */
static bool claim(const struct op *op, unsigned int *caches, int *sheaf)
{
	const struct op_desc *d = &op_table[op->code];
	bool destroys = op->code == OP_destroy || op->code == OP_destroy_leak;
	unsigned int i, c;

	*caches = 0;
	*sheaf = -1;
	for (i = 0; i < d->nargs; i++) {
		unsigned int v = op->arg[i];

		switch (d->args[i]) {
		case A_CACHE:
			*caches |= 1u << v;
			break;
		case A_OBJ:
			*caches |= 1u << (v / H_OBJS);
			break;
		case A_SHEAF:
			*sheaf = (int)v;
			if (h.sheaf[v].sheaf)
				*caches |= 1u << h.sheaf[v].c;
			break;
		default:
			break;
		}
	}
	/* destroy_leak reads the global slab error count: no other destroy beside it */
	if (destroys && h.nr_destroying &&
	    (op->code == OP_destroy_leak || h.kunit_destroy)) {
		h_skip(" (another task's destroy%s is running, skipped)",
		       h.kunit_destroy ? "_leak" : "");
		return false;
	}
	/*
	 * A create_mergeable beside a destroy_leak could take a reference of
	 * the leaking cache after destroy_leak's check that it holds the only
	 * one: the leaked objects would then count against the alias, whose
	 * destroy would report them.  Neither starts while the other runs.
	 */
	if ((op->code == OP_create_mergeable && h.kunit_destroy) ||
	    (op->code == OP_destroy_leak && h.nr_merging)) {
		h_skip(" (a %s is running, skipped)",
		       h.kunit_destroy ? "destroy_leak" : "create_mergeable");
		return false;
	}
	if (*sheaf >= 0 && h.sheaf[*sheaf].busy) {
		h_skip(" (s%d: another task's op is using it, skipped)", *sheaf);
		return false;
	}
	for (c = 0; c < H_CACHES; c++) {
		if (!(*caches & (1u << c)))
			continue;
		if (h.cache[c].dying || h.cache[c].creating) {
			h_skip(" (c%u: another task is %s it, skipped)", c,
			       h.cache[c].dying ? "destroying" : "creating");
			return false;
		}
		if (destroys && h.cache[c].users) {
			h_skip(" (c%u: another task's op is using it, skipped)", c);
			return false;
		}
	}
	return true;
}

void ops_exec(const struct op *op)
{
	unsigned int caches, c;
	int sheaf;

	if (!op_assigned(op->code))
		return;
	if (!claim(op, &caches, &sheaf))
		return;
	if (op_blocks(op))
		close_readers();
	for (c = 0; c < H_CACHES; c++) {
		if (!(caches & (1u << c)))
			continue;
		h.cache[c].users++;
		if (op->code == OP_destroy || op->code == OP_destroy_leak)
			h.cache[c].dying = h.cache[c].s;
		if (op_creates(op))
			h.cache[c].creating = !h.cache[c].s;
	}
	if (sheaf >= 0)
		h.sheaf[sheaf].busy = true;
	if (op->code == OP_destroy || op->code == OP_destroy_leak) {
		h.nr_destroying++;
		h.kunit_destroy = op->code == OP_destroy_leak;
	}
	if (op->code == OP_create_mergeable)
		h.nr_merging++;
	exec_table[op->code](op);
	if (op->code == OP_create_mergeable)
		h.nr_merging--;
	if (op->code == OP_destroy || op->code == OP_destroy_leak) {
		h.nr_destroying--;
		h.kunit_destroy = false;
	}
	if (sheaf >= 0)
		h.sheaf[sheaf].busy = false;
	for (c = 0; c < H_CACHES; c++) {
		if (!(caches & (1u << c)))
			continue;
		h.cache[c].users--;
		h.cache[c].dying = false;
		h.cache[c].creating = false;
	}
}

void ops_teardown(void)
{
	unsigned int c;

	close_readers();
	vcpu_fail_next(0);
	vcpu_fail_next_mayfail(0);
	vcpu_fail_next_blocking(0);
	h.trylock_fail_at = 0;
	for (c = 0; c < H_VAREAS; c++) {
		void *p = shadow_vm_live(c);

		if (!p)
			continue;
		shadow_vm_freed(H_DRIVER, c, SHADOW_FREE);
		vfree(p);
	}
	for (c = 0; c < H_CACHES; c++) {
		if (!h.cache[c].s)
			continue;
		if (ops_config.trace) {
			char line[96];

			if (h.cache[c].kmalloc)
				snprintf(line, sizeof(line), "teardown: c%u's objects freed, its "
					 "handle on %s released", c, model_cache_name(h.cache[c].s));
			else
				snprintf(line, sizeof(line), "teardown: c%u's sheaves returned, "
					 "objects freed, kmem_cache_destroy(c%u)", c, c);
			if (h.tasks_mode)
				tasks_trace_event(-1, line);
			else
				fprintf(ops_config.trace, "      %s\n", line);
		}
		if (release_kmalloc_handle(c))
			continue;
		return_sheaves_of(c);
		free_all_of(c);
		destroy_checked(c);
		forget_cache(c);
	}
}
