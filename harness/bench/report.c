// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - what bench_destroy prints once every run is done: per
 * variant the seed patch's three lines, the spread over the runs, the
 * work each call asked for and the ratio to "fixed"; per test (or per
 * scenario) the same broken down; and the CSV rows, one per run and
 * variant.
 *
 * "Median" is the middle run's figure; for an even --repeat, the lower of
 * the two middle runs, so that it is always a figure one run measured.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/compiler.h"
#include "bench_destroy.h"

double bench_total_us(const struct bench_call *calls, unsigned int n)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += calls[i].us;
	return sum;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v; its middle element (the lower middle one for an even @n). */
double bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(n - 1) / 2];
}

/* The run whose average is the median one. */
static unsigned int median_run(const struct bench_results *res, unsigned int v, double *avg)
{
	unsigned int r, R = res->cfg->repeat;
	double *sorted = calloc(R, sizeof(*sorted));
	double m;

	for (r = 0; r < R; r++)
		avg[r] = sorted[r] = bench_total_us(bench_result(res, r, v), res->nr_calls) /
				     res->nr_calls;
	m = bench_median(sorted, R);
	free(sorted);
	for (r = 0; r < R; r++)
		if (avg[r] == m)
			return r;
	return 0;
}

/* Counters per call over the calls [first, first + n) of every run of @v. */
struct per_call {
	double flush_rcu_sheaf, flush_cpu_slab, rcu_barrier, rcu_barrier_batched, evals;
};

static void per_call(const struct bench_results *res, unsigned int v, unsigned int first,
		     unsigned int n, struct per_call *pc)
{
	struct bench_counts sum = { 0 };
	unsigned long evals = 0;
	unsigned int r, i;
	double div = (double)res->cfg->repeat * n;

	for (r = 0; r < res->cfg->repeat; r++) {
		const struct bench_call *c = bench_result(res, r, v) + first;

		for (i = 0; i < n; i++) {
			bench_counts_add(&sum, &c[i].counts);
			evals += c[i].variant_evals;
		}
	}
	pc->flush_rcu_sheaf = (double)sum.flush_rcu_sheaf / div;
	pc->flush_cpu_slab = (double)sum.flush_cpu_slab / div;
	pc->rcu_barrier = (double)sum.rcu_barrier / div;
	pc->rcu_barrier_batched = (double)sum.rcu_barrier_batched / div;
	pc->evals = (double)evals / div;
}

static int variant_index(const struct bench_config *cfg, const char *name)
{
	unsigned int v;

	for (v = 0; v < cfg->nr_variants; v++)
		if (!strcmp(cfg->variants[v], name))
			return (int)v;
	return -1;
}

void bench_report_summary(const struct bench_results *res)
{
	const struct bench_config *cfg = res->cfg;
	unsigned int v, r, mr, R = cfg->repeat;
	double *avg = calloc(R, sizeof(*avg));
	double *med = calloc(cfg->nr_variants, sizeof(*med));
	int fixed = variant_index(cfg, "fixed");
	struct per_call pc;

	for (v = 0; v < cfg->nr_variants; v++) {
		double lo, hi;

		mr = median_run(res, v, avg);
		med[v] = avg[mr];
		lo = hi = avg[0];
		for (r = 1; r < R; r++) {
			lo = min(lo, avg[r]);
			hi = max(hi, avg[r]);
		}
		printf("\n=== kmem_cache_destroy Latency Statistics: %s ===\n", cfg->variants[v]);
		printf("Total calls: %u\n", res->nr_calls);
		printf("Average latency (us): %.0f\n", med[v]);
		printf("Total time (us): %.0f\n",
		       bench_total_us(bench_result(res, mr, v), res->nr_calls));
		printf("over %u run%s: average latency (us) min %.0f, median %.0f, max %.0f\n",
		       R, R == 1 ? "" : "s", lo, med[v], hi);
		per_call(res, v, 0, res->nr_calls, &pc);
		printf("per call: %.2f flush_rcu_sheaf works, %.2f flush_cpu_slab works, "
		       "%.2f rcu_barrier() (%.2f of them in flush_rcu_work())\n",
		       pc.flush_rcu_sheaf, pc.flush_cpu_slab, pc.rcu_barrier,
		       pc.rcu_barrier_batched);
		if (res->model_counters)
			printf("instruments: %.1f variant() evaluations per call\n", pc.evals);
	}

	printf("\n");
	if (fixed < 0) {
		printf("ratio to fixed: not measured (fixed is not in --variants)\n");
	} else {
		printf("ratio to fixed of the median average latency:");
		for (v = 0; v < cfg->nr_variants; v++)
			printf("%s %s %.2f", v ? "," : "", cfg->variants[v], med[v] / med[fixed]);
		printf("\n");
	}
	free(avg);
	free(med);
}

/*
 * Per test: the median over the runs of the mean latency per call, and
 * the flush_rcu_sheaf works and rcu_barrier() calls per call.  A group is
 * a stretch of consecutive calls with the same test name.
 */
void bench_report_tests(const struct bench_results *res)
{
	const struct bench_config *cfg = res->cfg;
	const struct bench_call *c0 = bench_result(res, 0, 0);
	double *per_run = calloc(cfg->repeat, sizeof(*per_run));
	unsigned int first, n, v, r;
	char cell[64];

	printf("\nper test: median over the runs of the mean latency per call (us),"
	       " then (flush_rcu_sheaf works / rcu_barrier() calls) per call\n");
	printf("%-30s %5s %-7s %9s %-6s", "test", "calls", "sheaves", "kfree_rcu", "worker");
	for (v = 0; v < cfg->nr_variants; v++)
		printf(" %22s", cfg->variants[v]);
	printf("\n");

	for (first = 0; first < res->nr_calls; first += n) {
		for (n = 1; first + n < res->nr_calls; n++)
			if (strcmp(c0[first + n].test, c0[first].test))
				break;
		printf("%-30s %5u %-7s %9u %-6s", c0[first].test, n, c0[first].sheaves ? "yes" : "no",
		       c0[first].rcu_objects, c0[first].from_worker ? "yes" : "no");
		for (v = 0; v < cfg->nr_variants; v++) {
			struct per_call pc;

			for (r = 0; r < cfg->repeat; r++)
				per_run[r] = bench_total_us(bench_result(res, r, v) + first, n) / n;
			per_call(res, v, first, n, &pc);
			snprintf(cell, sizeof(cell), "%.0f (%.0f / %.2g)",
				 bench_median(per_run, cfg->repeat), pc.flush_rcu_sheaf, pc.rcu_barrier);
			printf(" %22s", cell);
		}
		printf("\n");
	}
	free(per_run);
}

int bench_write_csv(FILE *f, const struct bench_results *res)
{
	const struct bench_config *cfg = res->cfg;
	unsigned int r, v, i;

	fprintf(f, "scenario,variant,cpus,sheaf_caches,pending,kunit_sheaves,run,calls,total_us,"
		"avg_us,flush_rcu_sheaf,flush_cpu_slab,rcu_barrier,rcu_barrier_batched,"
		"variant_evals,model_counters\n");
	for (r = 0; r < cfg->repeat; r++) {
		for (v = 0; v < cfg->nr_variants; v++) {
			const struct bench_call *c = bench_result(res, r, v);
			struct bench_counts sum = { 0 };
			unsigned long evals = 0;
			double total = bench_total_us(c, res->nr_calls);

			for (i = 0; i < res->nr_calls; i++) {
				bench_counts_add(&sum, &c[i].counts);
				evals += c[i].variant_evals;
			}
			fprintf(f, "%s,%s,%u,%u,%u,%u,%u,%u,%.1f,%.1f,%lu,%lu,%lu,%lu,%lu,%d\n",
				bench_scenario_name(cfg->scenario), cfg->variants[v], cfg->cpus,
				cfg->sheaf_caches, cfg->pending, cfg->kunit_sheaves, r + 1,
				res->nr_calls, total, total / res->nr_calls, sum.flush_rcu_sheaf,
				sum.flush_cpu_slab, sum.rcu_barrier, sum.rcu_barrier_batched, evals,
				res->model_counters);
		}
	}
	return fflush(f) || ferror(f) ? -1 : 0;
}
