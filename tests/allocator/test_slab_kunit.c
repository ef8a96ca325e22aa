// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab_kunit.c - the slub_kunit cases about destroying caches and
 * freeing objects wrongly, on the model (lib/tests/slub_kunit.c): a leaked
 * object makes the destroy fail with one "Objects remaining" report and
 * two slab errors, and leaks the cache on purpose; a double destroy, a
 * double free and invalid frees are each reported once and change
 * nothing else.  Every case runs with and without sheaves.
 *
 * Run: ctest -R slab_kunit, or slab_kunit_sim [case...].
 */
#include <unistd.h>

#include "slab_test.h"

static bool start(struct ktest *t, bool quarantine)
{
	struct slab_env e = SLAB_ENV_DEFAULT;

	e.quarantine = quarantine;
	if (slab_env_start(&e)) {
		t->failures++;
		return false;
	}
	return true;
}

/* The two flavours of cache: 0f35040de593's kunit caches (no sheaves), and 7.0's. */
static struct kmem_cache *kunit_cache(const char *name, bool sheaves)
{
	struct kmem_cache_args args = {
		.sheaf_capacity = sheaves ? 8 : 0,
		.model_default_sheaf_capacity = sheaves ? 8 : 0,
	};

	return kmem_cache_create(name, 64, &args, SLAB_NO_MERGE | (sheaves ? 0 : SLAB_NOLEAKTRACE));
}

/* ------------------------------------------------------------------ */
/* stderr capture, to count the lines of a report                      */

struct capture {
	FILE *file;
	int saved_fd;
	char text[8192];
};

static bool capture_begin(struct capture *c)
{
	fflush(stderr);
	c->file = tmpfile();
	if (!c->file)
		return false;
	c->saved_fd = dup(STDERR_FILENO);
	dup2(fileno(c->file), STDERR_FILENO);
	return true;
}

/* Restores stderr, echoes what was captured to it, keeps it in c->text. */
static void capture_end(struct capture *c)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved_fd, STDERR_FILENO);
	close(c->saved_fd);
	rewind(c->file);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
	c->text[n] = '\0';
	fclose(c->file);
	fputs(c->text, stderr);
}

static unsigned int count_lines_with(const char *text, const char *what)
{
	unsigned int n = 0;
	const char *line = text;

	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *hit = strstr(line, what);

		if (hit && hit < line + len)
			n++;
		line += len + (eol != NULL);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* test_leak_destroy                                                    */

/*
 * KUnit's test_leak_destroy: in a KUnit run the failed destroy counts
 * slab errors instead of reporting (1 for the header + 1 per object), the
 * cache stays allocated (its name and the leaked object are still usable,
 * so ASan would flag a release), and it is no longer on slab_caches.
 * model_slab_exit() reclaims it, so LeakSanitizer has nothing to say.
 */
static void leak_destroy_kunit(struct ktest *t, bool sheaves)
{
	struct kmem_cache *s;
	char *obj;
	bool old;

	KASSERT(t, start(t, false));
	KASSERT(t, s = kunit_cache("TestSlub_leak_destroy", sheaves));
	KASSERT(t, obj = kmem_cache_alloc(s, GFP_KERNEL));

	old = model_set_slab_kunit_test(true);
	kmem_cache_destroy(s);
	model_set_slab_kunit_test(old);

	KEXPECT_EQ(t, model_slab_errors(), 2);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);
	KEXPECT(t, !strcmp(model_cache_name(s), "TestSlub_leak_destroy"));
	KEXPECT(t, model_virt_to_cache(obj) == s);
	memset(obj, 0x5a, 64);
	KEXPECT_EQ(t, model_cache_validate(NULL, 2), 0);
	slab_env_stop();
}

static void test_leak_destroy(struct ktest *t)
{
	leak_destroy_kunit(t, false);
}

static void test_leak_destroy_sheaves(struct ktest *t)
{
	leak_destroy_kunit(t, true);
}

/*
 * Outside KUnit the same destroy is reported: exactly one "Objects
 * remaining" block for the slab, one "Object 0x..." line per leaked
 * object, and the WARN of kmem_cache_destroy().
 */
static void leak_destroy_report(struct ktest *t, bool sheaves)
{
	struct capture cap;
	struct kmem_cache *s;
	void *obj[3];
	unsigned int i;
	bool old;

	KASSERT(t, start(t, false));
	KASSERT(t, s = kunit_cache("leak_report", sheaves));
	for (i = 0; i < ARRAY_SIZE(obj); i++)
		KASSERT(t, obj[i] = kmem_cache_alloc(s, GFP_KERNEL));
	/* a freed object in between must not be listed */
	kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));

	old = vcpu_set_panic_on_report(false);
	KASSERT(t, capture_begin(&cap));
	kmem_cache_destroy(s);
	capture_end(&cap);
	vcpu_set_panic_on_report(old);

	KEXPECT_EQ(t, count_lines_with(cap.text, "Objects remaining"), 1);
	KEXPECT_EQ(t, count_lines_with(cap.text, "Object 0x"), ARRAY_SIZE(obj));
	KEXPECT_EQ(t, count_lines_with(cap.text, "Slab cache still has objects"), 1);
	KEXPECT_EQ(t, model_slab_errors(), 1 + ARRAY_SIZE(obj));
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	vcpu_clear_reports();
	slab_env_stop();
}

static void test_leak_destroy_reported(struct ktest *t)
{
	leak_destroy_report(t, false);
}

static void test_leak_destroy_reported_sheaves(struct ktest *t)
{
	leak_destroy_report(t, true);
}

/* ------------------------------------------------------------------ */
/* kmem_cache_double_destroy, kmem_cache_double_free, invalid frees     */

/* The second destroy is KASAN's slab-use-after-free, reported once. */
static void double_destroy(struct ktest *t, bool sheaves)
{
	struct kmem_cache *s;
	bool old;

	KASSERT(t, start(t, false));
	KASSERT(t, s = kunit_cache("TestSlub_double_destroy", sheaves));
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), 0);

	old = vcpu_set_panic_on_report(false);
	kmem_cache_destroy(s);
	vcpu_set_panic_on_report(old);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "use-after-free");
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "kmem_cache_destroy");

	kmem_cache_destroy(NULL);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	vcpu_clear_reports();
	slab_env_finish(t);
}

static void test_kmem_cache_double_destroy(struct ktest *t)
{
	double_destroy(t, false);
}

static void test_kmem_cache_double_destroy_sheaves(struct ktest *t)
{
	double_destroy(t, true);
}

/*
 * The second free is KASAN's double-free, reported once; the object stays
 * where the first free put it (a sheaf, the quarantine or its slab), so the
 * structure is intact and the destroy succeeds.
 */
static void double_free(struct ktest *t, bool sheaves, bool quarantine)
{
	struct model_cache_counts c;
	struct kmem_cache *s;
	void *p, *q;
	bool old;

	KASSERT(t, start(t, quarantine));
	KASSERT(t, s = kunit_cache("TestSlub_double_free", sheaves));
	KASSERT(t, p = kmem_cache_alloc(s, GFP_KERNEL));
	KASSERT(t, q = kmem_cache_alloc(s, GFP_KERNEL));
	kmem_cache_free(s, p);

	old = vcpu_set_panic_on_report(false);
	kmem_cache_free(s, p);
	KEXPECT_EQ(t, vcpu_nr_reports(), 1);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "double-free");
	kfree(p);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	vcpu_set_panic_on_report(old);

	c = cache_counts(t, s);
	KEXPECT_EQ(t, c.live, 1);
	KEXPECT_EQ(t, c.quarantined, quarantine ? 1 : 0);
	KEXPECT_EQ(t, model_cache_validate(s, 2), 0);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), 2);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	vcpu_clear_reports();
	slab_env_finish(t);
}

static void test_kmem_cache_double_free(struct ktest *t)
{
	double_free(t, false, false);
}

static void test_kmem_cache_double_free_sheaves(struct ktest *t)
{
	double_free(t, true, false);
}

static void test_kmem_cache_double_free_quarantine(struct ktest *t)
{
	double_free(t, true, true);
}

/*
 * Invalid frees: inside an object, outside any slab, an array of them in a
 * bulk free; each reported once as invalid-free and otherwise ignored.  An
 * object freed to the wrong cache is a WARN, then freed to its own cache
 * (CONFIG_SLAB_FREELIST_HARDENED).  kfree(NULL) is silent.
 */
static void invalid_free(struct ktest *t, bool sheaves)
{
	struct kmem_cache *s, *other;
	char *p, stack_obj[16];
	void *bad[2];
	unsigned long reports = 0;
	bool old;

	KASSERT(t, start(t, false));
	KASSERT(t, s = kunit_cache("TestSlub_invalid_free", sheaves));
	KASSERT(t, other = kunit_cache("TestSlub_other", sheaves));
	KASSERT(t, p = kmem_cache_alloc(s, GFP_KERNEL));

	old = vcpu_set_panic_on_report(false);
	kmem_cache_free(s, p + 1);
	KEXPECT_EQ(t, vcpu_nr_reports(), ++reports);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "invalid-free");
	kfree(p + 8);
	KEXPECT_EQ(t, vcpu_nr_reports(), ++reports);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "invalid-free");
	kfree(stack_obj);
	KEXPECT_EQ(t, vcpu_nr_reports(), ++reports);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "invalid-free");
	kmem_cache_free(s, stack_obj);
	KEXPECT_EQ(t, vcpu_nr_reports(), ++reports);
	bad[0] = stack_obj;
	bad[1] = p + 2;
	kmem_cache_free_bulk(s, ARRAY_SIZE(bad), bad);
	KEXPECT_EQ(t, vcpu_nr_reports(), reports += 2);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "invalid-free");
	kfree(NULL);
	KEXPECT_EQ(t, vcpu_nr_reports(), reports);
	KEXPECT_EQ(t, cache_counts(t, s).live, 1);

	kmem_cache_free(other, p);
	KEXPECT_EQ(t, vcpu_nr_reports(), ++reports);
	KEXPECT_STR_CONTAINS(t, vcpu_last_report(), "Wrong slab cache");
	vcpu_set_panic_on_report(old);
	KEXPECT_EQ(t, cache_counts(t, s).live, 0);
	KEXPECT_EQ(t, cache_counts(t, other).live, 0);
	KEXPECT_EQ(t, model_cache_validate(NULL, 2), 0);

	kmem_cache_destroy(other);
	kmem_cache_destroy(s);
	KEXPECT_EQ(t, vcpu_nr_reports(), reports);
	KEXPECT_EQ(t, model_slab_errors(), 0);
	vcpu_clear_reports();
	slab_env_finish(t);
}

static void test_kmem_cache_invalid_free(struct ktest *t)
{
	invalid_free(t, false);
}

static void test_kmem_cache_invalid_free_sheaves(struct ktest *t)
{
	invalid_free(t, true);
}

static const struct ktest_case cases[] = {
	KTEST_CASE(test_leak_destroy),
	KTEST_CASE(test_leak_destroy_sheaves),
	KTEST_CASE(test_leak_destroy_reported),
	KTEST_CASE(test_leak_destroy_reported_sheaves),
	KTEST_CASE(test_kmem_cache_double_destroy),
	KTEST_CASE(test_kmem_cache_double_destroy_sheaves),
	KTEST_CASE(test_kmem_cache_double_free),
	KTEST_CASE(test_kmem_cache_double_free_sheaves),
	KTEST_CASE(test_kmem_cache_double_free_quarantine),
	KTEST_CASE(test_kmem_cache_invalid_free),
	KTEST_CASE(test_kmem_cache_invalid_free_sheaves),
	{}
};
KTEST_MAIN("slab_kunit", cases)
