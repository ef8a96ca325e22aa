/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model_trace.h - the model's trace lines (model_set_trace_hook() in
 * check.h), for every allocator file, and the rcu_barrier() that says in
 * the trace what it waits for.
 */
#ifndef SHEAF_ALLOCATOR_MODEL_TRACE_H
#define SHEAF_ALLOCATOR_MODEL_TRACE_H

#if !defined(SHEAF_ALLOCATOR_PRIVATE) && !defined(SHEAF_WHITE_BOX)
#error "model_trace.h is private to allocator/: the harness sees slab.h, check.h, variant.h, vmalloc.h and kernel/; a white-box test defines SHEAF_WHITE_BOX on purpose"
#endif

#include "kernel/kernel.h"
#include "check.h"

/* check.c: a line for the model's trace (model_set_trace_hook()). */
extern model_trace_hook_t model_trace_hook;
static inline bool model_tracing(void)
{
	return unlikely(__atomic_load_n(&model_trace_hook, __ATOMIC_RELAXED) != NULL);
}
__printf(1, 2) void __model_trace(const char *fmt, ...);
#define model_trace(...)						\
	do {								\
		if (model_tracing())					\
			__model_trace(__VA_ARGS__);			\
	} while (0)
/*
 * Every rcu_barrier() of the model goes through check.c, which says in the
 * trace how many callbacks it waits for; the call sites keep the kernel's
 * name, and (rcu_barrier)() is the environment's.
 */
void model_rcu_barrier(const char *caller);
#define rcu_barrier() model_rcu_barrier(__func__)

#endif /* SHEAF_ALLOCATOR_MODEL_TRACE_H */
