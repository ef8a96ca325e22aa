// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_random.c - the model against a shadow of what its API promises,
 * under thousands of random operations: an allocation returns an object of
 * the right cache that no one holds (and keeps its contents until freed),
 * the live count of every cache equals the shadow's, prefilled sheaves hold
 * what the shadow says, and the structure checker (model_cache_validate(),
 * level 2) passes after every step.  At the end everything is freed and
 * destroyed: no report, no slab error, and LeakSanitizer stays quiet.
 *
 * A run is a pure function of its seed: several caches (sizes 8..1024,
 * with and without sheaves, some SLAB_TYPESAFE_BY_RCU, one SLAB_RED_ZONE),
 * four vCPUs on two nodes, the quarantine on or off, and a decider that
 * makes some trylocks and non-blocking allocations fail.  Operations:
 * alloc (plain, zeroed, non-blocking, on a node), free (kmem_cache_free,
 * kfree), bulk alloc and free (kfree_bulk too), prefill, alloc from and
 * refill a prefilled sheaf (oversize included), return it, shrink, migrate,
 * grace periods, and armed allocation failures.
 *
 * Run: ctest -R slab_random, or slab_random_sim [case...].  SLAB_RANDOM_STEPS
 * overrides the steps per seed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "slab_test.h"

#define NR_SEEDS	4
#define STEPS		12000
#define NR_CACHES	6
#define MAX_LIVE	512	/* per cache */
#define MAX_HELD	2	/* prefilled sheaves per cache */
#define MAX_BULK	48	/* > PCS_BATCH_MAX: full remote batches */
#define SET_SIZE	8192	/* > NR_CACHES * MAX_LIVE, a power of two */

static uint64_t rng;

static uint64_t next_u64(void)
{
	uint64_t x = rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(next_u64() >> 33) % n : 0;
}

static bool one_in(unsigned int n)
{
	return below(n) == 0;
}

/* Some trylocks and non-blocking allocations fail, from the same stream. */
static unsigned int random_choose(void *data, enum sim_choice what, unsigned int nr)
{
	if (what == SIM_TRYLOCK_FAIL)
		return one_in(16);
	if (what == SIM_NOWAIT_FAIL)
		return one_in(24);
	return 0;
}

static const struct sim_decider random_decider = { random_choose, NULL };

/* ------------------------------------------------------------------ */
/* The shadow                                                           */

struct shadow_cache {
	struct kmem_cache *s;
	unsigned int size;
	unsigned int cap;		/* 0: no sheaves */
	bool debug;			/* SLAB_RED_ZONE: prefill allowed without sheaves */
	void *live[MAX_LIVE];
	unsigned int nr_live;
	struct slab_sheaf *held[MAX_HELD];
	unsigned int nr_held;
};

static struct shadow_cache caches[NR_CACHES];
static void *live_set[SET_SIZE];	/* every live object, open addressing */
static unsigned long steps_run;
static uint64_t seed_run;

static unsigned int set_slot(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	return (unsigned int)(h >> 40) & (SET_SIZE - 1);
}

static bool set_has(const void *p)
{
	unsigned int i = set_slot(p);

	while (live_set[i]) {
		if (live_set[i] == p)
			return true;
		i = (i + 1) & (SET_SIZE - 1);
	}
	return false;
}

static void set_add(void *p)
{
	unsigned int i = set_slot(p);

	while (live_set[i])
		i = (i + 1) & (SET_SIZE - 1);
	live_set[i] = p;
}

/* Deletion with backward shift, so lookups never need tombstones. */
static void set_del(const void *p)
{
	unsigned int i = set_slot(p), j, k;

	while (live_set[i] != p)
		i = (i + 1) & (SET_SIZE - 1);
	live_set[i] = NULL;
	for (j = (i + 1) & (SET_SIZE - 1); live_set[j]; j = (j + 1) & (SET_SIZE - 1)) {
		k = set_slot(live_set[j]);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			live_set[i] = live_set[j];
			live_set[j] = NULL;
			i = j;
		}
	}
}

/* The byte a live object is filled with: from its address and cache. */
static unsigned char tag_of(const void *p, unsigned int ci)
{
	return (unsigned char)(((uintptr_t)p >> 4) * 31 + ci * 7 + 1);
}

/* Takes a new object into the shadow; false (and failures) on a broken promise. */
static bool adopt(struct ktest *t, unsigned int ci, void *p, bool zeroed)
{
	struct shadow_cache *sc = &caches[ci];
	unsigned int i;

	if (model_virt_to_cache(p) != sc->s || set_has(p)) {
		fprintf(stderr, "    step %lu: %s handed out %p, %s\n", steps_run,
			model_cache_name(sc->s), p,
			set_has(p) ? "which is live" : "not one of its objects");
		t->failures++;
		return false;
	}
	if (zeroed) {
		for (i = 0; i < sc->size; i++)
			if (((unsigned char *)p)[i]) {
				fprintf(stderr, "    step %lu: %s: __GFP_ZERO object %p not zeroed\n",
					steps_run, model_cache_name(sc->s), p);
				t->failures++;
				break;
			}
	}
	memset(p, tag_of(p, ci), sc->size);
	set_add(p);
	sc->live[sc->nr_live++] = p;
	return true;
}

/* Takes live object @idx out of the shadow after checking its contents. */
static void *release(struct ktest *t, unsigned int ci, unsigned int idx)
{
	struct shadow_cache *sc = &caches[ci];
	unsigned char *p = sc->live[idx], want = tag_of(p, ci);
	unsigned int i;

	for (i = 0; i < sc->size; i++)
		if (p[i] != want) {
			fprintf(stderr, "    step %lu: %s: object %p byte %u is %#x, expected %#x\n",
				steps_run, model_cache_name(sc->s), (void *)p, i, p[i], want);
			t->failures++;
			break;
		}
	sc->live[idx] = sc->live[--sc->nr_live];
	set_del(p);
	return p;
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */

/* An armed failure for the next call, sometimes; returns whether one is. */
static bool maybe_arm_failure(void)
{
	if (!one_in(12))
		return false;
	if (one_in(2))
		vcpu_fail_next(1 + below(2));
	else
		vcpu_fail_next_blocking(1 + below(2));
	return true;
}

static void disarm(void)
{
	vcpu_fail_next(0);
	vcpu_fail_next_blocking(0);
}

static void op_alloc(struct ktest *t, unsigned int ci)
{
	struct shadow_cache *sc = &caches[ci];
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_KERNEL | __GFP_ZERO, GFP_NOWAIT, GFP_ATOMIC };
	gfp_t gfp = gfps[below(ARRAY_SIZE(gfps))];
	bool armed, on_node = one_in(4);
	void *p;

	if (sc->nr_live >= MAX_LIVE)
		return;
	armed = maybe_arm_failure();
	p = on_node ? kmem_cache_alloc_node(sc->s, gfp, (int)below(2)) :
		      kmem_cache_alloc(sc->s, gfp);
	disarm();
	if (!p) {
		if (!armed && gfpflags_allow_blocking(gfp)) {
			fprintf(stderr, "    step %lu: %s: blocking allocation failed\n",
				steps_run, model_cache_name(sc->s));
			t->failures++;
		}
		return;
	}
	adopt(t, ci, p, gfp & __GFP_ZERO);
}

static void op_free(struct ktest *t, unsigned int ci)
{
	struct shadow_cache *sc = &caches[ci];
	void *p;

	if (!sc->nr_live)
		return;
	p = release(t, ci, below(sc->nr_live));
	switch (below(3)) {
	case 0:
		kmem_cache_free(sc->s, p);
		break;
	case 1:
		kfree(p);
		break;
	default:
		kvfree(p);
		break;
	}
}

static void op_alloc_bulk(struct ktest *t, unsigned int ci)
{
	struct shadow_cache *sc = &caches[ci];
	unsigned int n = 1 + below(MAX_BULK), i;
	void *p[MAX_BULK];
	bool armed;
	int got;

	if (sc->nr_live + n > MAX_LIVE)
		return;
	armed = maybe_arm_failure();
	got = kmem_cache_alloc_bulk(sc->s, GFP_KERNEL, n, p);
	disarm();
	if (got == 0) {
		if (!armed) {
			fprintf(stderr, "    step %lu: %s: bulk allocation of %u failed\n",
				steps_run, model_cache_name(sc->s), n);
			t->failures++;
		}
		return;
	}
	KEXPECT_EQ(t, got, n);
	for (i = 0; i < (unsigned int)got; i++)
		if (!adopt(t, ci, p[i], false))
			return;
}

static void op_free_bulk(struct ktest *t, unsigned int ci)
{
	struct shadow_cache *sc = &caches[ci];
	unsigned int n = 1 + below(MAX_BULK), i;
	void *p[MAX_BULK];

	if (n > sc->nr_live)
		n = sc->nr_live;
	if (!n)
		return;
	for (i = 0; i < n; i++)
		p[i] = release(t, ci, below(sc->nr_live));
	if (one_in(4))
		kfree_bulk(n, p);
	else
		kmem_cache_free_bulk(sc->s, n, p);
}

static void op_prefill(struct ktest *t, unsigned int ci)
{
	struct shadow_cache *sc = &caches[ci];
	unsigned int size = below(sc->cap + 5);
	struct slab_sheaf *sheaf;
	bool armed;

	/*
	 * Without sheaves only a debug cache may be asked (else the kernel
	 * WARNs), and only for at least one object (oversize path).
	 */
	if (sc->nr_held >= MAX_HELD || (!sc->cap && !sc->debug))
		return;
	if (!sc->cap && !size)
		size = 1;
	armed = maybe_arm_failure();
	sheaf = kmem_cache_prefill_sheaf(sc->s, GFP_KERNEL, size);
	disarm();
	if (!sheaf) {
		if (!armed) {
			fprintf(stderr, "    step %lu: %s: prefill of %u failed\n",
				steps_run, model_cache_name(sc->s), size);
			t->failures++;
		}
		return;
	}
	KEXPECT(t, kmem_cache_sheaf_size(sheaf) >= size);
	sc->held[sc->nr_held++] = sheaf;
}

static void op_use_sheaf(struct ktest *t, unsigned int ci)
{
	struct shadow_cache *sc = &caches[ci];
	struct slab_sheaf **sheafp;
	unsigned int n, size;
	void *p;
	bool armed;
	int ret;

	if (!sc->nr_held)
		return;
	sheafp = &sc->held[below(sc->nr_held)];
	switch (below(3)) {
	case 0:		/* take a few objects */
		for (n = 1 + below(6); n && sc->nr_live < MAX_LIVE; n--) {
			p = kmem_cache_alloc_from_sheaf(sc->s, GFP_KERNEL, *sheafp);
			if (!p) {
				KEXPECT_EQ(t, kmem_cache_sheaf_size(*sheafp), 0);
				break;
			}
			if (!adopt(t, ci, p, false))
				break;
		}
		break;
	case 1:		/* refill, maybe beyond its capacity */
		size = below(sc->cap + 6);
		armed = maybe_arm_failure();
		ret = kmem_cache_refill_sheaf(sc->s, GFP_KERNEL, sheafp, size);
		disarm();
		if (ret) {
			KEXPECT_EQ(t, ret, -ENOMEM);
			KEXPECT(t, armed);
		} else {
			KEXPECT(t, kmem_cache_sheaf_size(*sheafp) >= size);
		}
		break;
	default:	/* give it back */
		maybe_arm_failure();
		kmem_cache_return_sheaf(sc->s, GFP_KERNEL, *sheafp);
		disarm();
		*sheafp = sc->held[--sc->nr_held];
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The run                                                              */

static void create_caches(struct ktest *t)
{
	static const unsigned int caps[] = { 0, 0, 2, 4, 8, 16, 32, 60 };
	unsigned int ci;

	for (ci = 0; ci < NR_CACHES; ci++) {
		struct shadow_cache *sc = &caches[ci];
		struct kmem_cache_args args = { 0 };
		slab_flags_t flags = 0;
		char name[16];

		memset(sc, 0, sizeof(*sc));
		sc->size = 8 + below(1017);
		args.sheaf_capacity = caps[below(ARRAY_SIZE(caps))];
		if (one_in(3))
			flags |= SLAB_TYPESAFE_BY_RCU;
		if (one_in(4))
			flags |= SLAB_HWCACHE_ALIGN;
		if (ci == NR_CACHES - 1)
			flags |= SLAB_RED_ZONE;		/* asks for sheaves, gets none */
		if (ci == 0 && !args.sheaf_capacity)
			args.sheaf_capacity = 8;	/* at least one cache has sheaves */
		/* exactly that capacity; 0: a cache calculate_sheaf_capacity() excludes */
		args.model_default_sheaf_capacity = args.sheaf_capacity;
		if (!args.sheaf_capacity)
			flags |= SLAB_NOLEAKTRACE;
		snprintf(name, sizeof(name), "random%u", ci);
		sc->s = kmem_cache_create(name, sc->size, &args, flags);
		if (!sc->s) {
			t->failures++;
			return;
		}
		sc->cap = model_cache_has_sheaves(sc->s) ? args.sheaf_capacity : 0;
		sc->debug = flags & SLAB_RED_ZONE;
	}
}

/* The shadow's promises, checked after a step. */
static bool check_step(struct ktest *t)
{
	unsigned int ci, i;
	int ret;

	ret = model_cache_validate(NULL, 2);
	if (ret) {
		fprintf(stderr, "    step %lu: model_cache_validate() = %d\n", steps_run, ret);
		t->failures++;
		return false;
	}
	for (ci = 0; ci < NR_CACHES; ci++) {
		struct shadow_cache *sc = &caches[ci];
		struct model_cache_counts c;
		long prefilled = 0;

		for (i = 0; i < sc->nr_held; i++)
			prefilled += kmem_cache_sheaf_size(sc->held[i]);
		if (model_cache_counts(sc->s, &c) || c.live != (long)sc->nr_live ||
		    c.prefilled != prefilled) {
			fprintf(stderr, "    step %lu: %s: live %ld (shadow %u), prefilled %ld (shadow %ld)\n",
				steps_run, model_cache_name(sc->s), c.live, sc->nr_live,
				c.prefilled, prefilled);
			t->failures++;
			return false;
		}
	}
	if (vcpu_nr_reports()) {
		fprintf(stderr, "    step %lu: %lu report(s)\n", steps_run, vcpu_nr_reports());
		t->failures++;
		return false;
	}
	return true;
}

static void one_step(struct ktest *t)
{
	unsigned int ci = below(NR_CACHES), r = below(100);

	if (r < 30)
		op_alloc(t, ci);
	else if (r < 56)
		op_free(t, ci);
	else if (r < 64)
		op_alloc_bulk(t, ci);
	else if (r < 72)
		op_free_bulk(t, ci);
	else if (r < 77)
		op_prefill(t, ci);
	else if (r < 85)
		op_use_sheaf(t, ci);
	else if (r < 87)
		kmem_cache_shrink(caches[ci].s);
	else if (r < 97)
		vcpu_migrate((int)below(nr_cpu_ids));
	else if (r < 99)
		vcpu_rcu_gp();
	else
		vcpu_quiesce();
}

/* What the run exercised, so that a quiet run can be told from an idle one. */
static void print_summary(uint64_t seed)
{
	static const enum stat_item items[] = {
		ALLOC_PCS, ALLOC_SLOWPATH, FREE_PCS, FREE_SLOWPATH, BARN_GET, BARN_GET_FAIL,
		BARN_PUT, BARN_PUT_FAIL, SHEAF_REFILL, SHEAF_FLUSH, SHEAF_PREFILL_OVERSIZE,
		ALLOC_NODE_MISMATCH,
	};
	unsigned long sum[ARRAY_SIZE(items)] = { 0 };
	unsigned int ci, i;

	for (ci = 0; ci < NR_CACHES; ci++)
		for (i = 0; i < ARRAY_SIZE(items); i++)
			sum[i] += model_cache_stat(caches[ci].s, items[i]);
	printf("# seed %llu, %lu steps:", (unsigned long long)seed, steps_run);
	for (i = 0; i < ARRAY_SIZE(items); i++)
		printf(" %s=%lu", model_stat_name(items[i]), sum[i]);
	printf("\n");
}

static void teardown(struct ktest *t)
{
	unsigned int ci;

	vcpu_migrate(0);
	for (ci = 0; ci < NR_CACHES; ci++) {
		struct shadow_cache *sc = &caches[ci];

		if (!sc->s)
			continue;
		while (sc->nr_held)
			kmem_cache_return_sheaf(sc->s, GFP_KERNEL, sc->held[--sc->nr_held]);
		while (sc->nr_live)
			kmem_cache_free(sc->s, release(t, ci, sc->nr_live - 1));
		kmem_cache_destroy(sc->s);
		sc->s = NULL;
	}
}

/* Every report names the seed and the step, so a crash can be replayed. */
static void report_hook(FILE *out)
{
	fprintf(out, "slab_random: seed %llu, step %lu\n",
		(unsigned long long)seed_run, steps_run);
}

static unsigned long steps_per_seed(void)
{
	const char *env = getenv("SLAB_RANDOM_STEPS");

	return env && atol(env) > 0 ? (unsigned long)atol(env) : STEPS;
}

static void run_seed(struct ktest *t, uint64_t seed)
{
	struct slab_env e = { .cpus = 4, .nodes = 2 };
	unsigned long steps = steps_per_seed();
	unsigned int ci;

	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	seed_run = seed;
	steps_run = 0;
	memset(live_set, 0, sizeof(live_set));
	e.quarantine = seed & 1;
	KASSERT(t, !slab_env_start(&e));
	sim_set_decider(&random_decider);
	vcpu_set_report_hook(report_hook);
	create_caches(t);
	if (t->failures)
		goto out;

	for (steps_run = 0; steps_run < steps; steps_run++) {
		one_step(t);
		if (!check_step(t)) {
			fprintf(stderr, "    seed %llu failed at step %lu\n",
				(unsigned long long)seed, steps_run);
			break;
		}
	}
	print_summary(seed);
out:
	sim_set_decider(NULL);
	teardown(t);
	for (ci = 0; ci < NR_CACHES; ci++)
		KEXPECT_EQ(t, caches[ci].nr_live, 0);
	KEXPECT(t, vcpu_quiesce());
	slab_env_finish(t);
	vcpu_set_report_hook(NULL);
}

static void test_random_ops(struct ktest *t)
{
	uint64_t seed;

	for (seed = 1; seed <= NR_SEEDS && !t->failures; seed++)
		run_seed(t, seed);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_random_ops),
	{}
};
KTEST_MAIN("slab_random", cases)
