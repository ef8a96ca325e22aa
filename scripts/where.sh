#!/usr/bin/env bash
# where.sh - where the model implements a kernel function.
#
#   scripts/where.sh FUNCTION...   one line per definition found:
#                                  FUNCTION  MODEL-FILE:LINE  KERNEL-FILE
#   scripts/where.sh --list        every function the model defines, same form
#   scripts/where.sh --table       the rows of the per-function table of
#                                  docs/kernel.md, as they are now
#   scripts/where.sh --update      rewrites that table in docs/kernel.md
#   scripts/where.sh --check       exit 1 unless docs/kernel.md's table is
#                                  what --table prints (ctest kernel_doc)
#
# Definitions are found the way ctags finds them: a line at column 0 that
# names a function and is not a declaration (the signature is followed by
# "{", not ";").  The files searched are allocator/*.[ch] and
# allocator/kernel/ with its two backends.
#
# The kernel file comes from two small tables below: the file a model file
# follows (its header comment says so: rcu_sheaf.c is the mm/slub.c half of
# kfree_rcu(), kvfree_rcu.c the mm/slab_common.c half), and the functions
# of a model file that come from another kernel file (cache.c holds both
# halves of cache creation).  Model-only functions (the model_ and vcpu_
# prefixes, check.c, variant.c) say "model-only".
#
# A kernel function the model keeps under another name (its 0f35040de593
# name, or a function the model folds into its caller) is found through the
# alias table: "where.sh get_from_partial" answers with the model's
# get_partial().
#
# Exit status: 0 found (or the table is in step), 1 a function is not in
# the model (or the table drifted), 2 usage error.
set -uo pipefail

prog=where.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# SHEAF_KERNEL_DOC: another copy of docs/kernel.md to --check or --update (the test does)
doc=${SHEAF_KERNEL_DOC:-$root/docs/kernel.md}

usage() {
	cat <<'EOF'
usage: scripts/where.sh FUNCTION...
       scripts/where.sh --list | --table | --update | --check | --help

FUNCTION...  for each kernel function, the model's definition(s):
             "FUNCTION  FILE:LINE  KERNEL-FILE"; a kernel name the model
             spells differently (an alias) is followed to the model's
             name and printed as "KERNEL-NAME (model: NAME)  FILE:LINE ..."
--list       every function defined under allocator/, same columns
--table      the markdown rows of docs/kernel.md's per-function table
--update     rewrite that table in docs/kernel.md from --table
--check      compare docs/kernel.md's table with --table (ctest kernel_doc)
--help       this text

Exit status: 0 found / in step; 1 a FUNCTION is not in the model, or the
table in docs/kernel.md differs from --table; 2 usage error.
EOF
}

# shellcheck source=scripts/lib/usage.sh
. "$root/scripts/lib/usage.sh"

# The kernel file each model file follows.
kernel_file_of_model_file() {
	case $1 in
	allocator/barn.c | allocator/flush.c | allocator/node.c | allocator/object.c | \
	allocator/pcs.c | allocator/pcs_bulk.c | allocator/rcu_sheaf.c | allocator/sheaf.c | \
	allocator/slab.c | allocator/internal.h)
		echo mm/slub.c ;;
	allocator/barrier.c | allocator/cache.c | allocator/kvfree_rcu.c | \
	allocator/kvfree_rcu_bulk.c | allocator/kvfree_rcu.h | allocator/kmalloc.c)
		echo mm/slab_common.c ;;
	allocator/kasan.c) echo mm/kasan/ ;;
	allocator/vmalloc.c | allocator/vmalloc.h) echo mm/vmalloc.c ;;
	allocator/slab.h) echo include/linux/slab.h ;;
	allocator/check.c | allocator/check.h | allocator/variant.c | allocator/variant.h | \
	allocator/variant_main.c | allocator/model_trace.h)
		echo model-only ;;
	allocator/kernel/lockdep.[ch]) echo "environment (kernel/locking/lockdep.c)" ;;
	allocator/kernel/percpu.[ch]) echo "environment (mm/percpu.c)" ;;
	allocator/kernel/*/rcu.c | allocator/kernel/rcupdate.h) echo "environment (kernel/rcu/)" ;;
	allocator/kernel/*/workqueue.c | allocator/kernel/*/delayed_work.c | \
	allocator/kernel/*/work_timer.c | allocator/kernel/*/flush.c | allocator/kernel/workqueue.h)
		echo "environment (kernel/workqueue.c)" ;;
	allocator/kernel/*/hotplug.c | allocator/kernel/cpuhotplug.h) echo "environment (kernel/cpu.c)" ;;
	allocator/kernel/*) echo environment ;;
	*) echo "?" ;;
	esac
}

# Functions of a model file that come from another kernel file.
kernel_file_override() {
	case $1 in
	calculate_sizes | calc_slab_order | calculate_order | order_objects | \
	do_kmem_cache_create | __kmem_cache_release | slab_mem_going_offline_callback | \
	calculate_sheaf_capacity | bootstrap_cache_sheaves | bootstrap_kmalloc_sheaves)
		echo mm/slub.c ;;
	kmalloc_slab | size_index_elem | is_kmalloc_cache | is_kmalloc_normal | cache_has_sheaves)
		echo mm/slab.h ;;
	slab_free_hook | slab_post_alloc_hook | setup_object)
		echo mm/slub.c ;;
	slab_address | slab_nid | __obj_to_index) echo mm/slab.h ;;
	kasan_quarantine_put | kasan_quarantine_remove_cache | qlink_free) echo mm/kasan/quarantine.c ;;
	kasan_cache_shrink | kasan_cache_shutdown) echo mm/kasan/generic.c ;;
	kasan_slab_free | kasan_slab_pre_free | kasan_poison_slab) echo mm/kasan/common.c ;;
	kasan_report_invalid_free) echo mm/kasan/report.c ;;
	get_order) echo include/asm-generic/getorder.h ;;
	model_* | vcpu_* | fls_u | kasan_redzone | map_top | map_mid | map_leaf | slab_map_*) echo model-only ;;
	*) return 1 ;;
	esac
}

# Kernel name -> the model's name for it.
alias_of() {
	case $1 in
	get_from_partial) echo get_partial ;;
	get_from_partial_node) echo get_partial_node ;;
	get_from_any_partial) echo get_any_partial ;;
	flush_cpu_sheaves) echo flush_cpu_slab ;;
	sheaf_try_flush_main) echo sheaf_flush_main ;;
	refill_objects) echo __kmem_cache_alloc_bulk ;;
	___slab_alloc) echo __slab_alloc_node ;;
	__kmalloc_nolock_noprof) echo kmalloc_nolock ;;
	__kmem_cache_shrink) echo kmem_cache_shrink ;;
	kmem_cache_alloc_noprof) echo kmem_cache_alloc ;;
	kmem_cache_alloc_node_noprof) echo kmem_cache_alloc_node ;;
	kmem_cache_alloc_bulk_noprof) echo kmem_cache_alloc_bulk ;;
	__kmem_cache_create_args) echo kmem_cache_create ;;
	slab_kmem_cache_release) echo kmem_cache_release ;;
	*) return 1 ;;
	esac
}

# "NAME FILE LINE" for every function definition under allocator/.
definitions() {
	(cd "$root" && awk '
	function finish(   tail, nxt) {
		tail = sig
		gsub(/\/\*[^*]*\*\//, "", tail)
		sub(/[ \t]+$/, "", tail)
		if (tail ~ /\{/)
			print pending, FILENAME, pline
		else if (tail !~ /;$/ && tail !~ /=/ && (getline nxt) > 0 && nxt ~ /^\{/)
			print pending, FILENAME, pline
		pending = ""
	}
	FNR == 1 { pending = "" }
	{
		line = $0
		if (pending != "") {
			sig = sig " " line
			depth += gsub(/\(/, "(", line) - gsub(/\)/, ")", line)
			if (depth <= 0)
				finish()
			next
		}
		if (line !~ /^[A-Za-z_]/ || line ~ /^(typedef|enum|union|extern|#)/ ||
		    line ~ /^struct [A-Za-z_0-9]+ *\{/)
			next
		# attribute macros in front of the name: __printf(2, 3), __attribute__((x))
		scan = line
		while (match(scan, /(__attribute__|__printf)[ \t]*\(/)) {
			pre = substr(scan, 1, RSTART - 1)
			scan = substr(scan, RSTART + RLENGTH)
			d = 1
			while (d > 0 && scan != "") {
				c = substr(scan, 1, 1)
				scan = substr(scan, 2)
				d += (c == "(") - (c == ")")
			}
			scan = pre " " scan
		}
		if (!match(scan, /[A-Za-z_][A-Za-z0-9_]*\(/))
			next
		name = substr(scan, RSTART, RLENGTH - 1)
		if (name ~ /^(DEFINE_|DECLARE_|EXPORT_)/)
			next
		pending = name
		pline = FNR
		sig = scan
		rest = substr(scan, RSTART)
		depth = gsub(/\(/, "(", rest) - gsub(/\)/, ")", rest)
		if (depth <= 0)
			finish()
	}' allocator/*.c allocator/*.h allocator/kernel/*.c allocator/kernel/*.h \
		allocator/kernel/sim/*.c allocator/kernel/threads/*.c)
}

kernel_file() {	# NAME FILE
	kernel_file_override "$1" || kernel_file_of_model_file "$2"
}

# where NAME: the "FILE:LINE" of each definition, one a line.
where() {
	printf '%s\n' "$defs" | awk -v n="$1" '$1 == n { print $2 ":" $3 }'
}

lookup() {	# prints the lines for one FUNCTION; returns 1 if not found
	local fn=$1 name shown loc found=1

	name=$fn
	shown=$fn
	if [ -z "$(where "$fn")" ] && name=$(alias_of "$fn"); then
		shown="$fn (model: $name)"
	else
		name=$fn
	fi
	while read -r loc; do
		[ -n "$loc" ] || continue
		printf '%s  %s  %s\n' "$shown" "$loc" "$(kernel_file "$name" "${loc%%:*}")"
		found=0
	done <<<"$(where "$name")"
	return $found
}

# The per-function table: path | kernel function | kernel file when the
# model has no definition ("-": from the tables above) | the comparison.
# Read side by side with mm/slub.c at 0e11b80a0c12 and mm/slab_common.c at
# 251665cee7e4 (docs/kernel.md says how); a row names the kernel's function.
table_rows() {
	cat <<'EOF'
alloc|kmem_cache_alloc_noprof|-|same order: slab_alloc_node() with NUMA_NO_NODE; no trace point, and the admission gate (model_cache_enter()) around it
alloc|kmem_cache_alloc_node_noprof|-|same order, as above with the node
alloc|slab_alloc_node|-|differs: no slab_pre_alloc_hook() (should_failslab()), no kfence_alloc(), no maybe_wipe_obj_freeptr(); the sheaves are always tried, and a cache without them fails on the bootstrap sheaf, as in 2026
alloc|alloc_from_pcs|-|same order; no strict_numa mempolicy step; alloc_flags passed to __pcs_replace_empty_main(); the node check uses slab_nid() (2026: page_to_nid()); stat ALLOC_PCS (2026: ALLOC_FASTPATH)
alloc|__pcs_replace_empty_main|-|differs: may block iff alloc_flags_allow_spinning() and gfpflags_allow_blocking() (2026: the first only); with no spare or barn sheaf it calls alloc_full_sheaf() (2026: alloc_empty_sheaf() then refill_sheaf(), a failed refill flushed before the free); relocks with local_lock() (2026: local_trylock(), else the full sheaf goes to the barn); an empty main goes to the barn even without a spare (2026: it becomes the spare)
alloc|barn_replace_empty_sheaf|-|same order; the !allow_spin trylock fails only while barn->lock is held (model_barn_trylock(): no decider question); kmalloc_nolock() passes false, every other caller true
alloc|barn_get_empty_sheaf|-|same order; the !allow_spin trylock fails only while barn->lock is held (model_barn_trylock(): no decider question)
alloc|alloc_empty_sheaf|-|differs: refused under __GFP_NO_OBJ_EXT (2026: SLAB_ALLOC_NO_RECURSE in alloc_flags, OBJCGS_CLEAR_MASK cleared); memory from vcpu_alloc(), not kmalloc()
alloc|__alloc_empty_sheaf|-|differs: as alloc_empty_sheaf(), which calls it with s->sheaf_capacity
alloc|__do_kmalloc_node|-|differs: no large kmalloc (above KMALLOC_MAX_CACHE_SIZE: NULL), no kasan_kmalloc() poisoning of the tail past the requested size, no trace point; KMALLOC_NORMAL only, and only the caches named in model_config.kmalloc_sizes exist (a missing one WARNs and fails)
alloc|__kmalloc_nolock_noprof|-|differs: no __CMPXCHG_DOUBLE refusal (the model's slabs change under n->list_lock, which it trylocks), no PREEMPT_RT or uniprocessor NMI refusal, no kasan_kmalloc(); the retry size's cache must be in model_config.kmalloc_sizes; the admission gate around each try
alloc|kmalloc_slab|-|differs: KMALLOC_NORMAL only, no kmem_buckets and no kmalloc token
alloc|kmalloc_size_roundup|-|differs: reads the size table, not the cache's object_size (the same figure, and an answer for a cache the model did not create)
alloc|refill_sheaf|-|differs: fills through __kmem_cache_alloc_bulk(), all or nothing (2026: refill_objects() may fill part of it); same stat, same -ENOMEM
alloc|alloc_full_sheaf|mm/slub.c|not in the 2026 mm/slub.c: __pcs_replace_empty_main() does its two steps itself
alloc|___slab_alloc|-|differs: the model's __slab_alloc_node() is ___slab_alloc() without the strict_numa step of the kernel's __slab_alloc_node(); no try_thisnode round with GFP_NOWAIT and __GFP_THISNODE (a requested node limits the partial search, see get_from_partial); the object of a new slab comes from alloc_single_from_new_slab() (2026: alloc_from_new_slab() for caches without debugging); no retry after a failed take, no set_track()
alloc|get_from_partial|-|differs: a requested node never falls back to other nodes (2026: only with __GFP_THISNODE)
alloc|get_from_partial_node|-|differs: the first partial slab, one object under list_lock through alloc_single_from_partial() (2026: walks the list, skips pfmemalloc mismatches, cmpxchg of freelist and counters); the trylock form for SLAB_ALLOC_TRYLOCK as 2026
alloc|get_from_any_partial|-|differs: nodes in index order above min_partial; no zonelist, cpuset or remote_node_defrag_ratio coin
alloc|alloc_single_from_partial|-|same order without the debug checks (alloc_debug_processing(), add_full())
alloc|alloc_single_from_new_slab|-|differs: used for every cache (2026: debug caches only); takes the object, inc_slabs_node() and add_partial() under one list_lock hold; no freelist to build; for SLAB_ALLOC_TRYLOCK the list_lock is trylocked and the new slab freed when that fails, as 2026 (__free_slab(), the model's free_new_slab_nolock())
alloc|new_slab|-|same order without kmalloc_fix_flags() and the gfp masks
alloc|allocate_slab|-|differs: the node is chosen by slab_alloc_nid() (memory has no node); the freelist and setup_object() for every object are done here (2026: build_slab_freelist() and next_slab_obj() as objects are taken); no obj_exts, no frozen flag
alloc|slab_post_alloc_hook|-|differs: the KASAN-like unpoison and the __GFP_ZERO memset only; no kmemleak, KMSAN, alloc tagging or memcg
alloc|refill_objects|-|differs: one function for refills and bulk allocation (2026: refill_objects() under __kmem_cache_alloc_bulk()): the local node's partial slabs, other nodes above min_partial, then new slabs; all or nothing
free|kmem_cache_free|-|differs: cache_from_obj() always (CONFIG_SLAB_FREELIST_HARDENED): after the WARN the object goes to its own cache (2026: warn_free_bad_obj() leaks it); a pointer outside any slab is reported as an invalid free
free|kfree|-|differs: no large kmalloc, so a pointer outside any slab is reported as an invalid free; no trace point
free|slab_free|-|differs: the sheaves take an object iff its slab is on numa_mem_id() (2026: can_free_to_pcs(), which also refuses pfmemalloc slabs); no memcg or alloc-tag hook; the slab free goes through do_slab_free()
free|slab_free_hook|-|differs: kasan_slab_pre_free(), the SLUB_RCU_DEBUG delay of a TYPESAFE object when model_config.slub_rcu_debug is on (op rcu_debug; no kasan_record_aux_stack()), and the poison-or-quarantine of kasan_slab_free() only; no kmemleak, KMSAN, debug objects, KCSAN or KFENCE
free|slab_free_after_rcu_debug|-|same order without the KFENCE check; __slab_free() through do_slab_free(), which counts FREE_SLOWPATH
free|free_to_pcs|-|same order; allow_spin as 2026 (kfree_nolock()), down to the barn's trylock forms; stat FREE_PCS (2026: FREE_FASTPATH)
free|__pcs_replace_full_main|-|same order; allow_spin passed to barn_get_empty_sheaf() and barn_replace_full_sheaf() (-EBUSY when the trylock fails)
free|__pcs_install_empty_sheaf|-|same order
free|barn_replace_full_sheaf|-|same order; -EBUSY when the !allow_spin trylock fails, which happens only while barn->lock is held (model_barn_trylock(): no decider question)
free|barn_put_full_sheaf|-|same order
free|barn_put_empty_sheaf|-|same order
free|sheaf_try_flush_main|-|same order, __sheaf_flush_main_batch() inlined; 2026 also has sheaf_flush_main(), the local_lock() form pcs_flush_all() uses
free|__kmem_cache_free_bulk|-|differs: groups of one slab's objects as slices of the array, no kfence_free(); each group to do_slab_free()
free|build_detached_freelist|-|differs: the group is a slice of the array, not a freelist through the objects; the cache comes from cache_from_obj(); no large kmalloc
free|do_slab_free|mm/slub.c|not in the 2026 mm/slub.c (its cpu-slab fast path went with the cpu slabs): forwards to __slab_free()
free|__slab_free|-|differs: under n->list_lock instead of the cmpxchg loop; the same decisions (a full slab goes to the tail of the partial list, an empty one beyond min_partial is discarded), with dec_slabs_node() under the lock; no on_node_partial test, since the model's refills never take a partial slab off its list
free|discard_slab|-|differs: no dec_slabs_node() (its callers did it under list_lock); stat FREE_SLAB counted here
free|free_slab|-|same order without the SLAB_CONSISTENCY_CHECKS walk
free|rcu_free_slab|-|same order
free|__free_slab|-|differs: the slab's memory goes back to the system (vcpu_free()), no page flags; a TYPESAFE_BY_RCU slab is checked for its grace period
free|kvfree|-|same order
kfree_rcu|kvfree_call_rcu|-|differs: the sheaf path without the PREEMPT_RT test (a !PREEMPT_RT kernel); no kasan_record_aux_stack() or kmemleak_ignore(); the monitor is scheduled without the rcu_scheduler_active test; channel 3 keeps the object's start in head->func (the 0f35040de593 form; 2026 links a struct kvfree_rcu_head and finds the start with kvmalloc_obj_start_addr())
kfree_rcu|kfree_rcu_sheaf|-|same order; no free_flags for PREEMPT_RT
kfree_rcu|__kfree_rcu_sheaf|-|same order, without the PREEMPT_RT WARN; SLAB_ALLOC_TRYLOCK for !allow_spin (the model's GFP_NOWAIT; the irq_work that defers call_rcu() with interrupts off is modelled, and so is lock_map_acquire_try(kfree_rcu_sheaf_map), variant h3 without it); a fresh sheaf left over after a failed relock or a racing install goes to the barn (2026: __free_empty_sheaf()); the full sheaf's node is numa_mem_id() (2026: numa_node_id())
kfree_rcu|rcu_free_sheaf|-|same order, get_barn_node() of the sheaf's node (none on a memoryless node, which has one in 2026); no pfmemalloc flush
kfree_rcu|__rcu_free_sheaf_prepare|-|same order without the memcg and alloc-tag hooks and the pfmemalloc answer
kfree_rcu|rcu_free_sheaf_nobarn|-|same order
kfree_rcu|add_ptr_to_bulk_krc_lock|-|same order
kfree_rcu|__schedule_delayed_monitor_work|-|same order
kfree_rcu|kfree_rcu_monitor|-|same order
kfree_rcu|kvfree_rcu_drain_ready|-|same order
kfree_rcu|kvfree_rcu_queue_batch|-|same order
kfree_rcu|kfree_rcu_work|-|same order
kfree_rcu|kvfree_rcu_bulk|-|same order without rcu_lock_acquire(&rcu_callback_map) and the trace points; cond_resched() for cond_resched_tasks_rcu_qs()
kfree_rcu|kvfree_rcu_list|-|differs: the object's start is read from head->func (see kvfree_call_rcu)
kfree_rcu|run_page_cache_worker|-|differs: no rcu_scheduler_active test; page_cache_work is queued at once on system_wq (2026: a 0-delay hrtimer queues it on system_highpri_wq)
kfree_rcu|kfree_rcu_shrink_count|-|same order
kfree_rcu|kfree_rcu_shrink_scan|-|same order
flush|flush_all|-|same order
flush|flush_all_cpus_locked|-|same order
flush|has_pcs_used|-|same order
flush|flush_cpu_sheaves|-|same order, under its 0f35040de593 name
flush|pcs_flush_all|-|differs: the main sheaf is flushed by the trylock loop (2026: sheaf_flush_main() with local_lock())
flush|sheaf_flush_unused|-|same order
flush|flush_rcu_sheaf|-|same order
flush|flush_rcu_sheaves_on_cache|-|same order, with 67ea9d353d0b's lockdep_assert_cpus_held(); sfw->skip is set to false and tested (it exists for M9)
flush|flush_all_rcu_sheaves|-|same order: deferred_work_barrier() before rcu_barrier() (variant m21 without it)
flush|__kmem_cache_shrink|mm/slub.c|differs: folded into kmem_cache_shrink(): kasan_cache_shrink(), flush_all(), __kmem_cache_do_shrink()
flush|__kmem_cache_do_shrink|-|same order: every node's s->per_node[].barn first
flush|barn_shrink|-|same order
flush|slab_mem_going_offline_callback|-|same order
barrier|kvfree_rcu_barrier|-|same order
barrier|kvfree_rcu_barrier_on_cache|-|same order, deferred_work_barrier() between cpus_read_unlock() and rcu_barrier() (variant m21 without it)
barrier|__kvfree_rcu_barrier|-|same order
barrier|deferred_work_barrier|mm/slub.c|same order: irq_work_sync() of every possible CPU's deferred work (allocator/kernel/irq_work.c: an irq_work is carried by a work item)
destroy|kmem_cache_destroy|-|differs: kasan_check_byte() is a lookup among live caches; the SLUB_RCU_DEBUG rcu_barrier() when model_config.slub_rcu_debug is on (variant rcu-debug-no-destroy-barrier without it); deferred_work_barrier() before the hotplug lock (variant deferred-barrier-after-shutdown moves it after the shutdown); no sysfs or debugfs; a cache that kept objects goes on a list of leaked caches
destroy|kasan_cache_shutdown|-|same order
destroy|__kmem_cache_shutdown|-|same order: every node's s->per_node[].barn first
destroy|free_partial|-|same order, with dec_slabs_node() under the lock
destroy|list_slab_objects|-|differs: one report listing up to eight objects; slab errors counted for the KUnit case
destroy|__kmem_cache_empty|-|same order
destroy|slab_kmem_cache_release|-|differs: kmem_cache_release() and slab_kmem_cache_release() in one, without kfence and sysfs; checks first that no rcu_free_slab() callback will read the cache
destroy|__kmem_cache_release|-|same order without cache_random_seq_destroy() and the stats
destroy|pcs_destroy|-|same order
destroy|free_kmem_cache_nodes|-|same order: the barns of every node first, then the nodes
hotplug|slub_cpu_dead|-|same order
hotplug|__pcs_flush_all_cpu|-|same order
hotplug|slub_cpu_setup|mm/slub.c|not in the model: 2026 gives a node its barns when its first CPU comes up (slab_barn_nodes); the model's barns exist from cache creation, in s->per_node[] of each node with memory
hotplug|slab_mem_going_online_callback|mm/slub.c|not in the model: no node gains memory at run time
create|__kmem_cache_create_args|-|differs: argument checks of its own; merging (find_mergeable(), refcount) only when model_config.slab_merge is set (op create_mergeable), a cache given a sheaf_capacity never merges; no kstrdup_const()
create|create_cache|-|same order
create|do_kmem_cache_create|-|same order (cpu_sheaves for every cache, the nodes, then the sheaves) without the random sequence, the stats and sysfs
create|init_percpu_sheaves|-|same order; the bootstrap sheaf is a file-scope static (2026: a static inside the function)
create|init_kmem_cache_nodes|-|same order (the nodes, then the barns in s->per_node[]); differs: barns for the nodes with memory only (2026: the N_ONLINE nodes of slab_barn_nodes, memoryless ones too)
create|calculate_sheaf_capacity|-|same order and figures (sizeof(struct slab_sheaf) taken as the kernel's 32 bytes), no CONFIG_SLUB_TINY and no SLAB_NO_OBJ_EXT boot caches; args->model_default_sheaf_capacity, when set, replaces the size-based figure before the max() with args->sheaf_capacity
create|calculate_sizes|-|differs: the model's layout (free pointer, redzone); the capacity last, skipped for KMALLOC_NORMAL caches, as in 2026
create|create_kmalloc_caches|-|differs: KMALLOC_NORMAL only, the sizes named in model_config.kmalloc_sizes, at model_slab_init(); no setup_kmalloc_cache_index_table() (the 96 and 192 classes always exist)
create|create_kmalloc_cache|-|differs: create_boot_cache()'s alignment and create_cache() in one; refcount 1, on slab_caches (so mergeable caches may merge into it)
create|bootstrap_kmalloc_sheaves|-|same order over the caches that exist
create|bootstrap_cache_sheaves|-|same order; barns in s->per_node[] for the nodes with memory (2026: slab_barn_nodes); a failure fails model_slab_init() instead of panic()
EOF
}

print_table() {
	local path fn kfile note loc name shown first alias
	echo "| path | kernel function | model | kernel file | order of operations |"
	echo "|---|---|---|---|---|"
	while IFS='|' read -r path fn kfile note; do
		name=$fn
		if [ -z "$(where "$fn")" ] && alias=$(alias_of "$fn"); then
			name=$alias
		fi
		shown="\`$fn\`"
		[ "$name" = "$fn" ] || shown="\`$fn\` (model: \`$name\`)"
		loc=$(where "$name" | head -1)
		if [ -z "$loc" ]; then
			echo "| $path | $shown | not modelled | $kfile | $note |"
			continue
		fi
		first=$(kernel_file "$name" "${loc%%:*}")
		[ "$kfile" = - ] && kfile=$first
		echo "| $path | $shown | \`$loc\` | $kfile | $note |"
	done < <(table_rows)
}

begin_mark='<!-- where.sh --table: begin -->'
end_mark='<!-- where.sh --table: end -->'

doc_table() {
	awk -v b="$begin_mark" -v e="$end_mark" '
		$0 == e { inside = 0 }
		inside { print }
		$0 == b { inside = 1; seen = 1 }
		END { if (!seen) exit 3 }' "$doc"
}

mode=lookup
fns=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--list) mode=list ;;
	--table) mode=table ;;
	--update) mode=update ;;
	--check) mode=check ;;
	--) shift; fns+=("$@"); break ;;
	-*) die_usage "unknown option $1" ;;
	*) fns+=("$1") ;;
	esac
	shift
done

if [ "$mode" = lookup ] && [ ${#fns[@]} -eq 0 ]; then
	die_usage "name a function, or give --list, --table, --update or --check"
fi
if [ "$mode" != lookup ] && [ ${#fns[@]} -gt 0 ]; then
	die_usage "--$mode takes no function name"
fi

defs=$(definitions)

case $mode in
lookup)
	rc=0
	for fn in "${fns[@]}"; do
		if ! lookup "$fn"; then
			echo "$prog: $fn: not defined in the model" >&2
			rc=1
		fi
	done
	exit $rc ;;
list)
	printf '%s\n' "$defs" | sort -k2,2 -k3,3n | while read -r name file line; do
		printf '%s  %s:%s  %s\n' "$name" "$file" "$line" "$(kernel_file "$name" "$file")"
	done
	exit 0 ;;
table)
	print_table
	exit 0 ;;
update | check)
	[ -f "$doc" ] || { echo "$prog: $doc is missing" >&2; exit 1; }
	now=$(print_table)
	if ! old=$(doc_table); then
		echo "$prog: docs/kernel.md has no '$begin_mark' line" >&2
		exit 1
	fi
	if [ "$mode" = check ]; then
		if [ "$old" = "$now" ]; then
			echo "$prog: docs/kernel.md's table is in step with the sources"
			exit 0
		fi
		echo "$prog: docs/kernel.md's table differs from 'scripts/where.sh --table' (run scripts/where.sh --update):"
		diff <(printf '%s\n' "$old") <(printf '%s\n' "$now")
		exit 1
	fi
	tmp=$(mktemp)
	TABLE=$now awk -v b="$begin_mark" -v e="$end_mark" '
		$0 == b { print; print ENVIRON["TABLE"]; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }' "$doc" >"$tmp" && cat "$tmp" >"$doc"
	rm -f "$tmp"
	echo "$prog: rewrote the table in docs/kernel.md"
	exit 0 ;;
esac
