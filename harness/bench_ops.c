// SPDX-License-Identifier: GPL-2.0
/*
 * bench_ops.c - what one input of fuzz_ops costs, without a fuzzing engine:
 * loads a corpus, runs every input in this process once per round, and
 * prints the median time per input, the inputs per second that makes, the
 * CPU time and minor page faults per input (the process's, from
 * getrusage(): a fault is a first touch of memory the process had not used
 * or had given back), and the system allocations (malloc and friends) each
 * input makes, with their bytes and the most bytes one input allocated.
 *
 *   bench_ops [--target T] [--variant V] [--cpus N] [--rounds R] FILE|DIR...
 *
 * Built by every preset; the figure that matters is the fuzz preset's,
 * whose libraries carry the same coverage instrumentation as the fuzz
 * target (the engine's own work per input comes on top: docs/fuzzing.md).
 * An input that fails ends the run with its report, as in the target.
 * Exit status: 0 done, 2 usage error or unreadable file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "ops.h"

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
#include <sanitizer/allocator_interface.h>
#define HAVE_MALLOC_HOOKS 1
#endif

#include "targets.h"

static const struct fuzz_target *target = &fuzz_targets[0];

static const char *prog = "bench_ops";

struct blob {
	uint8_t *data;
	size_t size;
};

static struct blob *blobs;
static size_t nr_blobs, cap_blobs;
static size_t total_bytes;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench_ops [--target T] [--variant V] [--cpus N] [--rounds R] FILE|DIR...\n"
		"\n"
		"Runs every input (a directory: every regular file in it) once per round in\n"
		"this process, after one warm-up round, and prints per round and at the end:\n"
		"the time per input (median over the rounds), inputs per second, the CPU\n"
		"time and minor page faults per input, and the system allocations per\n"
		"input, their bytes and the most bytes one input allocated (sanitizer\n"
		"builds only).\n"
		"  --target T   whose inputs: fuzz_ops (default) or fuzz_sched\n"
		"  --variant V  model variant (sets SHEAF_VARIANT; default fixed)\n"
		"  --cpus N     vCPUs, 1..64 (sets SHEAF_CPUS; default 4)\n"
		"  --rounds R   measured rounds, 1..100000 (default 7)\n"
		"Exit status: 0 done, 2 usage error or unreadable file; a failing input\n"
		"aborts with its report, as in fuzz_ops.\n");
}

static __attribute__((noreturn)) void die(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s%s%s\n", prog, what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!f || fstat(fileno(f), &st))
		die(path, strerror(errno));
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		die(path, "out of memory");
	if (st.st_size && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path, "short read");
	fclose(f);
	if (nr_blobs == cap_blobs) {
		cap_blobs = cap_blobs ? 2 * cap_blobs : 256;
		blobs = realloc(blobs, cap_blobs * sizeof(*blobs));
		if (!blobs)
			die("out of memory", NULL);
	}
	blobs[nr_blobs].data = buf;
	blobs[nr_blobs].size = (size_t)st.st_size;
	nr_blobs++;
	total_bytes += (size_t)st.st_size;
}

static void add_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st))
		die(path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	d = opendir(path);
	if (!d)
		die(path, strerror(errno));
	while ((e = readdir(d))) {
		char *child;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&child, "%s/%s", path, e->d_name) < 0)
			die("out of memory", NULL);
		if (!stat(child, &st) && S_ISREG(st.st_mode))
			add_file(child);
		free(child);
	}
	closedir(d);
}

static unsigned long long nr_mallocs, malloc_bytes, input_bytes, max_input_bytes;

#ifdef HAVE_MALLOC_HOOKS
static void on_malloc(const volatile void *p, size_t size)
{
	nr_mallocs++;
	malloc_bytes += size;
	input_bytes += size;
}

static void on_free(const volatile void *p)
{
}
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) and minor faults of this process so far */
static double cpu_time(long *minflt)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*minflt = ru.ru_minflt;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec * 1e-6;
}

/* One input, keeping the most bytes allocated by one input */
static void run_one(const struct blob *b)
{
	input_bytes = 0;
	target->one(b->data, b->size);
	if (input_bytes > max_input_bytes)
		max_input_bytes = input_bytes;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long parse_long(const char *flag, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: %s wants an integer in %ld..%ld, not '%s'\n", prog, flag, lo, hi, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long rounds = 7;
	double *per_input, *cpu_per_input, *faults_per_input;
	unsigned long long mallocs0 __attribute__((unused)), bytes0 __attribute__((unused));
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "%s: %s needs a value (try --help)\n", prog, a);
			return 2;
		}
		if (!strcmp(a, "--variant"))
			setenv("SHEAF_VARIANT", argv[++i], 1);
		else if (!strcmp(a, "--cpus"))
			setenv("SHEAF_CPUS", argv[++i], 1);
		else if (!strcmp(a, "--rounds"))
			rounds = parse_long(a, argv[++i], 1, 100000);
		else if (!strcmp(a, "--target")) {
			target = fuzz_target_lookup(argv[++i]);
			if (!target) {
				fprintf(stderr, "%s: unknown target '%s' (fuzz_ops, fuzz_sched)\n", prog,
					argv[i]);
				return 2;
			}
		}
		else {
			fprintf(stderr, "%s: unknown option '%s' (try --help)\n", prog, a);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++)
		add_path(argv[i]);
	if (!nr_blobs)
		die("no input files", NULL);
	if (ops_init_from_env(target->name))
		return 2;
#ifdef HAVE_MALLOC_HOOKS
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
#endif
	printf("%s: %zu inputs, %zu bytes, variant %s, %u vCPUs\n", prog, nr_blobs, total_bytes,
	       getenv("SHEAF_VARIANT") ? getenv("SHEAF_VARIANT") : "fixed", ops_config.nr_cpus);

	for (size_t b = 0; b < nr_blobs; b++)	/* warm-up */
		run_one(&blobs[b]);

	per_input = calloc((size_t)rounds, sizeof(*per_input));
	cpu_per_input = calloc((size_t)rounds, sizeof(*cpu_per_input));
	faults_per_input = calloc((size_t)rounds, sizeof(*faults_per_input));
	if (!per_input || !cpu_per_input || !faults_per_input)
		die("out of memory", NULL);
	mallocs0 = nr_mallocs;
	bytes0 = malloc_bytes;
	max_input_bytes = 0;	/* the warm-up's first input set up what the process keeps */
	for (long r = 0; r < rounds; r++) {
		long flt0, flt1;
		double c0 = cpu_time(&flt0), t0 = now(), c1;

		for (size_t b = 0; b < nr_blobs; b++)
			run_one(&blobs[b]);
		per_input[r] = (now() - t0) / (double)nr_blobs;
		c1 = cpu_time(&flt1);
		cpu_per_input[r] = (c1 - c0) / (double)nr_blobs;
		faults_per_input[r] = (double)(flt1 - flt0) / (double)nr_blobs;
		printf("round %ld/%ld: %.2f us per input, %.2f us CPU, %.2f page faults\n", r + 1,
		       rounds, per_input[r] * 1e6, cpu_per_input[r] * 1e6, faults_per_input[r]);
		fflush(stdout);
	}
	qsort(per_input, (size_t)rounds, sizeof(*per_input), cmp_double);
	qsort(cpu_per_input, (size_t)rounds, sizeof(*cpu_per_input), cmp_double);
	qsort(faults_per_input, (size_t)rounds, sizeof(*faults_per_input), cmp_double);
	printf("median: %.2f us per input, %.0f inputs/s, %.2f us CPU per input, %.2f page faults "
	       "per input", per_input[rounds / 2] * 1e6, 1.0 / per_input[rounds / 2],
	       cpu_per_input[rounds / 2] * 1e6, faults_per_input[rounds / 2]);
#ifdef HAVE_MALLOC_HOOKS
	printf(", %.1f system allocations per input",
	       (double)(nr_mallocs - mallocs0) / ((double)nr_blobs * (double)rounds));
	printf(", %.0f bytes per input, at most %llu", (double)(malloc_bytes - bytes0) /
	       ((double)nr_blobs * (double)rounds), max_input_bytes);
#endif
	putchar('\n');
	fflush(stdout);
	free(per_input);
	free(cpu_per_input);
	free(faults_per_input);
	for (size_t b = 0; b < nr_blobs; b++)
		free(blobs[b].data);
	free(blobs);
	return 0;
}
