// SPDX-License-Identifier: GPL-2.0
/*
 * lockdep.c - lockdep-lite: lock classes, the lock order graph, held locks.
 *
 * Data model.
 *  - A class is found by its key: map->key, or the map itself when the key
 *    is NULL (static locks).  The lookup is cached in the map as
 *    (class_gen, class_idx); the cache is valid while class_gen equals
 *    lockdep_gen, which lockdep_reset() bumps, so maps that outlive a reset
 *    (DEFINE_MUTEX and friends) register again on their next acquisition.
 *    Generation 0 is never valid: a zeroed map always registers.
 *  - lock_order[a] bit b: class b was acquired while class a was held.
 *    Edges are only ever added, and each new one is checked for a path
 *    back (b ->* a) before it goes in; so a cycle is reported the moment
 *    the second order is first taken, whether or not anything would block.
 *  - Held locks live in the task (current->held_locks) and are touched
 *    only by that task, so they need no lock.
 *
 * Locking: graph_lock guards the classes, the hash, the edges and the
 * dependency sites.  The fast path (a known class, a known edge) takes no
 * lock: it reads the class cache and the order bits with atomic loads,
 * and only a new class or a new edge goes to the locked slow path.
 * Reports are made after graph_lock is dropped.
 *
 * Model: recursion is checked per lock instance, not per class, and an
 * edge between two locks of one class is not recorded: the model has no
 * spin_lock_nested() annotations, so nesting two locks of one class is
 * taken to be deliberate.
 */
#include <stdarg.h>
#include <stdio.h>

#include "env_internal.h"

#if defined(SHEAF_ASAN) || defined(SHEAF_TSAN) || defined(SHEAF_MSAN)
#include <sanitizer/common_interface_defs.h>
#ifdef SHEAF_MSAN
#include <sanitizer/msan_interface.h>
#endif
#define LOCKDEP_SYMBOLIZE 1
#endif

#define LOCKDEP_MAX_CLASSES	256
#define LOCKDEP_HASH_SIZE	512	/* power of two, at most half full */
#define LOCKDEP_NO_CLASS	0xffff	/* no class: the table overflowed */
#define LOCKDEP_MAX_SITES	4096
#define ORDER_WORDS		(LOCKDEP_MAX_CLASSES / 64)

struct lock_class {
	const void *key;
	const char *name;	/* of the first map registered with the key */
};

/* Where the edge from -> to was first recorded (for cycle reports). */
struct lock_dep_site {
	unsigned short from, to;
	unsigned long ip;
};

static struct vcpu_spin graph_lock;	/* guards everything below */
static unsigned int lockdep_gen = 1;	/* atomic; bumped by lockdep_reset() */
static struct lock_class lock_classes[LOCKDEP_MAX_CLASSES];
static unsigned int nr_lock_classes;
static unsigned short class_hash[LOCKDEP_HASH_SIZE];	/* class index + 1; 0 empty */
static uint64_t lock_order[LOCKDEP_MAX_CLASSES][ORDER_WORDS];	/* atomic words */
static unsigned int nr_lock_edges;
static struct lock_dep_site dep_sites[LOCKDEP_MAX_SITES];
static unsigned int nr_dep_sites;
static bool class_overflow_reported;

static const char *const wait_type_name[] = {
	[LD_WAIT_INV] = "unchecked",
	[LD_WAIT_SPIN] = "spin",
	[LD_WAIT_CONFIG] = "config",
	[LD_WAIT_SLEEP] = "sleep",
};

/* ---------------------------------------------------------------- helpers */

static inline struct task_struct *lockdep_task(void)
{
	return likely(READ_ONCE(vcpu_env_running)) ? current : NULL;
}

static const char *map_name(const struct lockdep_map *map)
{
	return map->name ? map->name : "(unnamed)";
}

static const char *wait_name(unsigned int wait_type)
{
	return wait_type < ARRAY_SIZE(wait_type_name) ? wait_type_name[wait_type] : "?";
}

/*
 * Where @ip points: "func (file.c:12)" when a sanitizer runtime can
 * symbolize it, else the address.  With @func_only, just the function name,
 * or NULL when it cannot be found.
 */
static const char *ip_str(unsigned long ip, char *buf, size_t size, bool func_only)
{
#ifdef LOCKDEP_SYMBOLIZE
	if (ip) {
		char *dir, *file;

		buf[0] = '\0';
		__sanitizer_symbolize_pc((void *)(ip - 1), func_only ? "%f" : "%f (%s:%l)",
					 buf, size);
#ifdef SHEAF_MSAN
		/* the symbolizer is not instrumented: tell MSan it wrote buf */
		__msan_unpoison(buf, size);
#endif
		if (buf[0] && buf[0] != '?' && buf[0] != '<') {
			/* Keep the file's base name only. */
			file = strchr(buf, '(');
			if (file && (dir = strrchr(file, '/')))
				memmove(file + 1, dir + 1, strlen(dir + 1) + 1);
			return buf;
		}
	}
#endif
	if (func_only)
		return NULL;
	snprintf(buf, size, "%#lx", ip);
	return buf;
}

/* The function to name in a report about the acquisition at @ip. */
static const char *ip_func(unsigned long ip, char *buf, size_t size, const char *fallback)
{
	const char *f = ip_str(ip, buf, size, true);

	return f ? f : fallback;
}

/* A bounded string builder for multi-line report messages. */
struct msgbuf {
	char text[2048];
	size_t len;
};

__printf(2, 3)
static void msg_add(struct msgbuf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (m->len >= sizeof(m->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(m->text + m->len, sizeof(m->text) - m->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->len += (size_t)n;
}

/* ---------------------------------------------------------------- classes */

static inline unsigned int key_hash(const void *key)
{
	uint64_t x = (uintptr_t)key;

	x ^= x >> 21;
	x *= 0x9e3779b97f4a7c15ull;
	return (unsigned int)(x >> 40) & (LOCKDEP_HASH_SIZE - 1);
}

/* Slow path of map_class(): find or create the class, refresh the cache. */
static __attribute__((noinline)) unsigned int register_class(struct lockdep_map *map)
{
	const void *key = map->key ? (const void *)map->key : (const void *)map;
	unsigned int h, idx, gen;
	bool overflow = false;

	vcpu_spin_lock(&graph_lock);
	gen = lockdep_gen;
	for (h = key_hash(key); class_hash[h]; h = (h + 1) & (LOCKDEP_HASH_SIZE - 1)) {
		idx = class_hash[h] - 1u;
		if (lock_classes[idx].key == key)
			goto cache;
	}
	if (nr_lock_classes == LOCKDEP_MAX_CLASSES) {
		/* Model: like the kernel, stop checking order for new classes. */
		idx = LOCKDEP_NO_CLASS;
		overflow = !class_overflow_reported;
		class_overflow_reported = true;
		goto cache;
	}
	idx = nr_lock_classes++;
	lock_classes[idx].key = key;
	lock_classes[idx].name = map_name(map);
	class_hash[h] = (unsigned short)(idx + 1);
cache:
	__atomic_store_n(&map->class_idx, (unsigned short)idx, __ATOMIC_RELAXED);
	__atomic_store_n(&map->class_gen, gen, __ATOMIC_RELEASE);
	vcpu_spin_unlock(&graph_lock);

	if (overflow)
		vcpu_report(VCPU_REPORT_BUG, "lockdep: too many lock classes", "lock_acquire",
			    "\"%s\" needs class %d; lock order is no longer checked for new classes",
			    map_name(map), LOCKDEP_MAX_CLASSES + 1);
	return idx;
}

static inline unsigned int map_class(struct lockdep_map *map)
{
	if (likely(__atomic_load_n(&map->class_gen, __ATOMIC_ACQUIRE) ==
		   __atomic_load_n(&lockdep_gen, __ATOMIC_RELAXED)))
		return __atomic_load_n(&map->class_idx, __ATOMIC_RELAXED);
	return register_class(map);
}

void lockdep_init_map_type(struct lockdep_map *map, const char *name,
			   const struct lock_class_key *key,
			   enum lockdep_wait_type wait_type)
{
	map->name = name;
	map->key = key;
	map->wait_type = (unsigned char)wait_type;
	map->lock_type = LD_LOCK_NORMAL;
	map->class_idx = LOCKDEP_NO_CLASS;
	__atomic_store_n(&map->class_gen, 0, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ order graph */

static inline bool order_test(unsigned int from, unsigned int to)
{
	return (__atomic_load_n(&lock_order[from][to / 64], __ATOMIC_RELAXED) >> (to % 64)) & 1;
}

/*
 * Breadth-first search of the order graph for a shortest path from @from
 * to @to; fills @path with its classes, @from first and @to last, and
 * returns their number, or 0 if there is none.  Under graph_lock.
 */
static unsigned int find_path(unsigned int from, unsigned int to, unsigned short *path)
{
	unsigned short parent[LOCKDEP_MAX_CLASSES], queue[LOCKDEP_MAX_CLASSES];
	uint64_t seen[ORDER_WORDS] = { 0 };
	unsigned int head = 0, tail = 0, words, w, u, v, n;

	words = DIV_ROUND_UP(nr_lock_classes, 64);
	queue[tail++] = (unsigned short)from;
	seen[from / 64] |= 1ull << (from % 64);
	while (head < tail) {
		u = queue[head++];
		if (u == to)
			goto found;
		for (w = 0; w < words; w++) {
			uint64_t next = lock_order[u][w] & ~seen[w];

			seen[w] |= next;
			for (; next; next &= next - 1) {
				v = w * 64 + (unsigned int)__builtin_ctzll(next);
				parent[v] = (unsigned short)u;
				queue[tail++] = (unsigned short)v;
			}
		}
	}
	return 0;
found:
	for (n = 1, v = to; v != from; v = parent[v])
		n++;
	for (w = n, v = to; w-- > 0; v = parent[v])
		path[w] = (unsigned short)v;
	return n;
}

/* Sites below @nr_sites, a count read under graph_lock, no longer change. */
static unsigned long dep_site_ip(unsigned int from, unsigned int to, unsigned int nr_sites)
{
	unsigned int i;

	for (i = 0; i < nr_sites; i++)
		if (dep_sites[i].from == from && dep_sites[i].to == to)
			return dep_sites[i].ip;
	return 0;
}

static void report_cycle(const struct task_struct *t, const struct held_lock *held,
			 const struct lockdep_map *map, unsigned int prev, unsigned long ip,
			 const unsigned short *path, unsigned int len, unsigned int nr_sites);

/*
 * Slow path of lock_acquire(): class @prev (held, acquired at @held->
 * acquire_ip) -> class @cls (being acquired at @ip) is not in the graph.
 * Adds it, and reports when the graph already leads from @cls back to
 * @prev: the two orders together can deadlock.  The report's buffers live
 * in report_cycle()'s frame, not in this one, which runs for every new edge
 * of every input (a sanitizer poisons and unpoisons a frame's buffers at
 * each call).
 */
static __attribute__((noinline)) void
add_dependency(struct task_struct *t, const struct held_lock *held,
	       const struct lockdep_map *map, unsigned int prev, unsigned int cls,
	       unsigned long ip)
{
	unsigned short path[LOCKDEP_MAX_CLASSES];
	unsigned int len, nr_sites;

	vcpu_spin_lock(&graph_lock);
	if (order_test(prev, cls)) {
		/* Another context added it since our lockless look. */
		vcpu_spin_unlock(&graph_lock);
		return;
	}
	len = find_path(cls, prev, path);
	/* Recorded even when it closes a cycle, so the cycle is reported once. */
	__atomic_fetch_or(&lock_order[prev][cls / 64], 1ull << (cls % 64), __ATOMIC_RELAXED);
	nr_lock_edges++;
	if (nr_dep_sites < LOCKDEP_MAX_SITES)
		dep_sites[nr_dep_sites++] = (struct lock_dep_site){ prev, cls, ip };
	nr_sites = nr_dep_sites;
	vcpu_spin_unlock(&graph_lock);
	if (len)
		report_cycle(t, held, map, prev, ip, path, len, nr_sites);
}

/* The cycle add_dependency() found: @path leads from the new class to @prev. */
static __attribute__((noinline)) void
report_cycle(const struct task_struct *t, const struct held_lock *held,
	     const struct lockdep_map *map, unsigned int prev, unsigned long ip,
	     const unsigned short *path, unsigned int len, unsigned int nr_sites)
{
	char where[256], fbuf[128];
	struct msgbuf m;
	unsigned int i;

	/* Classes and sites are append-only until the next reset: safe to read. */
	m.len = 0;
	msg_add(&m, "cycle: %s", lock_classes[prev].name);
	for (i = 0; i < len; i++)
		msg_add(&m, " -> %s", lock_classes[path[i]].name);
	msg_add(&m, "\n%s/%d on vCPU %u acquires %s at %s\n", t->comm, t->pid, t->cpu,
		map_name(map), ip_str(ip, where, sizeof(where), false));
	msg_add(&m, "while holding %s, acquired at %s;\n", lock_classes[prev].name,
		ip_str(held->acquire_ip, where, sizeof(where), false));
	msg_add(&m, "the reverse order was recorded before:");
	for (i = 0; i + 1 < len; i++)
		msg_add(&m, "\n  %s -> %s at %s", lock_classes[path[i]].name,
			lock_classes[path[i + 1]].name,
			ip_str(dep_site_ip(path[i], path[i + 1], nr_sites), where,
			       sizeof(where), false));
	vcpu_report(VCPU_REPORT_BUG, "possible circular locking dependency detected",
		    ip_func(ip, fbuf, sizeof(fbuf), "lock_acquire"), "%s", m.text);
}

/* ---------------------------------------------------------------- reports */

static __attribute__((noinline)) void
report_recursion(const struct task_struct *t, const struct lockdep_map *map,
		 const struct held_lock *held, unsigned long ip)
{
	char where[256], before[256], fbuf[128];

	vcpu_report(VCPU_REPORT_BUG, "possible recursive locking detected",
		    ip_func(ip, fbuf, sizeof(fbuf), "lock_acquire"),
		    "%s/%d on vCPU %u acquires %s at %s, already holding it%s since %s",
		    t->comm, t->pid, t->cpu, map_name(map),
		    ip_str(ip, where, sizeof(where), false),
		    held->read ? " (shared)" : "",
		    ip_str(held->acquire_ip, before, sizeof(before), false));
}

static __attribute__((noinline)) void
report_wait_context(const struct task_struct *t, const struct lockdep_map *map,
		    const struct held_lock *held, unsigned long ip)
{
	char where[256], fbuf[128];

	vcpu_report(VCPU_REPORT_BUG, "Invalid wait context",
		    ip_func(ip, fbuf, sizeof(fbuf), "lock_acquire"),
		    "%s/%d on vCPU %u acquires %s (wait type %s) at %s while holding %s (wait type %s)",
		    t->comm, t->pid, t->cpu, map_name(map), wait_name(map->wait_type),
		    ip_str(ip, where, sizeof(where), false),
		    map_name(held->instance), wait_name(held->instance->wait_type));
}

/* ------------------------------------------------------- acquire, release */

void lock_acquire(struct lockdep_map *map, int trylock, int read, unsigned long ip)
{
	struct task_struct *t = lockdep_task();
	const struct held_lock *wait_conflict = NULL, *recursion = NULL, *ctx = NULL;
	unsigned int cls, prev, depth, i;
	struct held_lock *hl;

	if (unlikely(!t))
		return;
	cls = map_class(map);
	depth = (unsigned int)t->lockdep_depth;
	if (unlikely(depth >= MAX_LOCK_DEPTH))
		vcpu_panic("lockdep: MAX_LOCK_DEPTH too low", "lock_acquire",
			   "%s/%d already holds %u locks and acquires %s",
			   t->comm, t->pid, depth, map_name(map));

	for (i = 0; i < depth; i++) {
		hl = &t->held_locks[i];
		if (unlikely(hl->instance == map) && !trylock && !(read && hl->read))
			recursion = hl;
		/*
		 * The wait context, bottom up: the tightest wait type held, or
		 * what the newest wait-override map above those says.
		 */
		if (hl->instance->wait_type != LD_WAIT_INV &&
		    (!ctx || hl->instance->lock_type == LD_LOCK_WAIT_OVERRIDE ||
		     hl->instance->wait_type < ctx->instance->wait_type))
			ctx = hl;
		/* A trylock cannot wait, so it cannot close a deadlock. */
		if (trylock)
			continue;
		prev = map_class(hl->instance);
		if (prev != cls && prev != LOCKDEP_NO_CLASS && cls != LOCKDEP_NO_CLASS &&
		    unlikely(!order_test(prev, cls)))
			add_dependency(t, hl, map, prev, cls, ip);
	}
	/* Nor can it sleep where it must not: check_wait_context() skips it. */
	if (!trylock && map->wait_type != LD_WAIT_INV && ctx &&
	    unlikely(map->wait_type > ctx->instance->wait_type))
		wait_conflict = ctx;
	if (unlikely(recursion))
		report_recursion(t, map, recursion, ip);
	if (unlikely(wait_conflict))
		report_wait_context(t, map, wait_conflict, ip);

	hl = &t->held_locks[depth];
	hl->instance = map;
	hl->acquire_ip = ip;
	hl->read = read != 0;
	hl->trylock = trylock != 0;
	t->lockdep_depth = (int)depth + 1;
}

static __attribute__((noinline)) void
report_bad_unlock(const struct task_struct *t, const struct lockdep_map *map, unsigned long ip)
{
	char where[256], fbuf[128];

	vcpu_report(VCPU_REPORT_BUG, "bad unlock balance detected",
		    ip_func(ip, fbuf, sizeof(fbuf), "lock_release"),
		    "%s/%d on vCPU %u releases %s at %s, but does not hold it",
		    t->comm, t->pid, t->cpu, map_name(map),
		    ip_str(ip, where, sizeof(where), false));
}

void lock_release(struct lockdep_map *map, unsigned long ip)
{
	struct task_struct *t = lockdep_task();
	unsigned int depth, i;

	if (unlikely(!t))
		return;
	depth = (unsigned int)t->lockdep_depth;
	/* Usually the newest; out-of-order release is allowed, as in the kernel. */
	for (i = depth; i-- > 0;) {
		if (t->held_locks[i].instance != map)
			continue;
		if (i + 1 < depth)
			memmove(&t->held_locks[i], &t->held_locks[i + 1],
				(depth - 1 - i) * sizeof(t->held_locks[0]));
		t->lockdep_depth = (int)depth - 1;
		return;
	}
	report_bad_unlock(t, map, ip);
}

bool lock_is_held_type(const struct lockdep_map *map, int read)
{
	struct task_struct *t = lockdep_task();
	int i;

	if (!t)
		return false;
	for (i = t->lockdep_depth; i-- > 0;) {
		const struct held_lock *hl = &t->held_locks[i];

		if (hl->instance == map && (read < 0 || hl->read == (read != 0)))
			return true;
	}
	return false;
}

void lockdep_assert_failed(const char *what, const char *name, const char *func)
{
	struct task_struct *t = lockdep_task();
	char title[160];

	/* No task, no held-lock tracking: nothing can be said. */
	if (!t)
		return;
	snprintf(title, sizeof(title), "%s(%s) failed", what, name ? name : "?");
	vcpu_report(VCPU_REPORT_BUG, title, func, "%s/%d on vCPU %u, %d lock%s held",
		    t->comm, t->pid, t->cpu, t->lockdep_depth,
		    t->lockdep_depth == 1 ? "" : "s");
}

/* ------------------------------------------------------ state, printing */

void lockdep_reset(void)
{
	unsigned int i, gen;

	vcpu_spin_lock(&graph_lock);
	for (i = 0; i < nr_lock_classes; i++)
		memset(lock_order[i], 0, sizeof(lock_order[i]));
	memset(class_hash, 0, sizeof(class_hash));
	nr_lock_classes = 0;
	nr_lock_edges = 0;
	nr_dep_sites = 0;
	class_overflow_reported = false;
	gen = lockdep_gen + 1;
	__atomic_store_n(&lockdep_gen, gen ? gen : 1, __ATOMIC_RELEASE);
	vcpu_spin_unlock(&graph_lock);
}

void lockdep_print_held_locks(FILE *out, const struct task_struct *task)
{
	char where[256];
	int i;

	if (!task || task->lockdep_depth <= 0)
		return;
	fprintf(out, "held locks: %d by %s/%d:\n", task->lockdep_depth, task->comm,
		task->pid);
	for (i = 0; i < task->lockdep_depth; i++) {
		const struct held_lock *hl = &task->held_locks[i];

		fprintf(out, " #%d: %s%s%s, at %s\n", i, map_name(hl->instance),
			hl->read ? " (shared)" : "", hl->trylock ? " (trylock)" : "",
			ip_str(hl->acquire_ip, where, sizeof(where), false));
	}
}

void lockdep_stats(unsigned int *classes, unsigned int *edges)
{
	vcpu_spin_lock(&graph_lock);
	if (classes)
		*classes = nr_lock_classes;
	if (edges)
		*edges = nr_lock_edges;
	vcpu_spin_unlock(&graph_lock);
}
