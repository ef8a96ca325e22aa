/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_destroy.h - what the files of bench_destroy share: the settings,
 * one kmem_cache_destroy() call and what it cost, the counters taken at
 * the model's boundary (count.c) and the scenarios (scenario.c, kunit.c).
 *
 * One run is one environment (vcpu_env_init() .. vcpu_env_exit()) with
 * its background caches; every variant of --variants runs the scenario
 * once in it, in an order that rotates from run to run.
 */
#ifndef SHEAF_BENCH_DESTROY_H
#define SHEAF_BENCH_DESTROY_H

#include <stdbool.h>
#include <stdio.h>

#include "kernel/rcupdate.h"

struct kmem_cache;
struct workqueue_struct;

#define BENCH_MAX_VARIANTS	8
#define BENCH_MAX_CALLS		100000	/* destroy calls per scenario run */
#define BENCH_BG_CAPACITY	32	/* sheaf_capacity of the background caches */

enum bench_scenario {
	BENCH_SLUB_KUNIT,
	BENCH_MODULE_UNLOAD,
	BENCH_CUSTOM,
};

struct bench_config {
	enum bench_scenario scenario;
	const char *variants[BENCH_MAX_VARIANTS];
	unsigned int nr_variants;
	unsigned int cpus;
	unsigned int sheaf_caches;	/* background caches with sheaves */
	unsigned int pending;		/* kfree_rcu()'d objects per vCPU in each */
	unsigned int repeat;
	const char *csv;
	/* slub_kunit: sheaf_capacity of its SLAB_NO_MERGE-only caches; 0: v6.18 */
	unsigned int kunit_sheaves;
	/* module_unload */
	unsigned int modules, module_caches;
	/* custom */
	unsigned int destroys, capacity, objects, rcu_objects;
	bool from_worker;
};

/* Counted at the model's boundary with the environment (count.c). */
struct bench_counts {
	unsigned long flush_rcu_sheaf;	/* flush_rcu_sheaf() items queued (and run) */
	unsigned long flush_cpu_slab;	/* flush_cpu_slab() items: shutdown, shrink */
	unsigned long rcu_barrier;	/* rcu_barrier() calls, all of them */
	unsigned long rcu_barrier_batched; /* of which inside flush_rcu_work() */
};

void bench_counts_read(struct bench_counts *c);
void bench_counts_sub(struct bench_counts *d, const struct bench_counts *after,
		      const struct bench_counts *before);
void bench_counts_add(struct bench_counts *sum, const struct bench_counts *c);

/* One kmem_cache_destroy(): what it destroyed, and what it took. */
struct bench_call {
	const char *test;		/* the slub_kunit test, or the scenario's name */
	bool sheaves;			/* the destroyed cache has sheaves */
	bool from_worker;		/* called from a work item */
	bool leak;			/* one object left allocated on purpose */
	unsigned int rcu_objects;	/* its objects kfree_rcu()'d before the call */
	double us;			/* wall time of the call */
	struct bench_counts counts;
	unsigned long variant_evals;	/* variant() evaluations (counting builds) */
};

/* The objects the scenarios kfree_rcu(). */
struct bench_obj {
	struct rcu_head rcu;
	unsigned long payload[2];
};

/* scenario.c: the environment of one run, and what every scenario uses */
double bench_now_us(void);		/* CLOCK_MONOTONIC */
int bench_env_start(const struct bench_config *cfg);
void bench_env_stop(void);
/* kfree_rcu() objects until each background cache has its pending ones. */
void bench_refill_background(void);
/*
 * Times kmem_cache_destroy(@s) into @c (the caller refilled the
 * background); the second form calls it from a work item of @wq.
 */
void bench_timed_destroy(struct kmem_cache *s, struct bench_call *c);
void bench_timed_destroy_from_worker(struct workqueue_struct *wq, struct kmem_cache *s,
				     struct bench_call *c);
struct kmem_cache *bench_cache_create(const char *name, unsigned int size,
				      unsigned int sheaf_capacity, bool debug);
/* Allocates @nr objects of @s, kfree_rcu()s the first @rcu, frees the rest. */
void bench_cache_use(struct kmem_cache *s, unsigned int nr, unsigned int rcu);
/* Set when a scenario saw the model do what it must not; the run fails. */
void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool bench_failed(void);

/* Number of destroy calls one run of the scenario makes. */
unsigned int bench_scenario_calls(const struct bench_config *cfg);
/* Runs the scenario once under the selected variant; fills @calls. */
void bench_scenario_run(const struct bench_config *cfg, struct bench_call *calls);
const char *bench_scenario_name(enum bench_scenario sc);

/* Every call of every run: calls[(run * nr_variants + variant) * nr_calls + i]. */
struct bench_results {
	const struct bench_config *cfg;
	unsigned int nr_calls;
	struct bench_call *calls;
	bool model_counters;		/* the model build counts (variant_evals valid) */
};

static inline struct bench_call *bench_result(const struct bench_results *res,
					      unsigned int run, unsigned int v)
{
	return &res->calls[((size_t)run * res->cfg->nr_variants + v) * res->nr_calls];
}

/* report.c */
double bench_median(double *v, unsigned int n);	/* sorts @v */
double bench_total_us(const struct bench_call *calls, unsigned int n);
void bench_report_summary(const struct bench_results *res);
void bench_report_tests(const struct bench_results *res);
int bench_write_csv(FILE *f, const struct bench_results *res);

/* kunit.c: the 19 destroys of slub_kunit */
unsigned int bench_kunit_calls(void);
void bench_kunit_run(const struct bench_config *cfg, struct bench_call *calls);

#endif /* SHEAF_BENCH_DESTROY_H */
