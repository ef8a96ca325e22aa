/* SPDX-License-Identifier: GPL-2.0 */

/*
 * ktest.h - the smallest test runner that does the job, KUnit-flavoured.
 *
 *	static void test_rcu_barrier_waits(struct ktest *t)
 *	{
 *		KEXPECT_EQ(t, seen, 3);
 *	}
 *	static const struct ktest_case cases[] = {
 *		KTEST_CASE(test_rcu_barrier_waits),
 *		{}
 *	};
 *	KTEST_MAIN("rcu", cases)
 *
 * Each case runs in order; KEXPECT records a failure and goes on, KASSERT
 * records and returns from the case.  `prog -l` lists the cases and
 * `prog NAME...` runs only those.  The last line is "N passed, N failed".
 * Exit status: 0 if all passed, 1 otherwise, 2 on a bad argument.
 */
#ifndef SHEAF_TESTS_KTEST_H
#define SHEAF_TESTS_KTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ktest {
	const char *name;
	int failures;
};

struct ktest_case {
	const char *name;
	void (*fn)(struct ktest *t);
};

#define KTEST_CASE(fn)	{ #fn, fn }

#define KEXPECT(t, cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "    %s:%d: expected %s\n",	\
				__FILE__, __LINE__, #cond);		\
			(t)->failures++;				\
		}							\
	} while (0)
#define KASSERT(t, cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "    %s:%d: assertion %s\n",	\
				__FILE__, __LINE__, #cond);		\
			(t)->failures++;				\
			return;						\
		}							\
	} while (0)
#define KEXPECT_EQ(t, a, b)						\
	do {								\
		long long __a = (long long)(a), __b = (long long)(b);	\
		if (__a != __b) {					\
			fprintf(stderr, "    %s:%d: expected %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, __a, __b);	\
			(t)->failures++;				\
		}							\
	} while (0)
#define KEXPECT_STR_CONTAINS(t, hay, needle)				\
	do {								\
		const char *__h = (hay);				\
		if (!__h || !strstr(__h, (needle))) {			\
			fprintf(stderr, "    %s:%d: expected \"%s\" in \"%s\"\n", \
				__FILE__, __LINE__, (needle), __h ? __h : "(null)"); \
			(t)->failures++;				\
		}							\
	} while (0)

/* One step of xorshift64 (13, 7, 17): the seeded deciders' generator. */
static inline uint64_t ktest_xorshift64(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static inline int ktest_main(const char *suite, const struct ktest_case *cases,
			     int argc, char **argv)
{
	int passed = 0, failed = 0, i, a;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		for (i = 0; cases[i].name; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	for (a = 1; a < argc; a++) {
		for (i = 0; cases[i].name; i++)
			if (!strcmp(cases[i].name, argv[a]))
				break;
		if (!cases[i].name) {
			fprintf(stderr, "%s: no test case named '%s' (-l lists them)\n",
				suite, argv[a]);
			return 2;
		}
	}
	printf("# suite: %s\n", suite);
	for (i = 0; cases[i].name; i++) {
		struct ktest t = { .name = cases[i].name };

		if (argc > 1) {
			for (a = 1; a < argc; a++)
				if (!strcmp(cases[i].name, argv[a]))
					break;
			if (a == argc)
				continue;
		}
		fflush(stdout);
		cases[i].fn(&t);
		fflush(stderr);
		printf("%s %d %s\n", t.failures ? "not ok" : "ok", i + 1, t.name);
		if (t.failures)
			failed++;
		else
			passed++;
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

#define KTEST_MAIN(suite, cases)					\
	int main(int argc, char **argv)					\
	{								\
		return ktest_main((suite), (cases), argc, argv);	\
	}

#endif /* SHEAF_TESTS_KTEST_H */
