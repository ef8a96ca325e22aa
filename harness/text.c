// SPDX-License-Identifier: GPL-2.0
/*
 * text.c - the text form of the op language: the disassembler, the
 * assembler and the dictionary, all driven by the op table.
 *
 * One op per line: its name, then its operands as tokens.  Handles are
 * positional-looking words (c0, c0.o3, s1); a number without a key is the
 * op's one count-like operand (a vCPU, jiffies, failures); everything else
 * is key=value (size=64, sheaf=32, align=16, n=4, node=1) or a flag word
 * (typesafe, hwalign, nowait, atomic, kfree_bulk).  Tokens may come in any
 * order.  An omitted handle or count is an error; any other omitted operand
 * takes its default, the value a zero byte decodes to.  '#' starts a
 * comment.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

static const char *const gfp_words[] = { "kernel", "nowait", "atomic" };

static unsigned int cflags_align(unsigned int v)
{
	unsigned int k = (v >> CFLAG_ALIGN_SHIFT) & 7;

	return k ? 4u << k : 0;
}

/* Appends one operand's tokens (with a leading space each). */
static int format_arg(char *buf, size_t size, enum arg_kind kind, unsigned int v)
{
	switch (kind) {
	case A_CACHE:
		return snprintf(buf, size, " c%u", v);
	case A_OBJ:
		return snprintf(buf, size, " c%u.o%u", v / H_OBJS, v % H_OBJS);
	case A_SHEAF:
		return snprintf(buf, size, " s%u", v);
	case A_SIZE:
		return snprintf(buf, size, " size=%u", v);
	case A_CFLAGS: {
		int n = 0;

		if (cflags_align(v))
			n += snprintf(buf + n, size > (size_t)n ? size - n : 0, " align=%u",
				      cflags_align(v));
		if (v & CFLAG_TYPESAFE)
			n += snprintf(buf + n, size > (size_t)n ? size - n : 0, " typesafe");
		if (v & CFLAG_HWALIGN)
			n += snprintf(buf + n, size > (size_t)n ? size - n : 0, " hwalign");
		return n;
	}
	case A_CAP:
		return snprintf(buf, size, " sheaf=%u", v);
	case A_GFP:
		return v ? snprintf(buf, size, " %s", gfp_words[v]) : 0;
	case A_COUNT:
	case A_FILL:
		return snprintf(buf, size, " n=%u", v);
	case A_BULKVIA:
		return v ? snprintf(buf, size, " kfree_bulk") : 0;
	case A_NODE:
		return snprintf(buf, size, " node=%u", v);
	case A_CPU:
	case A_TICKS:
	case A_NFAIL:
		return snprintf(buf, size, " %u", v);
	case NR_ARG_KINDS:
		break;
	}
	return 0;
}

int op_format(const struct op *op, char *buf, size_t size)
{
	const struct op_desc *d = &op_table[op->code];
	int n = snprintf(buf, size, "%s", d->name);
	unsigned int i;

	for (i = 0; i < d->nargs; i++)
		n += format_arg(buf + n, size > (size_t)n ? size - n : 0, d->args[i], op->arg[i]);
	return n;
}

/* ------------------------------------------------------------ parsing */

struct parse {
	const struct op_desc *d;
	struct op *op;
	bool seen[OPS_MAX_ARGS];
	char *err;
	size_t errsize;
};

static __attribute__((format(printf, 2, 3))) int parse_error(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* The operand index of the first operand of @op whose kind is @kind, or -1. */
static int find_arg(const struct op_desc *d, enum arg_kind kind)
{
	unsigned int i;

	for (i = 0; i < d->nargs; i++)
		if (d->args[i] == kind)
			return (int)i;
	return -1;
}

static bool parse_uint(const char *s, unsigned int *v)
{
	char *end;
	unsigned long x;

	if (!isdigit((unsigned char)*s))
		return false;
	x = strtoul(s, &end, 10);
	if (*end || x > 0xffffff)
		return false;
	*v = (unsigned int)x;
	return true;
}

/* Stores @v as operand @kind, which the op must have and not have seen yet. */
static int set_arg(struct parse *p, enum arg_kind kind, unsigned int v, const char *tok,
		   bool merge)
{
	int i = find_arg(p->d, kind);

	if (i < 0)
		return parse_error(p, "%s takes no operand like '%s'", p->d->name, tok);
	if (p->seen[i] && !merge)
		return parse_error(p, "'%s': this operand was given twice", tok);
	p->op->arg[i] = merge && p->seen[i] ? p->op->arg[i] | v : v;
	p->seen[i] = true;
	return 0;
}

static int parse_token(struct parse *p, char *tok)
{
	unsigned int a, b, i;
	char *eq = strchr(tok, '=');
	char tail;

	if (sscanf(tok, "c%u.o%u%c", &a, &b, &tail) == 2) {
		if (a >= H_CACHES || b >= H_OBJS)
			return parse_error(p, "'%s': handles are c0..c%d and o0..o%d", tok,
					   H_CACHES - 1, H_OBJS - 1);
		return set_arg(p, A_OBJ, a * H_OBJS + b, tok, false);
	}
	if (sscanf(tok, "c%u%c", &a, &tail) == 1) {
		if (a >= H_CACHES)
			return parse_error(p, "'%s': caches are c0..c%d", tok, H_CACHES - 1);
		return set_arg(p, A_CACHE, a, tok, false);
	}
	if (sscanf(tok, "s%u%c", &a, &tail) == 1) {
		if (a >= H_SHEAVES)
			return parse_error(p, "'%s': sheaves are s0..s%d", tok, H_SHEAVES - 1);
		return set_arg(p, A_SHEAF, a, tok, false);
	}
	if (eq) {
		*eq = '\0';
		if (!parse_uint(eq + 1, &a))
			return parse_error(p, "'%s=%s': the value must be a number", tok, eq + 1);
		if (!strcmp(tok, "size"))
			return set_arg(p, A_SIZE, a, tok, false);
		if (!strcmp(tok, "sheaf"))
			return set_arg(p, A_CAP, a, tok, false);
		if (!strcmp(tok, "node"))
			return set_arg(p, A_NODE, a, tok, false);
		if (!strcmp(tok, "n"))
			return set_arg(p, find_arg(p->d, A_FILL) >= 0 ? A_FILL : A_COUNT, a, tok,
				       false);
		if (!strcmp(tok, "align")) {
			for (i = 1; i < 8; i++)
				if (a == 4u << i)
					return set_arg(p, A_CFLAGS, i << CFLAG_ALIGN_SHIFT, tok, true);
			return parse_error(p, "'align=%u': align is 8, 16, 32, ... or 512", a);
		}
		return parse_error(p, "unknown key '%s'", tok);
	}
	if (parse_uint(tok, &a)) {
		for (i = 0; i < p->d->nargs; i++)
			if (p->d->args[i] == A_CPU || p->d->args[i] == A_TICKS ||
			    p->d->args[i] == A_NFAIL)
				return set_arg(p, (enum arg_kind)p->d->args[i], a, tok, false);
		return parse_error(p, "%s takes no plain number ('%s')", p->d->name, tok);
	}
	if (!strcmp(tok, "typesafe"))
		return set_arg(p, A_CFLAGS, CFLAG_TYPESAFE, tok, true);
	if (!strcmp(tok, "hwalign"))
		return set_arg(p, A_CFLAGS, CFLAG_HWALIGN, tok, true);
	if (!strcmp(tok, "kfree_bulk"))
		return set_arg(p, A_BULKVIA, 1, tok, false);
	for (i = 0; i < 3; i++)
		if (!strcmp(tok, gfp_words[i]))
			return set_arg(p, A_GFP, i, tok, false);
	return parse_error(p, "%s: unknown operand '%s'", p->d->name, tok);
}

static const char *const arg_missing[NR_ARG_KINDS] = {
	[A_CACHE] = "a cache handle (c0)",
	[A_OBJ] = "an object handle (c0.o0)",
	[A_SHEAF] = "a sheaf handle (s0)",
	[A_CPU] = "a vCPU number",
	[A_TICKS] = "a number of jiffies",
	[A_NFAIL] = "a count",
};

static const char *const arg_range[NR_ARG_KINDS] = {
	[A_SIZE] = "size is 48..2048, a multiple of 16",
	[A_CAP] = "sheaf is 0..64",
	[A_COUNT] = "n is 1..16",
	[A_FILL] = "n is 0..80",
	[A_CPU] = "the vCPU is 0..63",
	[A_NODE] = "node is 0..3",
	[A_TICKS] = "jiffies are 1..1000",
	[A_NFAIL] = "the count is 1..4",
};

int op_parse(const char *line, struct op *op, char *err, size_t errsize)
{
	struct parse p = { .op = op, .err = err, .errsize = errsize };
	char buf[256], *tok, *save;
	uint8_t bytes[16];
	unsigned int i, bad;

	snprintf(buf, sizeof(buf), "%s", line);
	buf[strcspn(buf, "#\r\n")] = '\0';
	tok = strtok_r(buf, " \t", &save);
	if (!tok)
		return 0;
	for (i = 0; i < NR_OPS; i++)
		if (!strcmp(tok, op_table[i].name))
			break;
	if (i == NR_OPS)
		return parse_error(&p, "unknown op '%s'", tok);
	memset(op, 0, sizeof(*op));
	op->code = (enum op_code)i;
	p.d = &op_table[i];
	while ((tok = strtok_r(NULL, " \t", &save)))
		if (parse_token(&p, tok))
			return -1;
	for (i = 0; i < p.d->nargs; i++) {
		enum arg_kind k = (enum arg_kind)p.d->args[i];

		if (p.seen[i])
			continue;
		if (arg_missing[k] && k != A_TICKS && k != A_NFAIL)
			return parse_error(&p, "%s needs %s", p.d->name, arg_missing[k]);
		op->arg[i] = arg_decode(k, 0);
	}
	if (!input_encode_op(op, bytes, &bad))
		return parse_error(&p, "%s: value %u out of range (%s)", p.d->name, op->arg[bad],
				   arg_range[p.d->args[bad]] ? arg_range[p.d->args[bad]] : "?");
	return 1;
}

/* ---------------------------------------------------------- dictionary */

void ops_print_dict(FILE *out)
{
	unsigned int i, bad;

	fprintf(out, "# fuzz_ops dictionary: one entry per op of harness/ops.def, with its\n"
		     "# default operands.  Generated by 'replay --dict'; do not edit.\n");
	for (i = 0; i < NR_OPS; i++) {
		struct op op = { .code = (enum op_code)i };
		uint8_t bytes[16];
		unsigned int j;
		size_t n;

		for (j = 0; j < op_table[i].nargs; j++)
			op.arg[j] = arg_decode((enum arg_kind)op_table[i].args[j], 0);
		n = input_encode_op(&op, bytes, &bad);
		fprintf(out, "op_%s=\"", op_table[i].name);
		for (j = 0; j < n; j++)
			fprintf(out, "\\x%02x", bytes[j]);
		fprintf(out, "\"\n");
	}
}
