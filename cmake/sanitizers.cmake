# Sanitizer builds: -DPROOF_SANITIZE=address (AddressSanitizer + UndefinedBehaviorSanitizer,
# LeakSanitizer included) or -DPROOF_SANITIZE=thread (ThreadSanitizer). The flags go on every
# target defined after this file is included, at compile and at link time, so the server,
# its unit tests and the bench tools are all instrumented alike. scripts/test-sanitizers.sh
# drives both builds; it works with g++ (the default) and clang++.
#
# The Debian cpp-httplib is a prebuilt shared library and is not instrumented: ASan still
# sees its heap use (malloc is intercepted), TSan sees its locking (pthread is intercepted)
# but not its plain memory accesses. cmake/tsan.supp holds suppressions for reports that
# only exist because of that.

set(PROOF_SANITIZE "" CACHE STRING
    "Build with sanitizers: empty (none), 'address' (ASan+UBSan) or 'thread' (TSan)")
set_property(CACHE PROOF_SANITIZE PROPERTY STRINGS "" address thread)

if(PROOF_SANITIZE STREQUAL "")
  return()
elseif(PROOF_SANITIZE STREQUAL "address")
  # Any undefined behaviour aborts (no "recover and carry on"), so a test run cannot pass
  # with a report buried in its log.
  set(_proof_sanitize_flags
      -fsanitize=address,undefined
      -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
elseif(PROOF_SANITIZE STREQUAL "thread")
  set(_proof_sanitize_flags
      -fsanitize=thread
      -fno-omit-frame-pointer)
else()
  message(FATAL_ERROR "PROOF_SANITIZE must be empty, 'address' or 'thread', not '${PROOF_SANITIZE}'")
endif()

add_compile_options(${_proof_sanitize_flags})
add_link_options(${_proof_sanitize_flags})
message(STATUS "proof: sanitizers on (${PROOF_SANITIZE}): ${_proof_sanitize_flags}")
unset(_proof_sanitize_flags)
