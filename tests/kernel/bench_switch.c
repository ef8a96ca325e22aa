// SPDX-License-Identifier: GPL-2.0
/*
 * bench_switch.c - what the sim backend costs per context switch and per
 * environment lifetime (one fuzz input pays one vcpu_env_init() and one
 * vcpu_env_exit()).
 *
 *	bench_switch [runs]
 *
 * Prints the median over @runs (default 7) of:
 *   - ns per switch: two tasks in tasks mode hitting decision points with a
 *     decider that always switches;
 *   - ns per vcpu_env_init() + vcpu_env_exit() with nothing in between;
 *   - ns per "small program": init, a work item flushed on each vCPU, two
 *     call_rcu() and an rcu_barrier(), exit;
 * and the system allocations the environment made per lifetime (counted by
 * wrapping malloc and friends at link time).
 */
#include <stdlib.h>
#include <time.h>

#include "kernel.h"
#include "sim.h"

static unsigned long nr_allocs;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void __wrap_free(void *p);

void *__wrap_malloc(size_t size)
{
	nr_allocs++;
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	nr_allocs++;
	return __real_calloc(n, size);
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
	nr_allocs++;
	return __real_aligned_alloc(align, size);
}

void __wrap_free(void *p)
{
	__real_free(p);
}

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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Switch whenever there is somewhere to switch to; everything else quiet. */
static unsigned int always_switch(void *data, enum sim_choice what, unsigned int nr)
{
	return what == SIM_PICK_CONTEXT ? nr - 1 : 0;
}

#define SWITCH_LOOPS	200000

static void spinner(void *arg)
{
	int i;

	for (i = 0; i < SWITCH_LOOPS; i++)
		vcpu_decision_point("bench");
}

static double bench_switches(void)
{
	static const struct sim_decider d = { .choose = always_switch };
	struct vcpu_config cfg;
	struct vcpu_stats st;
	double t0, t1;

	vcpu_config_default(&cfg);
	cfg.mode = VCPU_MODE_TASKS;
	cfg.decider = &d;
	if (vcpu_env_init(&cfg))
		exit(1);
	vcpu_spawn("a", 1, spinner, NULL);
	vcpu_spawn("b", 2, spinner, NULL);
	t0 = now_ns();
	vcpu_run_tasks();
	t1 = now_ns();
	vcpu_get_stats(&st);
	vcpu_env_exit();
	return (t1 - t0) / (double)st.switches;
}

#define CYCLES	20000

static double bench_init_exit(unsigned long *allocs)
{
	double t0, t1;
	int i;

	nr_allocs = 0;
	t0 = now_ns();
	for (i = 0; i < CYCLES; i++) {
		if (vcpu_env_init(NULL))
			exit(1);
		vcpu_env_exit();
	}
	t1 = now_ns();
	*allocs = nr_allocs;
	return (t1 - t0) / CYCLES;
}

static void nop_work(struct work_struct *w)
{
}

static void nop_cb(struct rcu_head *h)
{
}

static double bench_program(unsigned long *allocs)
{
	struct work_struct w[4];
	struct rcu_head h[2];
	double t0, t1;
	int i, cpu;

	nr_allocs = 0;
	t0 = now_ns();
	for (i = 0; i < CYCLES; i++) {
		if (vcpu_env_init(NULL))
			exit(1);
		for (cpu = 0; cpu < 4; cpu++) {
			INIT_WORK(&w[cpu], nop_work);
			queue_work_on(cpu, system_wq, &w[cpu]);
		}
		for (cpu = 0; cpu < 4; cpu++)
			flush_work(&w[cpu]);
		call_rcu(&h[0], nop_cb);
		call_rcu(&h[1], nop_cb);
		rcu_barrier();
		vcpu_env_exit();
	}
	t1 = now_ns();
	*allocs = nr_allocs;
	return (t1 - t0) / CYCLES;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7, r;
	double sw[64], ie[64], pg[64];
	unsigned long a_ie = 0, a_pg = 0;

	if (runs < 1 || runs > 64)
		runs = 7;
	for (r = 0; r < runs; r++) {
		sw[r] = bench_switches();
		ie[r] = bench_init_exit(&a_ie);
		pg[r] = bench_program(&a_pg);
	}
	printf("switch:           %8.1f ns per context switch (median of %d)\n", median(sw, runs), runs);
	printf("init+exit:        %8.1f ns per vcpu_env_init()+vcpu_env_exit(), %.2f allocations\n",
	       median(ie, runs), (double)a_ie / CYCLES);
	printf("init+program+exit:%8.1f ns (4 flush_work, 2 call_rcu, rcu_barrier), %.2f allocations\n",
	       median(pg, runs), (double)a_pg / CYCLES);
	return 0;
}
