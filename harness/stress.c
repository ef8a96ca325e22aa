// SPDX-License-Identifier: GPL-2.0
/*
 * stress.c - rcutorture for the model: real threads on real liburcu grace
 * periods, for a fixed time, with every oracle that holds under real
 * concurrency (docs/stress.md).  This file is the command line, the start
 * line, the tasks' layout and the end; the rest is in harness/stress/.
 *
 * Exit status: 0 SUCCESS, 1 FAILURE (the end line names the oracle), 2 a
 * bad command line (the usage message is on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stress/stress.h"
#include "check.h"
#include "variant.h"

struct stress_opts stress_opts;
struct stress_task stress_tasks[VCPU_MAX + STRESS_MAX_READERS + 3];
unsigned int stress_nr_tasks;

static void usage(FILE *out)
{
	fprintf(out,
"usage: stress [options]\n"
"  --cpus N               vCPUs, one vCPU task each (1..%d; default: twice the\n"
"                         machine's CPUs, at least 4)\n"
"  --duration D           how long to run: 30s, 5m, 1h, 500ms or plain seconds (default 60s)\n"
"  --seed S               seeds every task's random mix (default: from the clock)\n"
"  --variant V            the model's variant (sheaf_variants --list-variants; default fixed)\n"
"  --caches K             cache slots the tasks create and destroy (1..%d; default 4)\n"
"  --readers N            RCU reader tasks (0..%d; default 2)\n"
"  --hotplug-interval T   cpu_down()/cpu_up() every T (0: off; default 1s)\n"
"  --shrink-interval T    the kvfree_rcu shrinker, kmem_cache_shrink() and memory\n"
"                         offline every T, as memory pressure calls them (0: off; default 1s)\n"
"  --stat-interval T      a stats line and a quiescent check every T (0: at the end only,\n"
"                         checks every 5s; default 10s)\n"
"  --stall-timeout T      the watchdog's limit without progress (default 60s)\n"
"  --help                 this text\n"
"Exit status: 0 SUCCESS, 1 FAILURE, 2 bad command line.\n",
		VCPU_MAX, STRESS_MAX_CACHES, STRESS_MAX_READERS);
}

static void __noreturn bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "stress: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(2);
}

/* A whole decimal number, within [lo, hi]. */
static unsigned long parse_num(const char *flag, const char *s, unsigned long lo,
			       unsigned long hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		bad_usage("%s: not a number", flag);
	v = strtoul(s, &end, 10);
	if (errno || *end)
		bad_usage("%s: not a number", flag);
	if (v < lo || v > hi)
		bad_usage("%s: out of range", flag);
	return v;
}

/* 30s, 5m, 1h, 250ms, or plain seconds; in ms, at most a week. */
static unsigned long parse_time(const char *flag, const char *s, bool zero_ok)
{
	static const struct { const char *suffix; unsigned long ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 },
	};
	unsigned long v;
	unsigned int i;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		bad_usage("%s: not a time (30s, 5m, 1h, 500ms or seconds)", flag);
	v = strtoul(s, &end, 10);
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].suffix))
			break;
	if (errno || i == ARRAY_SIZE(units))
		bad_usage("%s: not a time (30s, 5m, 1h, 500ms or seconds)", flag);
	if (v > 7 * 24 * 3600000UL / units[i].ms)
		bad_usage("%s: out of range (a week at most)", flag);
	v *= units[i].ms;
	if (!v && !zero_ok)
		bad_usage("%s: must not be 0", flag);
	return v;
}

static void parse_args(int argc, char **argv)
{
	enum { O_CPUS = 1, O_DURATION, O_SEED, O_VARIANT, O_CACHES, O_READERS, O_HOTPLUG,
	       O_SHRINK, O_STAT, O_STALL, O_HELP };
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "seed", required_argument, NULL, O_SEED },
		{ "variant", required_argument, NULL, O_VARIANT },
		{ "caches", required_argument, NULL, O_CACHES },
		{ "readers", required_argument, NULL, O_READERS },
		{ "hotplug-interval", required_argument, NULL, O_HOTPLUG },
		{ "shrink-interval", required_argument, NULL, O_SHRINK },
		{ "stat-interval", required_argument, NULL, O_STAT },
		{ "stall-timeout", required_argument, NULL, O_STALL },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool seeded = false;
	int opt;

	stress_opts = (struct stress_opts){
		.cpus = ncpu > 0 ? (unsigned int)(2 * ncpu) : 4,
		.duration_ms = 60000, .variant = "fixed", .caches = 4, .readers = 2,
		.hotplug_ms = 1000, .shrink_ms = 1000, .stat_ms = 10000, .stall_ms = 60000,
	};
	if (stress_opts.cpus < 4)
		stress_opts.cpus = 4;
	if (stress_opts.cpus > VCPU_MAX)
		stress_opts.cpus = VCPU_MAX;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (opt) {
		case O_CPUS:
			stress_opts.cpus = (unsigned int)parse_num("--cpus", optarg, 1, VCPU_MAX);
			break;
		case O_DURATION:
			stress_opts.duration_ms = parse_time("--duration", optarg, false);
			break;
		case O_SEED:
			stress_opts.seed = parse_num("--seed", optarg, 0, ~0UL);
			seeded = true;
			break;
		case O_VARIANT:
			stress_opts.variant = optarg;
			break;
		case O_CACHES:
			stress_opts.caches = (unsigned int)parse_num("--caches", optarg, 1,
								     STRESS_MAX_CACHES);
			break;
		case O_READERS:
			stress_opts.readers = (unsigned int)parse_num("--readers", optarg, 0,
								      STRESS_MAX_READERS);
			break;
		case O_HOTPLUG:
			stress_opts.hotplug_ms = parse_time("--hotplug-interval", optarg, true);
			break;
		case O_SHRINK:
			stress_opts.shrink_ms = parse_time("--shrink-interval", optarg, true);
			break;
		case O_STAT:
			stress_opts.stat_ms = parse_time("--stat-interval", optarg, true);
			break;
		case O_STALL:
			stress_opts.stall_ms = parse_time("--stall-timeout", optarg, false);
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		case ':':
			bad_usage("%s needs a value", argv[optind - 1]);
		default:
			bad_usage("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument %s", argv[optind]);
	if (stress_opts.hotplug_ms && stress_opts.cpus < 2)
		bad_usage("%s: hotplug needs at least 2 vCPUs (or --hotplug-interval 0)", "--cpus");
	if (variant_select(stress_opts.variant))
		bad_usage("--variant %s: unknown variant", stress_opts.variant);
	if (!seeded)
		stress_opts.seed = (unsigned long)time(NULL) ^ (unsigned long)getpid() << 16;
}

static void print_start(void)
{
	printf("stress-torture:--- Start of test: variant=%s cpus=%u duration=%lums seed=%lu "
	       "caches=%u readers=%u hotplug_interval=%lums shrink_interval=%lums "
	       "stat_interval=%lums stall_timeout=%lums quarantine=%s debug_level=%d "
	       "sanitizer=%s\n",
	       variant_name(), stress_opts.cpus, stress_opts.duration_ms, stress_opts.seed,
	       stress_opts.caches, stress_opts.readers, stress_opts.hotplug_ms,
	       stress_opts.shrink_ms, stress_opts.stat_ms, stress_opts.stall_ms,
#if defined(SHEAF_ASAN)
	       "on", SHEAF_DEBUG_LEVEL, "asan+ubsan"
#elif defined(SHEAF_TSAN)
	       "off", SHEAF_DEBUG_LEVEL, "tsan"
#else
	       "off", SHEAF_DEBUG_LEVEL, "none"
#endif
	       );
}

static void add_task(const char *name, int cpu, void (*fn)(void *), bool parks)
{
	struct stress_task *t = &stress_tasks[stress_nr_tasks++];

	t->name = name;
	t->parks = parks;
	if (vcpu_spawn(name, cpu, fn, t))
		vcpu_panic("vcpu_spawn failed", __func__, "task %s on vCPU %d", name, cpu);
}

static void spawn_tasks(void)
{
	static char names[VCPU_MAX + STRESS_MAX_READERS][24];
	unsigned int i, parkers = 0;

	for (i = 0; i < stress_opts.cpus; i++) {
		snprintf(names[i], sizeof(names[i]), "vcpu%u", i);
		add_task(names[i], (int)i, stress_vcpu_task, true);
		parkers++;
	}
	for (i = 0; i < stress_opts.readers; i++) {
		char *name = names[VCPU_MAX + i];

		snprintf(name, sizeof(names[0]), "reader%u", i);
		add_task(name, (int)(i % stress_opts.cpus), stress_reader_task, true);
		parkers++;
	}
	if (stress_opts.hotplug_ms) {
		add_task("hotplug", 0, stress_hotplug_task, true);
		parkers++;
	}
	if (stress_opts.shrink_ms) {
		add_task("reclaim", (int)(1 % stress_opts.cpus), stress_reclaim_task, true);
		parkers++;
	}
	stress_set_parkers(parkers);
	add_task("checker", 0, stress_checker_task, false);
}

int main(int argc, char **argv)
{
	struct model_config mcfg;
	struct vcpu_config cfg;
	char why[160];

	parse_args(argc, argv);
	stress_reports_init();
	print_start();

	vcpu_config_default(&cfg);
	cfg.nr_cpus = stress_opts.cpus;
	if (vcpu_env_init(&cfg))
		return stress_end("vcpu_env_init() refused the configuration");
	stress_oracle_init();
	model_config_default(&mcfg);
	if (model_slab_init(&mcfg))
		return stress_end("model_slab_init() failed");

	spawn_tasks();
	/* After spawn_tasks(): the monitor reads the task table. */
	stress_monitor_start();
	vcpu_run_tasks();

	vcpu_quiesce();
	model_slab_exit();
	vcpu_env_exit();
	stress_monitor_stop();
	stress_print_stats(stdout, true);

	if (vcpu_nr_reports() || stress_read(ST_ERRORS)) {
		snprintf(why, sizeof(why), "%lu report(s): %s", vcpu_nr_reports(),
			 vcpu_last_report());
		return stress_end(why);
	}
	if (model_slab_errors() || model_check_failures()) {
		snprintf(why, sizeof(why), "%lu slab error(s), %lu failed structure check(s)",
			 model_slab_errors(), model_check_failures());
		return stress_end(why);
	}
	return stress_end(NULL);
}
