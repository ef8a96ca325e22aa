// SPDX-License-Identifier: GPL-2.0
/*
 * shadow.c - the API-contract oracle: what slab.h promises a kernel user,
 * checked against a record of every object kept outside the model.
 *
 * A structure check (allocator/check.c) sees whether the model's data is
 * consistent; a bug that keeps it consistent but breaks a promise is caught
 * only here.  The promises:
 *
 *  1. barrier: when kvfree_rcu_barrier_on_cache(s) returns, no object of s
 *     that was rcu-pending when it was called is still pending; when
 *     kvfree_rcu_barrier() returns, no object of any cache is.  "Pending"
 *     is the model's own per-cache count (model_cache_rcu_pending_quiet():
 *     from kvfree_call_rcu() to the object's free hooks), since only the
 *     model knows when its callbacks ran.  In inline mode nothing can
 *     kfree_rcu() during a barrier, so "still pending" means "pending at
 *     the call and not waited for".
 *  2. grace period: an object given to kfree_rcu() is not handed out again
 *     before a grace period that started after the kfree_rcu() completed
 *     (get_state_synchronize_rcu() at the call, polled at the reuse).
 *  3. readers: while a reader that began before an object's kfree_rcu() is
 *     inside its section, the object keeps its contents and is not
 *     poisoned (deref reads it); an object of a SLAB_TYPESAFE_BY_RCU cache
 *     freed while such a reader is inside stays accessible memory, and the
 *     allocator writes nothing into it (its free pointer is outside the
 *     object): it holds what its last user wrote.
 *  4. allocation: an object is never handed to two users at once, and a
 *     live object keeps the canaries written at allocation (head and tail).
 *  5. structure: kmem_cache_validate(s, 1) holds after every op (level 2,
 *     the full walk, in builds with SHEAF_DEBUG_LEVEL >= 2).
 * "Objects remaining" at destroy is the model's own report; ops.c makes
 * sure a program's destroy frees everything first, so that report always
 * means a model bug, and checks the slab-error count of destroy_leak.
 *
 * Objects live in per-cache handle slots (cN.oM).  A slot is empty, live,
 * or gone (freed; it still names the address, for deref).  An object that
 * matters after it is gone gets a record: every kfree_rcu() until the
 * grace period it waits for completes, and every free of a TYPESAFE
 * object while a reader is inside, until that reader leaves.
 */
#include <stdint.h>

#include "kernel/bug.h"
#include "kernel/rcupdate.h"
#include "slab.h"
#include "check.h"
#include "ops.h"
#include "shadow.h"

#ifdef SHEAF_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define MAX_RECORDS	1024

/* The structure check after each op: level 1, or the full walk in debug builds. */
#if SHEAF_DEBUG_LEVEL >= 2
#define SHADOW_CHECK_LEVEL	2
#else
#define SHADOW_CHECK_LEVEL	1
#endif

enum slot_state { SLOT_EMPTY, SLOT_LIVE, SLOT_GONE };

struct slot {
	struct h_object *p;
	unsigned long canary;
	unsigned int gone_op;		/* op index of the free (SLOT_GONE) */
	unsigned char state;
};

struct record {
	struct h_object *p;
	unsigned long canary;		/* at the time it was freed */
	unsigned long cookie;		/* KFREE_RCU: get_state_synchronize_rcu() */
	unsigned int op;		/* op index of the free */
	unsigned char c;
	unsigned char how;		/* enum shadow_free_how */
};

static struct {
	struct h_cache_shadow {
		struct kmem_cache *s;
		unsigned int size;
		bool typesafe;
		long pending_at_barrier;
		struct slot slot[H_OBJS];
	} cache[H_CACHES];
	unsigned int nr_rec;
	unsigned long untracked;	/* frees not recorded: the table was full */
	unsigned int nesting;		/* the program's rcu_read_lock() depth */
	unsigned int reader_op;		/* op index of the outermost rcu_read_lock() */
	unsigned int op;		/* op index being run */
	unsigned long seq;		/* allocations, for the canaries */
	struct record rec[MAX_RECORDS];	/* last: shadow_reset() stops before it */
} sh;

BUILD_BUG_ON(sizeof(struct h_object) > H_OBJECT_MIN_SIZE);

void shadow_reset(unsigned int op_index)
{
	/* not the record table: nr_rec = 0 empties it without a 40 KB memset */
	memset(&sh, 0, offsetof(typeof(sh), rec));
	sh.op = op_index;
}

void shadow_set_op(unsigned int index)
{
	sh.op = index;
}

void shadow_cache_set(unsigned int c, struct kmem_cache *s, unsigned int size, bool typesafe)
{
	memset(&sh.cache[c], 0, sizeof(sh.cache[c]));
	sh.cache[c].s = s;
	sh.cache[c].size = size;
	sh.cache[c].typesafe = typesafe;
}

static unsigned long make_canary(const void *p)
{
	return 0x5afec0de00000001ul ^ (++sh.seq * 0x9e3779b97f4a7c15ul) ^ (uintptr_t)p;
}

static unsigned long *tail_of(unsigned int c, struct h_object *p)
{
	return (unsigned long *)((char *)p + sh.cache[c].size - sizeof(unsigned long));
}

/* The first poisoned byte of [p, p + size), or NULL (always NULL without ASan). */
static const void *poisoned(const void *p, size_t size)
{
#ifdef SHEAF_ASAN
	return __asan_region_is_poisoned((void *)p, size);
#else
	(void)p;
	(void)size;
	return NULL;
#endif
}

/* A reader inside now began before op @op. */
static bool protected_since(unsigned int op)
{
	return sh.nesting && sh.reader_op < op;
}

/* ------------------------------------------------------------ objects */

int shadow_free_slot(unsigned int c)
{
	int i, gone = -1;

	for (i = 0; i < H_OBJS; i++) {
		if (sh.cache[c].slot[i].state == SLOT_EMPTY)
			return i;
		if (sh.cache[c].slot[i].state == SLOT_GONE && gone < 0)
			gone = i;
	}
	return gone;
}

unsigned int shadow_free_slots(unsigned int c)
{
	unsigned int i, n = 0;

	for (i = 0; i < H_OBJS; i++)
		n += sh.cache[c].slot[i].state != SLOT_LIVE;
	return n;
}

unsigned int shadow_live_count(unsigned int c)
{
	return H_OBJS - shadow_free_slots(c);
}

void *shadow_live(unsigned int c, unsigned int slot)
{
	struct slot *sl = &sh.cache[c].slot[slot];

	return sh.cache[c].s && sl->state == SLOT_LIVE ? sl->p : NULL;
}

static void drop_record(unsigned int i)
{
	sh.rec[i] = sh.rec[--sh.nr_rec];
}

/*
 * @p was just handed out by @func for cache handle @c: it must not be live
 * already, nor rcu-pending before its grace period.
 */
static void check_handout(unsigned int c, struct h_object *p, const char *func)
{
	unsigned int i, j;

	for (i = 0; i < H_CACHES; i++) {
		if (!sh.cache[i].s)
			continue;
		for (j = 0; j < H_OBJS; j++) {
			const struct slot *sl = &sh.cache[i].slot[j];

			if (sl->state == SLOT_LIVE && sl->p == p)
				vcpu_report(VCPU_REPORT_BUG,
					    "allocator contract: live object handed out twice", func,
					    "%p given for c%u is c%u.o%u, allocated and not freed", p,
					    c, i, j);
		}
	}
	for (i = 0; i < sh.nr_rec; i++) {
		struct record *r = &sh.rec[i];

		if (r->p != p || r->how != SHADOW_KFREE_RCU)
			continue;
		if (!poll_state_synchronize_rcu(r->cookie))
			vcpu_report(VCPU_REPORT_BUG,
				    "RCU contract: kfree_rcu() object reused before a grace period",
				    func, "%p (c%u) was given to kfree_rcu() at op %u; no grace period "
				    "has completed since, yet it is handed out again%s", p, r->c, r->op,
				    protected_since(r->op) ?
				    ", while a reader that began before the kfree_rcu() is inside" : "");
		drop_record(i--);
	}
}

void shadow_alloc(unsigned int c, unsigned int slot, void *obj, const char *func)
{
	struct slot *sl = &sh.cache[c].slot[slot];
	struct h_object *p = obj;
	const void *bad;

	check_handout(c, p, func);
	bad = poisoned(p, sh.cache[c].size);
	if (bad)
		vcpu_report(VCPU_REPORT_BUG, "allocator contract: object handed out poisoned", func,
			    "%p (c%u, %u bytes) is poisoned at offset %td", (void *)p, c,
			    sh.cache[c].size, (const char *)bad - (const char *)p);
	sl->p = p;
	sl->canary = make_canary(p);
	sl->state = SLOT_LIVE;
	p->canary = sl->canary;
	*tail_of(c, p) = ~sl->canary;
}

void shadow_check_live(unsigned int c, unsigned int slot, const char *func)
{
	const struct slot *sl = &sh.cache[c].slot[slot];
	const struct h_object *p = sl->p;
	const void *bad = poisoned(p, sh.cache[c].size);

	if (bad)
		vcpu_report(VCPU_REPORT_BUG, "allocator contract: live object poisoned", func,
			    "c%u.o%u = %p, allocated and not freed, is poisoned at offset %td",
			    c, slot, (const void *)p, (const char *)bad - (const char *)p);
	if (READ_ONCE(p->canary) != sl->canary || READ_ONCE(*tail_of(c, sl->p)) != ~sl->canary)
		vcpu_report(VCPU_REPORT_BUG, "allocator contract: live object overwritten", func,
			    "c%u.o%u = %p: canaries %#lx/%#lx, expected %#lx/%#lx", c, slot,
			    (const void *)p, p->canary, *tail_of(c, sl->p), sl->canary,
			    ~sl->canary);
}

static void add_record(unsigned int c, const struct slot *sl, enum shadow_free_how how,
		       unsigned long cookie)
{
	struct record *r;

	if (sh.nr_rec == MAX_RECORDS) {
		sh.untracked++;
		return;
	}
	r = &sh.rec[sh.nr_rec++];
	r->p = sl->p;
	r->canary = sl->canary;
	r->cookie = cookie;
	r->op = sh.op;
	r->c = (unsigned char)c;
	r->how = (unsigned char)how;
}

/*
 * Called right before the model's free: the cookie of kfree_rcu() must be
 * the grace-period state at the call.
 */
void shadow_freed(unsigned int c, unsigned int slot, enum shadow_free_how how)
{
	struct slot *sl = &sh.cache[c].slot[slot];

	if (how == SHADOW_KFREE_RCU)
		add_record(c, sl, how, get_state_synchronize_rcu());
	else if (sh.cache[c].typesafe && sh.nesting)
		add_record(c, sl, how, 0);
	sl->state = SLOT_GONE;
	sl->gone_op = sh.op;
}

void shadow_cache_gone(unsigned int c)
{
	unsigned int i;

	for (i = 0; i < sh.nr_rec; i++)
		if (sh.rec[i].c == c)
			drop_record(i--);
	shadow_cache_set(c, NULL, 0, false);
}

/* ------------------------------------------------------------ readers */

void shadow_reader_lock(void)
{
	if (sh.nesting++ == 0)
		sh.reader_op = sh.op;
}

void shadow_reader_unlock(void)
{
	unsigned int i;

	if (!sh.nesting || --sh.nesting)
		return;
	/* TYPESAFE records matter only to the reader that just left. */
	for (i = 0; i < sh.nr_rec; i++)
		if (sh.rec[i].how == SHADOW_FREE)
			drop_record(i--);
}

unsigned int shadow_reader_nesting(void)
{
	return sh.nesting;
}

static struct record *find_record(struct h_object *p, unsigned int op)
{
	unsigned int i;

	for (i = 0; i < sh.nr_rec; i++)
		if (sh.rec[i].p == p && sh.rec[i].op == op)
			return &sh.rec[i];
	return NULL;
}

/*
 * What the head of a freed TYPESAFE object must hold: the canary of its
 * newest user, live now (handed out again) or freed again since.
 */
static unsigned long typesafe_contents(const struct record *r)
{
	const struct record *newest = r;
	unsigned int i, j;

	for (i = 0; i < H_CACHES; i++)
		for (j = 0; j < H_OBJS; j++)
			if (sh.cache[i].slot[j].state == SLOT_LIVE && sh.cache[i].slot[j].p == r->p)
				return sh.cache[i].slot[j].canary;
	for (i = 0; i < sh.nr_rec; i++)
		if (sh.rec[i].p == r->p && sh.rec[i].op > newest->op)
			newest = &sh.rec[i];
	return newest->canary;
}

const char *shadow_deref(unsigned int c, unsigned int slot)
{
	struct slot *sl = &sh.cache[c].slot[slot];
	unsigned long expect;
	struct record *r;
	const void *bad;

	if (!sh.cache[c].s || sl->state == SLOT_EMPTY)
		return "no object: skipped";
	if (sl->state == SLOT_LIVE) {
		shadow_check_live(c, slot, "deref");
		return "live: canaries intact";
	}
	r = find_record(sl->p, sl->gone_op);
	if (!r || !protected_since(r->op))
		return "freed, no reader protects it: skipped";
	bad = poisoned(r->p, sh.cache[c].size);
	if (r->how == SHADOW_KFREE_RCU) {
		if (bad)
			vcpu_report(VCPU_REPORT_BUG,
				    "RCU reader contract: kfree_rcu() object poisoned inside a reader",
				    "deref", "c%u.o%u = %p was given to kfree_rcu() at op %u, after the "
				    "reader began (op %u), and is poisoned at offset %td already", c,
				    slot, (void *)r->p, r->op, sh.reader_op,
				    (const char *)bad - (const char *)r->p);
		if (READ_ONCE(r->p->canary) != r->canary)
			vcpu_report(VCPU_REPORT_BUG,
				    "RCU reader contract: kfree_rcu() object reused inside a reader",
				    "deref", "c%u.o%u = %p was given to kfree_rcu() at op %u, after the "
				    "reader began (op %u); its canary is %#lx, expected %#lx", c, slot,
				    (void *)r->p, r->op, sh.reader_op, r->p->canary, r->canary);
		return "rcu-pending under a reader: canary intact";
	}
	if (bad)
		vcpu_report(VCPU_REPORT_BUG,
			    "SLAB_TYPESAFE_BY_RCU contract: freed object inaccessible inside a reader",
			    "deref", "c%u.o%u = %p was freed at op %u, after the reader began (op %u); "
			    "its memory is poisoned at offset %td", c, slot, (void *)r->p, r->op,
			    sh.reader_op, (const char *)bad - (const char *)r->p);
	expect = typesafe_contents(r);
	if (READ_ONCE(r->p->canary) != expect)
		vcpu_report(VCPU_REPORT_BUG,
			    "SLAB_TYPESAFE_BY_RCU contract: allocator wrote into a freed object",
			    "deref", "c%u.o%u = %p, freed at op %u under a reader: its head is %#lx, "
			    "expected %#lx (what its last user wrote); the free pointer of a TYPESAFE "
			    "cache lives outside the object", c, slot, (void *)r->p, r->op,
			    r->p->canary, expect);
	return "typesafe, freed under a reader: accessible and unchanged";
}

/* ----------------------------------------------------------- barriers */

static long pending_of(unsigned int c)
{
	long pending;

	if (!sh.cache[c].s || model_cache_rcu_pending_quiet(sh.cache[c].s, &pending))
		return -1;
	return pending;
}

void shadow_barrier_begin(int c)
{
	unsigned int i;

	for (i = 0; i < H_CACHES; i++)
		if (c < 0 || (unsigned int)c == i)
			sh.cache[i].pending_at_barrier = pending_of(i);
}

void shadow_barrier_end(int c)
{
	unsigned int i;

	for (i = 0; i < H_CACHES; i++) {
		long after;

		if (c >= 0 && (unsigned int)c != i)
			continue;
		after = pending_of(i);
		if (after <= 0)
			continue;
		vcpu_report(VCPU_REPORT_BUG,
			    c < 0 ? "barrier contract: object pending after kvfree_rcu_barrier()" :
				    "barrier contract: object pending after kvfree_rcu_barrier_on_cache()",
			    c < 0 ? "kvfree_rcu_barrier" : "kvfree_rcu_barrier_on_cache",
			    "cache c%u (%s): %ld object(s) rcu-pending when the barrier was called, "
			    "%ld still pending after it returned", i, kmem_cache_name(sh.cache[i].s),
			    sh.cache[i].pending_at_barrier, after);
	}
}

/* ------------------------------------------------------------ each op */

void shadow_after_op(void)
{
	unsigned int i;

	for (i = 0; i < H_CACHES; i++) {
		if (!sh.cache[i].s)
			continue;
		/* -EBUSY: a blocked work item is inside the cache; nothing to check. */
		if (kmem_cache_validate(sh.cache[i].s, SHADOW_CHECK_LEVEL) == -EUCLEAN)
			vcpu_report(VCPU_REPORT_BUG, "slab structure check failed", "kmem_cache_validate",
				    "cache c%u (%s): see the kmem_cache_validate line above", i,
				    kmem_cache_name(sh.cache[i].s));
	}
	/* A kfree_rcu() record is done once its grace period completed. */
	for (i = 0; i < sh.nr_rec; i++) {
		struct record *r = &sh.rec[i];

		if (r->how == SHADOW_KFREE_RCU && !protected_since(r->op) &&
		    poll_state_synchronize_rcu(r->cookie))
			drop_record(i--);
	}
}
