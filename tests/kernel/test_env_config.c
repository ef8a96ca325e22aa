// SPDX-License-Identifier: GPL-2.0
/*
 * test_env_config.c - the backend-independent environment: configuration
 * is validated (an impossible topology is refused with -EINVAL before
 * anything starts), per-CPU indexes are range-checked, the per-CPU arena
 * allocates, zeroes, reuses and rejects bad frees, faults fire exactly as
 * armed, and a report is one well-formed, counted block.
 */
#include <stdlib.h>
#include <unistd.h>

#include "kernel.h"
#include "ktest.h"

static bool env_start_cfg(struct ktest *t, const struct vcpu_config *cfg)
{
	int ret = vcpu_env_init(cfg);

	KEXPECT_EQ(t, ret, 0);
	vcpu_set_panic_on_report(false);
	return ret == 0;
}

static bool env_start(struct ktest *t)
{
	struct vcpu_config cfg;

	vcpu_config_default(&cfg);
	return env_start_cfg(t, &cfg);
}

static void env_stop(void)
{
	vcpu_env_exit();
	vcpu_set_panic_on_report(true);
}

/* ------------------------------------------------------- configuration */

static void test_config_default(struct ktest *t)
{
	struct vcpu_config cfg;

	vcpu_config_default(&cfg);
	KEXPECT_EQ(t, cfg.nr_cpus, 4);
	KEXPECT_EQ(t, cfg.nr_nodes, 1);
	KEXPECT_EQ(t, cfg.cpu_to_node[3], 0);
	KEXPECT_EQ(t, cfg.memoryless_nodes, 0);
	KEXPECT_EQ(t, cfg.mode, VCPU_MODE_INLINE);
	KEXPECT(t, cfg.panic_on_report);
	KEXPECT(t, cfg.decider == NULL);
}

static int from_env(const char *cpus, const char *nodes, struct vcpu_config *cfg)
{
	vcpu_config_default(cfg);
	if (cpus)
		setenv("SHEAF_CPUS", cpus, 1);
	else
		unsetenv("SHEAF_CPUS");
	if (nodes)
		setenv("SHEAF_NODES", nodes, 1);
	else
		unsetenv("SHEAF_NODES");
	return vcpu_config_from_env(cfg);
}

static void test_config_from_env(struct ktest *t)
{
	static const char *const bad_cpus[] = { "0", "65", "", "abc", "4x", "-1", " 4", "+4",
						"99999999999999999999" };
	struct vcpu_config cfg;
	unsigned int i;

	KEXPECT_EQ(t, from_env(NULL, NULL, &cfg), 0);
	KEXPECT_EQ(t, cfg.nr_cpus, 4);

	KEXPECT_EQ(t, from_env("8", "2", &cfg), 0);
	KEXPECT_EQ(t, cfg.nr_cpus, 8);
	KEXPECT_EQ(t, cfg.nr_nodes, 2);
	/* The layout follows the new counts: contiguous blocks per node. */
	KEXPECT_EQ(t, cfg.cpu_to_node[3], 0);
	KEXPECT_EQ(t, cfg.cpu_to_node[4], 1);
	KEXPECT_EQ(t, cfg.cpu_to_node[7], 1);

	KEXPECT_EQ(t, from_env("64", "4", &cfg), 0);
	KEXPECT_EQ(t, cfg.cpu_to_node[63], 3);
	KEXPECT_EQ(t, from_env("1", NULL, &cfg), 0);
	KEXPECT_EQ(t, cfg.nr_cpus, 1);

	for (i = 0; i < ARRAY_SIZE(bad_cpus); i++) {
		KEXPECT_EQ(t, from_env(bad_cpus[i], NULL, &cfg), -EINVAL);
		KEXPECT_EQ(t, cfg.nr_cpus, 4);
	}
	KEXPECT_EQ(t, from_env("4", "0", &cfg), -EINVAL);
	KEXPECT_EQ(t, from_env("4", "5", &cfg), -EINVAL);
	unsetenv("SHEAF_CPUS");
	unsetenv("SHEAF_NODES");
}

static void test_impossible_config_rejected(struct ktest *t)
{
	struct vcpu_config cfg;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = 0;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);
	cfg.nr_cpus = VCPU_MAX + 1;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);

	vcpu_config_default(&cfg);
	cfg.nr_nodes = 0;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);
	cfg.nr_nodes = VCPU_MAX_NODES + 1;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);

	vcpu_config_default(&cfg);
	cfg.nr_nodes = 2;
	cfg.cpu_to_node[1] = 2;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);

	vcpu_config_default(&cfg);
	cfg.nr_nodes = 2;
	cfg.memoryless_nodes = 0x3;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);
	cfg.memoryless_nodes = 0x4;
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EINVAL);

	/* Nothing was started by any of those. */
	vcpu_config_default(&cfg);
	KEXPECT_EQ(t, vcpu_env_init(&cfg), 0);
	KEXPECT_EQ(t, vcpu_env_init(&cfg), -EBUSY);
	vcpu_env_exit();
}

static void test_topology_after_init(struct ktest *t)
{
	struct vcpu_config cfg;
	unsigned int cpu, n = 0;
	int nid, mem = 0;

	vcpu_config_default(&cfg);
	cfg.nr_cpus = 8;
	cfg.nr_nodes = 2;
	for (cpu = 0; cpu < 8; cpu++)
		cfg.cpu_to_node[cpu] = cpu & 1;
	cfg.memoryless_nodes = 0x2;
	if (!env_start_cfg(t, &cfg))
		return;
	KEXPECT_EQ(t, nr_cpu_ids, 8);
	KEXPECT_EQ(t, nr_node_ids, 2);
	KEXPECT_EQ(t, num_online_cpus(), 8);
	for_each_online_cpu(cpu)
		n++;
	KEXPECT_EQ(t, n, 8);
	KEXPECT_EQ(t, cpu_to_node(5), 1);
	KEXPECT_EQ(t, cpu_to_node(6), 0);
	KEXPECT(t, node_state(1, N_ONLINE));
	KEXPECT(t, !node_state(1, N_MEMORY));
	for_each_node_state(nid, N_MEMORY)
		mem++;
	KEXPECT_EQ(t, mem, 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();

	/* Back to the defaults outside a running environment. */
	KEXPECT_EQ(t, nr_cpu_ids, 4);
}

static DEFINE_PER_CPU(int, static_counter);

static int *peek_beyond_last_cpu(int __percpu *p)
{
	return per_cpu_ptr(p, nr_cpu_ids);
}

static void test_cpu_index_out_of_range(struct ktest *t)
{
	int __percpu *p;

	if (!env_start(t))
		return;
	p = alloc_percpu(int);
	KASSERT(t, p);
	/* Reported, naming the function, and clamped to vCPU 0. */
	KEXPECT(t, peek_beyond_last_cpu(p) == per_cpu_ptr(p, 0));
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "CPU index out of range");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "peek_beyond_last_cpu()");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "vCPU 4");

	per_cpu(static_counter, -1) = 1;
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "vCPU -1");
	KEXPECT_EQ(t, vcpu_check_cpu(3, __func__), 3);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	free_percpu(p);
	env_stop();
}

/* ------------------------------------------------------------- per-CPU */

struct pcpu_pair {
	long a;
	int b[3];
};

static void test_percpu_alloc_free_reuse(struct ktest *t)
{
	struct pcpu_pair __percpu *p, *q, *r;
	unsigned int cpu;

	if (!env_start(t))
		return;
	KEXPECT_EQ(t, vcpu_percpu_live(), 0);
	p = alloc_percpu(struct pcpu_pair);
	q = alloc_percpu(struct pcpu_pair);
	KASSERT(t, p && q && p != q);
	KEXPECT_EQ(t, vcpu_percpu_live(), 2);
	for_each_possible_cpu(cpu) {
		KEXPECT_EQ(t, per_cpu_ptr(p, cpu)->a, 0);
		KEXPECT_EQ(t, per_cpu_ptr(q, cpu)->b[2], 0);
		per_cpu_ptr(p, cpu)->a = 100 + cpu;
		per_cpu_ptr(q, cpu)->b[2] = 200 + cpu;
	}
	for_each_possible_cpu(cpu) {
		KEXPECT_EQ(t, per_cpu_ptr(p, cpu)->a, 100 + cpu);
		KEXPECT_EQ(t, per_cpu_ptr(q, cpu)->b[2], 200 + cpu);
	}
	KEXPECT(t, this_cpu_ptr(p) == per_cpu_ptr(p, smp_processor_id()));

	/* First fit: the freed range is the next one handed out, zeroed again. */
	free_percpu(p);
	KEXPECT_EQ(t, vcpu_percpu_live(), 1);
	r = alloc_percpu(struct pcpu_pair);
	KEXPECT(t, r == p);
	for_each_possible_cpu(cpu)
		KEXPECT_EQ(t, per_cpu_ptr(r, cpu)->a, 0);
	free_percpu(r);
	free_percpu(q);
	free_percpu(NULL);
	KEXPECT_EQ(t, vcpu_percpu_live(), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	env_stop();
}

static void test_percpu_derived_pointer(struct ktest *t)
{
	struct pcpu_pair __percpu *p;
	int __percpu *pb;
	unsigned int cpu;

	if (!env_start(t))
		return;
	p = alloc_percpu(struct pcpu_pair);
	KASSERT(t, p);
	/* &p->b[1] is itself a per-CPU pointer, as in the kernel. */
	pb = &p->b[1];
	for_each_possible_cpu(cpu) {
		KEXPECT(t, per_cpu_ptr(pb, cpu) == &per_cpu_ptr(p, cpu)->b[1]);
		*per_cpu_ptr(pb, cpu) = (int)cpu * 7;
	}
	for_each_possible_cpu(cpu)
		KEXPECT_EQ(t, per_cpu_ptr(p, cpu)->b[1], cpu * 7);
	free_percpu(p);
	env_stop();
}

static void test_percpu_invalid_free(struct ktest *t)
{
	struct pcpu_pair __percpu *p;
	int on_stack;

	if (!env_start(t))
		return;
	p = alloc_percpu(struct pcpu_pair);
	KASSERT(t, p);
	free_percpu(&p->b[0]);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "free_percpu: invalid pointer");
	free_percpu(&on_stack);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_EQ(t, vcpu_percpu_live(), 1);
	free_percpu(p);
	free_percpu(p);
	KEXPECT_EQ(t, vcpu_nr_reports(), 3);
	KEXPECT_EQ(t, vcpu_percpu_live(), 0);
	env_stop();
}

static void test_percpu_alignment_and_full(struct ktest *t)
{
	enum { CHUNK = 4096 };
	void __percpu *small, *aligned, *chunks[VCPU_PERCPU_AREA / CHUNK + 1];
	unsigned int i, n = 0;

	if (!env_start(t))
		return;
	small = __alloc_percpu(8, 8);
	aligned = __alloc_percpu(8, 256);
	KASSERT(t, small && aligned);
	KEXPECT_EQ(t, (uintptr_t)aligned % 256, 0);
	free_percpu(small);
	free_percpu(aligned);

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		chunks[i] = __alloc_percpu(CHUNK, 64);
		if (chunks[i])
			n++;
	}
	/* The arena holds exactly VCPU_PERCPU_AREA bytes per vCPU; full means NULL. */
	KEXPECT_EQ(t, n, VCPU_PERCPU_AREA / CHUNK);
	KEXPECT(t, chunks[ARRAY_SIZE(chunks) - 1] == NULL);
	KEXPECT(t, __alloc_percpu(16, 16) == NULL);
	for (i = 0; i < ARRAY_SIZE(chunks); i++)
		free_percpu(chunks[i]);
	KEXPECT_EQ(t, vcpu_percpu_live(), 0);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	KEXPECT(t, __alloc_percpu(0, 8) == NULL);
	KEXPECT(t, __alloc_percpu(8, 24) == NULL);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	env_stop();
}

static void test_percpu_leak_reported_at_exit(struct ktest *t)
{
	if (!env_start(t))
		return;
	KASSERT(t, alloc_percpu(long));
	KASSERT(t, alloc_percpu(int));
	vcpu_env_exit();
	/* The count survives the exit so the leak can be seen. */
	KEXPECT(t, vcpu_nr_reports() >= 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "WARNING: percpu memory leaked");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "2 alloc_percpu() allocations");
	KEXPECT_EQ(t, vcpu_percpu_live(), 0);
	vcpu_set_panic_on_report(true);
}

/* ------------------------------------------------------ faults, reports */

static void test_fault_injection(struct ktest *t)
{
	void *p;
	int i;

	if (!env_start(t))
		return;
	vcpu_fail_next(2);
	p = vcpu_alloc(64, GFP_KERNEL);
	KEXPECT(t, p);
	vcpu_free(p);
	KEXPECT(t, vcpu_alloc(64, GFP_NOWAIT) == NULL);
	KEXPECT(t, vcpu_alloc(64, GFP_ATOMIC) == NULL);
	p = vcpu_alloc(64, GFP_NOWAIT | __GFP_ZERO);
	KASSERT(t, p);
	for (i = 0; i < 64; i++)
		KEXPECT_EQ(t, ((unsigned char *)p)[i], 0);
	vcpu_free(p);

	vcpu_fail_next_blocking(2);
	KEXPECT(t, vcpu_alloc(64, GFP_KERNEL) == NULL);
	KEXPECT(t, vcpu_should_fail(GFP_NOWAIT));
	KEXPECT(t, !vcpu_should_fail(GFP_KERNEL));
	KEXPECT(t, !vcpu_should_fail(GFP_NOWAIT));

	/* Armed faults do not outlive the environment. */
	vcpu_fail_next(5);
	env_stop();
	if (!env_start(t))
		return;
	KEXPECT(t, !vcpu_should_fail(GFP_NOWAIT));

	/* A blocking allocation is a might_sleep() point. */
	preempt_disable();
	p = vcpu_alloc(16, GFP_KERNEL);
	preempt_enable();
	vcpu_free(p);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "sleeping function called from invalid context");
	env_stop();
}

static int hook_calls;

static void test_hook(FILE *out)
{
	hook_calls++;
	fprintf(out, "variant: test-hook\n");
}

/* Runs fn with stderr captured; returns what it printed (malloc'd). */
static char *capture_stderr(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char *buf;
	long len;

	if (!tmp || saved < 0)
		return NULL;
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	/* The bytes went through descriptor 2: tmp's stream knows nothing of them. */
	fseek(tmp, 0, SEEK_END);
	len = ftell(tmp);
	rewind(tmp);
	buf = calloc(1, (size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, tmp) != (size_t)len)
		buf[0] = '\0';
	fclose(tmp);
	return buf;
}

static struct lockdep_map report_map = STATIC_LOCKDEP_MAP_INIT("report_lock_x", LD_WAIT_SLEEP);

static void raise_report(void)
{
	lock_acquire(&report_map, 0, 0, _THIS_IP_);
	vcpu_report(VCPU_REPORT_BUG, "test title", "raise_report", "line one %d\nline two", 1);
	vcpu_report(VCPU_REPORT_WARNING, "test warning", "raise_report", "%s", "");
	lock_release(&report_map, _THIS_IP_);
}

static void test_report_block(struct ktest *t)
{
	char *out;

	if (!env_start(t))
		return;
	vcpu_set_report_hook(test_hook);
	out = capture_stderr(raise_report);
	vcpu_set_report_hook(NULL);
	KASSERT(t, out);
	KEXPECT_STR_CONTAINS(t, out, "==================================================================\n"
				     "BUG: test title in raise_report()\nline one 1\nline two\n"
				     "vCPU: 0 task: ");
	KEXPECT_STR_CONTAINS(t, out, "held locks: 1 by ");
	KEXPECT_STR_CONTAINS(t, out, "report_lock_x");
	KEXPECT_STR_CONTAINS(t, out, "variant: test-hook\n====");
	KEXPECT_STR_CONTAINS(t, out, "WARNING: test warning in raise_report()\nvCPU: 0");
	free(out);
	KEXPECT_EQ(t, hook_calls, 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "WARNING: test warning in raise_report(): ");

	vcpu_clear_reports();
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT_EQ(t, strlen(vcpu_last_report()), 0);
	env_stop();
}

static void test_report_before_init(struct ktest *t)
{
	bool old = vcpu_set_panic_on_report(false);

	vcpu_clear_reports();
	vcpu_report(VCPU_REPORT_BUG, "early", "test_report_before_init", "no task yet");
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "BUG: early in test_report_before_init(): no task yet");
	/* No task to track locks for: assertions and lockdep stay quiet. */
	lockdep_assert_failed("lockdep_assert_held", "nothing", __func__);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	vcpu_set_panic_on_report(old);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_config_default),
	KTEST_CASE(test_config_from_env),
	KTEST_CASE(test_impossible_config_rejected),
	KTEST_CASE(test_topology_after_init),
	KTEST_CASE(test_cpu_index_out_of_range),
	KTEST_CASE(test_percpu_alloc_free_reuse),
	KTEST_CASE(test_percpu_derived_pointer),
	KTEST_CASE(test_percpu_invalid_free),
	KTEST_CASE(test_percpu_alignment_and_full),
	KTEST_CASE(test_percpu_leak_reported_at_exit),
	KTEST_CASE(test_fault_injection),
	KTEST_CASE(test_report_block),
	KTEST_CASE(test_report_before_init),
	{}
};

KTEST_MAIN("env_config", cases)
