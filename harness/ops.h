/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ops.h - the op language of the fuzz targets: the op table, a decoded op,
 * and the executor that runs a program against a fresh model.
 *
 * A program is a byte string: per op an opcode byte (byte % NR_OPS) and
 * one field per operand (ops.def).  input.c is the only code that reads
 * those bytes; text.c turns ops into the text form (one op per line,
 * "create c0 size=64 sheaf=32") and back; ops.c executes them; shadow.c
 * checks the API contract on the way.  harness/README.md documents every
 * op and the text form.
 */
#ifndef SHEAF_HARNESS_OPS_H
#define SHEAF_HARNESS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Handle tables: what a program can name. */
#define H_CACHES	4	/* c0..c3 */
#define H_OBJS		16	/* o0..o15 per cache */
#define H_SHEAVES	4	/* s0..s3, prefilled sheaves */
#define H_MAX_NESTING	8	/* rcu_read_lock() depth */
/*
 * Ops per input; the rest is ignored.  Enough for every state a program can
 * name (a full barn of 64-object sheaves takes about 80 bulk ops), and it
 * bounds what one input costs: libFuzzer grows inputs to kilobytes within
 * minutes, and each op past the useful ones only slows the fuzzer down.
 */
#define OPS_MAX		128

/* Operand kinds; input.c says how each is encoded and clamped. */
enum arg_kind {
	A_CACHE,	/* cN */
	A_OBJ,		/* cN.oM: cache * H_OBJS + slot */
	A_SHEAF,	/* sN */
	A_SIZE,		/* size=N: object size, 48..2048, a multiple of 16 */
	A_CFLAGS,	/* align=N typesafe hwalign: bit 0, bit 1, bits 2-4 */
	A_CAP,		/* sheaf=N: sheaf_capacity, 0..64 */
	A_GFP,		/* (kernel) | nowait | atomic */
	A_COUNT,	/* n=N: 1..16 objects */
	A_FILL,		/* n=N: 0..80 objects in a prefilled sheaf */
	A_BULKVIA,	/* (kmem_cache_free_bulk) | kfree_bulk */
	A_CPU,		/* N: a vCPU, taken modulo the vCPU count */
	A_NODE,		/* node=N: a node, taken modulo the node count */
	A_TICKS,	/* N: jiffies, 1..1000 (two bytes) */
	A_NFAIL,	/* N: 1..4 */
	NR_ARG_KINDS
};

#define CFLAG_TYPESAFE	0x01
#define CFLAG_HWALIGN	0x02
#define CFLAG_ALIGN_SHIFT 2	/* align index: 0 none, k: 4 << k bytes */

enum op_code {
#define OP(name, blocking, ...) OP_##name,
#include "ops.def"
#undef OP
	NR_OPS
};

#define OPS_MAX_ARGS	4

struct op_desc {
	const char *name;
	bool blocking;
	unsigned char nargs;
	unsigned char args[OPS_MAX_ARGS];	/* enum arg_kind */
};
extern const struct op_desc op_table[NR_OPS];

/* One decoded op: its code and each operand's value (not its bytes). */
struct op {
	enum op_code code;
	unsigned int arg[OPS_MAX_ARGS];
};

/* Encoded size of an op: the opcode byte plus its operand fields. */
size_t op_encoded_size(enum op_code code);

/* text.c: the text form. */
/* Formats @op as one line (no newline); returns the length. */
int op_format(const struct op *op, char *buf, size_t size);
/*
 * Parses one line.  Returns 1 and fills @op, 0 for a blank or comment
 * line ('#'), -1 with a message in @err for a bad line.
 */
int op_parse(const char *line, struct op *op, char *err, size_t errsize);
/* The fuzzing dictionary: one entry per op, in libFuzzer/AFL++ syntax. */
void ops_print_dict(FILE *out);

/* ops.c: the executor. */
struct ops_config {
	unsigned int nr_cpus;		/* from SHEAF_CPUS, default 4 */
	unsigned int nr_nodes;		/* from SHEAF_NODES, default 1 */
	const char *target;		/* named in reports */
	FILE *trace;			/* non-NULL: print each op and its effect */
	bool events;			/* with trace: also the sim event trace */
};
extern struct ops_config ops_config;

/*
 * Reads SHEAF_VARIANT, SHEAF_CPUS and SHEAF_NODES once, selects the
 * variant and installs the report hook.  Returns 0, or -EINVAL after
 * printing what is wrong.
 */
int ops_init_from_env(const char *target);
/*
 * Runs one program: a fresh environment and model, the ops, a full
 * teardown.  Any finding is reported and aborts.
 */
void ops_run(const uint8_t *data, size_t size);

#endif /* SHEAF_HARNESS_OPS_H */
