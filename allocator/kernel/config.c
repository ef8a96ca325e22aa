// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - the vCPU/node topology, the configuration, and the common half
 * of the environment's lifecycle.
 *
 * The topology variables are written only here, by vcpu_common_init() and
 * vcpu_common_exit(), except vcpu_online_mask, which hotplug (a backend)
 * also changes under the hotplug lock held for write.  Outside a running
 * environment they hold the default topology, so that code touching
 * per-CPU data before vcpu_env_init() is checked against sane bounds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "env_internal.h"

#define VCPU_DEFAULT_CPUS	4
#define VCPU_DEFAULT_NODES	1

unsigned int nr_cpu_ids = VCPU_DEFAULT_CPUS;
unsigned int nr_node_ids = VCPU_DEFAULT_NODES;
unsigned long vcpu_online_mask = (1UL << VCPU_DEFAULT_CPUS) - 1;
unsigned char vcpu_cpu_node[VCPU_MAX];
unsigned long vcpu_memory_nodes = (1UL << VCPU_DEFAULT_NODES) - 1;

bool vcpu_env_running;

/* Bits 0..n-1 set; n may be the width of the word. */
static unsigned long first_bits(unsigned int n)
{
	return n >= 8 * sizeof(unsigned long) ? ~0UL : (1UL << n) - 1;
}

/* The default layout: vCPUs in contiguous blocks, one block per node. */
static void default_cpu_to_node(struct vcpu_config *cfg)
{
	unsigned int cpu;

	memset(cfg->cpu_to_node, 0, sizeof(cfg->cpu_to_node));
	for (cpu = 0; cpu < cfg->nr_cpus && cpu < VCPU_MAX; cpu++)
		cfg->cpu_to_node[cpu] = (unsigned char)(cpu * cfg->nr_nodes / cfg->nr_cpus);
}

void vcpu_config_default(struct vcpu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_cpus = VCPU_DEFAULT_CPUS;
	cfg->nr_nodes = VCPU_DEFAULT_NODES;
	default_cpu_to_node(cfg);
	cfg->memoryless_nodes = 0;
	cfg->mode = VCPU_MODE_INLINE;
	cfg->panic_on_report = true;
	cfg->decider = NULL;
}

/*
 * Reads variable @name as a decimal in [lo, hi] into *val.  Returns 0 when
 * unset, 1 when set and valid, -EINVAL (after saying why) otherwise.  Only
 * plain digits are accepted: no sign, no blanks, no trailing text.
 */
static int env_number(const char *name, unsigned int lo, unsigned int hi,
		      unsigned int *val)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s)
		return 0;
	if (*s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	*val = (unsigned int)v;
	return 1;
bad:
	fprintf(stderr, "%s=%s: must be %u..%u\n", name, s, lo, hi);
	return -EINVAL;
}

int vcpu_config_from_env(struct vcpu_config *cfg)
{
	unsigned int cpus = cfg->nr_cpus, nodes = cfg->nr_nodes;
	int rc_cpus, rc_nodes;

	rc_cpus = env_number("SHEAF_CPUS", 1, VCPU_MAX, &cpus);
	rc_nodes = env_number("SHEAF_NODES", 1, VCPU_MAX_NODES, &nodes);
	if (rc_cpus < 0 || rc_nodes < 0)
		return -EINVAL;
	if (!rc_cpus && !rc_nodes)
		return 0;
	cfg->nr_cpus = cpus;
	cfg->nr_nodes = nodes;
	/* The counts changed, so the layout made for the old ones is void. */
	default_cpu_to_node(cfg);
	return 0;
}

unsigned int vcpu_check_cpu(long cpu, const char *func)
{
	if (likely((unsigned long)cpu < nr_cpu_ids))
		return (unsigned int)cpu;
	vcpu_report(VCPU_REPORT_BUG, "CPU index out of range", func,
		    "vCPU %ld used, nr_cpu_ids is %u", cpu, nr_cpu_ids);
	return 0;
}

/* Prints why @cfg is impossible and returns -EINVAL, or returns 0. */
static int check_config(const struct vcpu_config *cfg)
{
	unsigned long all_nodes;
	unsigned int cpu;

	if (cfg->nr_cpus < 1 || cfg->nr_cpus > VCPU_MAX) {
		fprintf(stderr, "vcpu_env_init: nr_cpus=%u: must be 1..%d\n",
			cfg->nr_cpus, VCPU_MAX);
		return -EINVAL;
	}
	if (cfg->nr_nodes < 1 || cfg->nr_nodes > VCPU_MAX_NODES) {
		fprintf(stderr, "vcpu_env_init: nr_nodes=%u: must be 1..%d\n",
			cfg->nr_nodes, VCPU_MAX_NODES);
		return -EINVAL;
	}
	for (cpu = 0; cpu < cfg->nr_cpus; cpu++) {
		if (cfg->cpu_to_node[cpu] >= cfg->nr_nodes) {
			fprintf(stderr, "vcpu_env_init: cpu_to_node[%u]=%u: must be 0..%u\n",
				cpu, cfg->cpu_to_node[cpu], cfg->nr_nodes - 1);
			return -EINVAL;
		}
	}
	all_nodes = first_bits(cfg->nr_nodes);
	if (cfg->memoryless_nodes & ~all_nodes) {
		fprintf(stderr, "vcpu_env_init: memoryless_nodes=%#lx: names a node above %u\n",
			cfg->memoryless_nodes, cfg->nr_nodes - 1);
		return -EINVAL;
	}
	if (!(all_nodes & ~cfg->memoryless_nodes)) {
		fprintf(stderr, "vcpu_env_init: memoryless_nodes=%#lx: at least one node must have memory\n",
			cfg->memoryless_nodes);
		return -EINVAL;
	}
	if (cfg->mode != VCPU_MODE_INLINE && cfg->mode != VCPU_MODE_TASKS) {
		fprintf(stderr, "vcpu_env_init: mode=%d: not a vcpu_mode\n", (int)cfg->mode);
		return -EINVAL;
	}
	return 0;
}

static void set_topology(const struct vcpu_config *cfg)
{
	nr_cpu_ids = cfg->nr_cpus;
	nr_node_ids = cfg->nr_nodes;
	WRITE_ONCE(vcpu_online_mask, first_bits(cfg->nr_cpus));
	memcpy(vcpu_cpu_node, cfg->cpu_to_node, sizeof(vcpu_cpu_node));
	vcpu_memory_nodes = first_bits(cfg->nr_nodes) & ~cfg->memoryless_nodes;
}

int vcpu_common_init(const struct vcpu_config *cfg)
{
	struct vcpu_config def;
	int ret;

	if (vcpu_env_running) {
		fprintf(stderr, "vcpu_env_init: the environment is already running\n");
		return -EBUSY;
	}
	if (!cfg) {
		vcpu_config_default(&def);
		cfg = &def;
	}
	ret = check_config(cfg);
	if (ret)
		return ret;

	set_topology(cfg);
	vcpu_reports_reset(cfg->panic_on_report);
	vcpu_percpu_reset(false);
	lockdep_reset();
	vcpu_faults_reset();
	vcpu_env_running = true;
	return 0;
}

void vcpu_common_exit(void)
{
	struct vcpu_config def;

	/*
	 * The leak report goes out while the environment still counts as
	 * running, so it names the task.  The report count is kept, so a
	 * test can see the leak after vcpu_env_exit().
	 */
	vcpu_percpu_reset(true);
	lockdep_reset();
	vcpu_faults_reset();
	vcpu_config_default(&def);
	set_topology(&def);
	vcpu_env_running = false;
}
