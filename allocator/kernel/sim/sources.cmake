# The deterministic backend (see sim/sim_internal.h for its data model).
set(SHEAF_ENV_SIM_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/fiber.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/sched.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/decide.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/plan.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/trace.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/env.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/lock.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/rcu.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/workqueue.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/work_timer.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim/hotplug.c
)
