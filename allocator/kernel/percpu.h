/* SPDX-License-Identifier: GPL-2.0 */
/*
 * percpu.h - per-CPU data.
 *
 * Dynamic per-CPU memory lives in one arena made of VCPU_MAX areas of
 * VCPU_PERCPU_AREA bytes each; alloc_percpu() hands out an offset valid in
 * every area and returns its address in area 0.  So, as in the kernel, any
 * pointer derived from a per-CPU pointer (&s->cpu_sheaves->lock) is itself a
 * per-CPU pointer, and per_cpu_ptr() is one addition.  Freed ranges are
 * poisoned for AddressSanitizer, so a touch of a destroyed cache's per-CPU
 * sheaves is reported as use-after-poison.  free_percpu(NULL) is a no-op; a
 * pointer that alloc_percpu() did not return is reported.
 *
 * Static per-CPU variables are plain arrays: use per_cpu(var, cpu) and
 * &per_cpu(var, cpu), not per_cpu_ptr(&var, cpu).
 */
#ifndef SHEAF_KERNEL_PERCPU_H
#define SHEAF_KERNEL_PERCPU_H

#include "cpu.h"

#define VCPU_PERCPU_AREA	(64UL * 1024)

void __percpu *__alloc_percpu(size_t size, size_t align);
void free_percpu(void __percpu *ptr);
/* Number of live allocations (vcpu_env_exit() reports any left). */
unsigned long vcpu_percpu_live(void);

#define alloc_percpu(type) \
	((type __percpu *)__alloc_percpu(sizeof(type), __alignof__(type)))

#define per_cpu_ptr(ptr, cpu) \
	((__typeof__(ptr))((char *)(ptr) + \
	 (size_t)vcpu_check_cpu((cpu), __func__) * VCPU_PERCPU_AREA))
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, smp_processor_id())
#define raw_cpu_ptr(ptr)	this_cpu_ptr(ptr)

#define DEFINE_PER_CPU(type, name)	__typeof__(type) name[VCPU_MAX]
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name[VCPU_MAX]
#define per_cpu(var, cpu)		((var)[vcpu_check_cpu((cpu), __func__)])
#define this_cpu_read(var)		per_cpu(var, smp_processor_id())

#endif /* SHEAF_KERNEL_PERCPU_H */
