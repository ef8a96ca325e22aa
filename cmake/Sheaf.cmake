# Helpers shared by every CMakeLists.txt of the project.  Flags are set per
# target through these functions, never through global CMAKE_C_FLAGS.

set(SHEAF_ALL_TARGETS "" CACHE INTERNAL "")
set(SHEAF_ALL_TESTS "" CACHE INTERNAL "")

# sheaf_target(<target> [BACKEND sim|threads])
# Warnings, the sanitizer, the debug level and, with BACKEND, the include
# path that selects the backend's env_types.h.
function(sheaf_target tgt)
  cmake_parse_arguments(A "" "BACKEND" "" ${ARGN})
  # -fno-strict-overflow: the kernel's C dialect (its top-level Makefile),
  # in which signed and pointer arithmetic wrap; the model's code is written
  # in it, so no build may assume that they do not.
  target_compile_options(${tgt} PRIVATE -Wall -Wextra -Wno-unused-parameter
                         -Wno-sign-compare -Wno-missing-field-initializers
                         $<$<COMPILE_LANGUAGE:C>:-Wno-override-init>
                         -g -fno-omit-frame-pointer -fno-strict-overflow)
  if(SHEAF_WERROR)
    target_compile_options(${tgt} PRIVATE -Werror)
  endif()
  target_compile_definitions(${tgt} PRIVATE SHEAF_DEBUG_LEVEL=${SHEAF_DEBUG_LEVEL})
  if(SHEAF_SANITIZER STREQUAL "address")
    # No sibling calls: a tail call leaves no frame, so ASan's stacks of an
    # allocation and of a free would skip the model's functions that end in
    # one (kmem_cache_destroy() -> kmem_cache_release() -> vcpu_free() ->
    # free() showed as free() called from the harness).
    #
    # UBSan checks what a kernel built with CONFIG_UBSAN=y checks by default
    # (lib/Kconfig.ubsan: array bounds, shift, bool and enum loads) and two
    # checks it offers (integer division by zero, unreachable), not clang's
    # whole "undefined" group: with -fno-strict-overflow signed and pointer
    # overflow are no bug, alignment is off by default where unaligned
    # access is cheap (x86), null and object-size are what ASan reports
    # anyway.  The rest of the group was 10% of a fuzz_ops input
    # (docs/fuzzing.md, "Third round").
    set(san -fsanitize=address,array-bounds,shift,integer-divide-by-zero,unreachable,bool,enum
            -fno-sanitize-recover=all -fno-optimize-sibling-calls)
    target_compile_definitions(${tgt} PRIVATE SHEAF_ASAN=1)
  elseif(SHEAF_SANITIZER STREQUAL "thread")
    set(san -fsanitize=thread)
    target_compile_definitions(${tgt} PRIVATE SHEAF_TSAN=1)
  elseif(SHEAF_SANITIZER STREQUAL "memory")
    set(san -fsanitize=memory -fsanitize-memory-track-origins)
    target_compile_definitions(${tgt} PRIVATE SHEAF_MSAN=1)
  else()
    set(san "")
  endif()
  if(SHEAF_COVERAGE)
    list(APPEND san -fprofile-instr-generate -fcoverage-mapping)
    target_compile_definitions(${tgt} PRIVATE SHEAF_COVERAGE=1)
  endif()
  if(san)
    target_compile_options(${tgt} PRIVATE ${san})
    get_target_property(type ${tgt} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_link_options(${tgt} PRIVATE ${san})
    else()
      target_link_options(${tgt} INTERFACE ${san})
    endif()
  endif()
  if(A_BACKEND)
    # -iquote, not -I: allocator/kernel/sched.h must not shadow <sched.h>
    # for system headers such as <pthread.h>.
    target_compile_options(${tgt} PRIVATE
      "SHELL:-iquote ${PROJECT_SOURCE_DIR}/allocator/kernel/${A_BACKEND}"
      "SHELL:-iquote ${PROJECT_SOURCE_DIR}/allocator/kernel"
      "SHELL:-iquote ${PROJECT_SOURCE_DIR}/allocator")
    string(TOUPPER ${A_BACKEND} up)
    target_compile_definitions(${tgt} PRIVATE SHEAF_BACKEND_${up}=1)
  endif()
  set(SHEAF_ALL_TARGETS ${SHEAF_ALL_TARGETS} ${tgt} CACHE INTERNAL "")
endfunction()

# The backends this build has.
function(sheaf_backends out)
  if(SHEAF_BUILD_THREADS)
    set(${out} sim threads PARENT_SCOPE)
  else()
    set(${out} sim PARENT_SCOPE)
  endif()
endfunction()

# sheaf_add_test(<name> SOURCES <files...> [BACKENDS sim threads]
#                [LINK <libs...>] [LABELS <labels...>] [ARGS <args...>]
#                [DEATH <regex>] [TIMEOUT <s>])
# One executable and one ctest per backend, named <name>_<backend>.  A DEATH
# test passes only when the program exits non-zero *and* its output matches
# the regex (tests/expect_death.sh), so a report that does not abort fails.
function(sheaf_add_test name)
  cmake_parse_arguments(A "" "DEATH;TIMEOUT" "SOURCES;BACKENDS;LINK;LABELS;ARGS" ${ARGN})
  if(NOT A_BACKENDS)
    set(A_BACKENDS sim)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  sheaf_backends(have)
  foreach(be ${A_BACKENDS})
    if(NOT be IN_LIST have)
      continue()
    endif()
    set(exe ${name}_${be})
    add_executable(${exe} ${A_SOURCES})
    sheaf_target(${exe} BACKEND ${be})
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    foreach(lib ${A_LINK})
      target_link_libraries(${exe} PRIVATE ${lib}_${be})
    endforeach()
    target_link_libraries(${exe} PRIVATE sheaf_env_${be})
    if(A_DEATH)
      add_test(NAME ${exe} COMMAND ${PROJECT_SOURCE_DIR}/tests/expect_death.sh
               "${A_DEATH}" $<TARGET_FILE:${exe}> ${A_ARGS})
    else()
      add_test(NAME ${exe} COMMAND ${exe} ${A_ARGS})
    endif()
    set(labels ${A_LABELS} ${be})
    set_tests_properties(${exe} PROPERTIES LABELS "${labels}" TIMEOUT ${A_TIMEOUT})
    if(be STREQUAL "threads" AND SHEAF_SANITIZER STREQUAL "thread")
      set_tests_properties(${exe} PROPERTIES ENVIRONMENT
        "TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/allocator/kernel/threads/tsan.supp halt_on_error=1 second_deadlock_stack=1")
    endif()
    set(SHEAF_ALL_TESTS ${SHEAF_ALL_TESTS} ${exe} CACHE INTERNAL "")
  endforeach()
endfunction()

function(sheaf_print_summary)
  sheaf_backends(be)
  list(LENGTH SHEAF_ALL_TESTS ntests)
  message(STATUS "sheaf-fuzz ${PROJECT_VERSION}: ${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}, build type '${CMAKE_BUILD_TYPE}'")
  message(STATUS "  sanitizer:   ${SHEAF_SANITIZER}")
  message(STATUS "  coverage:    ${SHEAF_COVERAGE}")
  message(STATUS "  backends:    ${be}")
  message(STATUS "  debug level: ${SHEAF_DEBUG_LEVEL}")
  message(STATUS "  tests:       ${ntests} (SHEAF_BUILD_TESTS=${SHEAF_BUILD_TESTS})")
  # SHEAF_FUZZ_TARGETS is a CACHE INTERNAL list that harness/CMakeLists.txt
  # fills (and empties at each configure), so it is seen here at the top.
  if(SHEAF_FUZZ_TARGETS)
    list(JOIN SHEAF_FUZZ_TARGETS " " fuzz)
  else()
    set(fuzz "none (SHEAF_FUZZ=${SHEAF_FUZZ}; the fuzz preset builds them)")
  endif()
  message(STATUS "  fuzz targets: ${fuzz}")
endfunction()
