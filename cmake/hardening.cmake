# Debian's hardening flags from dpkg-buildflags (stack protector, _FORTIFY_SOURCE, format
# checks, full RELRO with BIND_NOW), as a Debian package build applies them, on every target
# defined after this file is included. The optimisation and debug flags stay the build
# type's. Off for sanitizer and fuzzing builds, whose instrumentation they would disturb,
# and for Debug (_FORTIFY_SOURCE needs optimisation).

option(PROOF_HARDENING "Build with dpkg-buildflags' hardening flags (as the .deb needs)" ON)
find_program(DPKG_BUILDFLAGS_EXECUTABLE dpkg-buildflags)
if(NOT PROOF_HARDENING OR NOT DPKG_BUILDFLAGS_EXECUTABLE OR PROOF_SANITIZE OR PROOF_FUZZ
   OR CMAKE_BUILD_TYPE STREQUAL "Debug")
  return()
endif()

set(_proof_hardening_compile "")
set(_proof_hardening_link "")
foreach(_kind CPPFLAGS CXXFLAGS LDFLAGS)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env DEB_BUILD_MAINT_OPTIONS=hardening=+all
            ${DPKG_BUILDFLAGS_EXECUTABLE} --get ${_kind}
    OUTPUT_VARIABLE _flags OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  separate_arguments(_flags UNIX_COMMAND "${_flags}")
  list(FILTER _flags EXCLUDE REGEX "^-(O.*|g.*|ffile-prefix-map=.*|fdebug-prefix-map=.*)$")
  if(_kind STREQUAL "LDFLAGS")
    list(APPEND _proof_hardening_link ${_flags})
  else()
    list(APPEND _proof_hardening_compile ${_flags})
  endif()
endforeach()
add_compile_options(${_proof_hardening_compile})
add_link_options(${_proof_hardening_link})
message(STATUS "proof: hardening flags ${_proof_hardening_compile} ${_proof_hardening_link}")
