// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc.c - the kmalloc caches: the size classes (kmalloc_info[],
 * kmalloc_size_index[]), kmalloc_slab(), kmalloc_size_roundup(),
 * create_kmalloc_caches() and bootstrap_kmalloc_sheaves().  kmalloc()
 * itself, __do_kmalloc_node(), is in object.c beside slab_alloc_node(), as
 * in mm/slub.c.
 *
 * A kmalloc cache is created without sheaves, because in the kernel its
 * sheaves and barns are themselves kmalloc()ed: calculate_sizes() leaves
 * its capacity 0 and bootstrap_cache_sheaves() gives it sheaves once
 * every kmalloc cache exists.  kfree() and kfree_rcu() of a kmalloc object
 * then go through those sheaves as for any other cache.
 *
 * Model: only KMALLOC_NORMAL caches, and only those whose sizes the caller
 * named in model_config.kmalloc_sizes (a kernel boots with every size).
 * Building thirteen caches with their sheaves for every input would cost
 * more than the rest of most inputs; a cache no kmalloc() reaches changes
 * nothing but the number of caches the barriers walk.
 */
#include "internal.h"

struct kmem_cache *kmalloc_caches[KMALLOC_SHIFT_HIGH + 1];

/* The object size of each index: 1 and 2 are the two non-power-of-two classes. */
static const struct {
	const char *name;
	unsigned int size;
} kmalloc_info[KMALLOC_SHIFT_HIGH + 1] = {
	[1] = { "kmalloc-96", 96 },	[2] = { "kmalloc-192", 192 },
	[3] = { "kmalloc-8", 8 },	[4] = { "kmalloc-16", 16 },
	[5] = { "kmalloc-32", 32 },	[6] = { "kmalloc-64", 64 },
	[7] = { "kmalloc-128", 128 },	[8] = { "kmalloc-256", 256 },
	[9] = { "kmalloc-512", 512 },	[10] = { "kmalloc-1k", 1024 },
	[11] = { "kmalloc-2k", 2048 },	[12] = { "kmalloc-4k", 4096 },
	[13] = { "kmalloc-8k", 8192 },
};

/* The index for sizes up to 192, by (size - 1) / 8: 96 and 192 fill the gaps. */
static const unsigned char kmalloc_size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6,
	1, 1, 1, 1, 7, 7, 7, 7,
	2, 2, 2, 2, 2, 2, 2, 2,
};

static inline unsigned int size_index_elem(unsigned int bytes)
{
	return (bytes - 1) / 8;
}

/* 1 <= size <= KMALLOC_MAX_CACHE_SIZE */
unsigned int model_kmalloc_index(size_t size)
{
	if (size <= 192)
		return kmalloc_size_index[size_index_elem((unsigned int)size)];
	return fls_u((unsigned int)size - 1);
}

/* The cache that serves @size (<= KMALLOC_MAX_CACHE_SIZE); NULL if not created. */
struct kmem_cache *kmalloc_slab(size_t size, gfp_t flags)
{
	return kmalloc_caches[model_kmalloc_index(size)];
}

unsigned int model_kmalloc_size_bit(size_t size)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return 0;
	return 1u << model_kmalloc_index(size);
}

struct kmem_cache *model_kmalloc_cache(size_t size)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return kmalloc_slab(size, GFP_KERNEL);
}

const char *model_kmalloc_name(size_t size)
{
	return kmalloc_info[model_kmalloc_index(size)].name;
}

/*
 * The size kmalloc() really gives for @size.  Model: read from the size
 * table rather than from the cache's object_size, the same number, so
 * that it also answers for a size whose cache this model did not create.
 */
size_t kmalloc_size_roundup(size_t size)
{
	if (size && size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_info[model_kmalloc_index(size)].size;

	/* above the kmalloc caches, whole pages */
	if (size && size <= KMALLOC_MAX_SIZE)
		return PAGE_SIZE << get_order(size);

	/* 0 (ZERO_SIZE_PTR) and sizes kmalloc() refuses stay as they are */
	return size;
}

/* Under slab_mutex, at model_slab_init(); 0 or -ENOMEM. */
int create_kmalloc_caches(unsigned int model_mask)
{
	unsigned int i;

	for (i = 1; i <= KMALLOC_SHIFT_HIGH; i++) {
		if (!kmalloc_info[i].size || !(model_mask & (1u << i)))
			continue;
		kmalloc_caches[i] = create_kmalloc_cache(kmalloc_info[i].name,
							 kmalloc_info[i].size, 0);
		if (!kmalloc_caches[i])
			return -ENOMEM;
	}
	return 0;
}

/*
 * What init_percpu_sheaves() and init_kmem_cache_nodes() left out for a
 * kmalloc cache: the barns and the main sheaves, then the capacity, which
 * turns the sheaves on.
 */
static int bootstrap_cache_sheaves(struct kmem_cache *s)
{
	struct kmem_cache_args empty_args = {};
	struct kmem_cache_node *n;
	unsigned int capacity, cpu;
	bool failed = false;
	int node;

	capacity = calculate_sheaf_capacity(s, &empty_args);

	/* 0 for a debug cache: it keeps the bootstrap sheaf */
	if (!capacity)
		return 0;

	/* Model: the nodes with memory (2026: slab_barn_nodes), as init_kmem_cache_nodes() */
	for_each_kmem_cache_node(s, node, n) {
		struct node_barn *barn;

		barn = vcpu_alloc(sizeof(*barn), GFP_KERNEL);
		if (!barn) {
			failed = true;
			goto out;
		}

		barn_init(barn);
		s->per_node[node].barn = barn;
	}

	for_each_possible_cpu(cpu) {
		struct slub_percpu_sheaves *pcs;

		pcs = per_cpu_ptr(s->cpu_sheaves, cpu);

		pcs->main = __alloc_empty_sheaf(s, GFP_KERNEL, capacity);
		if (!pcs->main) {
			failed = true;
			break;
		}
	}

out:
	/*
	 * Model: the kernel panics, this early in boot; the model fails its
	 * start instead (model_slab_init() returns -ENOMEM).
	 */
	if (failed)
		return -ENOMEM;

	s->sheaf_capacity = capacity;
	return 0;
}

/* 0, or -ENOMEM from the first cache that could not get its sheaves */
int bootstrap_kmalloc_sheaves(void)
{
	unsigned int i;
	int err;

	for (i = 1; i <= KMALLOC_SHIFT_HIGH; i++) {
		if (!kmalloc_caches[i])
			continue;
		err = bootstrap_cache_sheaves(kmalloc_caches[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * model_slab_exit(), under slab_mutex, before it releases the caches on
 * slab_caches: a kmalloc cache left off the list (kmalloc-unlisted) goes
 * back on it to be released with the others.
 */
void model_kmalloc_exit(void)
{
	unsigned int i;

	for (i = 1; i <= KMALLOC_SHIFT_HIGH; i++)
		if (kmalloc_caches[i] && list_empty(&kmalloc_caches[i]->list))
			list_add(&kmalloc_caches[i]->list, &slab_caches);
	memset(kmalloc_caches, 0, sizeof(kmalloc_caches));
}
