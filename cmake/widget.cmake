# The public/ that proof serves: public/ as it is in the source tree, except proof.js,
# which is minified by esbuild (npm, pinned in package.json and package-lock.json). The
# readable widget stays in public/ for people to read and change; browsers download the
# minified one, so that is the file scripts/widget-size.mjs holds to the budget.
#
# Staged into ${PROOF_PUBLIC_DIR} (build/public): the build tree's binary serves it by
# default (PROOF_SOURCE_PUBLIC_DIR in CMakeLists.txt), cmake/install.cmake installs it, and
# the browser tests run against it. Editing anything in public/ takes a `cmake --build` to
# reach the build tree's server.

set(PROOF_PUBLIC_DIR "${CMAKE_CURRENT_BINARY_DIR}/public")
set(_proof_public_src "${CMAKE_CURRENT_SOURCE_DIR}/public")
set(PROOF_ESBUILD "${CMAKE_CURRENT_SOURCE_DIR}/node_modules/.bin/esbuild")

# esbuild's launcher is a Node.js script until its install step replaces it, so Node.js is
# needed either way.
find_program(PROOF_NODE_EXECUTABLE NAMES node nodejs)
if(NOT PROOF_NODE_EXECUTABLE OR NOT EXISTS "${PROOF_ESBUILD}")
  message(FATAL_ERROR
    "proof: the widget is minified at build time by esbuild from npm, and "
    "${PROOF_ESBUILD} is missing (Node.js: ${PROOF_NODE_EXECUTABLE}). Install Node.js and "
    "npm, then run `npm ci` in ${CMAKE_CURRENT_SOURCE_DIR}: ./scripts/install-deps.sh does "
    "both on Debian 12.")
endif()

# Every file of public/, so that adding, changing or removing one restages the copy.
file(GLOB_RECURSE _proof_public_files CONFIGURE_DEPENDS LIST_DIRECTORIES false
     RELATIVE "${_proof_public_src}" "${_proof_public_src}/*")
set(_proof_public_inputs "")
set(_proof_public_outputs "")
foreach(_file IN LISTS _proof_public_files)
  list(APPEND _proof_public_inputs "${_proof_public_src}/${_file}")
  list(APPEND _proof_public_outputs "${PROOF_PUBLIC_DIR}/${_file}")
endforeach()

# - es2015: what the browsers the widget supports read (it needs EventSource, URL and
#   Intl anyway); the source is written to that level, so nothing is transpiled.
# - `module` undefined: the branch that hands the pure parts to the Node unit tests is
#   dropped from what browsers get.
# - The banner tells whoever opens the served file where the readable one is.
# Minified first, beside the copy: if esbuild fails, the staged copy is left as it was
# (older than its inputs, so the next build tries again) rather than holding the readable
# proof.js under the served name.
set(_proof_minified "${CMAKE_CURRENT_BINARY_DIR}/proof.min.js")
add_custom_command(
  OUTPUT ${_proof_public_outputs}
  COMMAND "${PROOF_ESBUILD}" "${_proof_public_src}/proof.js" --minify --target=es2015
          --define:module=undefined --log-level=warning
          "--banner:js=/* proof.js, minified by esbuild from public/proof.js, the readable source, in proof's repository */"
          "--outfile=${_proof_minified}"
  COMMAND "${CMAKE_COMMAND}" -E rm -rf "${PROOF_PUBLIC_DIR}"
  COMMAND "${CMAKE_COMMAND}" -E copy_directory "${_proof_public_src}" "${PROOF_PUBLIC_DIR}"
  COMMAND "${CMAKE_COMMAND}" -E rename "${_proof_minified}" "${PROOF_PUBLIC_DIR}/proof.js"
  DEPENDS ${_proof_public_inputs} "${PROOF_ESBUILD}"
  COMMENT "Staging public/ with proof.js minified"
  VERBATIM)
add_custom_target(proof_public ALL DEPENDS ${_proof_public_outputs})
