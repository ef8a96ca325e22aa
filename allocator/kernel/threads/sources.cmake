# The threads backend: pthreads for contexts and locks, liburcu (urcu-memb)
# for RCU.  urcu_glue.c is the only file that includes liburcu's headers.
set(SHEAF_ENV_THREADS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/vcpu.c
  ${CMAKE_CURRENT_LIST_DIR}/token.c
  ${CMAKE_CURRENT_LIST_DIR}/lock.c
  ${CMAKE_CURRENT_LIST_DIR}/hotplug.c
  ${CMAKE_CURRENT_LIST_DIR}/workqueue.c
  ${CMAKE_CURRENT_LIST_DIR}/worker.c
  ${CMAKE_CURRENT_LIST_DIR}/flush.c
  ${CMAKE_CURRENT_LIST_DIR}/delayed_work.c
  ${CMAKE_CURRENT_LIST_DIR}/rcu.c
  ${CMAKE_CURRENT_LIST_DIR}/urcu_glue.c
)
