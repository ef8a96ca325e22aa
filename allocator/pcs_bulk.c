// SPDX-License-Identifier: GPL-2.0
/*
 * pcs_bulk.c - struct slub_percpu_sheaves, bulk half: moving many objects
 * between a caller's array and the per-CPU sheaves at once
 * (kmem_cache_alloc_bulk(), kmem_cache_free_bulk()).
 *
 * Both work in batches, each under one hold of the pcs lock, and retake
 * the lock between batches (possibly on another vCPU).  What the sheaves
 * cannot take or give goes to or comes from slabs, which the callers in
 * object.c handle for allocation and free_to_pcs_bulk() handles itself.
 */
#include "internal.h"

/*
 * Bulk allocation uses main, spare and the barn's full sheaves only; once
 * those are gone the rest comes from slabs, which is cheaper than copying
 * pointers into a sheaf and out again.
 */
unsigned int alloc_from_pcs_bulk(struct kmem_cache *s, size_t size, void **p)
{
	struct slub_percpu_sheaves *pcs;
	struct slab_sheaf *main;
	unsigned int allocated = 0;
	unsigned int batch;

next_batch:
	if (!local_trylock(&s->cpu_sheaves->lock))
		return allocated;

	pcs = this_cpu_ptr(s->cpu_sheaves);

	if (unlikely(pcs->main->size == 0)) {
		struct slab_sheaf *full;
		struct node_barn *barn;

		if (unlikely(!cache_has_sheaves(s))) {
			local_unlock(&s->cpu_sheaves->lock);
			return allocated;
		}

		if (pcs->spare && pcs->spare->size > 0) {
			swap(pcs->main, pcs->spare);
			goto do_alloc;
		}

		barn = get_barn(s);
		if (!barn) {
			local_unlock(&s->cpu_sheaves->lock);
			return allocated;
		}

		full = barn_replace_empty_sheaf(barn, pcs->main, true);
		if (full) {
			stat(s, BARN_GET);
			pcs->main = full;
			goto do_alloc;
		}

		stat(s, BARN_GET_FAIL);
		local_unlock(&s->cpu_sheaves->lock);
		return allocated;
	}

do_alloc:
	main = pcs->main;
	batch = min_t(unsigned int, size, main->size);

	main->size -= batch;
	memcpy(p, main->objects + main->size, batch * sizeof(void *));

	local_unlock(&s->cpu_sheaves->lock);

	stat_add(s, ALLOC_PCS, batch);
	allocated += batch;

	if (batch < size) {
		p += batch;
		size -= batch;
		goto next_batch;
	}
	return allocated;
}

/*
 * Bulk free into the sheaves.  Unlike free_to_pcs() it runs the free hooks
 * itself, sends remote-node objects straight to their slabs in batches of
 * PCS_BATCH_MAX, and frees the rest to slabs when no empty sheaf is left.
 * Model: the free hook runs before virt_to_slab(), so that a pointer that
 * is no slab object is reported instead of dereferenced.
 */
void free_to_pcs_bulk(struct kmem_cache *s, size_t size, void **p)
{
	struct slub_percpu_sheaves *pcs;
	struct slab_sheaf *main, *empty;
	unsigned int batch, i = 0;
	struct node_barn *barn;
	void *remote_objects[PCS_BATCH_MAX];
	unsigned int remote_nr = 0;
	int node = numa_mem_id();

	while (i < size) {
		struct slab *slab;

		if (unlikely(!slab_free_hook(s, p[i], false, false))) {
			p[i] = p[--size];
			continue;
		}

		slab = virt_to_slab(p[i]);
		if (unlikely(slab_nid(slab) != node)) {
			remote_objects[remote_nr] = p[i];
			p[i] = p[--size];
			/*
			 * A full batch goes to its slabs here and the scan
			 * goes on (0b7f04a0abb4).  0f35040de593 and the 2026 tree jumped to
			 * flush_remote instead, which returned without freeing
			 * the local objects kept so far when the batch filled
			 * on the last object scanned.
			 */
			if (++remote_nr >= PCS_BATCH_MAX) {
				__kmem_cache_free_bulk(s, remote_nr, &remote_objects[0]);
				remote_nr = 0;
			}
			continue;
		}

		i++;
	}

	if (!size)
		goto flush_remote;

next_batch:
	if (!local_trylock(&s->cpu_sheaves->lock))
		goto fallback;

	pcs = this_cpu_ptr(s->cpu_sheaves);

	if (likely(pcs->main->size < s->sheaf_capacity))
		goto do_free;

	barn = get_barn(s);
	if (!barn)
		goto no_empty;

	if (!pcs->spare) {
		empty = barn_get_empty_sheaf(barn, true);
		if (!empty)
			goto no_empty;

		pcs->spare = pcs->main;
		pcs->main = empty;
		goto do_free;
	}

	if (pcs->spare->size < s->sheaf_capacity) {
		swap(pcs->main, pcs->spare);
		goto do_free;
	}

	empty = barn_replace_full_sheaf(barn, pcs->main, true);
	if (IS_ERR(empty)) {
		stat(s, BARN_PUT_FAIL);
		goto no_empty;
	}

	stat(s, BARN_PUT);
	pcs->main = empty;

do_free:
	main = pcs->main;
	batch = min_t(unsigned int, size, s->sheaf_capacity - main->size);

	memcpy(main->objects + main->size, p, batch * sizeof(void *));
	main->size += batch;

	local_unlock(&s->cpu_sheaves->lock);

	stat_add(s, FREE_PCS, batch);

	if (batch < size) {
		p += batch;
		size -= batch;
		goto next_batch;
	}

	if (remote_nr)
		goto flush_remote;
	return;

no_empty:
	local_unlock(&s->cpu_sheaves->lock);

	/* no empty sheaf in the barn, or too many full ones: to slabs */
fallback:
	__kmem_cache_free_bulk(s, size, p);

	/* the scan is over: only the last, partial remote batch is left */
flush_remote:
	if (remote_nr)
		__kmem_cache_free_bulk(s, remote_nr, &remote_objects[0]);
}
