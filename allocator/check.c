// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - the structure oracle: the admission gate that tells when a
 * cache is quiet, the invariant checker behind model_cache_validate(), and
 * the counters tests read.
 *
 * Why a gate.  The conservation law of internal.h holds only between
 * operations: inside one, objects are in flight (on a refill's stack, in a
 * sheaf being flushed, between the quarantine and a slab).  A checker that
 * took the locks one by one would still see those transients.  So every
 * context that touches a cache counts itself in s->model_users
 * (model_cache_enter()/model_cache_exit()), and the checker runs only after
 * turning a count of exactly one (itself) or zero into "exclusive": then
 * nobody is inside, nobody holds the cache's locks, and the plain reads
 * below see a consistent state (the gate's acquire/release orders them
 * after every earlier operation).  An entrant that finds the gate exclusive
 * spins; the checker never blocks, sleeps or passes a decision point while
 * it holds it, so in sim nobody ever spins, and with threads not for long.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

#define MODEL_GATE_EXCL	0x80000000u

static unsigned long slab_errors;
static unsigned long check_failures;
static bool slab_kunit_test;

static inline void model_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	barrier();
#endif
}

void model_cache_enter(struct kmem_cache *s)
{
	unsigned int v = __atomic_load_n(&s->model_users, __ATOMIC_RELAXED);

	for (;;) {
		if (unlikely(v & MODEL_GATE_EXCL)) {
			model_cpu_relax();
			v = __atomic_load_n(&s->model_users, __ATOMIC_RELAXED);
			continue;
		}
		if (__atomic_compare_exchange_n(&s->model_users, &v, v + 1, true,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			__atomic_fetch_add(&s->model_entries, 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

/* Takes the gate exclusively when it holds exactly @users (0 or 1). */
static bool model_gate_exclusive(struct kmem_cache *s, unsigned int users)
{
	unsigned int v = users;

	return __atomic_compare_exchange_n(&s->model_users, &v, MODEL_GATE_EXCL | users,
					   false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void model_gate_release(struct kmem_cache *s, unsigned int users)
{
	__atomic_store_n(&s->model_users, users, __ATOMIC_RELEASE);
}

struct check_ctx {
	struct kmem_cache *s;
	int level;
	bool report;		/* vcpu_report() the violation, else pr_err() */
	bool failed;		/* only the first violation is printed */
	unsigned long in_rcu_free;	/* objects in pcs->rcu_free sheaves */
	struct model_cache_counts c;
};

static __printf(2, 3) void check_fail(struct check_ctx *cx, const char *fmt, ...)
{
	char buf[320];
	va_list ap;

	if (cx->failed)
		return;
	cx->failed = true;
	__atomic_fetch_add(&check_failures, 1, __ATOMIC_RELAXED);

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cx->report)
		vcpu_report(VCPU_REPORT_BUG, "slab structure check failed", "model_cache_exit",
			    "cache %s: %s", cx->s->name, buf);
	else
		pr_err("model_cache_validate: cache %s: %s\n", cx->s->name, buf);
}

/* A sheaf seen in a pcs slot or a barn list. */
static void check_sheaf(struct check_ctx *cx, struct slab_sheaf *sheaf, const char *where,
			unsigned int cpu, unsigned char role)
{
	struct kmem_cache *s = cx->s;

	if (sheaf->cache != s)
		check_fail(cx, "%s sheaf %p (cpu/node %u) belongs to cache %p",
			   where, (void *)sheaf, cpu, (void *)sheaf->cache);
	if (sheaf->size > s->sheaf_capacity)
		check_fail(cx, "%s sheaf %p (cpu/node %u) holds %u objects, capacity %u",
			   where, (void *)sheaf, cpu, sheaf->size, s->sheaf_capacity);
	if (sheaf->model_role != role)
		check_fail(cx, "%s sheaf %p (cpu/node %u) in role %u, expected %u",
			   where, (void *)sheaf, cpu, sheaf->model_role, role);
}

/* Level 2: each object of a sheaf is this cache's, in @state, seen once. */
static void check_sheaf_objects(struct check_ctx *cx, struct slab_sheaf *sheaf,
				const char *where, unsigned char state)
{
	unsigned int i;

	if (cx->level < 2 || sheaf->size > cx->s->sheaf_capacity)
		return;
	for (i = 0; i < sheaf->size; i++) {
		void *obj = sheaf->objects[i];
		struct slab *slab = virt_to_slab(obj);
		unsigned int idx;
		unsigned char st;

		if (!slab || slab->slab_cache != cx->s) {
			check_fail(cx, "%s sheaf holds %p, not an object of this cache", where, obj);
			return;
		}
		idx = __obj_to_index(cx->s, slab, obj);
		st = model_obj_state(slab, idx);
		if (model_index_to_obj(cx->s, slab, idx) != obj || (st & ~MODEL_OBJ_MARK) != state)
			check_fail(cx, "%s sheaf holds %p in state %u, expected %u", where, obj, st, state);
		else if (st & MODEL_OBJ_MARK)
			check_fail(cx, "object %p is in two places (second: %s sheaf)", obj, where);
		else
			model_set_obj_state(slab, idx, st | MODEL_OBJ_MARK);
	}
}

static void check_pcs(struct check_ctx *cx)
{
	struct kmem_cache *s = cx->s;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct slub_percpu_sheaves *pcs = per_cpu_ptr(s->cpu_sheaves, cpu);

		if (!pcs->main) {
			check_fail(cx, "cpu %u: pcs->main is NULL outside its lock", cpu);
			continue;
		}
		check_sheaf(cx, pcs->main, "main", cpu, MODEL_SHEAF_DETACHED);
		check_sheaf_objects(cx, pcs->main, "main", MODEL_OBJ_CACHED);
		cx->c.in_pcs += pcs->main->size;
		if (pcs->spare) {
			check_sheaf(cx, pcs->spare, "spare", cpu, MODEL_SHEAF_DETACHED);
			check_sheaf_objects(cx, pcs->spare, "spare", MODEL_OBJ_CACHED);
			cx->c.in_pcs += pcs->spare->size;
		}
		if (pcs->rcu_free) {
			check_sheaf(cx, pcs->rcu_free, "rcu_free", cpu, MODEL_SHEAF_DETACHED);
			if (!pcs->rcu_free->size || pcs->rcu_free->size >= s->sheaf_capacity)
				check_fail(cx, "cpu %u: rcu_free holds %u objects (1..%u expected)",
					   cpu, pcs->rcu_free->size, s->sheaf_capacity - 1);
			check_sheaf_objects(cx, pcs->rcu_free, "rcu_free", MODEL_OBJ_RCU);
			cx->in_rcu_free += pcs->rcu_free->size;
		}
	}
}

/* A cache without sheaves: every pcs->main is the bootstrap sheaf, still empty. */
static void check_bootstrap_pcs(struct check_ctx *cx)
{
	struct kmem_cache *s = cx->s;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct slub_percpu_sheaves *pcs = per_cpu_ptr(s->cpu_sheaves, cpu);

		if (!model_is_bootstrap_sheaf(pcs->main) || pcs->main->size || pcs->spare ||
		    pcs->rcu_free)
			check_fail(cx, "cpu %u: a cache without sheaves has main %p (size %u), spare %p, rcu_free %p",
				   cpu, (void *)pcs->main, pcs->main ? pcs->main->size : 0,
				   (void *)pcs->spare, (void *)pcs->rcu_free);
	}
}

static void check_barn(struct check_ctx *cx, struct kmem_cache_node *n)
{
	struct node_barn *barn = get_barn_node(cx->s, n->node);
	struct slab_sheaf *sheaf;
	unsigned long nr = 0;

	list_for_each_entry(sheaf, &barn->sheaves_full, barn_list) {
		check_sheaf(cx, sheaf, "barn full", n->node, MODEL_SHEAF_IN_BARN);
		check_sheaf_objects(cx, sheaf, "barn full", MODEL_OBJ_CACHED);
		cx->c.in_barn += sheaf->size;
		nr++;
	}
	if (nr != barn->nr_full)
		check_fail(cx, "node %d: barn nr_full %u, list holds %lu", n->node, barn->nr_full, nr);
	cx->c.barn_full += nr;

	nr = 0;
	list_for_each_entry(sheaf, &barn->sheaves_empty, barn_list) {
		check_sheaf(cx, sheaf, "barn empty", n->node, MODEL_SHEAF_IN_BARN);
		if (sheaf->size)
			check_fail(cx, "node %d: sheaf %p on the empty list holds %u objects",
				   n->node, (void *)sheaf, sheaf->size);
		nr++;
	}
	if (nr != barn->nr_empty)
		check_fail(cx, "node %d: barn nr_empty %u, list holds %lu", n->node, barn->nr_empty, nr);
	cx->c.barn_empty += nr;
}

/* Level 2: every slab of the node; counts object states into @states. */
static void check_node_slabs(struct check_ctx *cx, struct kmem_cache_node *n,
			     unsigned long states[5])
{
	struct kmem_cache *s = cx->s;
	unsigned long nr = 0, objects = 0, inuse = 0, partial = 0;
	struct slab *slab;

	list_for_each_entry(slab, &n->model_slabs, model_list) {
		unsigned int idx, j, nfree = 0;

		nr++;
		objects += slab->objects;
		inuse += slab->inuse;
		if (slab->slab_cache != s || slab->node != n->node || slab->inuse > slab->objects ||
		    virt_to_slab(slab_address(slab)) != slab) {
			check_fail(cx, "node %d: slab %p is inconsistent (cache %p, node %d, inuse %u/%u)",
				   n->node, slab_address(slab), (void *)slab->slab_cache, slab->node,
				   slab->inuse, slab->objects);
			continue;
		}
		if (slab->partial != (slab->inuse < slab->objects))
			check_fail(cx, "node %d: slab %p with %u/%u in use %s the partial list",
				   n->node, slab_address(slab), slab->inuse, slab->objects,
				   slab->partial ? "is on" : "is not on");
		partial += slab->partial;
		for (j = 0; j < slab->objects - slab->inuse; j++) {
			idx = slab->freelist[j];
			if (idx >= slab->objects || model_obj_state(slab, idx) != MODEL_OBJ_FREE) {
				check_fail(cx, "slab %p: freelist entry %u is object %u in state %u",
					   slab_address(slab), j, idx,
					   idx < slab->objects ? model_obj_state(slab, idx) : 0);
				break;
			}
			model_set_obj_state(slab, idx, MODEL_OBJ_FREE | MODEL_OBJ_MARK);
		}
		for (idx = 0; idx < slab->objects; idx++) {
			unsigned char st = model_obj_state(slab, idx);

			if (st == MODEL_OBJ_FREE)
				check_fail(cx, "slab %p: free object %u is not on the freelist",
					   slab_address(slab), idx);
			if (st == (MODEL_OBJ_FREE | MODEL_OBJ_MARK)) {
				nfree++;
				model_set_obj_state(slab, idx, MODEL_OBJ_FREE);
			}
			if ((st & ~MODEL_OBJ_MARK) < 5)
				states[st & ~MODEL_OBJ_MARK]++;
		}
		if (nfree != slab->objects - slab->inuse)
			check_fail(cx, "slab %p: %u free objects, inuse says %u",
				   slab_address(slab), nfree, slab->objects - slab->inuse);
	}
	if (nr != n->nr_slabs || objects != n->total_objects || inuse != n->model_inuse)
		check_fail(cx, "node %d: counters (slabs %lu, objects %lu, inuse %lu) disagree with the slabs (%lu, %lu, %lu)",
			   n->node, n->nr_slabs, n->total_objects, n->model_inuse, nr, objects, inuse);
	if (partial != n->nr_partial || list_count_nodes(&n->partial) != n->nr_partial)
		check_fail(cx, "node %d: nr_partial %lu, flagged %lu, listed %zu",
			   n->node, n->nr_partial, partial, list_count_nodes(&n->partial));
}

/* Level 2: clears the marks check_sheaf_objects() left on cached objects. */
static void check_clear_marks(struct kmem_cache *s, unsigned long *marked)
{
	struct kmem_cache_node *n;
	struct slab *slab;
	int node;

	for_each_kmem_cache_node(s, node, n)
		list_for_each_entry(slab, &n->model_slabs, model_list) {
			unsigned int idx;

			for (idx = 0; idx < slab->objects; idx++) {
				unsigned char st = model_obj_state(slab, idx);

				if (st & MODEL_OBJ_MARK) {
					(*marked)++;
					model_set_obj_state(slab, idx, st & ~MODEL_OBJ_MARK);
				}
			}
		}
}

/* The checker proper; the caller holds the gate exclusively. */
static int check_cache(struct check_ctx *cx)
{
	struct kmem_cache *s = cx->s;
	struct model_cache_counts *c = &cx->c;
	unsigned long states[5] = { 0 }, marked = 0;
	struct kmem_cache_node *n;
	long accounted, deferred;
	int node;

	for_each_kmem_cache_node(s, node, n) {
		c->slabs += n->nr_slabs;
		c->objects += n->total_objects;
		c->inuse += n->model_inuse;
		c->partial += n->nr_partial;
		if (!!get_barn_node(s, node) != cache_has_sheaves(s))
			check_fail(cx, "node %d: barn %p, sheaf capacity %u", node,
				   (void *)get_barn_node(s, node), s->sheaf_capacity);
		else if (get_barn_node(s, node))
			check_barn(cx, n);
	}
	if (!s->cpu_sheaves)
		check_fail(cx, "no cpu_sheaves");
	else if (cache_has_sheaves(s))
		check_pcs(cx);
	else
		check_bootstrap_pcs(cx);

	c->live = model_count_read(s->model_live);
	c->prefilled = model_count_read(s->model_prefilled);
	c->quarantined = model_count_read(s->model_quarantined);
	c->rcu_pending = model_count_read(s->model_rcu_pending);
	deferred = model_count_read(s->model_deferred);
	accounted = c->live + (long)c->in_pcs + (long)c->in_barn + c->prefilled +
		    c->quarantined + c->rcu_pending + deferred;
	if (accounted != (long)c->inuse)
		check_fail(cx, "conservation: %lu objects in use by slabs, but live %ld + pcs %lu + barn %lu + prefilled %ld + quarantine %ld + rcu %ld + deferred %ld = %ld",
			   c->inuse, c->live, c->in_pcs, c->in_barn, c->prefilled,
			   c->quarantined, c->rcu_pending, deferred, accounted);

	if (cx->level >= 2) {
		for_each_kmem_cache_node(s, node, n)
			check_node_slabs(cx, n, states);
		check_clear_marks(s, &marked);
		/* objects on the batched kfree_rcu path stay LIVE */
		if ((long)(states[MODEL_OBJ_LIVE] + states[MODEL_OBJ_RCU]) != c->live + c->rcu_pending ||
		    (long)states[MODEL_OBJ_RCU] > c->rcu_pending ||
		    (long)states[MODEL_OBJ_QUARANTINE] != c->quarantined ||
		    (long)states[MODEL_OBJ_CACHED] != (long)(c->in_pcs + c->in_barn) + c->prefilled +
		    deferred)
			check_fail(cx, "object states (live %lu, cached %lu, quarantine %lu, rcu %lu) disagree with the counters",
				   states[MODEL_OBJ_LIVE], states[MODEL_OBJ_CACHED],
				   states[MODEL_OBJ_QUARANTINE], states[MODEL_OBJ_RCU]);
		if (marked != c->in_pcs + c->in_barn + cx->in_rcu_free)
			check_fail(cx, "%lu objects found in pcs and barn sheaves, %lu counted",
				   marked, c->in_pcs + c->in_barn + cx->in_rcu_free);
	}
	return cx->failed ? -EUCLEAN : 0;
}

void model_cache_exit(struct kmem_cache *s)
{
#if SHEAF_DEBUG_LEVEL >= 1
	if (slab_model_config.exit_checks && model_gate_exclusive(s, 1)) {
		struct check_ctx cx = { .s = s, .level = 1, .report = true };

		check_cache(&cx);
		model_gate_release(s, 0);
		return;
	}
#endif
	__atomic_fetch_sub(&s->model_users, 1, __ATOMIC_RELEASE);
}

/*
 * Every change to a cache is made by a context the gate admitted, so a
 * cache nobody entered since its last clean check is still clean: a
 * validation after every step (the harness's) costs little for the caches
 * a step did not touch.  Counts are always read afresh.
 */
static int validate_one(struct kmem_cache *s, int level, struct model_cache_counts *c)
{
	struct check_ctx cx;
	unsigned int entries;
	int ret;

	if (!model_gate_exclusive(s, 0))
		return -EBUSY;
	entries = __atomic_load_n(&s->model_entries, __ATOMIC_RELAXED);
	if (!c && s->model_clean_at == entries + 1 && level <= 1) {
		model_gate_release(s, 0);
		return 0;
	}
	/* set up only here: clearing it for a clean cache was an ASan-checked memset per op */
	cx = (struct check_ctx){ .s = s, .level = level };
	ret = check_cache(&cx);
	if (!ret && level >= 1)
		s->model_clean_at = entries + 1;
	model_gate_release(s, 0);
	if (c)
		*c = cx.c;
	return ret;
}

int model_cache_validate(struct kmem_cache *s, int level)
{
	int ret = 0, r;

	if (s)
		return validate_one(s, level, NULL);

	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		r = validate_one(s, level, NULL);
		if (r && !ret)
			ret = r;
	}
	mutex_unlock(&slab_mutex);
	return ret;
}

long model_cache_rcu_pending(const struct kmem_cache *s)
{
	return __atomic_load_n(&s->model_rcu_pending, __ATOMIC_RELAXED);
}

int model_cache_rcu_pending_quiet(struct kmem_cache *s, long *pending)
{
	if (!model_gate_exclusive(s, 0))
		return -EBUSY;
	*pending = model_count_read(s->model_rcu_pending);
	model_gate_release(s, 0);
	return 0;
}

int model_cache_counts(struct kmem_cache *s, struct model_cache_counts *c)
{
	return validate_one(s, 0, c) == -EBUSY ? -EBUSY : 0;
}

/*
 * @nr objects of @s pass from their user to the kfree_rcu machinery
 * (kvfree_call_rcu()), or back right before their kfree() (leave): the
 * counts move between model_live and rcu_pending, so the conservation law
 * holds at every step.  The sheaf path also flips the objects' states
 * (model_rcu_object_enter()/_leave()); the batched path leaves them LIVE.
 */
static model_rcu_free_hook_t rcu_free_hook;

void model_set_rcu_free_hook(model_rcu_free_hook_t hook)
{
	rcu_free_hook = hook;
}

const char *model_rcu_path_name(enum model_rcu_path path)
{
	static const char *const names[NR_MODEL_RCU_PATHS] = {
		[MODEL_RCU_SHEAF] = "rcu sheaf",
		[MODEL_RCU_BULK] = "kvfree_rcu bulk block",
		[MODEL_RCU_LIST] = "kvfree_rcu list",
		[MODEL_RCU_INLINE] = "inline synchronize_rcu()",
		[MODEL_RCU_DEBUG] = "SLUB_RCU_DEBUG",
		[MODEL_RCU_DEBUG_DEFER] = "SLUB_RCU_DEBUG deferral",
	};

	return (unsigned int)path < NR_MODEL_RCU_PATHS ? names[path] : "?";
}

void model_rcu_free_observe(const void *obj, enum model_rcu_path path)
{
	if (rcu_free_hook)
		rcu_free_hook(obj, path);
}

model_trace_hook_t model_trace_hook;

void model_set_trace_hook(model_trace_hook_t hook)
{
	__atomic_store_n(&model_trace_hook, hook, __ATOMIC_RELAXED);
}

void __model_trace(const char *fmt, ...)
{
	model_trace_hook_t hook = __atomic_load_n(&model_trace_hook, __ATOMIC_RELAXED);
	char line[192];
	va_list ap;

	if (!hook)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hook(line);
}

void model_rcu_barrier(const char *caller)
{
	if (model_tracing())
		__model_trace("rcu_barrier() in %s(): waits for %lu queued callback(s)",
			      caller, vcpu_rcu_pending_callbacks());
	(rcu_barrier)();
	model_trace("rcu_barrier() in %s(): returns", caller);
}

void model_rcu_enter(struct kmem_cache *s, unsigned int nr)
{
	model_count_add(s->model_live, -(long)nr);
	model_count_add(s->model_rcu_pending, (long)nr);
}

void model_rcu_leave(struct kmem_cache *s, unsigned int nr)
{
	model_count_add(s->model_rcu_pending, -(long)nr);
	model_count_add(s->model_live, (long)nr);
}

unsigned long model_cache_stat(const struct kmem_cache *s, enum stat_item item)
{
	if ((unsigned int)item >= NR_SLUB_STAT_ITEMS)
		return 0;
	return __atomic_load_n(&s->stat[item], __ATOMIC_RELAXED);
}

static const char *const stat_names[NR_SLUB_STAT_ITEMS] = {
	[ALLOC_PCS] = "alloc_cpu_sheaf",
	[ALLOC_SLOWPATH] = "alloc_slowpath",
	[FREE_PCS] = "free_cpu_sheaf",
	[FREE_RCU_SHEAF] = "free_rcu_sheaf",
	[FREE_RCU_SHEAF_FAIL] = "free_rcu_sheaf_fail",
	[FREE_SLOWPATH] = "free_slowpath",
	[FREE_ADD_PARTIAL] = "free_add_partial",
	[FREE_REMOVE_PARTIAL] = "free_remove_partial",
	[ALLOC_SLAB] = "alloc_slab",
	[ALLOC_NODE_MISMATCH] = "alloc_node_mismatch",
	[FREE_SLAB] = "free_slab",
	[ORDER_FALLBACK] = "order_fallback",
	[SHEAF_FLUSH] = "sheaf_flush",
	[SHEAF_REFILL] = "sheaf_refill",
	[SHEAF_ALLOC] = "sheaf_alloc",
	[SHEAF_FREE] = "sheaf_free",
	[BARN_GET] = "barn_get",
	[BARN_GET_FAIL] = "barn_get_fail",
	[BARN_PUT] = "barn_put",
	[BARN_PUT_FAIL] = "barn_put_fail",
	[SHEAF_PREFILL_FAST] = "sheaf_prefill_fast",
	[SHEAF_PREFILL_SLOW] = "sheaf_prefill_slow",
	[SHEAF_PREFILL_OVERSIZE] = "sheaf_prefill_oversize",
	[SHEAF_RETURN_FAST] = "sheaf_return_fast",
	[SHEAF_RETURN_SLOW] = "sheaf_return_slow",
};

const char *model_stat_name(enum stat_item item)
{
	if ((unsigned int)item >= NR_SLUB_STAT_ITEMS)
		return "?";
	return stat_names[item];
}

void model_count_slab_errors(unsigned long nr)
{
	__atomic_fetch_add(&slab_errors, nr, __ATOMIC_RELAXED);
}

unsigned long model_slab_errors(void)
{
	return __atomic_load_n(&slab_errors, __ATOMIC_RELAXED);
}

unsigned long model_check_failures(void)
{
	return __atomic_load_n(&check_failures, __ATOMIC_RELAXED);
}

bool model_set_slab_kunit_test(bool on)
{
	return __atomic_exchange_n(&slab_kunit_test, on, __ATOMIC_RELAXED);
}

bool model_slab_kunit_test(void)
{
	return __atomic_load_n(&slab_kunit_test, __ATOMIC_RELAXED);
}

void model_check_reset(void)
{
	__atomic_store_n(&slab_errors, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&check_failures, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&slab_kunit_test, false, __ATOMIC_RELAXED);
}
