// SPDX-License-Identifier: GPL-2.0
/*
 * bench_destroy.c - the table 0f35040de593 justified itself with: the
 * latency of kmem_cache_destroy() per variant of the model, on the threads
 * backend (a pthread per vCPU worker, liburcu grace periods), and how it
 * grows with the caches that have sheaves and the vCPUs.
 *
 *   bench_destroy [--scenario slub_kunit|module_unload|custom]
 *                 [--variants pre-seed,seed-v3,fixed] [--cpus N]
 *                 [--sheaf-caches K] [--repeat R] [--csv FILE] ...
 *
 * Each run starts an environment, creates the background caches, and runs
 * the scenario once per variant, the order rotating from run to run so
 * that no variant always goes first.  Beside the times it reports what
 * does not depend on the machine: the flush work items and rcu_barrier()
 * calls per destroy (harness/bench/count.c).  The model it times is built
 * without its counters (sheaf_slab_threads_nostats); bench_destroy_stats
 * is the same program on the counting model, to measure what the counters
 * cost.  Figures worth quoting come from the release preset.
 *
 * Exit status: 0 done; 1 a run went wrong (a report, a failed check of
 * the scenario); 2 usage error or an unwritable --csv file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "variant.h"
#include "bench/bench_destroy.h"

static const char *prog = "bench_destroy";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [options]\n"
		"\n"
		"Times kmem_cache_destroy() in the model (threads backend) for each variant,\n"
		"against background caches whose rcu_free sheaves hold objects on every vCPU,\n"
		"and prints per variant the lines of 0f35040de593's table (Total calls,\n"
		"Average latency (us), Total time (us)) for the median run, min/median/max\n"
		"over the runs, flush work items and rcu_barrier() calls per call, the ratio\n"
		"to fixed, and a table per test.\n"
		"\n"
		"  --scenario S       slub_kunit (default): the 19 destroys of loading\n"
		"                     slub_kunit; module_unload: module caches destroyed at\n"
		"                     unload, as kmod's stress test does; custom: see below\n"
		"  --variants LIST    comma-separated (default pre-seed,seed-v3,fixed); see\n"
		"                     sheaf_variants --list-variants; m18 is not measured\n"
		"  --cpus N           vCPUs, 1..64 (default 24, the seed's 12 cores/24 threads)\n"
		"  --sheaf-caches K   background caches with sheaves, 0..1024 (default 2: v6.18's\n"
		"                     maple_node and vm_area_struct)\n"
		"  --pending P        kfree_rcu()'d objects per vCPU in each one's rcu_free sheaf,\n"
		"                     refilled before every destroy, 1..%d (default 8)\n"
		"  --repeat R         runs, 1..101 (default 5)\n"
		"  --csv FILE         one row per run and variant\n"
		"slub_kunit:\n"
		"  --kunit-sheaves C  sheaf_capacity of the SLAB_NO_MERGE-only test caches, as with\n"
		"                     \"sheaves for all\", 0..1024 (default 0: v6.18, none)\n"
		"module_unload:\n"
		"  --modules M        load/unload rounds, 1..10000 (default 20)\n"
		"  --module-caches C  caches per module, 1..1000 (default 16)\n"
		"custom (one cache per destroy):\n"
		"  --destroys D       1..%d (default 19)\n"
		"  --capacity C       sheaf_capacity of each, 0..1024 (default 0: no sheaves)\n"
		"  --objects O        objects allocated in each, 0..4096 (default 1)\n"
		"  --kfree-rcu F      of them freed by kfree_rcu() right before, the rest by\n"
		"                     kmem_cache_free() (default 0)\n"
		"  --from-worker      destroy from a WQ_UNBOUND | WQ_MEM_RECLAIM work item\n"
		"\n"
		"Progress goes to stderr, one line per run.  Exit status: 0 done; 1 a run\n"
		"went wrong (a report, or a scenario's check failed); 2 usage error.\n",
		prog, BENCH_BG_CAPACITY - 1, BENCH_MAX_CALLS);
}

static __attribute__((noreturn, format(printf, 1, 2))) void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	exit(2);
}

static unsigned int parse_uint(const char *flag, const char *s, unsigned long lo,
			       unsigned long hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		die_usage("%s wants an integer in %lu..%lu, not '%s'", flag, lo, hi, s);
	return (unsigned int)v;
}

static void parse_variants(struct bench_config *cfg, char *list)
{
	char *tok, *save = NULL;
	unsigned int i;

	cfg->nr_variants = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct variant_desc *d = variant_lookup(tok);

		if (!d)
			die_usage("unknown variant '%s'", tok);
		/* the environment boots once per run, as fixed */
		if (d->sites & (1UL << VS_M18_FLUSHWQ_NO_RECLAIM))
			die_usage("variant '%s' changes how the model boots; it is not measured", tok);
		for (i = 0; i < cfg->nr_variants; i++)
			if (!strcmp(cfg->variants[i], tok))
				die_usage("variant '%s' given twice", tok);
		if (cfg->nr_variants == BENCH_MAX_VARIANTS)
			die_usage("at most %d variants", BENCH_MAX_VARIANTS);
		cfg->variants[cfg->nr_variants++] = tok;
	}
	if (!cfg->nr_variants)
		die_usage("--variants wants at least one variant");
}

/* The flags that belong to one scenario only, and whether each was given. */
static const struct {
	const char *flag;
	enum bench_scenario scenario;
} scenario_flags[] = {
	{ "--kunit-sheaves", BENCH_SLUB_KUNIT },
	{ "--modules", BENCH_MODULE_UNLOAD },
	{ "--module-caches", BENCH_MODULE_UNLOAD },
	{ "--destroys", BENCH_CUSTOM },
	{ "--capacity", BENCH_CUSTOM },
	{ "--objects", BENCH_CUSTOM },
	{ "--kfree-rcu", BENCH_CUSTOM },
	{ "--from-worker", BENCH_CUSTOM },
};
static bool scenario_flag_given[ARRAY_SIZE(scenario_flags)];

static void mark_scenario_flag(const char *flag)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scenario_flags); i++)
		if (!strcmp(scenario_flags[i].flag, flag))
			scenario_flag_given[i] = true;
}

static FILE *parse_args(int argc, char **argv, struct bench_config *cfg)
{
	static char default_variants[] = "pre-seed,seed-v3,fixed";
	char *variants = default_variants;
	bool rcu_given = false;
	FILE *csv = NULL;
	unsigned int i;
	int a;

	*cfg = (struct bench_config) {
		.scenario = BENCH_SLUB_KUNIT, .cpus = 24, .sheaf_caches = 2, .pending = 8,
		.repeat = 5, .modules = 20, .module_caches = 16, .destroys = 19, .objects = 1,
	};
	for (a = 1; a < argc; a++) {
		const char *f = argv[a], *val;

		if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
			usage(stdout);
			exit(0);
		}
		mark_scenario_flag(f);
		if (!strcmp(f, "--from-worker")) {
			cfg->from_worker = true;
			continue;
		}
		if (strncmp(f, "--", 2))
			die_usage("unexpected argument '%s'", f);
		if (a + 1 >= argc)
			die_usage("%s needs a value", f);
		val = argv[++a];
		if (!strcmp(f, "--scenario")) {
			if (!strcmp(val, "slub_kunit"))
				cfg->scenario = BENCH_SLUB_KUNIT;
			else if (!strcmp(val, "module_unload"))
				cfg->scenario = BENCH_MODULE_UNLOAD;
			else if (!strcmp(val, "custom"))
				cfg->scenario = BENCH_CUSTOM;
			else
				die_usage("unknown scenario '%s' (slub_kunit, module_unload, custom)", val);
		} else if (!strcmp(f, "--variants")) {
			variants = argv[a];
		} else if (!strcmp(f, "--cpus")) {
			cfg->cpus = parse_uint(f, val, 1, VCPU_MAX);
		} else if (!strcmp(f, "--sheaf-caches")) {
			cfg->sheaf_caches = parse_uint(f, val, 0, 1024);
		} else if (!strcmp(f, "--pending")) {
			cfg->pending = parse_uint(f, val, 1, BENCH_BG_CAPACITY - 1);
		} else if (!strcmp(f, "--repeat")) {
			cfg->repeat = parse_uint(f, val, 1, 101);
		} else if (!strcmp(f, "--csv")) {
			cfg->csv = val;
		} else if (!strcmp(f, "--kunit-sheaves")) {
			cfg->kunit_sheaves = parse_uint(f, val, 0, 1024);
		} else if (!strcmp(f, "--modules")) {
			cfg->modules = parse_uint(f, val, 1, 10000);
		} else if (!strcmp(f, "--module-caches")) {
			cfg->module_caches = parse_uint(f, val, 1, 1000);
		} else if (!strcmp(f, "--destroys")) {
			cfg->destroys = parse_uint(f, val, 1, BENCH_MAX_CALLS);
		} else if (!strcmp(f, "--capacity")) {
			cfg->capacity = parse_uint(f, val, 0, 1024);
		} else if (!strcmp(f, "--objects")) {
			cfg->objects = parse_uint(f, val, 0, 4096);
		} else if (!strcmp(f, "--kfree-rcu")) {
			cfg->rcu_objects = parse_uint(f, val, 0, 4096);
			rcu_given = true;
		} else {
			die_usage("unknown option '%s'", f);
		}
	}

	for (i = 0; i < ARRAY_SIZE(scenario_flags); i++)
		if (scenario_flag_given[i] && scenario_flags[i].scenario != cfg->scenario)
			die_usage("%s applies to --scenario %s only", scenario_flags[i].flag,
				  bench_scenario_name(scenario_flags[i].scenario));
	if (rcu_given && cfg->rcu_objects > cfg->objects)
		die_usage("--kfree-rcu %u is more than --objects %u", cfg->rcu_objects, cfg->objects);
	parse_variants(cfg, variants);
	if (bench_scenario_calls(cfg) > BENCH_MAX_CALLS)
		die_usage("%u destroy calls per run; at most %d", bench_scenario_calls(cfg),
			  BENCH_MAX_CALLS);
	if ((unsigned long)bench_scenario_calls(cfg) * cfg->repeat * cfg->nr_variants > 2000000UL)
		die_usage("calls x runs x variants is more than 2000000; lower --repeat");
	if (cfg->csv) {
		csv = fopen(cfg->csv, "w");
		if (!csv)
			die_usage("cannot write %s: %s", cfg->csv, strerror(errno));
	}
	return csv;
}

/* ------------------------------------------------------- what is timed */

static void print_build(void)
{
	const char *san = "no sanitizer", *opt = "optimised", *model;

#if defined(SHEAF_ASAN)
	san = "ASan+UBSan";
#elif defined(SHEAF_TSAN)
	san = "TSan";
#endif
#ifndef __OPTIMIZE__
	opt = "not optimised";
#endif
#ifdef BENCH_MODEL_COUNTERS
	model = "with its counters (CONFIG_SLUB_STATS-like, variant() counting)";
#else
	model = "without its counters (as CONFIG_SLUB_STATS=n)";
#endif
#ifdef __clang__
	printf("build: clang %d.%d.%d", __clang_major__, __clang_minor__, __clang_patchlevel__);
#else
	printf("build: gcc %s", __VERSION__);
#endif
	printf(", %s, %s, SHEAF_DEBUG_LEVEL=%d; model %s\n", opt, san, SHEAF_DEBUG_LEVEL, model);
#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || SHEAF_DEBUG_LEVEL > 0 || !defined(__OPTIMIZE__)
	fprintf(stderr, "%s: this build carries sanitizers or the model's checks: its figures are "
		"not the model's alone (use the release preset)\n", prog);
#endif
}

static void print_machine(void)
{
	char line[256], model[128] = "unknown";
	struct utsname u;
	double load[3] = { 0 };
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	if (uname(&u))
		strcpy(u.release, "unknown");
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = -1;
	printf("machine: %ld CPUs online, %s, Linux %s, load average %.2f %.2f %.2f\n",
	       sysconf(_SC_NPROCESSORS_ONLN), model, u.release, load[0], load[1], load[2]);
}

/* What the environment's own waits cost, for reading the figures. */
static void print_environment(void)
{
	double bar[5], gp[5];
	unsigned int i;

	for (i = 0; i < 5; i++) {
		double t = bench_now_us();

		rcu_barrier();
		bar[i] = bench_now_us() - t;
		t = bench_now_us();
		synchronize_rcu();
		gp[i] = bench_now_us() - t;
	}
	printf("environment: rcu_barrier() %.0f us, synchronize_rcu() %.0f us "
	       "(median of 5, liburcu urcu-memb, nothing queued)\n", bench_median(bar, 5),
	       bench_median(gp, 5));
}

int main(int argc, char **argv)
{
	struct bench_config cfg;
	struct bench_results res = { .cfg = &cfg };
	unsigned int r, o, v;
	FILE *csv;
	bool bad = false;

	csv = parse_args(argc, argv, &cfg);
	res.nr_calls = bench_scenario_calls(&cfg);
#ifdef BENCH_MODEL_COUNTERS
	res.model_counters = true;
#endif
	res.calls = calloc((size_t)cfg.repeat * cfg.nr_variants * res.nr_calls, sizeof(*res.calls));
	if (!res.calls) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}

	printf("%s: scenario %s, %u calls per run, %u vCPUs, %u background sheaf caches x %u "
	       "objects pending per vCPU, %u run%s, variants", prog,
	       bench_scenario_name(cfg.scenario), res.nr_calls, cfg.cpus, cfg.sheaf_caches,
	       cfg.pending, cfg.repeat, cfg.repeat == 1 ? "" : "s");
	for (v = 0; v < cfg.nr_variants; v++)
		printf("%s%s", v ? "," : " ", cfg.variants[v]);
	if (cfg.scenario == BENCH_SLUB_KUNIT)
		printf(", kunit sheaf_capacity %u", cfg.kunit_sheaves);
	printf("\n");
	print_build();
	print_machine();
	fflush(stdout);

	for (r = 0; r < cfg.repeat && !bad; r++) {
		if (bench_env_start(&cfg)) {
			fprintf(stderr, "%s: the environment did not start\n", prog);
			return 1;
		}
		if (r == 0) {
			print_environment();
			fflush(stdout);
		}
		fprintf(stderr, "%s: run %u/%u:", prog, r + 1, cfg.repeat);
		for (o = 0; o < cfg.nr_variants && !bad; o++) {
			struct bench_call *calls;
			unsigned long reports = vcpu_nr_reports();

			v = (o + r) % cfg.nr_variants;
			calls = bench_result(&res, r, v);
			variant_select(cfg.variants[v]);
			bench_scenario_run(&cfg, calls);
			if (vcpu_nr_reports() != reports) {
				fprintf(stderr, "\n%s: variant %s: %lu report(s) above; its figures "
					"are not the model's\n", prog, cfg.variants[v],
					vcpu_nr_reports() - reports);
				bad = true;
			}
			if (bench_failed())
				bad = true;
			fprintf(stderr, " %s %.0f us", cfg.variants[v],
				bench_total_us(calls, res.nr_calls) / res.nr_calls);
		}
		fprintf(stderr, " (average per call)\n");
		bench_env_stop();
	}
	if (bad) {
		fprintf(stderr, "%s: stopped: a run went wrong\n", prog);
		return 1;
	}

	bench_report_summary(&res);
	bench_report_tests(&res);
	if (csv && (bench_write_csv(csv, &res) || fclose(csv))) {
		fprintf(stderr, "%s: writing %s failed\n", prog, cfg.csv);
		return 1;
	}
	free(res.calls);
	return 0;
}
