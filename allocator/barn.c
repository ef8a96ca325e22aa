// SPDX-License-Identifier: GPL-2.0
/*
 * barn.c - struct node_barn: the per-node store of full and empty sheaves
 * that the CPUs of a node trade through.
 *
 * The limits MAX_FULL_SHEAVES and MAX_EMPTY_SHEAVES are soft, exactly as in
 * the kernel: they are read without the lock before deciding (a racing
 * putter may push a list past its limit), only barn_replace_full_sheaf()
 * refuses on them, and the two barn_put_*() functions, used to undo an
 * action after a race or a migration, ignore them.  A barn over its limit
 * is therefore not a bug; list lengths that disagree with the counters are.
 */
#include "internal.h"
#include "variant.h"

void barn_init(struct node_barn *barn)
{
	spin_lock_init(&barn->lock);
	INIT_LIST_HEAD(&barn->sheaves_full);
	INIT_LIST_HEAD(&barn->sheaves_empty);
	barn->nr_full = 0;
	barn->nr_empty = 0;
}

/* Takes a sheaf off a barn list; the caller holds barn->lock. */
static struct slab_sheaf *__barn_take(struct node_barn *barn, struct list_head *list,
				      unsigned int *nr)
{
	struct slab_sheaf *sheaf;

	lockdep_assert_held(&barn->lock);
	sheaf = list_first_entry(list, struct slab_sheaf, barn_list);
	list_del(&sheaf->barn_list);
	WRITE_ONCE(*nr, *nr - 1);
	model_sheaf_role(sheaf, MODEL_SHEAF_IN_BARN, MODEL_SHEAF_DETACHED);
	return sheaf;
}

/* Adds a detached sheaf to a barn list; the caller holds barn->lock. */
static void __barn_add(struct node_barn *barn, struct list_head *list,
		       unsigned int *nr, struct slab_sheaf *sheaf)
{
	lockdep_assert_held(&barn->lock);
	model_sheaf_role(sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_IN_BARN);
	list_add(&sheaf->barn_list, list);
	WRITE_ONCE(*nr, *nr + 1);
}

/*
 * spin_trylock_irqsave() of barn->lock, for the !allow_spin callers.
 * Model: it fails only while the lock is held, never by the sim decider's
 * choice as spin_trylock() may: the !allow_spin paths that existing inputs
 * take through here took spin_lock() before, and a trylock that asks the
 * decider would be a decision point they never had.
 */
static bool model_barn_trylock(struct node_barn *barn, unsigned long *flags)
{
	if (spin_is_locked(&barn->lock))
		return false;
	spin_lock_irqsave(&barn->lock, *flags);
	return true;
}

struct slab_sheaf *barn_get_empty_sheaf(struct node_barn *barn, bool allow_spin)
{
	struct slab_sheaf *empty = NULL;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_empty))
		return NULL;

	if (likely(allow_spin))
		spin_lock_irqsave(&barn->lock, flags);
	else if (!model_barn_trylock(barn, &flags))
		return NULL;
	if (likely(barn->nr_empty))
		empty = __barn_take(barn, &barn->sheaves_empty, &barn->nr_empty);
	spin_unlock_irqrestore(&barn->lock, flags);

	return empty;
}

/* For undoing an intended action: no limit is checked. */
void barn_put_empty_sheaf(struct node_barn *barn, struct slab_sheaf *sheaf)
{
	unsigned long flags;

	spin_lock_irqsave(&barn->lock, flags);
	/* M22: the sheaf is listed but nr_empty is not counted up */
	if (variant(VS_M22_BARN_COUNT)) {
		model_sheaf_role(sheaf, MODEL_SHEAF_DETACHED, MODEL_SHEAF_IN_BARN);
		list_add(&sheaf->barn_list, &barn->sheaves_empty);
	} else {
		__barn_add(barn, &barn->sheaves_empty, &barn->nr_empty, sheaf);
	}
	spin_unlock_irqrestore(&barn->lock, flags);
}

/* For undoing an intended action: no limit is checked. */
void barn_put_full_sheaf(struct node_barn *barn, struct slab_sheaf *sheaf)
{
	unsigned long flags;

	spin_lock_irqsave(&barn->lock, flags);
	__barn_add(barn, &barn->sheaves_full, &barn->nr_full, sheaf);
	spin_unlock_irqrestore(&barn->lock, flags);
}

/* A full sheaf if there is one, else an empty one, else NULL. */
struct slab_sheaf *barn_get_full_or_empty_sheaf(struct node_barn *barn)
{
	struct slab_sheaf *sheaf = NULL;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_full) && !READ_ONCE(barn->nr_empty))
		return NULL;

	spin_lock_irqsave(&barn->lock, flags);
	if (barn->nr_full)
		sheaf = __barn_take(barn, &barn->sheaves_full, &barn->nr_full);
	else if (barn->nr_empty)
		sheaf = __barn_take(barn, &barn->sheaves_empty, &barn->nr_empty);
	spin_unlock_irqrestore(&barn->lock, flags);

	return sheaf;
}

/*
 * A full sheaf in exchange for @empty, or NULL if the barn has none.  The
 * empty limit is not checked: the number of sheaves does not change.
 */
struct slab_sheaf *barn_replace_empty_sheaf(struct node_barn *barn,
					    struct slab_sheaf *empty, bool allow_spin)
{
	struct slab_sheaf *full = NULL;
	unsigned long flags;

	if (!READ_ONCE(barn->nr_full))
		return NULL;

	if (likely(allow_spin))
		spin_lock_irqsave(&barn->lock, flags);
	else if (!model_barn_trylock(barn, &flags))
		return NULL;
	if (likely(barn->nr_full)) {
		full = __barn_take(barn, &barn->sheaves_full, &barn->nr_full);
		__barn_add(barn, &barn->sheaves_empty, &barn->nr_empty, empty);
	}
	spin_unlock_irqrestore(&barn->lock, flags);

	return full;
}

/*
 * An empty sheaf in exchange for @full; ERR_PTR(-E2BIG) when the barn holds
 * MAX_FULL_SHEAVES already, ERR_PTR(-ENOMEM) when it has no empty one,
 * ERR_PTR(-EBUSY) when !@allow_spin and the lock is taken.
 */
struct slab_sheaf *barn_replace_full_sheaf(struct node_barn *barn,
					   struct slab_sheaf *full, bool allow_spin)
{
	struct slab_sheaf *empty;
	unsigned long flags;

	/* not repeated under the lock: the limit is soft */
	if (READ_ONCE(barn->nr_full) >= MAX_FULL_SHEAVES)
		return ERR_PTR(-E2BIG);
	if (!READ_ONCE(barn->nr_empty))
		return ERR_PTR(-ENOMEM);

	if (likely(allow_spin))
		spin_lock_irqsave(&barn->lock, flags);
	else if (!model_barn_trylock(barn, &flags))
		return ERR_PTR(-EBUSY);
	if (likely(barn->nr_empty)) {
		empty = __barn_take(barn, &barn->sheaves_empty, &barn->nr_empty);
		__barn_add(barn, &barn->sheaves_full, &barn->nr_full, full);
	} else {
		empty = ERR_PTR(-ENOMEM);
	}
	spin_unlock_irqrestore(&barn->lock, flags);

	return empty;
}

/*
 * Empties the barn: both lists are spliced out under the lock, then the
 * full sheaves are flushed to slabs and every sheaf is freed.
 */
void barn_shrink(struct kmem_cache *s, struct node_barn *barn)
{
	LIST_HEAD(empty_list);
	LIST_HEAD(full_list);
	struct slab_sheaf *sheaf, *sheaf2;
	unsigned long flags;

	spin_lock_irqsave(&barn->lock, flags);
	list_splice_init(&barn->sheaves_full, &full_list);
	WRITE_ONCE(barn->nr_full, 0);
	list_splice_init(&barn->sheaves_empty, &empty_list);
	WRITE_ONCE(barn->nr_empty, 0);
	spin_unlock_irqrestore(&barn->lock, flags);

	list_for_each_entry_safe(sheaf, sheaf2, &full_list, barn_list) {
		model_sheaf_role(sheaf, MODEL_SHEAF_IN_BARN, MODEL_SHEAF_DETACHED);
		sheaf_flush_unused(s, sheaf);
		free_empty_sheaf(s, sheaf);
	}

	list_for_each_entry_safe(sheaf, sheaf2, &empty_list, barn_list) {
		model_sheaf_role(sheaf, MODEL_SHEAF_IN_BARN, MODEL_SHEAF_DETACHED);
		free_empty_sheaf(s, sheaf);
	}
}
