// SPDX-License-Identifier: GPL-2.0
/*
 * text.c - the text form of one op: the printer and the parser, both
 * driven by the op table (ops.def) and the operand table (operands.def).
 *
 * One op per line: its name, then its operands as tokens, in any order.
 * How each operand kind is spelled is its syntax in operands.def: handles
 * (c0, c0.o3, s1), key=value (size=64, n=4), a bare number (a vCPU,
 * jiffies), a word from a list (nowait, kfree_bulk), or the cache flags
 * (align=16 typesafe hwalign).  An operand marked required must be given;
 * any other left out takes its default.  '#' starts a comment.  A byte
 * that names a free opcode slot is written ".byte 0x2a".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* The @i-th word of a space-separated list into @buf; false past the end. */
static bool nth_word(const char *list, unsigned int i, char *buf, size_t size)
{
	size_t n;

	for (;;) {
		n = strcspn(list, " ");
		if (!i--)
			break;
		if (!list[n])
			return false;
		list += n + 1;
	}
	if (!n || n >= size)
		return false;
	memcpy(buf, list, n);
	buf[n] = '\0';
	return true;
}

bool arg_value_word(enum arg_kind kind, unsigned int v, char *buf, size_t size)
{
	const struct arg_desc *a = &arg_table[kind];

	return a->syntax == SYN_WORDS && v >= a->lo &&
	       nth_word(a->spelling, (v - a->lo) / a->step, buf, size);
}

static unsigned int cflags_align(unsigned int v)
{
	unsigned int k = (v >> CFLAG_ALIGN_SHIFT) & 7;

	return k ? 4u << k : 0;
}

/* snprintf that appends at @n and never goes past @size. */
static __attribute__((format(printf, 4, 5))) int append(char *buf, size_t size, int n,
							const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + n, size > (size_t)n ? size - (size_t)n : 0, fmt, ap);
	va_end(ap);
	return n + (r > 0 ? r : 0);
}

/* Appends one operand's tokens (with a leading space each) at @n. */
static int format_arg(char *buf, size_t size, int n, enum arg_kind kind, unsigned int v)
{
	const struct arg_desc *a = &arg_table[kind];
	char word[64];

	switch (a->syntax) {
	case SYN_HANDLE:
		return append(buf, size, n, " %s%u", a->spelling, v);
	case SYN_OBJECT:
		return append(buf, size, n, " %s%u.o%u", a->spelling, v / H_OBJS, v % H_OBJS);
	case SYN_KEY:
		return append(buf, size, n, " %s=%u", a->spelling, v);
	case SYN_WORDS:
		if (v == a->dflt || !arg_value_word(kind, v, word, sizeof(word)))
			return n;
		return append(buf, size, n, " %s", word);
	case SYN_NUMBER:
		return append(buf, size, n, " %u", v);
	case SYN_CFLAGS:
		if (cflags_align(v))
			n = append(buf, size, n, " align=%u", cflags_align(v));
		if (v & CFLAG_TYPESAFE)
			n = append(buf, size, n, " typesafe");
		if (v & CFLAG_HWALIGN)
			n = append(buf, size, n, " hwalign");
		return n;
	}
	return n;
}

int op_format(const struct op *op, char *buf, size_t size)
{
	const struct op_desc *d = &op_table[op->code];
	unsigned int i;
	int n;

	if (!op_assigned(op->code))
		return append(buf, size, 0, ".byte 0x%02x", op->raw);
	n = append(buf, size, 0, "%s", d->name);
	for (i = 0; i < d->nargs; i++)
		n = format_arg(buf, size, n, d->args[i], op->arg[i]);
	return n;
}

/* "48..2048 in steps of 16" */
int arg_format_range(enum arg_kind kind, char *buf, size_t size)
{
	const struct arg_desc *a = &arg_table[kind];
	int n = append(buf, size, 0, "%u..%u", a->lo, a->hi);

	if (a->step > 1)
		n = append(buf, size, n, " in steps of %u", a->step);
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

/* The index of the first operand of the op with @syntax (and @spelling, if given), or -1. */
static int find_arg(const struct op_desc *d, enum arg_syntax syntax, const char *spelling)
{
	unsigned int i;

	for (i = 0; i < d->nargs; i++) {
		const struct arg_desc *a = &arg_table[d->args[i]];

		if (a->syntax == syntax && (!spelling || !strcmp(a->spelling, spelling)))
			return (int)i;
	}
	return -1;
}

/* The index of @word in the words of @a, or -1. */
static int word_index(const struct arg_desc *a, const char *word)
{
	char w[64];
	unsigned int i;

	for (i = 0; nth_word(a->spelling, i, w, sizeof(w)); i++)
		if (!strcmp(w, word))
			return (int)i;
	return -1;
}

static bool parse_uint(const char *s, unsigned int *v)
{
	char *end;
	unsigned long x;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	x = strtoul(s, &end, 0);
	if (*end || errno || x > 0xffffff)
		return false;
	*v = (unsigned int)x;
	return true;
}

/* Stores @v as operand @i, which must exist and not have been given yet. */
static int set_arg(struct parse *p, int i, unsigned int v, const char *tok, bool merge)
{
	if (i < 0)
		return parse_error(p, "%s takes no operand like '%s'", p->d->name, tok);
	if (p->seen[i] && !merge)
		return parse_error(p, "'%s': this operand was given twice", tok);
	p->op->arg[i] = merge && p->seen[i] ? p->op->arg[i] | v : v;
	p->seen[i] = true;
	return 0;
}

/* Whether @tok is a handle: letters, then digits ("c2", "s0"); the letters in @prefix. */
static bool handle_token(const char *tok, char *prefix, size_t size, unsigned int *v)
{
	size_t n = 0;

	while (isalpha((unsigned char)tok[n]))
		n++;
	if (!n || n >= size || !isdigit((unsigned char)tok[n]) || !parse_uint(tok + n, v))
		return false;
	memcpy(prefix, tok, n);
	prefix[n] = '\0';
	return true;
}

static int parse_token(struct parse *p, char *tok)
{
	unsigned int a, b, i;
	char *eq = strchr(tok, '='), prefix[16], tail;
	int k;

	if (sscanf(tok, "c%u.o%u%c", &a, &b, &tail) == 2) {
		if (a >= H_CACHES || b >= H_OBJS)
			return parse_error(p, "'%s': objects are c0.o0..c%d.o%d", tok,
					   H_CACHES - 1, H_OBJS - 1);
		return set_arg(p, find_arg(p->d, SYN_OBJECT, NULL), a * H_OBJS + b, tok, false);
	}
	if (!eq && handle_token(tok, prefix, sizeof(prefix), &a)) {
		k = find_arg(p->d, SYN_HANDLE, prefix);
		if (k >= 0 && a > arg_table[p->d->args[k]].hi)
			return parse_error(p, "'%s': the %s is out of range", tok,
					   arg_table[p->d->args[k]].what);
		return set_arg(p, k, a, tok, false);
	}
	if (eq) {
		*eq = '\0';
		if (!parse_uint(eq + 1, &a))
			return parse_error(p, "'%s=%s': the value must be a number", tok, eq + 1);
		if (!strcmp(tok, "align")) {
			for (i = 1; i < 8; i++)
				if (a == 4u << i)
					return set_arg(p, find_arg(p->d, SYN_CFLAGS, NULL),
						       i << CFLAG_ALIGN_SHIFT, tok, true);
			return parse_error(p, "'align=%u': align is 8, 16, 32, ... or 512", a);
		}
		k = find_arg(p->d, SYN_KEY, tok);
		if (k < 0)
			return parse_error(p, "%s takes no key '%s'", p->d->name, tok);
		return set_arg(p, k, a, tok, false);
	}
	if (parse_uint(tok, &a))
		return set_arg(p, find_arg(p->d, SYN_NUMBER, NULL), a, tok, false);
	if (!strcmp(tok, "typesafe"))
		return set_arg(p, find_arg(p->d, SYN_CFLAGS, NULL), CFLAG_TYPESAFE, tok, true);
	if (!strcmp(tok, "hwalign"))
		return set_arg(p, find_arg(p->d, SYN_CFLAGS, NULL), CFLAG_HWALIGN, tok, true);
	for (i = 0; i < p->d->nargs; i++) {
		const struct arg_desc *ad = &arg_table[p->d->args[i]];

		if (ad->syntax != SYN_WORDS || (k = word_index(ad, tok)) < 0)
			continue;
		return set_arg(p, (int)i, ad->lo + (unsigned int)k * ad->step, tok, false);
	}
	return parse_error(p, "%s: unknown operand '%s'", p->d->name, tok);
}

/* ".byte N": a byte that names a free slot, kept as it is. */
static int parse_byte(struct parse *p, char *rest, char **save)
{
	char *tok = strtok_r(rest, " \t", save);
	unsigned int v;

	if (!tok || !parse_uint(tok, &v) || v > 0xff || strtok_r(NULL, " \t", save))
		return parse_error(p, ".byte takes one byte value (0x00..0xff)");
	if (op_assigned(v % OP_SLOTS))
		return parse_error(p, ".byte 0x%02x names the op %s: write the op instead", v,
				   op_table[v % OP_SLOTS].name);
	memset(p->op, 0, sizeof(*p->op));
	p->op->code = (enum op_code)(v % OP_SLOTS);
	p->op->raw = (uint8_t)v;
	return 1;
}

int op_parse(const char *line, struct op *op, char *err, size_t errsize)
{
	struct parse p = { .op = op, .err = err, .errsize = errsize };
	char *buf, *tok, *save;
	uint8_t bytes[16];
	unsigned int i, bad;
	int ret = 1;

	buf = strndup(line, strcspn(line, "#\r\n"));
	if (!buf)
		return parse_error(&p, "out of memory");
	tok = strtok_r(buf, " \t", &save);
	if (!tok) {
		ret = 0;
		goto out;
	}
	if (!strcmp(tok, ".byte")) {
		ret = parse_byte(&p, NULL, &save);
		goto out;
	}
	for (i = 0; i < OP_SLOTS; i++)
		if (op_assigned(i) && !strcmp(tok, op_table[i].name))
			break;
	if (i == OP_SLOTS) {
		ret = parse_error(&p, "unknown op '%s'", tok);
		goto out;
	}
	memset(op, 0, sizeof(*op));
	op->code = (enum op_code)i;
	op->raw = (uint8_t)i;
	p.d = &op_table[i];
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (parse_token(&p, tok)) {
			ret = -1;
			goto out;
		}
	}
	for (i = 0; i < p.d->nargs; i++) {
		const struct arg_desc *a = &arg_table[p.d->args[i]];

		if (p.seen[i])
			continue;
		if (a->required) {
			ret = parse_error(&p, "%s needs an operand: %s", p.d->name, a->what);
			goto out;
		}
		op->arg[i] = a->dflt;
	}
	if (!input_encode_op(op, bytes, &bad)) {
		char range[64];

		arg_format_range((enum arg_kind)p.d->args[bad], range, sizeof(range));
		ret = parse_error(&p, "%s: %u is out of range for the %s (%s)", p.d->name,
				  op->arg[bad], arg_table[p.d->args[bad]].what, range);
	}
out:
	free(buf);
	return ret;
}

/* ------------------------------------------------------------ programs */

/* Appends @n bytes to a growing buffer. */
static void put_bytes(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *b, size_t n)
{
	if (*len + n > *cap) {
		*cap = *cap ? 2 * *cap + n : 256;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	memcpy(*buf + *len, b, n);
	*len += n;
}

/* The schedule part of an assembly. */
struct sched_asm {
	long prev;		/* the last question given an answer, -1 */
	unsigned int seed;
	bool seed_out;		/* the seed bytes are written */
};

static void sched_emit_seed(struct sched_asm *sa, uint8_t **buf, size_t *len, size_t *cap)
{
	uint8_t seed[2] = { (uint8_t)sa->seed, (uint8_t)(sa->seed >> 8) };

	if (sa->seed_out)
		return;
	put_bytes(buf, len, cap, seed, 2);
	sa->seed_out = true;
}

/*
 * One schedule line: "seed S" (before any decision), or "@N A": question N
 * (counted from 0, increasing from line to line) gets answer byte A.
 * Appends the entries: a gap of more than 255 quiet answers takes filler
 * entries (255 quiet, then 0).
 */
static int parse_sched_line(const char *line, struct sched_asm *sa, uint8_t **buf, size_t *len,
			    size_t *cap, char *err, size_t errsize)
{
	char *copy = strndup(line, strcspn(line, "#\r\n")), *tok, *save, *end;
	unsigned long n;
	unsigned int a;
	int ret = 0;

	if (!copy) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	tok = strtok_r(copy, " \t", &save);
	if (!tok)
		goto out;
	ret = -1;
	if (!strcmp(tok, "seed")) {
		tok = strtok_r(NULL, " \t", &save);
		if (sa->seed_out || !tok || !parse_uint(tok, &a) || a > 0xffff ||
		    strtok_r(NULL, " \t", &save)) {
			snprintf(err, errsize, "'seed S', S of 0..65535, comes once, before the decisions");
			goto out;
		}
		sa->seed = a;
		ret = 0;
		goto out;
	}
	if (tok[0] != '@' || !isdigit((unsigned char)tok[1])) {
		snprintf(err, errsize, "after 'sched' every line is 'seed S' or a decision '@N A' ('%s')",
			 tok);
		goto out;
	}
	errno = 0;
	n = strtoul(tok + 1, &end, 10);
	if (*end || errno || n > 100000000ul || (long)n <= sa->prev) {
		snprintf(err, errsize, "'%s': decisions are numbered upwards from @0, one per line",
			 tok);
		goto out;
	}
	tok = strtok_r(NULL, " \t", &save);
	if (!tok || !parse_uint(tok, &a) || a == 0 || a > 255 || strtok_r(NULL, " \t", &save)) {
		snprintf(err, errsize, "a decision is '@N A' with an answer A of 1..255");
		goto out;
	}
	sched_emit_seed(sa, buf, len, cap);
	while ((long)n - sa->prev - 1 > 255) {
		uint8_t filler[2] = { 255, 0 };

		put_bytes(buf, len, cap, filler, 2);
		sa->prev += 256;
	}
	{
		uint8_t entry[2] = { (uint8_t)(n - (unsigned long)sa->prev - 1), (uint8_t)a };

		put_bytes(buf, len, cap, entry, 2);
	}
	sa->prev = (long)n;
	ret = 0;
out:
	free(copy);
	return ret;
}

uint8_t *program_assemble(FILE *in, const char *name, size_t *size)
{
	char err[256], *line = NULL;
	uint8_t bytes[16], *buf = NULL;
	unsigned int lineno = 0, bad, nr_ops = 0;
	size_t len = 0, cap = 0, line_cap = 0;
	struct sched_asm sa = { .prev = -1 };
	bool in_sched = false;
	struct op op;

	while (getline(&line, &line_cap, in) >= 0) {
		int r;

		lineno++;
		if (in_sched) {
			if (parse_sched_line(line, &sa, &buf, &len, &cap, err, sizeof(err)))
				goto fail;
			continue;
		}
		r = op_parse(line, &op, err, sizeof(err));
		if (r < 0)
			goto fail;
		if (!r)
			continue;
		put_bytes(&buf, &len, &cap, bytes, input_encode_op(&op, bytes, &bad));
		if (op.code == OP_sched)
			in_sched = true;
		else if (op_assigned(op.code) && ++nr_ops == OPS_MAX + 1)
			fprintf(stderr, "%s:%u: warning: ops after the %dth are not run\n", name,
				lineno, OPS_MAX);
	}
	free(line);
	if (in_sched && sa.seed)
		sched_emit_seed(&sa, &buf, &len, &cap);
	/* exactly its size, so that an overread is caught */
	buf = realloc(buf, len ? len : 1);
	if (!buf)
		abort();
	*size = len;
	return buf;

fail:
	fprintf(stderr, "%s:%u: %s\n", name, lineno, err);
	free(line);
	free(buf);
	return NULL;
}

void program_disassemble(const uint8_t *data, size_t size, FILE *out)
{
	struct input in;
	struct op op;
	char text[128];
	unsigned int n = 0, seed;
	long q = -1;

	input_init(&in, data, size);
	while (input_next_op(&in, &op)) {
		if (op_assigned(op.code) && op.code != OP_sched && n++ == OPS_MAX)
			fprintf(out, "# ops from here on are not run (more than %d)\n", OPS_MAX);
		op_format(&op, text, sizeof(text));
		fprintf(out, "%s\n", text);
		if (op.code == OP_sched)
			break;
	}
	if (op.code != OP_sched || !input_remaining(&in)) {
		if (in.pos != size)
			fprintf(out, "# %zu trailing byte(s): a truncated op, dropped\n", size - in.pos);
		return;
	}
	if (input_remaining(&in) >= 2)
		seed = input_u16(&in);
	else
		seed = input_u8(&in);
	if (seed)
		fprintf(out, "seed %u\n", seed);
	while (input_remaining(&in) >= 2) {
		unsigned int gap = input_u8(&in), answer = input_u8(&in);

		q += gap + 1;
		if (answer)
			fprintf(out, "@%ld %u\n", q, answer);
	}
	if (input_remaining(&in))
		fprintf(out, "# 1 trailing byte: a truncated decision, dropped\n");
}
