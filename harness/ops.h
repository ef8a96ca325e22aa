/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ops.h - the op language of the fuzz targets: the op table, a decoded op,
 * and the executor that runs a program against a fresh model.
 *
 * A program is a byte string: per op an opcode byte (a slot of the opcode
 * space, ops.def) and one field per operand (operands.def).  input.c is the only code that reads
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

#include "kernel/vcpu.h"

/* Handle tables: what a program can name. */
#define H_CACHES	4	/* c0..c3 */
#define H_OBJS		16	/* o0..o15 per cache */
#define H_SHEAVES	4	/* s0..s3, prefilled sheaves */
#define H_MAX_NESTING	8	/* rcu_read_lock() depth */
#define H_TASKS		4	/* fuzz_sched: task programs T0..T3 */
#define H_VAREAS	4	/* v0..v3, vmalloc areas */
/*
 * Ops per input; the rest is ignored.  Enough for every state a program can
 * name (a full barn of 64-object sheaves takes about 80 bulk ops), and it
 * bounds what one input costs: libFuzzer grows inputs to kilobytes within
 * minutes, and each op past the useful ones only slows the fuzzer down.
 */
#define OPS_MAX		128

/*
 * The opcode space: an opcode byte names slot byte % OP_SLOTS.  A slot
 * that names no op decodes as a one-byte no-op (".byte" in the text
 * form), so every byte string is a program.  OP_SLOT_RESERVED stays free
 * for an escape to a second page of opcodes, should the first fill up.
 */
#define OP_SLOTS		64
#define OP_SLOT_RESERVED	0x3f

/* Operand kinds (operands.def): A_CACHE, A_OBJ, ... */
enum arg_kind {
#define ARG(name, ...) A_##name,
#include "operands.def"
#undef ARG
	NR_ARG_KINDS
};

/* How the text form spells an operand (operands.def). */
enum arg_syntax {
	SYN_HANDLE,
	SYN_OBJECT,
	SYN_KEY,
	SYN_WORDS,
	SYN_NUMBER,
	SYN_CFLAGS,
};

struct arg_desc {
	const char *name;
	unsigned char width;		/* bytes */
	unsigned int lo, hi, step, dflt;
	enum arg_syntax syntax;
	const char *spelling;
	bool required;
	const char *what;
};
extern const struct arg_desc arg_table[NR_ARG_KINDS];

#define CFLAG_TYPESAFE	0x01
#define CFLAG_HWALIGN	0x02
#define CFLAG_ALIGN_SHIFT 2	/* align index: 0 none, k: 4 << k bytes */

enum op_code {
#define OP(name, opcode, blocking, ...) OP_##name = (opcode),
#include "ops.def"
#undef OP
};

#define OPS_MAX_ARGS	4

/* One slot of the opcode space; name == NULL: a free slot. */
struct op_desc {
	const char *name;
	bool blocking;
	unsigned char nargs;
	unsigned char args[OPS_MAX_ARGS];	/* enum arg_kind */
};
extern const struct op_desc op_table[OP_SLOTS];

static inline bool op_assigned(unsigned int code)
{
	return code < OP_SLOTS && op_table[code].name;
}

/*
 * One decoded op: its code and each operand's value (not its bytes).  A
 * free slot decodes as a no-op with code = its slot and @raw = its byte.
 */
struct op {
	enum op_code code;
	uint8_t raw;
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
/*
 * A whole program in the text form: ops, then after a `sched` op the
 * schedule, one decision per line ("@N A": question N gets answer A).
 * program_assemble() reads @in to the end and returns the bytes in a buffer
 * of exactly their size, or NULL after printing "@name:line: what".
 */
uint8_t *program_assemble(FILE *in, const char *name, size_t *size);
void program_disassemble(const uint8_t *data, size_t size, FILE *out);

/* The word a SYN_WORDS operand's value is spelled with; false if none. */
bool arg_value_word(enum arg_kind kind, unsigned int v, char *buf, size_t size);
/* The range of an operand kind in words: "48..2048 in steps of 16". */
int arg_format_range(enum arg_kind kind, char *buf, size_t size);

/* doc.c: what the tables say about themselves. */
/* The fuzzing dictionary: one entry per op, in libFuzzer/AFL++ syntax. */
void ops_print_dict(FILE *out);
/*
 * "operands" and "opcodes": the README's tables; "abi": the lines of
 * harness/opcodes.lock.  Returns -EINVAL for another @what.
 */
int ops_print_doc(FILE *out, const char *what);

/* ops.c: the executor. */
struct ops_config {
	unsigned int nr_cpus;		/* from SHEAF_CPUS, default 4 */
	unsigned int nr_nodes;		/* from SHEAF_NODES, default 1 */
	const char *target;		/* named in reports */
	FILE *trace;			/* non-NULL: print each op and its effect */
	const char *input_name;		/* named in reports when set (replay --no-fork) */
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
/*
 * fuzz_sched: the same, in tasks mode: the prologue on the driver, then
 * each task's ops on a task of its own, the schedule answering the sim's
 * questions (tasks.c).
 */
void sched_run(const uint8_t *data, size_t size);

#endif /* SHEAF_HARNESS_OPS_H */
