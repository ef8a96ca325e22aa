// SPDX-License-Identifier: GPL-2.0
/*
 * input.c - decoding a fuzz input into ops: the only code that reads the
 * bytes.
 *
 * An op is its opcode byte (taken modulo NR_OPS) followed by one field
 * per operand, in the order of ops.def.  Each field is one byte, except
 * A_TICKS (two, little-endian), and is reduced into its operand's range
 * here, so a mutated byte is always a meaningful value.  The reductions are
 * chosen so that a zero byte, which is also what a read past the end
 * returns, gives the operand's everyday value (size=64, sheaf=32, ...).
 */
#include "input.h"

const struct op_desc op_table[NR_OPS] = {
#define OP(op, blk, ...)						\
	[OP_##op] = {							\
		.name = #op,						\
		.blocking = (blk),					\
		.nargs = sizeof((unsigned char[]){ 0, ##__VA_ARGS__ }) - 1, \
		.args = { __VA_ARGS__ },				\
	},
#include "ops.def"
#undef OP
};

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
	return kind == A_TICKS ? 2 : 1;
}

unsigned int arg_decode(enum arg_kind kind, unsigned int raw)
{
	switch (kind) {
	case A_CACHE:	return raw % H_CACHES;
	case A_OBJ:	return raw % (H_CACHES * H_OBJS);
	case A_SHEAF:	return raw % H_SHEAVES;
	case A_SIZE:	return 16 * (3 + (raw + 1) % 126);	/* 0 -> 64 */
	case A_CFLAGS:	return raw & 0x1f;
	case A_CAP:	return (raw + 32) % 65;			/* 0 -> 32 */
	case A_GFP:	return raw % 3;
	case A_COUNT:	return 1 + raw % 16;
	case A_FILL:	return raw % 81;
	case A_BULKVIA:	return raw % 2;
	case A_CPU:	return raw % 64;
	case A_NODE:	return raw % 4;
	case A_TICKS:	return 1 + raw % 1000;
	case A_NFAIL:	return 1 + raw % 4;
	case NR_ARG_KINDS:
		break;
	}
	return 0;
}

size_t op_encoded_size(enum op_code code)
{
	const struct op_desc *d = &op_table[code];
	size_t n = 1;
	unsigned int i;

	for (i = 0; i < d->nargs; i++)
		n += arg_width(d->args[i]);
	return n;
}

bool input_next_op(struct input *in, struct op *op)
{
	const struct op_desc *d;
	unsigned int i;

	if (!input_remaining(in))
		return false;
	op->code = (enum op_code)(in->data[in->pos] % NR_OPS);
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

/* The smallest field value that decodes to @value; -1 if there is none. */
static long arg_encode(enum arg_kind kind, unsigned int value)
{
	unsigned int raw, limit = arg_width(kind) == 2 ? 0x10000 : 0x100;

	for (raw = 0; raw < limit; raw++)
		if (arg_decode(kind, raw) == value)
			return raw;
	return -1;
}

size_t input_encode_op(const struct op *op, uint8_t *out, unsigned int *bad)
{
	const struct op_desc *d = &op_table[op->code];
	size_t n = 0;
	unsigned int i;

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
