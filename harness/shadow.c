// SPDX-License-Identifier: GPL-2.0
/*
 * shadow.c - the API-contract oracle: what slab.h promises a kernel user,
 * checked against a record of every object kept outside the model.
 *
 * A structure check (allocator/check.c) sees whether the model's data is
 * consistent; a bug that keeps it consistent but breaks a promise is caught
 * only here.  Every promise is stated per object and per reader, so that it
 * holds however the tasks of fuzz_sched interleave ("before" and "after"
 * are the shadow's event sequence: each op's start and end, in order):
 *
 *  1. barrier: when kvfree_rcu_barrier_on_cache(s) returns, every object of
 *     s whose kfree_rcu() *returned* before the barrier *started* has been
 *     given back by the kfree_rcu machinery (the model's rcu free hook,
 *     check.h); kvfree_rcu_barrier() the same for every cache, and
 *     kmem_cache_destroy(s), which runs the barrier, for s.  An object
 *     queued while the barrier runs is not covered.
 *  2. grace period: an object given to kfree_rcu() is neither given back
 *     for its free hooks nor handed out again before a grace period that
 *     started after the kfree_rcu() began (get_state_synchronize_rcu() at
 *     the start of the call, polled then).
 *  3. readers: while a reader that began before an object's kfree_rcu()
 *     is inside its section, the object keeps its contents and is not
 *     poisoned (deref by that reader's task reads it); an object of a
 *     SLAB_TYPESAFE_BY_RCU cache freed while such a reader is inside stays
 *     accessible memory, and the allocator writes nothing into it (its free
 *     pointer is outside the object): it holds what its last user wrote.
 *     With SLUB_RCU_DEBUG (op rcu_debug) a TYPESAFE object's free finishes
 *     after a grace period, in slab_free_after_rcu_debug(): promise 2 holds
 *     for it as for a kfree_rcu() (not given back, not handed out before a
 *     grace period that began after the free).
 *  4. allocation: an object is never handed to two users at once, and a
 *     live object keeps the canaries written at allocation (head and tail).
 *  5. structure: model_cache_validate(s, 1) holds after every op for every
 *     cache no context is inside (level 2, the full walk, in builds with
 *     SHEAF_DEBUG_LEVEL >= 2).
 * "Objects remaining" at destroy is the model's own report; ops.c makes
 * sure a program's destroy frees everything first, so that report always
 * means a model bug, and checks the slab-error count of destroy_leak.
 *
 * Objects live in per-cache handle slots (cN.oM).  A slot is empty,
 * reserved (an allocation in progress), live, or gone (freed; it still
 * names the address, for deref).  An object that matters after it is gone
 * gets a record: every kfree_rcu() until the machinery gave it back and its
 * grace period and the readers it must outlast are over, and every free of
 * a TYPESAFE object while a reader is inside, until the readers that began
 * before it left.
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
#define VM_C		0xff		/* the "cache" of a vmalloc area's record */

/* The structure check after each op: level 1, or the full walk in debug builds. */
#if SHEAF_DEBUG_LEVEL >= 2
#define SHADOW_CHECK_LEVEL	2
#else
#define SHADOW_CHECK_LEVEL	1
#endif

enum slot_state { SLOT_EMPTY, SLOT_RESERVED, SLOT_LIVE, SLOT_GONE };

struct slot {
	struct h_object *p;
	unsigned long canary;
	unsigned long gone_seq;		/* when it was freed (SLOT_GONE) */
	unsigned char state;
};

struct record {
	struct h_object *p;
	unsigned long canary;		/* at the time it was freed */
	unsigned long cookie;		/* KFREE_RCU: get_state_synchronize_rcu() at the call */
	unsigned long seq;		/* the start of the freeing op */
	unsigned long seq_ret;		/* KFREE_RCU: when the call returned; 0: not yet */
	unsigned int op;		/* its op index, for reports */
	/*
	 * The cache it belongs to: a merged cache outlives the handle it was
	 * freed through, so barriers and destroys match records by cache.
	 */
	const struct kmem_cache *s;
	unsigned char c, slot;		/* c == VM_C: vmalloc area v<slot> */
	unsigned char how;		/* enum shadow_free_how */
	bool in_use;
	bool given_back;		/* KFREE_RCU, rcu_debug: the model's rcu free hook saw it */
	bool rcu_debug;			/* FREE of a TYPESAFE object with SLUB_RCU_DEBUG on */
	bool deferred;			/* rcu_debug: slab_free_hook() deferred it (it may not) */
	unsigned char path;		/* enum model_rcu_path, once given back */
};

struct reader {
	unsigned int nesting;		/* rcu_read_lock() depth */
	unsigned long seq;		/* when the outermost rcu_read_lock() ran */
	unsigned int op;		/* its op index */
};

static struct {
	struct h_cache_shadow {
		struct kmem_cache *s;
		unsigned int size;
		bool typesafe;
		bool ctor;		/* objects carry shadow_ctor()'s stamp */
		struct slot slot[H_OBJS];
	} cache[H_CACHES];
	struct vm_shadow {
		struct h_object *p;
		unsigned long canary;
		unsigned int size;
		unsigned char state;	/* enum slot_state */
	} vm[H_VAREAS];
	struct shadow_task {
		struct reader reader;
		unsigned long op_seq;	/* the start of its op in progress */
		unsigned int op;	/* its index */
		unsigned long barrier_seq;
		unsigned int barrier_op;
		const struct kmem_cache *barrier_cache;	/* NULL: every cache */
	} task[SHADOW_TASKS];
	unsigned long seq;		/* the event sequence */
	unsigned int rec_hi;		/* records in use are below this */
	unsigned int nr_rec;
	unsigned long untracked;	/* frees not recorded: the table was full */
	unsigned long allocs;		/* for the canaries */
	struct record rec[MAX_RECORDS];	/* last: shadow_reset() stops before it */
} sh;

BUILD_BUG_ON(sizeof(struct h_object) > H_OBJECT_MIN_SIZE);
BUILD_BUG_ON(sizeof(struct h_object) + 2 * sizeof(unsigned long) > H_CTOR_MIN_SIZE);	/* ctor_word() */

static void rcu_free_hook(const void *obj, enum model_rcu_path path);

void shadow_reset(void)
{
	/* not the record table: rec_hi = 0 empties it without a 40 KB memset */
	memset(&sh, 0, offsetof(typeof(sh), rec));
	model_set_rcu_free_hook(rcu_free_hook);
}

void shadow_op_begin(unsigned int t, unsigned int index)
{
	sh.task[t].op_seq = ++sh.seq;
	sh.task[t].op = index;
}

void shadow_op_end(unsigned int t)
{
	++sh.seq;
}

void shadow_cache_set(unsigned int c, struct kmem_cache *s, unsigned int size, bool typesafe,
		      bool ctor)
{
	memset(&sh.cache[c], 0, sizeof(sh.cache[c]));
	sh.cache[c].s = s;
	sh.cache[c].size = size;
	sh.cache[c].typesafe = typesafe;
	sh.cache[c].ctor = ctor;
}

/*
 * The constructed state lives in the word after struct h_object, which the
 * harness never writes (its canary is before, the tail canary at the end of
 * the smallest such object, H_CTOR_MIN_SIZE, is after), so every allocation
 * from a constructor cache must find it as the constructor left it: the
 * kernel runs a cache's constructor once per object, when the slab is
 * allocated, and users count on the state surviving free and reuse (no
 * zeroing, no init_on_free, the free pointer outside the object).
 */
static unsigned long *ctor_word(void *obj)
{
	return (unsigned long *)((char *)obj + sizeof(struct h_object));
}

static unsigned long ctor_stamp(const void *obj)
{
	return 0xc7011a7ed0b1ec75ul ^ (uintptr_t)obj;
}

void shadow_ctor(void *obj)
{
	*ctor_word(obj) = ctor_stamp(obj);
}

static unsigned long make_canary(const void *p)
{
	return 0x5afec0de00000001ul ^ (++sh.allocs * 0x9e3779b97f4a7c15ul) ^ (uintptr_t)p;
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

/* How a report names the object of a record: "c0.o3", or "v1". */
static const char *rec_name(const struct record *r, char *buf, size_t size)
{
	if (r->c == VM_C)
		snprintf(buf, size, "v%u", r->slot);
	else
		snprintf(buf, size, "c%u.o%u", r->c, r->slot);
	return buf;
}

/* ------------------------------------------------------------ readers */

/* Task @t's reader is inside and began before the event @seq. */
static bool reader_protects(unsigned int t, unsigned long seq)
{
	const struct reader *r = &sh.task[t].reader;

	return r->nesting && r->seq < seq;
}

/* Some task's reader is inside and began before @seq. */
static bool any_reader_protects(unsigned long seq)
{
	unsigned int t;

	for (t = 0; t < SHADOW_TASKS; t++)
		if (reader_protects(t, seq))
			return true;
	return false;
}

static bool any_reader(void)
{
	unsigned int t;

	for (t = 0; t < SHADOW_TASKS; t++)
		if (sh.task[t].reader.nesting)
			return true;
	return false;
}

void shadow_reader_lock(unsigned int t)
{
	struct reader *r = &sh.task[t].reader;

	if (r->nesting++ == 0) {
		r->seq = sh.task[t].op_seq;
		r->op = sh.task[t].op;
	}
}

static void drop_record(unsigned int i);

void shadow_reader_unlock(unsigned int t)
{
	struct reader *r = &sh.task[t].reader;
	unsigned int i;

	if (!r->nesting || --r->nesting)
		return;
	/* TYPESAFE records matter only to the readers that began before them. */
	for (i = 0; i < sh.rec_hi; i++)
		if (sh.rec[i].in_use && sh.rec[i].how == SHADOW_FREE &&
		    (!sh.rec[i].deferred || sh.rec[i].given_back) &&
		    !any_reader_protects(sh.rec[i].seq))
			drop_record(i);
}

unsigned int shadow_reader_nesting(unsigned int t)
{
	return sh.task[t].reader.nesting;
}

/* ------------------------------------------------------------ records */

static struct record *new_record(void)
{
	unsigned int i;

	if (sh.nr_rec == MAX_RECORDS) {
		sh.untracked++;
		return NULL;
	}
	for (i = 0; i < sh.rec_hi && sh.rec[i].in_use; i++)
		;
	if (i == sh.rec_hi)
		sh.rec_hi++;
	sh.nr_rec++;
	memset(&sh.rec[i], 0, sizeof(sh.rec[i]));
	sh.rec[i].in_use = true;
	return &sh.rec[i];
}

static void drop_record(unsigned int i)
{
	sh.rec[i].in_use = false;
	sh.nr_rec--;
	while (sh.rec_hi && !sh.rec[sh.rec_hi - 1].in_use)
		sh.rec_hi--;
}

/* A KFREE_RCU record whose object the machinery has not given back. */
static struct record *pending_record_of(const void *p)
{
	unsigned int i;

	for (i = 0; i < sh.rec_hi; i++) {
		struct record *r = &sh.rec[i];

		if (r->in_use && r->p == p && r->how == SHADOW_KFREE_RCU && !r->given_back)
			return r;
	}
	return NULL;
}

/*
 * SLUB_RCU_DEBUG: slab_free_hook() defers the free of a TYPESAFE object
 * (DEFER), and slab_free_after_rcu_debug() resumes it, when a grace period
 * that began after the free must be over.  The record stays while a reader
 * that began before the free is inside (deref checks it).
 */
static void rcu_debug_free_hook(const void *obj, enum model_rcu_path path)
{
	bool defer = path == MODEL_RCU_DEBUG_DEFER;
	struct record *r = NULL;
	unsigned int i;
	char name[16];

	for (i = 0; i < sh.rec_hi && !r; i++)
		if (sh.rec[i].in_use && sh.rec[i].p == obj && sh.rec[i].rcu_debug &&
		    sh.rec[i].deferred != defer && !sh.rec[i].given_back)
			r = &sh.rec[i];
	if (!r)
		return;
	if (defer) {
		r->deferred = true;
		return;
	}
	r->given_back = true;
	r->path = MODEL_RCU_DEBUG;
	if (!poll_state_synchronize_rcu(r->cookie))
		vcpu_report(VCPU_REPORT_BUG,
			    "RCU contract: SLUB_RCU_DEBUG free finished before a grace period",
			    "slab_free_after_rcu_debug",
			    "%s = %p of a SLAB_TYPESAFE_BY_RCU cache was freed at op %u; no grace "
			    "period has completed since, yet its free hooks run again now%s",
			    rec_name(r, name, sizeof(name)), (void *)r->p, r->op,
			    any_reader_protects(r->seq) ?
			    ", while a reader that began before the free is inside" : "");
	if (!any_reader_protects(r->seq))
		drop_record((unsigned int)(r - sh.rec));
}

/*
 * The model gives back an object of the kfree_rcu machinery, right before
 * its free hooks: the grace period it waited for must be over (promise 2).
 * Called from RCU callbacks and workers too; it reads the shadow and marks
 * the record.
 */
static void rcu_free_hook(const void *obj, enum model_rcu_path path)
{
	struct record *r;
	char name[16];

	if (path == MODEL_RCU_DEBUG || path == MODEL_RCU_DEBUG_DEFER) {
		rcu_debug_free_hook(obj, path);
		return;
	}
	r = pending_record_of(obj);
	if (!r)
		return;
	r->given_back = true;
	r->path = (unsigned char)path;
	if (!poll_state_synchronize_rcu(r->cookie))
		vcpu_report(VCPU_REPORT_BUG,
			    "RCU contract: kfree_rcu() object freed before a grace period",
			    model_rcu_path_name(path),
			    "%s = %p was given to kfree_rcu() at op %u; no grace period has "
			    "completed since, yet the %s path runs its free hooks now%s",
			    rec_name(r, name, sizeof(name)), (void *)r->p, r->op,
			    model_rcu_path_name(path),
			    any_reader_protects(r->seq) ?
			    ", while a reader that began before the kfree_rcu() is inside" : "");
}

/* ------------------------------------------------------------ objects */

int shadow_reserve_slot(unsigned int c)
{
	int i, gone = -1;

	for (i = 0; i < H_OBJS; i++) {
		if (sh.cache[c].slot[i].state == SLOT_EMPTY)
			break;
		if (sh.cache[c].slot[i].state == SLOT_GONE && gone < 0)
			gone = i;
	}
	if (i == H_OBJS)
		i = gone;
	if (i >= 0)
		sh.cache[c].slot[i].state = SLOT_RESERVED;
	return i;
}

void shadow_unreserve(unsigned int c, unsigned int slot)
{
	sh.cache[c].slot[slot].state = SLOT_EMPTY;
}

unsigned int shadow_free_slots(unsigned int c)
{
	unsigned int i, n = 0;

	for (i = 0; i < H_OBJS; i++)
		n += sh.cache[c].slot[i].state == SLOT_EMPTY || sh.cache[c].slot[i].state == SLOT_GONE;
	return n;
}

unsigned int shadow_live_count(unsigned int c)
{
	unsigned int i, n = 0;

	for (i = 0; i < H_OBJS; i++)
		n += sh.cache[c].slot[i].state == SLOT_LIVE;
	return n;
}

void *shadow_live(unsigned int c, unsigned int slot)
{
	struct slot *sl = &sh.cache[c].slot[slot];

	return sh.cache[c].s && sl->state == SLOT_LIVE ? sl->p : NULL;
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
	for (i = 0; i < sh.rec_hi; i++) {
		struct record *r = &sh.rec[i];

		if (!r->in_use || r->p != p)
			continue;
		if (r->rcu_debug) {
			/* not deferred: its rcu_delayed_free could not be allocated */
			if (r->deferred && !poll_state_synchronize_rcu(r->cookie))
				vcpu_report(VCPU_REPORT_BUG,
					    "RCU contract: SLUB_RCU_DEBUG object reused before a grace period",
					    func, "%p (c%u.o%u) of a SLAB_TYPESAFE_BY_RCU cache was freed "
					    "at op %u; no grace period has completed since, yet it is "
					    "handed out again", p, r->c, r->slot, r->op);
			drop_record(i);
			continue;
		}
		if (r->how != SHADOW_KFREE_RCU)
			continue;
		if (!poll_state_synchronize_rcu(r->cookie))
			vcpu_report(VCPU_REPORT_BUG,
				    "RCU contract: kfree_rcu() object reused before a grace period",
				    func, "%p (c%u.o%u) was given to kfree_rcu() at op %u; no grace "
				    "period has completed since, yet it is handed out again%s", p, r->c,
				    r->slot, r->op, any_reader_protects(r->seq) ?
				    ", while a reader that began before the kfree_rcu() is inside" : "");
		drop_record(i);
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
			    "%p (c%u.o%u, %u bytes) is poisoned at offset %td", (void *)p, c, slot,
			    sh.cache[c].size, (const char *)bad - (const char *)p);
	else if (sh.cache[c].ctor && *ctor_word(p) != ctor_stamp(p))
		vcpu_report(VCPU_REPORT_BUG, "allocator contract: object handed out unconstructed",
			    func, "%p (c%u.o%u) of a cache with a constructor holds %#lx where its "
			    "constructor wrote %#lx", (void *)p, c, slot, *ctor_word(p),
			    ctor_stamp(p));
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

/*
 * Called right before the model's free: the cookie of kfree_rcu() is the
 * grace-period state at the start of the call.
 */
int shadow_freed(unsigned int t, unsigned int c, unsigned int slot, enum shadow_free_how how)
{
	struct slot *sl = &sh.cache[c].slot[slot];
	bool rcu_debug = how == SHADOW_FREE && sh.cache[c].typesafe && model_slub_rcu_debug();
	struct record *r = NULL;

	if (how == SHADOW_FREE_NOLOCK)
		how = SHADOW_FREE;
	if (how == SHADOW_KFREE_RCU || rcu_debug || (sh.cache[c].typesafe && any_reader()))
		r = new_record();
	if (r) {
		r->p = sl->p;
		r->canary = sl->canary;
		r->cookie = how == SHADOW_KFREE_RCU || rcu_debug ? get_state_synchronize_rcu() : 0;
		r->rcu_debug = rcu_debug;
		r->seq = sh.task[t].op_seq;
		r->op = sh.task[t].op;
		r->s = sh.cache[c].s;
		r->c = (unsigned char)c;
		r->slot = (unsigned char)slot;
		r->how = (unsigned char)how;
	}
	sl->state = SLOT_GONE;
	sl->gone_seq = sh.task[t].op_seq;
	return r && how == SHADOW_KFREE_RCU ? (int)(r - sh.rec) : -1;
}

void shadow_kfree_rcu_returned(int rec)
{
	if (rec >= 0)
		sh.rec[rec].seq_ret = ++sh.seq;
}

/* ------------------------------------------------------- vmalloc areas */

bool shadow_vm_reserve(unsigned int v)
{
	if (sh.vm[v].state == SLOT_LIVE || sh.vm[v].state == SLOT_RESERVED)
		return false;
	sh.vm[v].state = SLOT_RESERVED;
	return true;
}

void shadow_vm_unreserve(unsigned int v)
{
	sh.vm[v].state = SLOT_EMPTY;
}

void shadow_vm_alloc(unsigned int v, void *obj, unsigned int size)
{
	struct vm_shadow *vm = &sh.vm[v];
	struct h_object *p = obj;

	vm->p = p;
	vm->size = size;
	vm->canary = make_canary(p);
	vm->state = SLOT_LIVE;
	p->canary = vm->canary;
}

void *shadow_vm_live(unsigned int v)
{
	return sh.vm[v].state == SLOT_LIVE ? sh.vm[v].p : NULL;
}

int shadow_vm_freed(unsigned int t, unsigned int v, enum shadow_free_how how)
{
	struct vm_shadow *vm = &sh.vm[v];
	struct record *r = NULL;

	if (READ_ONCE(vm->p->canary) != vm->canary)
		vcpu_report(VCPU_REPORT_BUG, "allocator contract: live object overwritten",
			    how == SHADOW_KFREE_RCU ? "kvfree_call_rcu" : "vfree",
			    "v%u = %p: canary %#lx, expected %#lx", v, (void *)vm->p,
			    vm->p->canary, vm->canary);
	if (how == SHADOW_KFREE_RCU)
		r = new_record();
	if (r) {
		r->p = vm->p;
		r->canary = vm->canary;
		r->cookie = get_state_synchronize_rcu();
		r->seq = sh.task[t].op_seq;
		r->op = sh.task[t].op;
		r->c = VM_C;
		r->slot = (unsigned char)v;
		r->how = (unsigned char)how;
	}
	vm->state = SLOT_GONE;
	return r ? (int)(r - sh.rec) : -1;
}

/*
 * The handle's objects are forgotten; the records of the cache's frees are
 * dropped only with its last handle (the cache itself is gone then): while
 * another handle names a merged cache, a kfree_rcu() made through this one
 * is still the machinery's, and the next barrier must see it.
 */
void shadow_cache_gone(unsigned int c)
{
	const struct kmem_cache *s = sh.cache[c].s;
	unsigned int i;

	for (i = 0; i < H_CACHES; i++)
		if (i != c && sh.cache[i].s && sh.cache[i].s == s)
			break;
	if (i == H_CACHES)
		for (i = 0; i < sh.rec_hi; i++)
			if (sh.rec[i].in_use && sh.rec[i].c != VM_C && sh.rec[i].s == s)
				drop_record(i);
	shadow_cache_set(c, NULL, 0, false, false);
}

/* The record of the free of @p that started at @seq. */
static struct record *find_record(struct h_object *p, unsigned long seq)
{
	unsigned int i;

	for (i = 0; i < sh.rec_hi; i++)
		if (sh.rec[i].in_use && sh.rec[i].p == p && sh.rec[i].seq == seq)
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
	for (i = 0; i < sh.rec_hi; i++)
		if (sh.rec[i].in_use && sh.rec[i].p == r->p && sh.rec[i].seq > newest->seq)
			newest = &sh.rec[i];
	return newest->canary;
}

const char *shadow_deref(unsigned int t, unsigned int c, unsigned int slot)
{
	struct slot *sl = &sh.cache[c].slot[slot];
	const struct reader *rd = &sh.task[t].reader;
	unsigned long expect;
	struct record *r;
	const void *bad;

	if (!sh.cache[c].s || sl->state == SLOT_EMPTY || sl->state == SLOT_RESERVED)
		return "no object: skipped";
	if (sl->state == SLOT_LIVE) {
		shadow_check_live(c, slot, "deref");
		return "live: canaries intact";
	}
	r = find_record(sl->p, sl->gone_seq);
	if (!r || !reader_protects(t, r->seq))
		return "freed, no reader of this task protects it: skipped";
	bad = poisoned(r->p, sh.cache[c].size);
	if (r->how == SHADOW_KFREE_RCU) {
		if (bad)
			vcpu_report(VCPU_REPORT_BUG,
				    "RCU reader contract: kfree_rcu() object poisoned inside a reader",
				    "deref", "c%u.o%u = %p was given to kfree_rcu() at op %u, after the "
				    "reader began (op %u), and is poisoned at offset %td already", c,
				    slot, (void *)r->p, r->op, rd->op,
				    (const char *)bad - (const char *)r->p);
		if (READ_ONCE(r->p->canary) != r->canary)
			vcpu_report(VCPU_REPORT_BUG,
				    "RCU reader contract: kfree_rcu() object reused inside a reader",
				    "deref", "c%u.o%u = %p was given to kfree_rcu() at op %u, after the "
				    "reader began (op %u); its canary is %#lx, expected %#lx", c, slot,
				    (void *)r->p, r->op, rd->op, r->p->canary, r->canary);
		return "rcu-pending under a reader: canary intact";
	}
	if (bad)
		vcpu_report(VCPU_REPORT_BUG,
			    "SLAB_TYPESAFE_BY_RCU contract: freed object inaccessible inside a reader",
			    "deref", "c%u.o%u = %p was freed at op %u, after the reader began (op %u); "
			    "its memory is poisoned at offset %td", c, slot, (void *)r->p, r->op,
			    rd->op, (const char *)bad - (const char *)r->p);
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

void shadow_barrier_begin(unsigned int t, int c)
{
	sh.task[t].barrier_seq = sh.task[t].op_seq;
	sh.task[t].barrier_op = sh.task[t].op;
	sh.task[t].barrier_cache = c >= 0 ? sh.cache[c].s : NULL;
}

void shadow_barrier_end(unsigned int t, int c, const char *func)
{
	unsigned long begin = sh.task[t].barrier_seq;
	unsigned int i, late = 0;
	const struct record *first = NULL;
	char name[16];

	for (i = 0; i < sh.rec_hi; i++) {
		const struct record *r = &sh.rec[i];

		if (!r->in_use || r->how != SHADOW_KFREE_RCU || r->given_back)
			continue;
		/* every alias of a merged cache: the barrier is the cache's */
		if ((c >= 0 && (r->c == VM_C || r->s != sh.task[t].barrier_cache)) ||
		    !r->seq_ret || r->seq_ret >= begin)
			continue;
		if (!first)
			first = r;
		late++;
	}
	if (!first)
		return;
	if (!strcmp(func, "kmem_cache_destroy")) {
		vcpu_report(VCPU_REPORT_BUG,
			    "destroy contract: kfree_rcu() object pending after kmem_cache_destroy()",
			    func, "%s = %p was given to kfree_rcu() at op %u, which returned "
			    "before the destroy began (op %u); the kfree_rcu machinery still holds it "
			    "(%u such object(s) of c%u)", rec_name(first, name, sizeof(name)),
			    (void *)first->p, first->op, sh.task[t].barrier_op, late, first->c);
		return;
	}
	vcpu_report(VCPU_REPORT_BUG,
		    c < 0 ? "barrier contract: object pending after kvfree_rcu_barrier()" :
			    "barrier contract: object pending after kvfree_rcu_barrier_on_cache()",
		    func, "%s = %p (%s) was given to kfree_rcu() at op %u, which returned before "
		    "the barrier began (op %u); the kfree_rcu machinery still holds it when the "
		    "barrier returns (%u such object(s))", rec_name(first, name, sizeof(name)),
		    (void *)first->p, first->c == VM_C ? "vmalloc" : model_cache_name(first->s),
		    first->op, sh.task[t].barrier_op, late);
}

/* ------------------------------------------------------------ reports */

/* The newest record of @p, or NULL. */
static const struct record *newest_record(const void *p)
{
	const struct record *best = NULL;
	unsigned int i;

	for (i = 0; i < sh.rec_hi; i++)
		if (sh.rec[i].in_use && sh.rec[i].p == p && (!best || sh.rec[i].seq > best->seq))
			best = &sh.rec[i];
	return best;
}

static void print_one(FILE *out, const char *name, const void *p, unsigned char state)
{
	const struct record *r;

	if (state == SLOT_EMPTY || state == SLOT_RESERVED || !p)
		return;
	fprintf(out, "  %s = %p: ", name, p);
	r = state == SLOT_GONE ? newest_record(p) : NULL;
	if (state == SLOT_LIVE)
		fprintf(out, "live\n");
	else if (r && r->how == SHADOW_KFREE_RCU)
		fprintf(out, "kfree_rcu() at op %u, %s\n", r->op,
			r->given_back ? "given back" : "still in the kfree_rcu machinery");
	else
		fprintf(out, "freed\n");
}

void shadow_print_handles(FILE *out)
{
	unsigned int c, i, n = 0;
	char name[16];

	for (c = 0; c < H_CACHES; c++)
		for (i = 0; i < H_OBJS; i++)
			n += sh.cache[c].s && sh.cache[c].slot[i].state >= SLOT_LIVE;
	for (i = 0; i < H_VAREAS; i++)
		n += sh.vm[i].state >= SLOT_LIVE;
	if (!n)
		return;
	fprintf(out, "harness: the program's objects:\n");
	for (c = 0; c < H_CACHES; c++) {
		if (!sh.cache[c].s)
			continue;
		for (i = 0; i < H_OBJS; i++) {
			snprintf(name, sizeof(name), "c%u.o%u", c, i);
			print_one(out, name, sh.cache[c].slot[i].p, sh.cache[c].slot[i].state);
		}
	}
	for (i = 0; i < H_VAREAS; i++) {
		snprintf(name, sizeof(name), "v%u", i);
		print_one(out, name, sh.vm[i].p, sh.vm[i].state);
	}
}

/* ------------------------------------------------------------ each op */

void shadow_after_op(void)
{
	unsigned int i;

	for (i = 0; i < H_CACHES; i++) {
		if (!sh.cache[i].s)
			continue;
		/* -EBUSY: a context is inside the cache; nothing to check. */
		if (model_cache_validate(sh.cache[i].s, SHADOW_CHECK_LEVEL) == -EUCLEAN)
			vcpu_report(VCPU_REPORT_BUG, "slab structure check failed", "model_cache_validate",
				    "cache c%u (%s): see the model_cache_validate line above", i,
				    model_cache_name(sh.cache[i].s));
	}
	/*
	 * A kfree_rcu() record is done once the machinery gave the object back,
	 * its grace period completed and no reader it must outlast is inside.
	 */
	for (i = 0; i < sh.rec_hi; i++) {
		struct record *r = &sh.rec[i];

		if (r->in_use && r->how == SHADOW_KFREE_RCU && r->given_back && r->seq_ret &&
		    !any_reader_protects(r->seq) && poll_state_synchronize_rcu(r->cookie))
			drop_record(i);
	}
}
