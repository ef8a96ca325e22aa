// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - struct kmem_cache: creating and destroying caches (the
 * mm/slab_common.c half, with do_kmem_cache_create() and its helpers from
 * mm/slub.c), shrinking, the list of caches, and the model's lifecycle.
 *
 * Merging (find_mergeable(), __kmem_cache_alias()) is off unless
 * model_config.slab_merge asks for it, as if the kernel were booted with
 * slab_nomerge: then every kmem_cache_create() returns a new cache with
 * refcount 1.  With it on, a compatible cache gets one more reference and
 * is returned again; kmem_cache_destroy() drops one reference, and only
 * the last one shuts the cache down.
 */
#include <stdio.h>

#include "internal.h"
#include "kvfree_rcu.h"
#include "vmalloc.h"
#include "variant.h"

DEFINE_MUTEX(slab_mutex);
LIST_HEAD(slab_caches);
struct model_config slab_model_config;

/*
 * Model-only: caches a failed kmem_cache_destroy() leaked on purpose; the
 * kernel forgets them, the model releases them in model_slab_exit().
 */
static LIST_HEAD(model_leaked_caches);

/*
 * The flags that keep a cache from merging, and those that must be the same
 * in both caches: the kernel's sets, less the flags the model does not have.
 */
#define SLAB_NEVER_MERGE	(SLAB_DEBUG_FLAGS | SLAB_TYPESAFE_BY_RCU | SLAB_NOLEAKTRACE | \
				 SLAB_NO_MERGE)
#define SLAB_MERGE_SAME		(SLAB_RECLAIM_ACCOUNT)

/* Merge control: model_slab_init() sets it from model_config.slab_merge. */
static bool slab_nomerge = true;

/* Model: sheaf capacity bound, so a fuzzed argument cannot ask for gigabytes. */
#define MODEL_MAX_SHEAF_CAPACITY	1024

static unsigned int slub_min_order;
static unsigned int slub_max_order = PAGE_ALLOC_COSTLY_ORDER;
static unsigned int slub_min_objects;

void model_config_default(struct model_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
#if defined(SHEAF_ASAN)
	cfg->quarantine = true;
#endif
	cfg->quarantine_objects = 64;
	cfg->exit_checks = true;
}

static inline unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

/* The lowest order in [min_order, max_order] wasting at most 1/fract. */
static inline unsigned int calc_slab_order(unsigned int size, unsigned int min_order,
					   unsigned int max_order, unsigned int fract_leftover)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned int slab_size = (unsigned int)PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

static int calculate_order(unsigned int size)
{
	unsigned int order, min_objects, max_objects, min_order, fraction;

	min_objects = slub_min_objects;
	if (!min_objects)
		min_objects = 4 * (fls_u(nr_cpu_ids) + 1);
	max_objects = max(order_objects(slub_max_order, size), 1U);
	min_objects = min(min_objects, max_objects);

	min_order = max_t(unsigned int, slub_min_order, get_order(min_objects * size));
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;

	/* accept more and more waste until some order up to the maximum fits */
	for (fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, slub_max_order, fraction);
		if (order <= slub_max_order)
			return (int)order;
	}

	order = get_order(size);
	if (order <= MAX_PAGE_ORDER)
		return (int)order;
	return -ENOSYS;
}

/*
 * The layout of an object: the word-aligned object, the free pointer after
 * it where the object may not be overwritten on free (layout only, Model:
 * the freelist is not in the objects), the KASAN redzone, the alignment.
 * Model: the redzone is part of the layout in every build, so a run takes
 * the same decisions with and without ASan; no KASAN metadata is stored.
 */
unsigned int calculate_sheaf_capacity(struct kmem_cache *s, struct kmem_cache_args *args)
{
	unsigned int capacity;
	size_t size;

	/* Model: no CONFIG_SLUB_TINY */
	if (s->flags & SLAB_DEBUG_FLAGS)
		return 0;

	/*
	 * The boot caches (SLAB_NO_OBJ_EXT, not modelled) and SLAB_NOLEAKTRACE
	 * caches, which kmemleak allocates from, have no sheaves.
	 */
	if (s->flags & SLAB_NOLEAKTRACE)
		return 0;

	/* two sheaves per CPU, so about half of the old per-CPU partial figure */
	if (s->size >= PAGE_SIZE)
		capacity = 4;
	else if (s->size >= 1024)
		capacity = 12;
	else if (s->size >= 256)
		capacity = 26;
	else
		capacity = 60;

	/* the sheaf grows to fill the kmalloc bucket it is allocated from */
	size = MODEL_KERNEL_SHEAF_SIZE + capacity * sizeof(void *);
	size = kmalloc_size_roundup(size);
	capacity = (unsigned int)((size - MODEL_KERNEL_SHEAF_SIZE) / sizeof(void *));

	/* Model: a caller's stand-in for the size-based figure (slab.h) */
	if (args->model_default_sheaf_capacity)
		capacity = args->model_default_sheaf_capacity;

	/* an explicit request (for kmem_cache_prefill_sheaf()) is a minimum */
	return max(capacity, args->sheaf_capacity);
}

static int calculate_sizes(struct kmem_cache_args *args, struct kmem_cache *s)
{
	unsigned int size = ALIGN(s->object_size, sizeof(void *));
	int order;

	s->inuse = size;
	if ((s->flags & SLAB_TYPESAFE_BY_RCU) || s->ctor) {
		s->offset = size;
		size += sizeof(void *);
	} else {
		s->offset = (s->object_size / 2) & ~(unsigned int)(sizeof(void *) - 1);
	}

	size = max_t(unsigned int, size, s->object_size + kasan_redzone(s->object_size));
	size = ALIGN(size, s->align);
	s->size = size;

	order = calculate_order(size);
	if (order < 0)
		return 0;

	/* a kmalloc cache gets its sheaves from bootstrap_kmalloc_sheaves() */
	if (!is_kmalloc_normal(s))
		s->sheaf_capacity = calculate_sheaf_capacity(s, args);

	s->oo = oo_make((unsigned int)order, size);
	s->min = oo_make(get_order(size), size);
	return !!oo_objects(s->oo);
}

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align,
					unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = L1_CACHE_BYTES;

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max_t(unsigned int, align, ARCH_SLAB_MINALIGN);
	return ALIGN(align, sizeof(void *));
}

static int slab_unmergeable(struct kmem_cache *s)
{
	if (slab_nomerge || (s->flags & SLAB_NEVER_MERGE))
		return 1;

	if (s->ctor)
		return 1;

	/* set during bootstrap in the kernel; the model never does */
	if (s->refcount < 0)
		return 1;

	return 0;
}

static bool slab_args_unmergeable(struct kmem_cache_args *args, slab_flags_t flags)
{
	if (slab_nomerge)
		return true;

	if (args->ctor)
		return true;

	if (flags & SLAB_NEVER_MERGE)
		return true;

	return false;
}

/*
 * A cache on slab_caches that can serve objects of @size with @flags and
 * @args->align: its objects are at least as large, at most a word larger,
 * and aligned as asked.  The newest such cache wins.  Model: no slab_debug=
 * boot option, so kmem_cache_flags() would add nothing, and no usercopy
 * region (CONFIG_HARDENED_USERCOPY).
 */
static struct kmem_cache *find_mergeable(unsigned int size, slab_flags_t flags,
					 const char *name, struct kmem_cache_args *args)
{
	unsigned int object_size = size, align;
	struct kmem_cache *s;

	if (slab_args_unmergeable(args, flags))
		return NULL;

	size = ALIGN(size, sizeof(void *));
	align = calculate_alignment(flags, args->align, size);
	/*
	 * Model: the request is sized with the redzone calculate_sizes()
	 * puts in every model layout, or no s->size would ever be within a
	 * word of it; the kernel's layout has no redzone without KASAN.
	 */
	size = max_t(unsigned int, size, object_size + kasan_redzone(object_size));
	size = ALIGN(size, align);

	list_for_each_entry_reverse(s, &slab_caches, list) {
		if (slab_unmergeable(s))
			continue;

		if (size > s->size)
			continue;

		if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME))
			continue;

		/* the alignment must divide the size of the cache's objects */
		if ((s->size & ~(align - 1)) != s->size)
			continue;

		if (s->size - size >= sizeof(void *))
			continue;

		return s;
	}
	return NULL;
}

static struct kmem_cache *__kmem_cache_alias(const char *name, unsigned int size,
					     slab_flags_t flags, struct kmem_cache_args *args)
{
	struct kmem_cache *s;

	s = find_mergeable(size, flags, name, args);
	if (s) {
		/* Model: no sysfs, so the alias gets no name of its own */
		s->refcount++;

		/* kzalloc() of the larger user must clear its whole object */
		s->object_size = max(s->object_size, size);
		s->inuse = max(s->inuse, ALIGN(size, sizeof(void *)));
		model_trace("kmem_cache_create(%s): merged into %s, refcount %d",
			    name, s->name, s->refcount);
	}
	return s;
}

static void __kmem_cache_release(struct kmem_cache *s)
{
	pcs_destroy(s);
	free_kmem_cache_nodes(s);
}

static int do_kmem_cache_create(struct kmem_cache *s, const char *name,
				unsigned int size, struct kmem_cache_args *args,
				slab_flags_t flags)
{
	unsigned int cpu;
	int err = -EINVAL;

	s->name = name;
	s->size = s->object_size = size;
	s->flags = flags;
	s->align = args->align;
	s->ctor = args->ctor;

	if (!calculate_sizes(args, s))
		goto out;

	/* the larger the objects, the more empty slabs a node keeps */
	s->min_partial = min_t(unsigned long, MAX_PARTIAL, (fls_u(s->size) - 1) / 2);
	s->min_partial = max_t(unsigned long, MIN_PARTIAL, s->min_partial);

	s->cpu_sheaves = alloc_percpu(struct slub_percpu_sheaves);
	if (!s->cpu_sheaves) {
		err = -ENOMEM;
		goto out;
	}
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(s->cpu_sheaves, cpu), 0, sizeof(struct slub_percpu_sheaves));

	if (!init_kmem_cache_nodes(s))
		goto out;

	err = init_percpu_sheaves(s);
	if (err)
		goto out;

	err = 0;
out:
	if (err)
		__kmem_cache_release(s);
	return err;
}

static struct kmem_cache *create_cache(const char *name, unsigned int object_size,
				       struct kmem_cache_args *args, slab_flags_t flags)
{
	struct kmem_cache *s;
	int err;

	s = vcpu_alloc(sizeof(*s), GFP_KERNEL | __GFP_ZERO);
	if (!s)
		return ERR_PTR(-ENOMEM);

	/*
	 * Model: kstrdup_const() becomes a copy into the zeroed struct, cut
	 * to its size (a plain copy: snprintf() was 0.8% of a fuzz_ops run).
	 */
	memcpy(s->model_name, name, strnlen(name, sizeof(s->model_name) - 1));
	err = do_kmem_cache_create(s, s->model_name, object_size, args, flags);
	if (err) {
		vcpu_free(s);
		return ERR_PTR(err);
	}

	s->refcount = 1;
	list_add(&s->list, &slab_caches);
	return s;
}

/*
 * create_boot_cache() and create_kmalloc_cache() in one: a kmalloc cache is
 * aligned to the largest power of two that divides its size, and its
 * sheaves come later, from bootstrap_kmalloc_sheaves().  Under slab_mutex.
 */
struct kmem_cache *create_kmalloc_cache(const char *name, unsigned int size, slab_flags_t flags)
{
	struct kmem_cache_args kmem_args = {};
	unsigned int align = ARCH_SLAB_MINALIGN;
	struct kmem_cache *s;

	flags |= SLAB_KMALLOC;
	align = max(align, 1U << (__builtin_ffs((int)size) - 1));
	kmem_args.align = calculate_alignment(flags, align, size);
	s = create_cache(name, size, &kmem_args, flags);
	if (IS_ERR(s))
		return NULL;
	/* kmalloc-unlisted: the cache is left off slab_caches */
	if (variant(VS_KMALLOC_UNLISTED))
		list_del_init(&s->list);
	return s;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     struct kmem_cache_args *args, slab_flags_t flags)
{
	static struct kmem_cache_args default_args;
	struct kmem_cache_args cargs;
	struct kmem_cache *s = NULL;
	int err = -EINVAL;

	if (!args)
		args = &default_args;

	/* a cache with a capacity of its own is special enough: never merged */
	if (args->sheaf_capacity)
		flags |= SLAB_NO_MERGE;

	mutex_lock(&slab_mutex);

	if (!name || !size || size > KMALLOC_MAX_SIZE ||
	    (args->align & (args->align - 1)) || args->align > PAGE_SIZE ||
	    args->sheaf_capacity > MODEL_MAX_SHEAF_CAPACITY ||
	    args->model_default_sheaf_capacity > MODEL_MAX_SHEAF_CAPACITY)
		goto out_unlock;

	s = __kmem_cache_alias(name, size, flags, args);
	if (s) {
		err = 0;
		goto out_unlock;
	}

	cargs = *args;
	cargs.align = calculate_alignment(flags, args->align, size);
	s = create_cache(name, size, &cargs, flags);
	if (IS_ERR(s)) {
		err = (int)PTR_ERR(s);
		s = NULL;
	} else {
		err = 0;
	}

out_unlock:
	mutex_unlock(&slab_mutex);
	if (err) {
		pr_warn("%s(%s) failed with error %d\n", __func__, name ? name : "(null)", err);
		return NULL;
	}
	return s;
}

void kmem_cache_release(struct kmem_cache *s)
{
	long queued = model_count_read(s->model_rcu_slabs);

	/*
	 * Model: rcu_free_slab() reads slab->slab_cache, so a TYPESAFE cache
	 * must outlive every slab it queued to call_rcu().  Checked here, at
	 * the release, rather than when a late callback trips on the memory.
	 */
	if (queued)
		vcpu_report(VCPU_REPORT_BUG,
			    "SLAB_TYPESAFE_BY_RCU contract: cache released while slabs await rcu_free_slab()",
			    __func__, "cache %s: %ld slab(s) queued to call_rcu() will read it after it is freed",
			    s->name, queued);
	__kmem_cache_release(s);
	vcpu_free(s);
}

/*
 * kasan_check_byte(s) of kmem_cache_destroy().  The kernel catches a second
 * destroy because the cache was freed to KASAN-poisoned memory; here the
 * cache is system memory and any read of it would already be the model's
 * own use-after-free, so the pointer itself is looked up among the caches
 * that exist (created and not released, leaked ones included) without
 * touching it, and a stale one is reported the way KASAN would.
 */
static bool model_kasan_check_cache(struct kmem_cache *s)
{
	struct kmem_cache *t;
	bool found = false;

	mutex_lock(&slab_mutex);
	list_for_each_entry(t, &slab_caches, list)
		if (t == s)
			found = true;
	list_for_each_entry(t, &model_leaked_caches, list)
		if (t == s)
			found = true;
	mutex_unlock(&slab_mutex);

	if (!found)
		vcpu_report(VCPU_REPORT_BUG, "KASAN: slab-use-after-free", "kmem_cache_destroy",
			    "%p is not a live cache (destroyed twice?)", (void *)s);
	return found;
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	int err;

	if (unlikely(!s) || !model_kasan_check_cache(s))
		return;

	/*
	 * In-flight kfree_rcu()'s may include objects from this cache: the
	 * barrier comes first, before the refcount is looked at and without
	 * slab_mutex.  So dropping one reference of a merged cache waits
	 * too: whether this is the last reference is known only under
	 * slab_mutex, where the barrier cannot run.
	 */
	/* ec66e0d59952 (pre-seed, M4): the barrier for every cache */
	if (variant(VS_DESTROY_FULL_BARRIER))
		kvfree_rcu_barrier();
	/* alias-destroy-no-barrier: a refcount above 1 read here skips the barrier */
	else if (variant(VS_ALIAS_DESTROY_NO_BARRIER) && data_race(s->refcount) > 1)
		model_trace("kmem_cache_destroy(%s): refcount %d, no barrier",
			    s->name, data_race(s->refcount));
	/* M5: no barrier at all */
	else if (!variant(VS_M5_DESTROY_NO_BARRIER))
		kvfree_rcu_barrier_on_cache(s);

	/*
	 * SLUB_RCU_DEBUG: frees of this TYPESAFE cache's objects finish in
	 * call_rcu() callbacks, which must run before the shutdown counts
	 * the slabs.  A TYPESAFE cache never merges, so the refcount not
	 * read yet is 1.
	 */
	if (model_slub_rcu_debug() && (s->flags & SLAB_TYPESAFE_BY_RCU) &&
	    /* rcu-debug-no-destroy-barrier: the deferred frees are not waited for */
	    !variant(VS_RCU_DEBUG_NO_DESTROY_BARRIER))
		rcu_barrier();

	/*
	 * The objects kfree_nolock() deferred to the irq_work go back to
	 * their slabs before the shutdown counts what the slabs hold.
	 */
	/* deferred-barrier-after-shutdown: the wait comes after the shutdown */
	if (!variant(VS_DEFERRED_BARRIER_AFTER_SHUTDOWN))
		deferred_work_barrier();

	cpus_read_lock();
	mutex_lock(&slab_mutex);

	s->refcount--;
	if (s->refcount) {
		mutex_unlock(&slab_mutex);
		cpus_read_unlock();
		return;
	}

	model_cache_enter(s);
	/* quarantined objects of this cache go back to their slabs first */
	kasan_cache_shutdown(s);

	err = __kmem_cache_shutdown(s);
	if (!model_slab_kunit_test())
		WARN(err, "%s %s: Slab cache still has objects when called from %p",
		     __func__, s->name, (void *)_RET_IP_);
	model_cache_exit(s);

	list_del(&s->list);
	if (err)
		list_add(&s->list, &model_leaked_caches);

	mutex_unlock(&slab_mutex);
	cpus_read_unlock();

	/* deferred-barrier-after-shutdown: too late for the shutdown's count */
	if (variant(VS_DEFERRED_BARRIER_AFTER_SHUTDOWN))
		deferred_work_barrier();

	/* the cache is leaked on purpose: its objects may still be in use */
	if (err)
		return;

	/* rcu_free_slab() callbacks read the cache; M12 forgets them */
	if ((s->flags & SLAB_TYPESAFE_BY_RCU) && !variant(VS_M12_NO_TYPESAFE_BARRIER))
		rcu_barrier();

	kmem_cache_release(s);
}

int kmem_cache_shrink(struct kmem_cache *s)
{
	int ret;

	model_cache_enter(s);
	kasan_cache_shrink(s);
	flush_all(s);
	ret = __kmem_cache_do_shrink(s);
	model_cache_exit(s);
	return ret;
}

/*
 * Memory hotplug's going-offline notification (mm/slub.c): every cache on
 * slab_caches is flushed and shrunk under slab_mutex.  It runs beside
 * every other user of the caches, a destroy included, which takes its
 * cache off the list under slab_mutex.  The caller holds cpus_read_lock(),
 * as mem_hotplug_begin() does.
 */
static int slab_mem_going_offline_callback(void)
{
	struct kmem_cache *s;

	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		model_cache_enter(s);
		flush_all_cpus_locked(s);
		__kmem_cache_do_shrink(s);
		model_cache_exit(s);
	}
	mutex_unlock(&slab_mutex);
	return 0;
}

void model_memory_going_offline(void)
{
	cpus_read_lock();
	slab_mem_going_offline_callback();
	cpus_read_unlock();
}

/*
 * Model-only: gives back a cache that will never be destroyed normally
 * (leaked by a failed destroy, or left over at model_slab_exit()): sheaves
 * to slabs, then the slabs and the objects the user leaked in them.
 */
static void model_release_cache(struct kmem_cache *s)
{
	unsigned int cpu;
	int node;

	model_cache_enter(s);
	if (cache_has_sheaves(s))
		for_each_possible_cpu(cpu)
			if (per_cpu_ptr(s->cpu_sheaves, cpu)->main)
				__pcs_flush_all_cpu(s, cpu);
	for_each_node(node) {
		struct node_barn *barn = get_barn_node(s, node);

		if (barn)
			barn_shrink(s, barn);
	}
	model_cache_exit(s);

	/*
	 * The rcu_free sheaves just submitted read the cache and its slabs;
	 * so would rcu_free_slab() callbacks of a TYPESAFE cache, were any
	 * queued since model_slab_exit()'s own rcu_barrier().  At exit the
	 * second barrier is cheap, and kmem_cache_release() checks for them.
	 */
	if (cache_has_sheaves(s) || (s->flags & SLAB_TYPESAFE_BY_RCU))
		rcu_barrier();

	model_free_node_slabs(s);
	kmem_cache_release(s);
}

int model_slab_init(const struct model_config *cfg)
{
	struct model_config def;
	int err;

	if (!cfg) {
		model_config_default(&def);
		cfg = &def;
	}
	slab_model_config = *cfg;
	slab_nomerge = !cfg->slab_merge;
	model_check_reset();
	/*
	 * Boot state: the per-CPU flush items are zero, as static data is in
	 * a kernel that just booted.  An earlier run in this process must not
	 * leave them initialised: a flush of a never-initialised item is a
	 * finding (WARN in flush_work()), and a finding must replay alone.
	 */
	memset(slub_flush, 0, sizeof(slub_flush));
	model_deferred_work_init();

	err = model_quarantine_init(cfg);
	if (err)
		return err;

	/* M18: flushwq without WQ_MEM_RECLAIM */
	flushwq = alloc_workqueue("slub_flushwq",
				  variant(VS_M18_FLUSHWQ_NO_RECLAIM) ? 0 : WQ_MEM_RECLAIM, 0);
	if (!flushwq) {
		err = -ENOMEM;
		goto out_quarantine;
	}

	err = cpuhp_setup_state_nocalls(CPUHP_SLUB_DEAD, "slub:dead", NULL, slub_cpu_dead);
	if (err < 0)
		goto out_wq;

	err = kvfree_rcu_init();
	if (err)
		goto out_cpuhp;

	/* a failure leaves what was made to model_slab_exit(), which the caller still runs */
	mutex_lock(&slab_mutex);
	err = create_kmalloc_caches(cfg->kmalloc_sizes);
	if (!err)
		err = bootstrap_kmalloc_sheaves();
	mutex_unlock(&slab_mutex);
	return err;

out_cpuhp:
	cpuhp_remove_state_nocalls(CPUHP_SLUB_DEAD);
out_wq:
	destroy_workqueue(flushwq);
	flushwq = NULL;
out_quarantine:
	model_quarantine_exit();
	return err;
}

void model_slab_exit(void)
{
	struct kmem_cache *s, *t;

	/* batches still in flight free objects of the caches below */
	kvfree_rcu_exit();
	model_vmalloc_exit();
	/* rcu_free_slab() callbacks still queued read their caches */
	rcu_barrier();
	model_quarantine_exit();

	mutex_lock(&slab_mutex);
	model_kmalloc_exit();
	list_for_each_entry_safe(s, t, &slab_caches, list) {
		/* the kmalloc caches live as long as the model */
		WARN(!is_kmalloc_cache(s) || s->refcount != 1,
		     "cache %s was not destroyed before model_slab_exit()", s->name);
		list_del(&s->list);
		model_release_cache(s);
	}
	list_for_each_entry_safe(s, t, &model_leaked_caches, list) {
		list_del(&s->list);
		model_release_cache(s);
	}
	mutex_unlock(&slab_mutex);

	cpuhp_remove_state_nocalls(CPUHP_SLUB_DEAD);
	destroy_workqueue(flushwq);
	flushwq = NULL;
	model_slab_map_exit();
}

bool model_slub_rcu_debug(void)
{
	return READ_ONCE(slab_model_config.slub_rcu_debug);
}

int model_set_slub_rcu_debug(bool on)
{
	struct kmem_cache *s;
	int err = 0;

	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list)
		if (s->flags & SLAB_TYPESAFE_BY_RCU)
			err = -EBUSY;
	list_for_each_entry(s, &model_leaked_caches, list)
		if (s->flags & SLAB_TYPESAFE_BY_RCU)
			err = -EBUSY;
	if (!err)
		WRITE_ONCE(slab_model_config.slub_rcu_debug, on);
	mutex_unlock(&slab_mutex);
	return err;
}

const char *model_cache_name(const struct kmem_cache *s)
{
	return s->name;
}

unsigned int kmem_cache_size(const struct kmem_cache *s)
{
	return s->object_size;
}

bool model_cache_has_sheaves(const struct kmem_cache *s)
{
	return cache_has_sheaves(s);
}

unsigned int model_cache_sheaf_capacity(const struct kmem_cache *s)
{
	return s->sheaf_capacity;
}
