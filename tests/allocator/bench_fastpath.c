// SPDX-License-Identifier: GPL-2.0
/*
 * bench_fastpath.c - what one kmem_cache_alloc() + kmem_cache_free() pair
 * costs in the model, next to glibc's malloc() + free() measured in the same
 * run:
 *
 *   sheaf     a cache with sheaves; the pair pops and pushes the main
 *             sheaf of vCPU 0 (alloc_from_pcs(), free_to_pcs()), the fast
 *             path the kernel optimises;
 *   no-sheaf  a cache without sheaves; the pair takes an object off a
 *             partial slab and gives it back under n->list_lock;
 *   malloc    glibc, the same object size.
 *
 * Each figure is the median of several runs of many pairs, in nanoseconds
 * per pair.  The sim backend in inline mode with no decider, no quarantine
 * (so that frees reach the sheaves); the debug level of the build applies
 * (the asan preset runs the level-1 check after every call).  Not a ctest:
 * run it from a release or asan build, e.g.
 *
 *	build/release/tests/allocator/bench_fastpath [pairs [runs]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/kernel.h"
#include "slab.h"

#define OBJ_SIZE	64
#define MAX_RUNS	31

static void *volatile sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ns per pair of @pairs kmem_cache_alloc() + kmem_cache_free() on @s. */
static double run_cache(struct kmem_cache *s, unsigned long pairs)
{
	unsigned long i;
	double t0;

	t0 = now_ns();
	for (i = 0; i < pairs; i++) {
		void *p = kmem_cache_alloc(s, GFP_KERNEL);

		*(volatile char *)p = (char)i;
		sink = p;
		kmem_cache_free(s, p);
	}
	return (now_ns() - t0) / (double)pairs;
}

static double run_malloc(unsigned long pairs)
{
	unsigned long i;
	double t0;

	t0 = now_ns();
	for (i = 0; i < pairs; i++) {
		void *p = malloc(OBJ_SIZE);

		*(volatile char *)p = (char)i;
		sink = p;
		free(p);
	}
	return (now_ns() - t0) / (double)pairs;
}

int main(int argc, char **argv)
{
	struct kmem_cache_args sheaf_args = { .sheaf_capacity = 32, .model_default_sheaf_capacity = 32 };
	double sheaf[MAX_RUNS], plain[MAX_RUNS], libc[MAX_RUNS];
	unsigned long pairs = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	unsigned int runs = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 7;
	struct kmem_cache *sc, *pc;
	struct model_config mcfg;
	struct vcpu_config cfg;
	unsigned long reports;
	unsigned int r;

	if (!pairs || !runs || runs > MAX_RUNS) {
		fprintf(stderr, "usage: %s [pairs [runs (1..%d)]]\n", argv[0], MAX_RUNS);
		return 2;
	}
	vcpu_config_default(&cfg);
	if (vcpu_env_init(&cfg))
		return 1;
	model_config_default(&mcfg);
	mcfg.quarantine = false;
	if (model_slab_init(&mcfg))
		return 1;
	sc = kmem_cache_create("bench_sheaf", OBJ_SIZE, &sheaf_args, 0);
	pc = kmem_cache_create("bench_plain", OBJ_SIZE, NULL, SLAB_NOLEAKTRACE);
	if (!sc || !pc)
		return 1;

	/* warm up: slabs exist, main holds objects, malloc's bins are primed */
	run_cache(sc, 1000);
	run_cache(pc, 1000);
	run_malloc(1000);

	/* interleaved, so that a slow moment of the machine hits all three */
	for (r = 0; r < runs; r++) {
		sheaf[r] = run_cache(sc, pairs);
		plain[r] = run_cache(pc, pairs);
		libc[r] = run_malloc(pairs);
	}

	printf("bench_fastpath: %d-byte objects, median of %u runs x %lu pairs, "
	       "ns per alloc+free pair (debug level %d%s)\n",
	       OBJ_SIZE, runs, pairs, SHEAF_DEBUG_LEVEL,
#if defined(SHEAF_ASAN)
	       ", ASan+UBSan"
#else
	       ""
#endif
	       );
	printf("  sheaf fast path (capacity 32)  %8.1f\n", median(sheaf, runs));
	printf("  no-sheaf path (partial slab)   %8.1f\n", median(plain, runs));
	printf("  glibc malloc+free              %8.1f\n", median(libc, runs));

	kmem_cache_destroy(sc);
	kmem_cache_destroy(pc);
	vcpu_quiesce();
	model_slab_exit();
	reports = vcpu_nr_reports();
	vcpu_env_exit();
	return reports ? 1 : 0;
}
