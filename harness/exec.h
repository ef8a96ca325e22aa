/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exec.h - what the op executors (ops.c) and the life of one input
 * (run.c) share: the program's handle tables and the trace note.
 * Internal to harness/.
 */
#ifndef SHEAF_HARNESS_EXEC_H
#define SHEAF_HARNESS_EXEC_H

#include <stddef.h>

#include "ops.h"

struct kmem_cache;
struct slab_sheaf;

/* The program's resources, by handle, and where the run is. */
struct h_state {
	struct h_cache {
		struct kmem_cache *s;		/* NULL: the handle names nothing */
	} cache[H_CACHES];
	struct h_sheaf {
		struct slab_sheaf *sheaf;	/* NULL: the handle names nothing */
		unsigned int c;			/* its cache handle */
	} sheaf[H_SHEAVES];
	const struct op *op;		/* being run; NULL outside ops */
	unsigned int index, nr_ops;	/* its index, and how many ran */
	bool teardown;
	unsigned int trylock_fail_at;	/* fail_trylock: the n-th trylock from now */
	char note[256];			/* the op's effect, for the trace */
	size_t note_len;
};
extern struct h_state h;

/* Appends to the op's effect line (only when tracing). */
__attribute__((format(printf, 1, 2))) void h_note(const char *fmt, ...);

/* Runs one op: the reader rule of blocking ops, then its executor. */
void ops_exec(const struct op *op);
/* The end of a program: readers closed, failures disarmed, caches destroyed. */
void ops_teardown(void);

#endif /* SHEAF_HARNESS_EXEC_H */
