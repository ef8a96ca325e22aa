/* SPDX-License-Identifier: GPL-2.0 */
/*
 * input.h - the byte consumer: the only code that reads a fuzz input.
 *
 * Reads never fail: past the end they return 0, the default of every
 * field.  input_next_op() decodes one op (a byte naming a free opcode slot
 * is a one-byte no-op, op_assigned() false) and drops a truncated last op,
 * so every byte string is a program and every prefix of a program is a
 * program.  input_encode_op() is the inverse, used by the assembler.
 */
#ifndef SHEAF_HARNESS_INPUT_H
#define SHEAF_HARNESS_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "ops.h"

struct input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline void input_init(struct input *in, const uint8_t *data, size_t size)
{
	in->data = data;
	in->size = size;
	in->pos = 0;
}

static inline size_t input_remaining(const struct input *in)
{
	return in->size - in->pos;
}

uint8_t input_u8(struct input *in);
uint16_t input_u16(struct input *in);

/* Decodes the next op; false at the end of the input or on a truncated op. */
bool input_next_op(struct input *in, struct op *op);

/* Bytes of one operand field. */
unsigned int arg_width(enum arg_kind kind);
/* The value a field decodes to (raw: the field's bytes, little-endian). */
unsigned int arg_decode(enum arg_kind kind, unsigned int raw);
/* The smallest field that decodes to @value, or -1 if none does. */
long arg_encode(enum arg_kind kind, unsigned int value);
/*
 * Encodes @op into @out (at least op_encoded_size() bytes); returns the
 * size, or 0 when an operand value has no encoding (then @bad is the index
 * of that operand).
 */
size_t input_encode_op(const struct op *op, uint8_t *out, unsigned int *bad);

/*
 * A whole input: its ops up to the first `sched` op (at most OPS_MAX of
 * them; free-slot bytes skipped), each with the task it belongs to, and
 * the schedule, the bytes after `sched`.  Ops before the first `task` op
 * form the prologue; `task N` starts (or continues) task N's program.
 * fuzz_ops runs every op in order and ignores the tasks and the schedule.
 */
#define PROG_PROLOGUE	0xff

struct program {
	unsigned int nr_ops;
	struct op op[OPS_MAX];
	unsigned char task[OPS_MAX];	/* PROG_PROLOGUE, or 0..H_TASKS-1 */
	unsigned int nr_tasks;		/* 1 + the highest task named; 0: none */
	bool has_sched;			/* a `sched` op ended the ops */
	const uint8_t *sched;		/* the schedule's bytes */
	size_t sched_size;
};
void input_decode_program(const uint8_t *data, size_t size, struct program *p);

/*
 * The schedule: a seed of two bytes (little-endian), then entries of two
 * bytes, a gap G and an answer A.  The sim asks questions (which context
 * runs next, whether a trylock fails, ..., kernel/sim.h); the next G
 * questions get the quiet answer 0, the one after them gets A % nr, then
 * the next entry applies.  When the entries run out (a truncated last
 * entry is dropped), seed 0 answers every question with 0; any other seed
 * answers with a fixed pseudo-random sequence drawn from it: each question
 * gets a non-quiet answer with probability (1 + (seed & 7)) / 32.  The
 * entries name the decisions a race needs; the seed lets a fuzzer reach an
 * interleaving that needs many of them by changing one number.
 */
struct sched_stream {
	const uint8_t *data;
	size_t size, pos;
	uint64_t seed;
	unsigned int gap;		/* quiet answers left before the entry's */
	unsigned int answer;		/* the entry's answer byte */
	bool have;			/* an entry is loaded */
	unsigned long asked;		/* questions so far */
};
void sched_stream_init(struct sched_stream *s, const uint8_t *data, size_t size);
/* The answer to the next question, 0..nr-1 (nr >= 2). */
unsigned int sched_stream_next(struct sched_stream *s, unsigned int nr);

#endif /* SHEAF_HARNESS_INPUT_H */
