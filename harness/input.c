// SPDX-License-Identifier: GPL-2.0
/*
 * input.c - decoding a fuzz input into ops: the only code that reads the
 * bytes.
 *
 * An op is its opcode byte, which names slot byte % OP_SLOTS of the
 * opcode space (ops.def), followed by one field per operand, in the order
 * of ops.def.  A byte naming a free slot is a one-byte no-op.  Each field
 * is one or two bytes (little-endian) and is reduced into its operand's
 * range the same way for every kind (operands.def), so a mutated byte is
 * always a meaningful value and a zero byte, which is also what a read past
 * the end returns, gives the operand's everyday value (size=64, sheaf=32,
 * ...).
 */
#include <string.h>

#include "kernel/bug.h"

#include "input.h"

const struct arg_desc arg_table[NR_ARG_KINDS] = {
#define ARG(n, w, l, h, st, d, syn, sp, req, wh)				\
	[A_##n] = { .name = #n, .width = (w), .lo = (l), .hi = (h), .step = (st),	\
		    .dflt = (d), .syntax = (syn), .spelling = (sp), .required = (req),	\
		    .what = (wh) },
#include "operands.def"
#undef ARG
};

/* Every kind's grid fits its field, and its default is on the grid. */
#define ARG(n, w, l, h, st, d, ...)						\
	BUILD_BUG_ON((h) < (l) || ((h) - (l)) % (st) || (d) < (l) || (d) > (h) ||	\
		     ((d) - (l)) % (st) || ((h) - (l)) / (st) + 1 > (1u << (8 * (w)))	\
		     || ((w) != 1 && (w) != 2));
#include "operands.def"
#undef ARG

const struct op_desc op_table[OP_SLOTS] = {
#define OP(op, code, blk, ...)						\
	[code] = {							\
		.name = #op,						\
		.blocking = (blk),					\
		.nargs = sizeof((unsigned char[]){ 0, ##__VA_ARGS__ }) - 1, \
		.args = { __VA_ARGS__ },				\
	},
#include "ops.def"
#undef OP
};

/* Each op has a slot of its own, below the reserved one: a duplicate is a compile error. */
#define OP(op, code, ...) BUILD_BUG_ON((code) >= OP_SLOT_RESERVED);
#include "ops.def"
#undef OP
static inline __attribute__((unused)) void op_slots_unique(enum op_code code)
{
	switch (code) {
#define OP(op, opcode, ...) case opcode:
#include "ops.def"
#undef OP
		break;
	}
}

uint8_t input_u8(struct input *in)
{
	if (in->pos >= in->size)
		return 0;
	return in->data[in->pos++];
}

uint16_t input_u16(struct input *in)
{
	uint16_t lo = input_u8(in);

	return (uint16_t)(lo | (uint16_t)input_u8(in) << 8);
}

unsigned int arg_width(enum arg_kind kind)
{
	return arg_table[kind].width;
}

/* How many values the kind has, and the index a zero field stands for. */
static unsigned int arg_count(const struct arg_desc *a)
{
	return (a->hi - a->lo) / a->step + 1;
}

static unsigned int arg_zero_index(const struct arg_desc *a)
{
	return (a->dflt - a->lo) / a->step;
}

unsigned int arg_decode(enum arg_kind kind, unsigned int raw)
{
	const struct arg_desc *a = &arg_table[kind];

	return a->lo + (raw + arg_zero_index(a)) % arg_count(a) * a->step;
}

long arg_encode(enum arg_kind kind, unsigned int value)
{
	const struct arg_desc *a = &arg_table[kind];
	unsigned int n = arg_count(a);

	if (value < a->lo || value > a->hi || (value - a->lo) % a->step)
		return -1;
	return ((value - a->lo) / a->step + n - arg_zero_index(a)) % n;
}

size_t op_encoded_size(enum op_code code)
{
	const struct op_desc *d = &op_table[code];
	size_t n = 1;
	unsigned int i;

	for (i = 0; op_assigned(code) && i < d->nargs; i++)
		n += arg_width(d->args[i]);
	return n;
}

bool input_next_op(struct input *in, struct op *op)
{
	const struct op_desc *d;
	unsigned int i;

	if (!input_remaining(in))
		return false;
	op->raw = in->data[in->pos];
	op->code = (enum op_code)(op->raw % OP_SLOTS);
	if (input_remaining(in) < op_encoded_size(op->code)) {
		in->pos = in->size;	/* a truncated last op is dropped */
		return false;
	}
	in->pos++;
	d = &op_table[op->code];
	for (i = 0; i < OPS_MAX_ARGS; i++) {
		unsigned int raw = 0;

		if (i < d->nargs)
			raw = arg_width(d->args[i]) == 2 ? input_u16(in) : input_u8(in);
		op->arg[i] = i < d->nargs ? arg_decode(d->args[i], raw) : 0;
	}
	return true;
}

size_t input_encode_op(const struct op *op, uint8_t *out, unsigned int *bad)
{
	const struct op_desc *d = &op_table[op->code];
	size_t n = 0;
	unsigned int i;

	if (!op_assigned(op->code)) {
		out[0] = op->raw;
		return 1;
	}
	out[n++] = (uint8_t)op->code;
	for (i = 0; i < d->nargs; i++) {
		long raw = arg_encode(d->args[i], op->arg[i]);

		if (raw < 0) {
			*bad = i;
			return 0;
		}
		out[n++] = (uint8_t)raw;
		if (arg_width(d->args[i]) == 2)
			out[n++] = (uint8_t)(raw >> 8);
	}
	return n;
}

void input_decode_program(const uint8_t *data, size_t size, struct program *p)
{
	unsigned char task = PROG_PROLOGUE;
	struct input in;
	struct op op;

	p->nr_ops = 0;
	p->nr_tasks = 0;
	p->has_sched = false;
	p->sched = NULL;
	p->sched_size = 0;
	input_init(&in, data, size);
	while (input_next_op(&in, &op)) {
		if (!op_assigned(op.code))
			continue;	/* a free slot: a no-op, not counted */
		if (op.code == OP_sched) {
			p->has_sched = true;
			p->sched = data + in.pos;
			p->sched_size = size - in.pos;
			return;
		}
		if (op.code == OP_task) {
			task = (unsigned char)op.arg[0];
			if (task + 1u > p->nr_tasks)
				p->nr_tasks = task + 1u;
		}
		if (p->nr_ops < OPS_MAX) {
			p->task[p->nr_ops] = task;
			p->op[p->nr_ops++] = op;
		}
	}
}

void sched_stream_init(struct sched_stream *s, const uint8_t *data, size_t size)
{
	memset(s, 0, sizeof(*s));
	s->data = data;
	s->size = size;
	s->seed = size > 0 ? data[0] : 0;
	if (size > 1)
		s->seed |= (uint64_t)data[1] << 8;
	s->pos = min(size, (size_t)2);
}

/* The seed's answer to question @n: a hash of both, so each is its own draw. */
static unsigned int seeded_answer(uint64_t seed, unsigned long n, unsigned int nr)
{
	uint64_t x = (seed << 32 ^ n) * 0x9e3779b97f4a7c15ull;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	if ((x & 31) > (seed & 7))
		return 0;
	return 1 + (unsigned int)((x >> 8) % (nr - 1));
}

unsigned int sched_stream_next(struct sched_stream *s, unsigned int nr)
{
	s->asked++;
	if (!s->have) {
		if (s->size - s->pos < 2)
			return s->seed ? seeded_answer(s->seed, s->asked - 1, nr) : 0;
		s->gap = s->data[s->pos];
		s->answer = s->data[s->pos + 1];
		s->pos += 2;
		s->have = true;
	}
	if (s->gap) {
		s->gap--;
		return 0;
	}
	s->have = false;
	return s->answer % nr;
}
