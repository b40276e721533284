# The WordPress plugin (integrations/wordpress/) as the zip that Plugins > Add New >
# Upload Plugin takes: one top folder, proof/, holding proof.php and the rest. Built with
# `cmake -E tar --format=zip`, so no zip tool is needed.
#
#   ${PROOF_WORDPRESS_ZIP}  (build/proof-wordpress.zip), installed to share/proof/

set(_proof_wp_src "${CMAKE_CURRENT_SOURCE_DIR}/integrations/wordpress")
set(_proof_wp_stage "${CMAKE_CURRENT_BINARY_DIR}/wordpress")
set(PROOF_WORDPRESS_ZIP "${CMAKE_CURRENT_BINARY_DIR}/proof-wordpress.zip")

# The plugin says its version twice for WordPress (the header of proof.php and readme.txt's
# Stable tag) and once for itself (VERSION): all three must be proof's.
foreach(_place IN ITEMS "proof.php|^ \\* Version: " "proof.php|^const VERSION = " "readme.txt|^Stable tag: ")
  string(REPLACE "|" ";" _place "${_place}")
  list(GET _place 0 _file)
  list(GET _place 1 _regex)
  file(STRINGS "${_proof_wp_src}/${_file}" _line REGEX "${_regex}")
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" _version "${_line}")
  if(NOT _version STREQUAL PROJECT_VERSION)
    message(FATAL_ERROR "integrations/wordpress/${_file}: the version (${_version}) is not "
                        "proof's ${PROJECT_VERSION}: proof.php's header and VERSION, and "
                        "readme.txt's Stable tag, follow project() in CMakeLists.txt")
  endif()
endforeach()

file(GLOB_RECURSE _proof_wp_files CONFIGURE_DEPENDS LIST_DIRECTORIES false
     RELATIVE "${_proof_wp_src}" "${_proof_wp_src}/*")
list(SORT _proof_wp_files)
set(_proof_wp_inputs "")
set(_proof_wp_members "")
foreach(_file IN LISTS _proof_wp_files)
  list(APPEND _proof_wp_inputs "${_proof_wp_src}/${_file}")
  list(APPEND _proof_wp_members "proof/${_file}")
endforeach()

add_custom_command(
  OUTPUT "${PROOF_WORDPRESS_ZIP}"
  COMMAND "${CMAKE_COMMAND}" -E rm -rf "${_proof_wp_stage}"
  COMMAND "${CMAKE_COMMAND}" -E copy_directory "${_proof_wp_src}" "${_proof_wp_stage}/proof"
  COMMAND "${CMAKE_COMMAND}" -E rm -f "${PROOF_WORDPRESS_ZIP}"
  COMMAND "${CMAKE_COMMAND}" -E chdir "${_proof_wp_stage}"
          "${CMAKE_COMMAND}" -E tar cf "${PROOF_WORDPRESS_ZIP}" --format=zip -- ${_proof_wp_members}
  DEPENDS ${_proof_wp_inputs}
  COMMENT "Packing the WordPress plugin into proof-wordpress.zip"
  VERBATIM)
add_custom_target(proof_wordpress ALL DEPENDS "${PROOF_WORDPRESS_ZIP}")
