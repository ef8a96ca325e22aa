// SPDX-License-Identifier: GPL-2.0
/*
 * scenario.c - the environment of one bench_destroy run, its background
 * caches, the timed kmem_cache_destroy(), and the module_unload and custom
 * scenarios (slub_kunit has its own file, kunit.c).
 *
 * The background stands for the caches that had sheaves when 0f35040de593
 * was measured, maple_node and vm_area_struct (more with --sheaf-caches,
 * as "sheaves for all" gave most caches sheaves later).  Before every
 * timed destroy each of them gets, on every vCPU, --pending objects in its
 * pcs->rcu_free sheaf, as on a machine where the maple tree and VMAs free
 * through kfree_rcu() all the time.  A barrier over every cache (pre-seed)
 * then has a partial sheaf to submit on every vCPU of every cache, and an
 * rcu_barrier() that waits for all of them; a barrier on one cache leaves
 * them alone.  The refill is outside the timed call.
 *
 * Model: a kernel without KASAN (no quarantine: slub_kunit's 19 calls are
 * the non-KASAN count) and without the model's check at every exit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernel/kernel.h"
#include "slab.h"
#include "check.h"
#include "variant.h"
#include "bench_destroy.h"

static struct kmem_cache **bg;		/* the background caches */
static unsigned int nr_bg, bg_pending;
static bool failed;

/* The caches v6.18 gave sheaves to (capacity 32 both), then anonymous ones. */
static const struct {
	const char *name;
	unsigned int size, align;
} bg_named[] = {
	{ "maple_node", 256, 256 },
	{ "vm_area_struct", 184, 64 },
};

void bench_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_destroy: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = true;
}

bool bench_failed(void)
{
	return failed;
}

double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

struct kmem_cache *bench_cache_create(const char *name, unsigned int size,
				      unsigned int sheaf_capacity, bool debug)
{
	struct kmem_cache_args args = {
		.sheaf_capacity = sheaf_capacity,
		.model_default_sheaf_capacity = sheaf_capacity,
	};
	slab_flags_t flags = SLAB_NO_MERGE | (debug ? SLAB_RED_ZONE : 0);
	struct kmem_cache *s;

	if (size < sizeof(struct bench_obj))
		size = sizeof(struct bench_obj);
	/* Model: SLAB_RED_ZONE stands for every debug flag: none has sheaves. */
	/* capacity 0: a cache without sheaves, as every cache was before the 2026 tree */
	if (!sheaf_capacity)
		flags |= SLAB_NOLEAKTRACE;
	s = kmem_cache_create(name, size, &args, flags);
	if (!s) {
		bench_fail("kmem_cache_create(%s) failed", name);
		exit(1);
	}
	return s;
}

static void *alloc_or_die(struct kmem_cache *s)
{
	void *p = kmem_cache_alloc(s, GFP_KERNEL);

	if (!p) {
		bench_fail("kmem_cache_alloc(%s) failed", model_cache_name(s));
		exit(1);
	}
	return p;
}

void bench_cache_use(struct kmem_cache *s, unsigned int nr, unsigned int rcu)
{
	struct bench_obj **objs = calloc(nr ? nr : 1, sizeof(*objs));
	unsigned int i;

	if (!objs) {
		bench_fail("out of memory");
		exit(1);
	}
	for (i = 0; i < nr; i++)
		objs[i] = alloc_or_die(s);
	for (i = 0; i < nr; i++) {
		if (i < rcu)
			kfree_rcu(objs[i], rcu);
		else
			kmem_cache_free(s, objs[i]);
	}
	free(objs);
}

void bench_refill_background(void)
{
	long want = (long)nr_cpu_ids * bg_pending;
	bool any = false;
	unsigned int cpu, i, j;
	bool *need;

	need = calloc(nr_bg ? nr_bg : 1, sizeof(*need));
	if (!need) {
		bench_fail("out of memory");
		exit(1);
	}
	/* after a barrier over every cache they are all empty; else all full */
	for (i = 0; i < nr_bg; i++) {
		need[i] = model_cache_rcu_pending(bg[i]) < want;
		any |= need[i];
	}
	for (cpu = 0; any && cpu < nr_cpu_ids; cpu++) {
		vcpu_migrate((int)cpu);
		for (i = 0; i < nr_bg; i++) {
			if (!need[i])
				continue;
			for (j = 0; j < bg_pending; j++) {
				struct bench_obj *o = alloc_or_die(bg[i]);

				kfree_rcu(o, rcu);
			}
		}
	}
	vcpu_migrate(0);
	free(need);
}

void bench_timed_destroy(struct kmem_cache *s, struct bench_call *c)
{
	struct bench_counts before, after;
	unsigned long evals = 0;
	unsigned int i;
	double t0;

	for (i = 0; i < NR_VARIANT_SITES; i++)
		evals -= __atomic_load_n(&variant_site_hits[i], __ATOMIC_RELAXED);
	bench_counts_read(&before);
	t0 = bench_now_us();
	kmem_cache_destroy(s);
	c->us = bench_now_us() - t0;
	bench_counts_read(&after);
	for (i = 0; i < NR_VARIANT_SITES; i++)
		evals += __atomic_load_n(&variant_site_hits[i], __ATOMIC_RELAXED);
	bench_counts_sub(&c->counts, &after, &before);
	c->variant_evals = evals;
}

struct destroy_work {
	struct work_struct work;
	struct kmem_cache *s;
	struct bench_call *c;
};

static void destroy_workfn(struct work_struct *w)
{
	struct destroy_work *dw = container_of(w, struct destroy_work, work);

	bench_timed_destroy(dw->s, dw->c);
}

void bench_timed_destroy_from_worker(struct workqueue_struct *wq, struct kmem_cache *s,
				     struct bench_call *c)
{
	struct destroy_work dw = { .s = s, .c = c };

	c->from_worker = true;
	INIT_WORK(&dw.work, destroy_workfn);
	queue_work(wq, &dw.work);
	flush_work(&dw.work);
}

/* ------------------------------------------------------------ lifecycle */

int bench_env_start(const struct bench_config *cfg)
{
	struct vcpu_config vc;
	struct model_config mc;
	struct kmem_cache *s;
	char name[32];
	unsigned int i;

	vcpu_config_default(&vc);
	vc.nr_cpus = cfg->cpus;
	/* a report ends the run with an error, not with abort() */
	vc.panic_on_report = false;
	if (vcpu_env_init(&vc))
		return -1;
	model_config_default(&mc);
	mc.quarantine = false;
	mc.exit_checks = false;
	/* the model boots as upstream; the scenario switches to each variant */
	variant_select("fixed");
	if (model_slab_init(&mc)) {
		vcpu_env_exit();
		return -1;
	}

	nr_bg = cfg->sheaf_caches;
	bg_pending = cfg->pending;
	bg = calloc(nr_bg ? nr_bg : 1, sizeof(*bg));
	if (!bg) {
		bench_fail("out of memory");
		exit(1);
	}
	for (i = 0; i < nr_bg; i++) {
		struct kmem_cache_args args = {
			.sheaf_capacity = BENCH_BG_CAPACITY,
			.model_default_sheaf_capacity = BENCH_BG_CAPACITY,
		};

		if (i < ARRAY_SIZE(bg_named)) {
			args.align = bg_named[i].align;
			bg[i] = kmem_cache_create(bg_named[i].name, bg_named[i].size, &args, 0);
		} else {
			snprintf(name, sizeof(name), "sheaf_cache_%u", i);
			bg[i] = kmem_cache_create(name, 128, &args, 0);
		}
		if (!bg[i]) {
			bench_fail("creating background cache %u failed", i);
			exit(1);
		}
	}

	/*
	 * Warm-up, untimed: every vCPU's flush worker, the batched path's
	 * workers and liburcu's call_rcu thread exist before the first call.
	 */
	bench_refill_background();
	kvfree_rcu_barrier();
	s = bench_cache_create("warm_up", 64, 0, false);
	bench_cache_use(s, 1, 1);
	kmem_cache_destroy(s);
	bench_refill_background();
	return 0;
}

struct teardown {
	unsigned int first, stride;
};

static void teardown_task(void *arg)
{
	struct teardown *td = arg;
	unsigned int i;

	for (i = td->first; i < nr_bg; i += td->stride)
		kmem_cache_destroy(bg[i]);
}

/*
 * Destroys the background under "fixed" from several tasks at once, so
 * that their rcu_barrier()s overlap: untimed, and the longest part of a
 * run with many background caches otherwise.
 */
void bench_env_stop(void)
{
	struct teardown *td;
	unsigned int i, n = min(nr_cpu_ids, nr_bg);

	variant_select("fixed");
	td = calloc(n ? n : 1, sizeof(*td));
	if (!td) {
		bench_fail("out of memory");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		td[i].first = i;
		td[i].stride = n;
		if (vcpu_spawn("teardown", (int)i, teardown_task, &td[i])) {
			bench_fail("vcpu_spawn failed");
			exit(1);
		}
	}
	vcpu_run_tasks();
	free(td);
	free(bg);
	bg = NULL;
	nr_bg = 0;
	vcpu_quiesce();
	model_slab_exit();
	vcpu_env_exit();
}

/* ------------------------------------------------------------ scenarios */

/*
 * module_unload: what a module load/unload loop does to the slab (the
 * kmod stress test that regressed by 50-60%): each "module" creates its
 * caches at load, uses them, and destroys them all at unload, in reverse.
 */
static void module_unload_run(const struct bench_config *cfg, struct bench_call *calls)
{
	struct kmem_cache **caches = calloc(cfg->module_caches, sizeof(*caches));
	unsigned int m, i, k = 0;
	char name[32];

	if (!caches) {
		bench_fail("out of memory");
		exit(1);
	}
	for (m = 0; m < cfg->modules; m++) {
		for (i = 0; i < cfg->module_caches; i++) {
			snprintf(name, sizeof(name), "mod%u_cache%u", m, i);
			caches[i] = bench_cache_create(name, 32U << (i % 5), 0, false);
			bench_cache_use(caches[i], 4, 0);
		}
		for (i = cfg->module_caches; i-- > 0;) {
			struct bench_call *c = &calls[k++];

			c->test = "module_unload";
			bench_refill_background();
			bench_timed_destroy(caches[i], c);
		}
	}
	free(caches);
}

/* custom: --destroys caches, each as --capacity, --objects, --kfree-rcu say. */
static void custom_run(const struct bench_config *cfg, struct bench_call *calls)
{
	struct workqueue_struct *wq = NULL;
	struct kmem_cache *s;
	unsigned int d;
	char name[32];

	if (cfg->from_worker) {
		wq = alloc_workqueue("bench_destroy_wq", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
		if (!wq) {
			bench_fail("alloc_workqueue failed");
			exit(1);
		}
	}
	for (d = 0; d < cfg->destroys; d++) {
		struct bench_call *c = &calls[d];

		snprintf(name, sizeof(name), "custom%u", d);
		s = bench_cache_create(name, 64, cfg->capacity, false);
		bench_cache_use(s, cfg->objects, cfg->rcu_objects);
		c->test = "custom";
		c->sheaves = model_cache_has_sheaves(s);
		c->rcu_objects = cfg->rcu_objects;
		bench_refill_background();
		if (wq)
			bench_timed_destroy_from_worker(wq, s, c);
		else
			bench_timed_destroy(s, c);
	}
	if (wq)
		destroy_workqueue(wq);
}

const char *bench_scenario_name(enum bench_scenario sc)
{
	switch (sc) {
	case BENCH_SLUB_KUNIT:
		return "slub_kunit";
	case BENCH_MODULE_UNLOAD:
		return "module_unload";
	case BENCH_CUSTOM:
		return "custom";
	}
	return "?";
}

unsigned int bench_scenario_calls(const struct bench_config *cfg)
{
	switch (cfg->scenario) {
	case BENCH_SLUB_KUNIT:
		return bench_kunit_calls();
	case BENCH_MODULE_UNLOAD:
		return cfg->modules * cfg->module_caches;
	case BENCH_CUSTOM:
		return cfg->destroys;
	}
	return 0;
}

void bench_scenario_run(const struct bench_config *cfg, struct bench_call *calls)
{
	switch (cfg->scenario) {
	case BENCH_SLUB_KUNIT:
		bench_kunit_run(cfg, calls);
		break;
	case BENCH_MODULE_UNLOAD:
		module_unload_run(cfg, calls);
		break;
	case BENCH_CUSTOM:
		custom_run(cfg, calls);
		break;
	}
}
