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

#endif /* SHEAF_HARNESS_INPUT_H */
