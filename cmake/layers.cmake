# The floors of src/ as libraries that can only look down.
#
#   proof_layer(NAME SOURCES file... [DEPS floor...] [PUBLIC lib...] [PRIVATE lib...])
#
# makes the library proof_NAME (alias proof::NAME) from src/NAME/, linked to the floors
# named in DEPS and nothing else of proof's. Each library compiles against a view of src/
# of its own, build/layers/NAME/, that holds only its own folder and those of DEPS (links to
# src/FLOOR), so `#include "app/config.h"` in src/http/ is "No such file or directory" for
# the compiler itself, and a call into a floor not in DEPS has no symbol to link. The rule
# is the list of proof_layer() calls in CMakeLists.txt: read it there.

function(proof_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 L "" "" "SOURCES;DEPS;PUBLIC;PRIVATE")
  set(view "${CMAKE_BINARY_DIR}/layers/${name}")
  file(MAKE_DIRECTORY "${view}")
  # A floor dropped from DEPS must not stay visible from an earlier configure. file(REMOVE)
  # takes the link away, never what it points to.
  file(GLOB old_links LIST_DIRECTORIES true "${view}/*")
  if(old_links)
    file(REMOVE ${old_links})
  endif()
  foreach(floor IN LISTS L_DEPS ITEMS ${name})
    if(NOT IS_DIRECTORY "${PROJECT_SOURCE_DIR}/src/${floor}")
      message(FATAL_ERROR "proof_layer(${name}): there is no src/${floor}")
    endif()
    file(CREATE_LINK "${PROJECT_SOURCE_DIR}/src/${floor}" "${view}/${floor}" SYMBOLIC)
  endforeach()

  list(TRANSFORM L_SOURCES PREPEND "${PROJECT_SOURCE_DIR}/src/${name}/")
  add_library(proof_${name} STATIC ${L_SOURCES})
  add_library(proof::${name} ALIAS proof_${name})
  target_include_directories(proof_${name} PRIVATE "${view}")
  list(TRANSFORM L_DEPS PREPEND "proof::")
  target_link_libraries(proof_${name} PUBLIC ${L_DEPS} ${L_PUBLIC} PRIVATE ${L_PRIVATE} proof::warnings)
endfunction()
