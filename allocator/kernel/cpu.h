/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu.h - virtual CPUs and NUMA nodes: <linux/smp.h>, <linux/cpumask.h>,
 * <linux/topology.h> and <linux/nodemask.h> in one small header.
 *
 * nr_cpu_ids is a run-time setting (vcpu_config.nr_cpus).  Every vCPU below
 * nr_cpu_ids is possible; the online mask changes only under the hotplug
 * lock held for write (cpu_down()/cpu_up() in cpuhotplug.h).
 */
#ifndef SHEAF_KERNEL_CPU_H
#define SHEAF_KERNEL_CPU_H

#include "compiler.h"
#include "vcpu.h"

extern unsigned int nr_cpu_ids;
extern unsigned int nr_node_ids;
extern unsigned long vcpu_online_mask;		/* bit n: vCPU n online */
extern unsigned char vcpu_cpu_node[VCPU_MAX];
extern unsigned long vcpu_memory_nodes;		/* bit n: node n has memory */

#define NUMA_NO_NODE	(-1)

/* The vCPU the current context runs on. */
unsigned int smp_processor_id(void);
#define raw_smp_processor_id()	smp_processor_id()

static inline bool cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && (READ_ONCE(vcpu_online_mask) >> cpu) & 1;
}

static inline bool cpu_possible(unsigned int cpu)
{
	return cpu < nr_cpu_ids;
}

static inline unsigned int num_online_cpus(void)
{
	return (unsigned int)__builtin_popcountl(READ_ONCE(vcpu_online_mask));
}

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++) if (!cpu_online(cpu)) {} else

static inline int cpu_to_node(unsigned int cpu)
{
	return vcpu_cpu_node[vcpu_check_cpu(cpu, __func__)];
}

static inline int numa_node_id(void)
{
	return cpu_to_node(smp_processor_id());
}

/*
 * Model: CONFIG_HAVE_MEMORYLESS_NODES is off, so numa_mem_id() is the CPU's
 * own node even when that node has no memory; the allocator then finds no
 * kmem_cache_node there and takes its fallbacks (get_node() is NULL).
 */
static inline int numa_mem_id(void)
{
	return numa_node_id();
}

enum node_states { N_ONLINE, N_MEMORY };

static inline bool node_state(int nid, enum node_states state)
{
	if (nid < 0 || (unsigned int)nid >= nr_node_ids)
		return false;
	return state == N_ONLINE || ((vcpu_memory_nodes >> nid) & 1);
}

#define for_each_node(nid) \
	for ((nid) = 0; (unsigned int)(nid) < nr_node_ids; (nid)++)
#define for_each_node_state(nid, state) \
	for_each_node(nid) if (!node_state(nid, state)) {} else

#endif /* SHEAF_KERNEL_CPU_H */
